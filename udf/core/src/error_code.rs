//! The stable code an error crosses a process with. A UDF executable fails
//! a ClickHouse query by printing its error to stderr; ClickHouse puts that
//! text into its exception, and the control plane reads the exception.
//! Words change; the code does not. [`write`](fn@write) puts a marker with the code
//! in front of the words and [`parse`] finds it again in any text that
//! contains it (ClickHouse's exception included), so whoever is on the far
//! side decides by the code, never by matching the words.
//!
//! The marker is `clickprint-error[CODE] ` with `CODE` one of
//! [`ErrorCode::as_str`].

use std::fmt;

/// Whose fault an error is, which decides what the far side does with it:
/// tell the caller (no retry), retry later, or report a fault of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The caller's input: media that cannot be read or is refused, a
    /// malformed argument. Retrying gives the same answer.
    Input,
    /// Nobody's fault, and it may pass: a sidecar out of reach, a broken
    /// pipe. Worth a retry.
    Transient,
    /// A fault of ours (the decoder library failing, an output that cannot
    /// be written).
    Ours,
}

impl ErrorCode {
    /// `input`, `transient` or `ours`: the code on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Input => "input",
            ErrorCode::Transient => "transient",
            ErrorCode::Ours => "ours",
        }
    }

    /// The code named `name` on the wire.
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        match name {
            "input" => Some(ErrorCode::Input),
            "transient" => Some(ErrorCode::Transient),
            "ours" => Some(ErrorCode::Ours),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What starts the marker.
pub const MARKER: &str = "clickprint-error[";

/// The line an executable prints to stderr for an error: `who: `, the
/// marker with `code`, then `words` (e.g. `clickprint-udf query:
/// clickprint-error[input] /m/a.txt is not an image, audio or video file`).
pub fn write(who: &str, code: ErrorCode, words: &str) -> String {
    format!("{who}: {MARKER}{code}] {words}")
}

/// An error found in a text by [`parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coded<'a> {
    /// Its code.
    pub code: ErrorCode,
    /// Its words: everything after the marker (in a ClickHouse exception,
    /// followed by whatever ClickHouse added after the executable's stderr).
    pub words: &'a str,
}

/// The first error [`write`](fn@write) wrote found in `text`, or `None` when the
/// text holds no marker with a known code (the error did not come from a
/// clickprint executable).
pub fn parse(text: &str) -> Option<Coded<'_>> {
    let mut rest = text;
    while let Some(at) = rest.find(MARKER) {
        let after = &rest[at + MARKER.len()..];
        if let Some((name, words)) = after.split_once(']')
            && let Some(code) = ErrorCode::from_name(name)
        {
            return Some(Coded {
                code,
                words: words.strip_prefix(' ').unwrap_or(words),
            });
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_write_writes_parse_reads_back() {
        for code in [ErrorCode::Input, ErrorCode::Transient, ErrorCode::Ours] {
            let line = write("clickprint-udf extract", code, "/m/a.txt is empty");
            assert!(line.starts_with("clickprint-udf extract: "), "{line}");
            let found = parse(&line).expect("a marker");
            assert_eq!(
                (found.code, found.words),
                (code, "/m/a.txt is empty"),
                "{line}"
            );
        }
    }

    #[test]
    fn the_code_is_found_inside_a_clickhouse_exception() {
        let stderr = write("clickprint-udf query", ErrorCode::Transient, "sidecar down");
        let exception = format!(
            "Code: 75. DB::Exception: Child process was exited with return code 1: \
             stderr: {stderr}\n: while executing 'FUNCTION clickprint_query(...)'. (CHILD_WAS_NOT_EXITED_NORMALLY)"
        );
        let found = parse(&exception).expect("a marker");
        assert_eq!(found.code, ErrorCode::Transient);
        assert!(found.words.starts_with("sidecar down\n"), "{}", found.words);
    }

    #[test]
    fn text_without_a_known_code_has_none() {
        assert_eq!(parse("clickprint-udf query: something"), None);
        assert_eq!(parse("clickprint-error[later] x"), None);
        assert_eq!(parse("clickprint-error[input"), None);
        // An unknown marker before a known one is skipped.
        let found = parse("clickprint-error[x] clickprint-error[ours] y").expect("the second");
        assert_eq!((found.code, found.words), (ErrorCode::Ours, "y"));
    }
}
