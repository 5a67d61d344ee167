//! The one error type of the control-plane library.
//!
//! Every variant says whose fault it is, so each boundary (HTTP status, exit
//! code) can be chosen in one place: [`Error::is_caller_fault`].

use std::path::PathBuf;

use clickprint_core::error_code::{self, ErrorCode};

/// Everything the control-plane library can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Configuration is invalid (the operator's fault): a bad value, a missing
    /// file, two settings that contradict each other.
    #[error("configuration: {0}")]
    Config(String),

    /// A dependency that `scripts/setup.sh` installs is missing (the
    /// operator's fault): the chDB wheel, libpython, Postgres binaries.
    #[error("{what} not found ({detail}); run `scripts/setup.sh` to install it")]
    MissingDependency {
        /// What is missing, in words.
        what: String,
        /// Where it was looked for, or why it failed to load.
        detail: String,
    },

    /// The data directory is owned by another running clickprint process
    /// (the caller's fault: talk to that process instead).
    #[error("data directory {} is in use by another clickprint process (pid {pid})", path.display())]
    DataDirInUse {
        /// The data directory.
        path: PathBuf,
        /// The process that holds it, when known (0 if not).
        pid: u32,
    },

    /// ClickHouse refused or failed a statement. Caller's fault when the
    /// statement is wrong, ours when the engine is broken; the message says.
    #[error("clickhouse: {0}")]
    ClickHouse(String),

    /// Postgres refused or failed a statement, or cannot be reached (ours).
    #[error("postgres: {0}")]
    Postgres(String),

    /// The private Postgres cluster could not be created, started or stopped (ours).
    #[error("embedded postgres: {0}")]
    EmbeddedPostgres(String),

    /// A request was malformed (the caller's fault).
    #[error("bad request: {0}")]
    BadRequest(String),

    /// No credentials, or wrong ones (the caller's fault; HTTP 401).
    #[error("{0}")]
    Unauthorized(String),

    /// Credentials fine, but not for this (the caller's fault; HTTP 403):
    /// a disabled tenant or modality.
    #[error("{0}")]
    Forbidden(String),

    /// No such thing for this caller (HTTP 404). Another tenant's items are
    /// "not found" too, never "forbidden": their existence is not told.
    #[error("{0}")]
    NotFound(String),

    /// It exists already (HTTP 409).
    #[error("{0}")]
    Conflict(String),

    /// A quota is used up (HTTP 429).
    #[error("{0}")]
    QuotaExceeded(String),

    /// Too many requests this minute (HTTP 429 with `Retry-After`).
    #[error("{message}")]
    RateLimited {
        /// What was exceeded.
        message: String,
        /// Seconds until the quota's next minute starts.
        retry_after_secs: u32,
    },

    /// The request body is larger than allowed (HTTP 413).
    #[error("{0}")]
    TooLarge(String),

    /// A request body of a type the endpoint does not take, e.g. a JSON
    /// body sent as `text/plain` (the caller's fault; HTTP 415).
    #[error("{0}")]
    UnsupportedMediaType(String),

    /// A well-formed request asking for a value out of range, e.g. a
    /// negative quota (the caller's fault; HTTP 422).
    #[error("{0}")]
    Unprocessable(String),
    /// A limit that holds for every caller was reached: an analyst's
    /// result, memory or time, a search's query length (the caller's
    /// fault; HTTP 422). The words name the limit and its setting.
    #[error("{0}")]
    LimitExceeded(String),

    /// Media the decoder refused, or a download that failed (the caller's
    /// media or URL; HTTP 422 where a request waits for it).
    #[error("{0}")]
    Media(String),

    /// A clickprint executable (a UDF, the probe) failed for a reason that
    /// is not the media's, by the code it wrote
    /// ([`clickprint_core::error_code`]): `transient` may pass (HTTP 503;
    /// the worker retries), `ours` is a fault of ours (HTTP 500).
    #[error("{words}")]
    Executable {
        /// `Transient` or `Ours` (the caller's media is [`Error::Media`]).
        code: ErrorCode,
        /// The executable's words.
        words: String,
    },

    /// A filesystem or process operation failed (ours).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The error a clickprint executable wrote into `text` (its stderr, or a
    /// ClickHouse exception that carries it), classified by its code: the
    /// one place that decides what such an error means. The caller's media
    /// becomes [`Error::Media`], anything else [`Error::Executable`];
    /// `None` when `text` holds no coded error.
    pub fn from_executable(text: &str) -> Option<Error> {
        let coded = error_code::parse(text)?;
        let words = coded.words.trim().to_owned();
        Some(match coded.code {
            ErrorCode::Input => Error::Media(words),
            code => Error::Executable { code, words },
        })
    }

    /// True when the caller (a request, a query) is at fault rather than clickprint.
    pub fn is_caller_fault(&self) -> bool {
        matches!(
            self,
            Error::BadRequest(_)
                | Error::ClickHouse(_)
                | Error::Unauthorized(_)
                | Error::Forbidden(_)
                | Error::NotFound(_)
                | Error::Conflict(_)
                | Error::QuotaExceeded(_)
                | Error::RateLimited { .. }
                | Error::TooLarge(_)
                | Error::UnsupportedMediaType(_)
                | Error::Unprocessable(_)
                | Error::LimitExceeded(_)
                | Error::Media(_)
        )
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        // The Display of a DbError carries the server's message; keep it whole.
        match e.as_db_error() {
            Some(db) => Error::Postgres(format!("{}: {}", db.code().code(), db.message())),
            None => Error::Postgres(e.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Error::Postgres(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_executables_error_is_classified_by_its_code_not_its_words() {
        let exception = |code| {
            format!(
                "Code: 75. DB::Exception: Child process was exited with return code 1: stderr: {}",
                error_code::write("clickprint-udf query", code, "/m/q.txt is empty")
            )
        };
        let media = Error::from_executable(&exception(ErrorCode::Input));
        assert!(
            matches!(&media, Some(Error::Media(w)) if w == "/m/q.txt is empty"),
            "{media:?}"
        );
        for code in [ErrorCode::Transient, ErrorCode::Ours] {
            let other = Error::from_executable(&exception(code));
            assert!(
                matches!(&other, Some(Error::Executable { code: c, .. }) if *c == code),
                "{code}: {other:?}"
            );
            assert!(!other.expect("coded").is_caller_fault());
        }
        // The same words without the code are not taken for the media's fault.
        assert!(Error::from_executable("clickprint-udf query: /m/q.txt is empty").is_none());
    }
}
