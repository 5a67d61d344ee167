//! Session 34 measurement (not for main): every corpus picture's layout
//! thumbnail in grey (as the product makes it) and in colour (R, G, B at
//! the same 96 px, made the same way: decoded at the still working size,
//! area-resampled to 256 px, then to the layout's size), and whether the
//! product keeps its layout. For a Python study of a colour layout.
//!
//! Usage: `colour_dump REFERENCES QUERIES OUT` writes OUT.tsv (one line a
//! file: list, index, kept, width, height, byte offset) and OUT.bin
//! (each file's grey, R, G, B planes, width x height bytes each).

use std::io::Write;
use std::path::Path;

use clickprint_core::fingerprint::layout::Layout;
use clickprint_core::fingerprint::local::working_picture;
use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::media::Kind;
use clickprint_core::records::{Payload, Use};
use clickprint_media::decode::{self, IMAGE_WORKING_SIZE, Limits, Rgb, Sink};

mod pairs;
use pairs::fingerprinted;

/// Keeps a still picture's grey and colour at the working size.
#[derive(Default)]
struct Grab {
    luma: Option<Luma>,
    rgb: Option<Rgb>,
}

impl Sink for Grab {
    fn begin(&mut self, _: Kind) {}
    fn picture(&mut self, _: u32, luma: &Luma) {
        self.luma.get_or_insert_with(|| luma.clone());
    }
    fn audio(&mut self, _: &[f32]) {}
    fn satisfied(&self) -> bool {
        self.rgb.is_some()
    }
    fn wants_colour(&mut self, _: u32) -> Option<u32> {
        Some(IMAGE_WORKING_SIZE)
    }
    fn colour(&mut self, _: u32, picture: &Rgb) {
        self.rgb.get_or_insert_with(|| picture.clone());
    }
}

/// The grey thumbnail, R, G, B thumbnails (each as `Layout::of` makes
/// it), and whether the product keeps a layout for `usage`.
fn planes(path: &str, usage: Use, limits: &Limits) -> Option<(bool, Vec<Layout>)> {
    let kept = fingerprinted(path, usage, limits)?
        .into_iter()
        .any(|r| matches!(r.payload, Payload::Layout(_)));
    let mut grab = Grab::default();
    decode::decode(Path::new(path), &limits.for_use(usage), &mut grab).ok()?;
    let (luma, rgb) = (grab.luma?, grab.rgb?);
    let mut out = vec![Layout::of(&working_picture(&luma))];
    for c in 0..3 {
        let channel: Vec<u8> = rgb.pixels.iter().skip(c).step_by(3).copied().collect();
        let plane = Luma::new(rgb.width, rgb.height, channel);
        out.push(Layout::of(&working_picture(&plane)));
    }
    Some((kept, out))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() == 4, "usage: colour_dump REFERENCES QUERIES OUT");
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut files: Vec<(String, usize, String, Use)> = Vec::new();
    for (n, l) in read(&args[1]).lines().enumerate() {
        files.push(("ref".into(), n, l.to_owned(), Use::Library));
    }
    for (n, l) in read(&args[2]).lines().enumerate() {
        let f = l.split('\t').next().unwrap_or_default().to_owned();
        files.push(("query".into(), n, f, Use::Query));
    }
    let limits = Limits::default();
    let threads = 2;
    let done: Vec<(usize, Option<(bool, Vec<Layout>)>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (files, limits) = (&files, &limits);
                s.spawn(move || {
                    (t..files.len())
                        .step_by(threads)
                        .map(|i| {
                            if i % 200 == 0 {
                                eprintln!("{i} of {}", files.len());
                            }
                            (i, planes(&files[i].2, files[i].3, limits))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let mut done = done;
    done.sort_by_key(|d| d.0);
    let mut tsv = std::fs::File::create(format!("{}.tsv", args[3])).unwrap();
    let mut bin = std::fs::File::create(format!("{}.bin", args[3])).unwrap();
    let mut offset = 0usize;
    for (i, got) in done {
        let (list, n, path, _) = &files[i];
        match got {
            None => writeln!(tsv, "{list}\t{n}\t-\t0\t0\t{offset}\t{path}").unwrap(),
            Some((kept, planes)) => {
                let (w, h) = (planes[0].width, planes[0].height);
                writeln!(tsv, "{list}\t{n}\t{}\t{w}\t{h}\t{offset}\t{path}", u8::from(kept)).unwrap();
                for p in &planes {
                    assert_eq!((p.width, p.height), (w, h), "{path}");
                    bin.write_all(&p.pixels).unwrap();
                    offset += p.pixels.len();
                }
            }
        }
    }
}
