//! The error of the fingerprint work: what reading, decoding, fetching and
//! extracting media can fail with, the same for every crate that does the
//! work (the decoder, the sidecar, the UDF executables) because it crosses
//! the `Extractor` contract (`rows`). Each variant's [`ErrorCode`]
//! says whose fault it is.

use std::time::Duration;

use crate::error_code::ErrorCode;

/// Everything the fingerprint work can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot be read: missing, unreadable (the caller's fault).
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The input's path.
        path: String,
        /// Why (kept in the message, not as a source, so it prints once).
        reason: std::io::Error,
    },
    /// The input has zero bytes (the caller's fault).
    #[error("{0} is empty (zero bytes)")]
    Empty(String),
    /// ffmpeg recognises no media format in the input (the caller's fault).
    #[error("{path} is not an image, audio or video file ffmpeg can read ({detail})")]
    Unrecognized {
        /// The input's path.
        path: String,
        /// ffmpeg's words.
        detail: String,
    },
    /// The container holds no image, audio or video stream (the caller's fault).
    #[error("{0} has no image, audio or video stream")]
    NoStream(String),
    /// A stream's codec cannot be decoded here (the caller's fault).
    #[error("{path}: unsupported codec ({detail})")]
    Unsupported {
        /// The input's path.
        path: String,
        /// Which codec, and ffmpeg's words.
        detail: String,
    },
    /// The media is corrupt or truncated so badly that nothing decodes (the
    /// caller's fault).
    #[error("{path} is corrupt or truncated: {detail}")]
    Corrupt {
        /// The input's path.
        path: String,
        /// What failed.
        detail: String,
    },
    /// The input exceeds a limit: bytes, pixels, duration (the caller's fault).
    #[error("{path} is too large: {detail}")]
    TooLarge {
        /// The input's path.
        path: String,
        /// Which limit, and the input's value.
        detail: String,
    },
    /// Decoding did not finish within the time limit (the caller's media,
    /// or an overloaded machine).
    #[error("{path}: decoding took longer than the {limit:?} limit")]
    Timeout {
        /// The input's path.
        path: String,
        /// The limit.
        limit: Duration,
    },
    /// A function's input is malformed: a bad media reference or packed
    /// fingerprint (the caller's fault).
    #[error("{0}")]
    Input(String),
    /// Downloading an `http(s)` media reference was refused or failed
    /// (the caller's URL, or its server).
    #[error("{0}")]
    Fetch(String),
    /// Writing an output file (previews) failed: the path and why.
    #[error("writing {0}")]
    Output(String),
    /// ffmpeg failed in a way that is not the input's fault (ours).
    #[error("ffmpeg: {0}")]
    Ffmpeg(String),
    /// The Arrow Flight sidecar the work was delegated to failed or could
    /// not be reached (its words, and where it is).
    #[error("{0}")]
    Sidecar(String),
    /// Reading from or writing to ClickHouse's pipes failed (ClickHouse went
    /// away; nobody's fault, nothing to answer).
    #[error("i/o with ClickHouse: {0}")]
    Pipe(#[from] std::io::Error),
}

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The same error naming `name` (a URL) where it named the file read.
    #[must_use]
    pub fn named(self, name: &str) -> Self {
        match self {
            Error::Read { reason, .. } => Error::Read {
                path: name.to_owned(),
                reason,
            },
            Error::Empty(_) => Error::Empty(name.to_owned()),
            Error::Unrecognized { detail, .. } => Error::Unrecognized {
                path: name.to_owned(),
                detail,
            },
            Error::NoStream(_) => Error::NoStream(name.to_owned()),
            Error::Unsupported { detail, .. } => Error::Unsupported {
                path: name.to_owned(),
                detail,
            },
            Error::Corrupt { detail, .. } => Error::Corrupt {
                path: name.to_owned(),
                detail,
            },
            Error::TooLarge { detail, .. } => Error::TooLarge {
                path: name.to_owned(),
                detail,
            },
            Error::Timeout { limit, .. } => Error::Timeout {
                path: name.to_owned(),
                limit,
            },
            other => other,
        }
    }

    /// Whose fault it is, the code it crosses a process with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Ffmpeg(_) | Error::Output(_) => ErrorCode::Ours,
            Error::Sidecar(_) | Error::Pipe(_) => ErrorCode::Transient,
            Error::Read { .. }
            | Error::Empty(_)
            | Error::Unrecognized { .. }
            | Error::NoStream(_)
            | Error::Unsupported { .. }
            | Error::Corrupt { .. }
            | Error::TooLarge { .. }
            | Error::Timeout { .. }
            | Error::Input(_)
            | Error::Fetch(_) => ErrorCode::Input,
        }
    }

    /// True when the input (the caller's media) is at fault.
    pub fn is_input_fault(&self) -> bool {
        self.code() == ErrorCode::Input
    }
}
