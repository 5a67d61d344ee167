//! Views of an extracted fingerprint for people (`clickprint fingerprint`,
//! which runs `clickprint-udf inspect`): a short text summary, or every hash
//! and landmark as JSON.

use serde_json::{Value, json};

use clickprint_core::bits::hex;
use clickprint_core::fingerprint::profile::Axis;
use clickprint_core::keys;
use clickprint_core::media::MediaFingerprint;

/// Every extracted value, as JSON.
pub fn to_json(fp: &MediaFingerprint) -> Value {
    let frames: Vec<Value> = fp
        .frames
        .iter()
        .map(|f| {
            json!({
                "time_ms": f.time_ms,
                "hash": f.visual.hash.to_hex(),
                "flipped": f.visual.flipped.to_hex(),
                "quality": f.visual.quality,
                "scene_cut": f.scene_cut,
                "keys": keys::visual_keys(&f.visual).len(),
            })
        })
        .collect();
    let local: Vec<Value> = fp
        .local
        .iter()
        .map(|l| {
            json!({
                "time_ms": l.time_ms,
                "keypoints": l.features.keypoints.iter().map(|k| json!({
                    "x": k.x,
                    "y": k.y,
                    "scale": k.scale,
                    "angle": k.angle,
                    "descriptor": hex(&k.descriptor),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let profiles: Vec<Value> = fp
        .profiles
        .iter()
        .map(|p| {
            json!({
                "axis": axis_name(p.axis),
                "samples": p.samples,
                "keys": keys::profile_keys(p, false).len(),
            })
        })
        .collect();
    let audio = fp.audio.as_ref().map(|a| {
        json!({
            "duration_ms": a.duration_ms,
            "landmarks": a.landmarks.iter().map(|l| json!([l.hash, l.time_ms()])).collect::<Vec<_>>(),
        })
    });
    json!({
        "kind": fp.info.kind.as_str(),
        "container": fp.info.container,
        "duration_ms": fp.info.duration_ms,
        "width": fp.info.width,
        "height": fp.info.height,
        "frames_decoded": fp.info.frames_decoded,
        "decode_errors": fp.info.decode_errors,
        "frames": frames,
        "local": local,
        "profiles": profiles,
        "layout": fp.layout.as_ref().map(|l| json!({
            "width": l.width,
            "height": l.height,
            "complexity": l.complexity(),
            "keys": keys::layout_keys(l).len(),
        })),
        "audio": audio,
        "elapsed_ms": fp.elapsed.as_secs_f64() * 1000.0,
    })
}

/// A short summary: what the file is, what was kept, how long it took.
pub fn to_text(fp: &MediaFingerprint) -> String {
    let info = &fp.info;
    let mut out = format!(
        "kind: {}\ncontainer: {}\nduration: {:.3} s\n",
        info.kind.as_str(),
        info.container,
        info.duration_ms as f64 / 1000.0
    );
    if info.width > 0 {
        out += &format!(
            "picture: {}x{}, {} decoded, {} kept\n",
            info.width,
            info.height,
            info.frames_decoded,
            fp.frames.len()
        );
    }
    for f in fp.frames.iter().take(5) {
        out += &format!(
            "  {:>9.3} s  {}  quality {:>3}{}\n",
            f64::from(f.time_ms) / 1000.0,
            f.visual.hash.to_hex(),
            f.visual.quality,
            if f.scene_cut { "  cut" } else { "" }
        );
    }
    if fp.frames.len() > 5 {
        out += &format!("  ... {} more (--json shows all)\n", fp.frames.len() - 5);
    }
    if !fp.local.is_empty() {
        let keypoints: usize = fp.local.iter().map(|l| l.features.keypoints.len()).sum();
        out += &format!(
            "local features: {keypoints} keypoints on {} picture(s)\n",
            fp.local.len()
        );
    }
    for p in &fp.profiles {
        out += &format!(
            "profile: {}, {} keys (the picture varies one way)\n",
            axis_name(p.axis),
            keys::profile_keys(p, false).len()
        );
    }
    if let Some(l) = &fp.layout {
        out += &format!(
            "layout: {}x{}, complexity {:.2}, {} blob keys (a soft picture)\n",
            l.width,
            l.height,
            l.complexity(),
            keys::layout_keys(l).len()
        );
    }
    if let Some(audio) = &fp.audio {
        out += &format!(
            "audio: {} landmarks over {:.3} s\n",
            audio.landmarks.len(),
            audio.duration_ms as f64 / 1000.0
        );
    }
    if info.decode_errors > 0 {
        out += &format!("damaged packets skipped: {}\n", info.decode_errors);
    }
    out += &format!("time: {:.1} ms\n", fp.elapsed.as_secs_f64() * 1000.0);
    out
}

/// `columns` or `rows`.
fn axis_name(axis: Axis) -> &'static str {
    match axis {
        Axis::Columns => "columns",
        Axis::Rows => "rows",
    }
}
