//! The executable ClickHouse runs for clickprint's UDFs (see the `command`
//! of each `clickhouse-config/*_function.xml`); the first argument names the
//! function. Errors go to stderr with a non-zero exit, which fails the
//! query with that message.
//!
//! It is thin on purpose: it links no ffmpeg, so it starts in a few
//! milliseconds instead of the ~40 ms that loading ffmpeg's libraries takes.
//! It answers `version`, `rerank`, `nearest` and `text_rank` itself (pure
//! Rust; `nearest` always here, a search calls it once), and
//! for `extract` and `query`:
//! - with `CLICKPRINT_SIDECAR` set (ClickHouse starts it with its
//!   environment), it sends the rows to that Arrow Flight sidecar, which
//!   decodes warm, and writes back what it answers; `rerank` goes there
//!   too;
//! - without, it replaces itself with `clickprint-udf-media` (same
//!   arguments, same pipes), which must sit beside it.
//!
//! `inspect`, `pack` and `probe` (for people and the control plane),
//! `cues` (a subtitle file's) and `dialogue` (the dialogue extractor, a
//! plug-in extractor of ours run by `sql/clickhouse/extract.sql`) are
//! always `clickprint-udf-media`'s.
//!
//! Ingest's work (`extract`, `dialogue`, `preview`) runs at a lower processor priority
//! ([`BACKGROUND_NICE`]), so a tenant's bulk upload yields the processor to
//! everyone's searches.

use std::io::{BufReader, BufWriter, stdin, stdout};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

use clickprint_core::media::BACKGROUND_NICE;
use clickprint_core::rows::Reranker;
use clickprint_flight::client::Sidecar;
use clickprint_udf::functions;
use clickprint_udf::protocol;

fn main() -> ExitCode {
    let function = std::env::args().nth(1).unwrap_or_default();
    if matches!(function.as_str(), "extract" | "dialogue" | "preview") {
        // SAFETY: nice() only changes this process's scheduling priority;
        // raising one's own nice value needs no privilege. A failure
        // leaves the priority as it was, which is no error.
        unsafe { libc::nice(BACKGROUND_NICE) };
    }
    let result = match function.as_str() {
        "version" => protocol::answer_lines(
            &mut BufReader::with_capacity(1 << 16, stdin().lock()),
            &mut BufWriter::new(stdout().lock()),
            |_| clickprint_core::VERSION.to_owned(),
        ),
        "text_rank" => functions::text_rank(stdin().lock(), &mut stdout().lock()),
        "nearest" => functions::nearest(
            BufReader::with_capacity(1 << 16, stdin().lock()),
            &mut stdout().lock(),
        ),
        "extract" | "query" | "rerank" => match Sidecar::from_env() {
            Ok(Some(mut sidecar)) => {
                let (input, output) = (stdin().lock(), &mut stdout().lock());
                match function.as_str() {
                    "extract" => functions::extract(input, output, &mut sidecar),
                    "query" => functions::query(input, output, &mut sidecar),
                    _ => functions::rerank(input, output, &mut sidecar),
                }
            }
            Ok(None) if function == "rerank" => functions::rerank(
                stdin().lock(),
                &mut stdout().lock(),
                &mut Reranker::default(),
            ),
            Ok(None) => return media(),
            Err(e) => Err(e),
        },
        "inspect" | "pack" | "probe" | "preview" | "cues" | "dialogue" => return media(),
        other => return protocol::unknown(other),
    };
    protocol::finish(&function, result)
}

/// Becomes `clickprint-udf-media` with the same arguments and pipes.
fn media() -> ExitCode {
    let beside = std::env::current_exe()
        .map(|exe| exe.with_file_name("clickprint-udf-media"))
        .unwrap_or_else(|_| "clickprint-udf-media".into());
    let error = Command::new(&beside)
        .args(std::env::args_os().skip(1))
        .exec();
    eprintln!(
        "clickprint-udf: cannot run {}: {error} (it must sit beside clickprint-udf)",
        beside.display()
    );
    ExitCode::from(2)
}
