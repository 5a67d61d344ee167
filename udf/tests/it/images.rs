//! Image copies: each transformed copy stays within the match distance of
//! its original; different pictures stay apart.

use crate::media::{IMAGE_MATCH_DISTANCE, UNRELATED_DISTANCE, Workdir, picture, picture_distance};

/// Distinct generated photographs-to-be (640x480, one frame each).
const ORIGINALS: &[(&str, &str)] = &[
    ("mandelbrot", "mandelbrot=s=640x480:start_scale=1.5"),
    ("testsrc2", "testsrc2=s=640x480"),
    ("smpte-bars", "smptehdbars=s=640x480"),
    (
        "mandelbrot-far",
        "mandelbrot=s=640x480:start_x=-0.74:start_y=0.15:start_scale=0.05",
    ),
];

/// The transformations a copy goes through, as ffmpeg output arguments.
const COPIES: &[(&str, &[&str], &str)] = &[
    ("jpeg-q20", &["-q:v", "20"], "jpg"),
    ("webp-q10", &["-quality", "10"], "webp"),
    ("resize-0.5x", &["-vf", "scale=iw/2:ih/2"], "png"),
    ("resize-2x", &["-vf", "scale=iw*2:ih*2"], "png"),
    ("brightness+", &["-vf", "eq=brightness=0.15"], "png"),
    ("brightness-", &["-vf", "eq=brightness=-0.15"], "png"),
    ("contrast", &["-vf", "eq=contrast=1.4"], "png"),
    ("grayscale", &["-vf", "format=gray"], "png"),
    ("noise", &["-vf", "noise=alls=25:allf=u"], "png"),
    (
        "caption-bar",
        &[
            "-vf",
            "drawbox=x=0:y=ih-40:w=iw:h=30:color=black@0.6:t=fill",
        ],
        "png",
    ),
    ("hflip", &["-vf", "hflip"], "png"),
];

/// Copies the global hash does not survive (measured, see the crate
/// README): crops, and an opaque logo on some pictures. They wait for the
/// crop- and overlay-robust descriptors.
const NEEDS_ROBUST_DESCRIPTORS: &[(&str, &[&str], &str)] = &[
    (
        "logo-overlay",
        &[
            "-vf",
            "drawbox=x=iw-130:y=ih-70:w=110:h=50:color=white@0.8:t=fill",
        ],
        "png",
    ),
    ("crop-10%", &["-vf", "crop=iw*0.9:ih*0.9"], "png"),
];

#[test]
fn transformed_copies_match_their_original_and_not_the_others() {
    let failures = match_matrix("images", COPIES);
    assert!(
        failures.is_empty(),
        "expected own <= {IMAGE_MATCH_DISTANCE} and others > {UNRELATED_DISTANCE}; failed:\n{}",
        failures.join("\n")
    );
}

#[test]
#[ignore = "the global hash fails these; the crop- and overlay-robust descriptors are not built yet"]
fn crops_and_overlays_match() {
    let failures = match_matrix("images-robust", NEEDS_ROBUST_DESCRIPTORS);
    assert!(failures.is_empty(), "failed:\n{}", failures.join("\n"));
}

/// Fingerprints every original and every copy; returns the failures and
/// prints the whole table (own distance, nearest other original).
fn match_matrix(test: &str, copies: &[(&str, &[&str], &str)]) -> Vec<String> {
    let work = Workdir::new(test);
    let mut originals = Vec::new();
    for (name, source) in ORIGINALS {
        let path = work.ffmpeg(
            &["-f", "lavfi", "-i", source, "-frames:v", "1"],
            &format!("{name}.png"),
        );
        originals.push((*name, path.clone(), picture(&path)));
    }
    let mut failures = Vec::new();
    let mut table = String::new();
    for (name, path, original) in &originals {
        for (copy, args, ext) in copies {
            let copy_path = work.transform(path, args, &format!("{name}-{copy}.{ext}"));
            let query = picture(&copy_path);
            let own = picture_distance(&query, original);
            let nearest_other = originals
                .iter()
                .filter(|(other, _, _)| other != name)
                .map(|(_, _, fp)| picture_distance(&query, fp))
                .min()
                .expect("more than one original");
            table +=
                &format!("{name:>15} {copy:>13}: own {own:>3}, nearest other {nearest_other:>3}\n");
            if own > IMAGE_MATCH_DISTANCE || nearest_other <= UNRELATED_DISTANCE {
                failures.push(format!(
                    "{name} {copy}: own {own}, nearest other {nearest_other}"
                ));
            }
        }
    }
    eprintln!("{table}");
    failures
}

#[test]
fn originals_are_far_apart() {
    let work = Workdir::new("images-apart");
    let prints: Vec<_> = ORIGINALS
        .iter()
        .map(|(name, source)| {
            picture(&work.ffmpeg(
                &["-f", "lavfi", "-i", source, "-frames:v", "1"],
                &format!("{name}.png"),
            ))
        })
        .collect();
    for (i, a) in prints.iter().enumerate() {
        for (j, b) in prints.iter().enumerate().skip(i + 1) {
            let d = picture_distance(a, b);
            assert!(
                d > UNRELATED_DISTANCE,
                "{} vs {}: {d}",
                ORIGINALS[i].0,
                ORIGINALS[j].0
            );
        }
    }
}
