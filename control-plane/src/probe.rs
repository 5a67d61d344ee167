//! What a media file is (modality, duration, size), asked of
//! `clickprint-udf probe`: this binary never links ffmpeg (chDB must not
//! share a process with it), and the probe decodes only the start.

use std::path::Path;
use std::time::Duration;

pub use clickprint_core::answers::{Previews, Probe};
use clickprint_core::error_code::ErrorCode;

use crate::error::{Error, Result};

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
    answer(&stdout, "probe")
}

/// Makes the previews of `file` (thumbnail, frames, waveform) in `dir`
/// with `clickprint-udf preview`, within `timeout`.
///
/// # Errors
/// As [`probe`].
pub async fn previews(udf: &Path, file: &Path, dir: &Path, timeout: Duration) -> Result<Previews> {
    let args = ["preview".as_ref(), file.as_os_str(), dir.as_os_str()];
    let stdout = run(udf, &args, timeout, "making previews of").await?;
    answer(&stdout, "preview")
}

/// The executable's answer, one JSON line of the type both sides share.
fn answer<T: serde::de::DeserializeOwned>(stdout: &[u8], command: &str) -> Result<T> {
    serde_json::from_slice(stdout).map_err(|e| Error::Executable {
        code: ErrorCode::Ours,
        words: format!(
            "the {command} answer did not parse ({e}): {}",
            String::from_utf8_lossy(stdout)
        ),
    })
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
        let stderr = String::from_utf8_lossy(&output.stderr);
        // An executable that died without its coded line (killed, crashed)
        // failed for a reason of ours, not the media's.
        return Err(
            Error::from_executable(&stderr).unwrap_or_else(|| Error::Executable {
                code: ErrorCode::Ours,
                words: format!("{} failed: {}", udf.display(), stderr.trim()),
            }),
        );
    }
    Ok(output.stdout)
}
