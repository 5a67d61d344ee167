//! Media references made local: a path or `file://` URL as it is, an
//! `http(s)://` URL downloaded under the fetch policy into a temporary
//! file; and the records of a reference, decoded and fingerprinted.

use std::path::{Path, PathBuf};

use clickprint_core::media::MediaFingerprint;
use clickprint_core::records::{self, Record, Use};
use clickprint_core::{Error, Result};
use clickprint_fetch::Policy as FetchPolicy;

use crate::decode::Limits;
use crate::file::fingerprint_file;

/// A media reference made local: a path, or a download kept in a
/// temporary file for as long as this lives.
#[derive(Debug)]
pub struct Local {
    path: PathBuf,
    /// The URL it came from, which messages name instead of the temporary file.
    url: Option<String>,
    _download: Option<tempfile::TempPath>,
}

impl Local {
    /// Where to read it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fingerprints it, naming the URL (not the temporary file) in errors.
    ///
    /// # Errors
    /// As [`fingerprint_file`].
    pub fn fingerprint(&self, limits: &Limits) -> Result<MediaFingerprint> {
        fingerprint_file(&self.path, limits).map_err(|e| self.named(e))
    }

    /// The SHA-256 of its bytes in lowercase hex: a query's content, as
    /// reviewers' decisions name it.
    ///
    /// # Errors
    /// [`Error::Input`] when it cannot be read.
    pub fn sha256(&self) -> Result<String> {
        use sha2::{Digest, Sha256};
        use std::io::Read;
        let failed =
            |e: std::io::Error| self.named(Error::Input(format!("{}: {e}", self.path.display())));
        let mut file = std::fs::File::open(&self.path).map_err(failed)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match file.read(&mut buf).map_err(failed)? {
                0 => break,
                n => hasher.update(&buf[..n]),
            }
        }
        Ok(clickprint_core::bits::hex(&hasher.finalize()))
    }

    /// An error about the local file, naming the URL it came from instead.
    pub fn named(&self, error: Error) -> Error {
        match &self.url {
            Some(url) => error.named(url),
            None => error,
        }
    }
}

/// Where a media reference points: a local path or `file://` URL as it is;
/// an `http(s)://` URL downloaded under `fetch`'s policy (size, time,
/// redirects, no private addresses unless allowed) into a temporary file.
///
/// # Errors
/// [`Error::Input`] for other schemes and empty references,
/// [`Error::Fetch`] when the download is refused or fails.
pub fn resolve(source: &str, fetch: &FetchPolicy) -> Result<Local> {
    let source = source.trim();
    if source.is_empty() {
        return Err(Error::Input("empty media reference".into()));
    }
    let local = |path: &str| Local {
        path: PathBuf::from(path),
        url: None,
        _download: None,
    };
    if let Some(path) = source.strip_prefix("file://") {
        return Ok(local(path));
    }
    if clickprint_fetch::is_url(source) {
        let download = tempfile::Builder::new()
            .prefix("clickprint-fetch-")
            .tempfile()
            .map_err(|e| Error::Fetch(format!("fetching {source}: temporary file: {e}")))?
            .into_temp_path();
        clickprint_fetch::fetch_to_file(source, fetch, &download)
            .map_err(|e| Error::Fetch(format!("fetching {source}: {e}")))?;
        return Ok(Local {
            path: download.to_path_buf(),
            url: Some(source.to_owned()),
            _download: Some(download),
        });
    }
    if let Some((scheme, _)) = source.split_once("://") {
        return Err(Error::Input(format!(
            "media reference scheme `{scheme}://` is not read; \
             pass a local path, a file:// URL or an http(s) URL"
        )));
    }
    Ok(local(source))
}

/// The records of a media reference, under `limits` for `usage` (a query
/// is held to the query length, [`Limits::for_use`]).
///
/// # Errors
/// As [`resolve`] and [`fingerprint_file`] (whose messages name the file
/// or URL).
pub fn records_of(source: &str, usage: Use, limits: &Limits) -> Result<Vec<Record>> {
    Ok(records::records(
        &fingerprint_of(source, usage, limits)?,
        usage,
    ))
}

/// The fingerprint of a media reference, under `limits` for `usage`.
///
/// A query is decoded in a thread of its own that yields the processor
/// once the query proves longer than
/// [`LONG_QUERY_MS`](clickprint_core::media::LONG_QUERY_MS)
/// ([`Limits::yield_after_ms`]): one tenant's long queries then cannot
/// slow everyone's short ones, and the lowered priority ends with the
/// thread instead of staying with a pooled one.
///
/// # Errors
/// As [`resolve`] and [`fingerprint_file`].
pub fn fingerprint_of(source: &str, usage: Use, limits: &Limits) -> Result<MediaFingerprint> {
    Ok(read(source, usage, limits, false)?.0)
}

/// A query's fingerprint and the SHA-256 of its bytes ([`Local::sha256`]),
/// from one resolve (a URL is downloaded once).
///
/// # Errors
/// As [`fingerprint_of`].
pub fn query_of(source: &str, limits: &Limits) -> Result<(MediaFingerprint, String)> {
    let (fp, sha256) = read(source, Use::Query, limits, true)?;
    Ok((fp, sha256.unwrap_or_default()))
}

/// [`fingerprint_of`], and the SHA-256 of the bytes when `hashed`.
fn read(
    source: &str,
    usage: Use,
    limits: &Limits,
    hashed: bool,
) -> Result<(MediaFingerprint, Option<String>)> {
    let limits = limits.for_use(usage);
    let run = |limits: &Limits| {
        let local = resolve(source, &limits.fetch)?;
        let fp = local.fingerprint(limits)?;
        let sha256 = if hashed { Some(local.sha256()?) } else { None };
        Ok((fp, sha256))
    };
    match usage {
        Use::Library => run(&limits),
        Use::Query => {
            let limits = Limits {
                yield_after_ms: Some(clickprint_core::media::LONG_QUERY_MS),
                ..limits
            };
            std::thread::scope(|scope| {
                scope
                    .spawn(|| run(&limits))
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_or_are_refused() {
        let policy = FetchPolicy::default();
        let resolve = |s: &str| resolve(s, &policy);
        assert_eq!(resolve("/a/b.png").unwrap().path(), Path::new("/a/b.png"));
        assert_eq!(
            resolve("file:///a/b.png").unwrap().path(),
            Path::new("/a/b.png")
        );
        assert!(
            resolve("ftp://x/y")
                .unwrap_err()
                .to_string()
                .contains("ftp://")
        );
        assert!(resolve("  ").is_err());
        // The fetch policy applies before any connection.
        let e = resolve("http://169.254.169.254/latest/meta-data").unwrap_err();
        assert!(matches!(e, Error::Fetch(_)), "{e}");
        assert!(e.to_string().contains("link-local"), "{e}");
    }
}
