//! What a media file is (modality, duration, size), asked of
//! `clickprint-udf probe`: this binary never links ffmpeg (chDB must not
//! share a process with it), and the probe decodes only the start.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// What the probe tells.
#[derive(Debug, Clone, Deserialize)]
pub struct Probe {
    /// `image`, `audio` or `video`.
    pub modality: String,
    /// ffmpeg's container name.
    pub container: String,
    /// Declared duration, ms (0 for images and when not declared).
    pub duration_ms: u64,
    /// Picture width (0 without pictures).
    pub width: u32,
    /// Picture height.
    pub height: u32,
}

/// Probes `file` with the UDF executable `udf`, within `timeout`.
///
/// # Errors
/// [`Error::Media`] with the decoder's words for media it refuses;
/// [`Error::Io`] when the executable cannot run.
pub async fn probe(udf: &Path, file: &Path, timeout: Duration) -> Result<Probe> {
    let stdout = run(
        udf,
        &["probe".as_ref(), file.as_os_str()],
        timeout,
        "probing",
    )
    .await?;
    serde_json::from_slice(&stdout).map_err(|e| {
        Error::Media(format!(
            "the probe's answer did not parse ({e}): {}",
            String::from_utf8_lossy(&stdout)
        ))
    })
}

/// Makes the previews of `file` (thumbnail, frames, waveform) in `dir`
/// with `clickprint-udf preview`, within `timeout`.
///
/// # Errors
/// As [`probe`].
pub async fn previews(udf: &Path, file: &Path, dir: &Path, timeout: Duration) -> Result<()> {
    let args = ["preview".as_ref(), file.as_os_str(), dir.as_os_str()];
    run(udf, &args, timeout, "making previews of").await?;
    Ok(())
}

/// Runs the UDF executable with `args` and returns what it printed.
async fn run(
    udf: &Path,
    args: &[&std::ffi::OsStr],
    timeout: Duration,
    doing: &str,
) -> Result<Vec<u8>> {
    let child = tokio::process::Command::new(udf)
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(timeout, child)
        .await
        .map_err(|_| Error::Media(format!("{doing} the media took longer than {timeout:?}")))?
        .map_err(|e| Error::io(format!("running {}", udf.display()), e))?;
    if !output.status.success() {
        let words = String::from_utf8_lossy(&output.stderr);
        let words = words.trim().trim_start_matches("error: ");
        return Err(Error::Media(words.to_owned()));
    }
    Ok(output.stdout)
}
