//! `clickprint-udf-media`: the half of the UDF executable that decodes
//! media (it links ffmpeg). `clickprint-udf`, the thin executable
//! ClickHouse starts, replaces itself with this one (same arguments, same
//! pipes) for `extract` and `query` when no sidecar is configured, and for
//! `inspect`, `pack`, `probe`, `preview`, `cues` (a subtitle file's
//! cues, for `sql/clickhouse/subtitles.sql`) and `dialogue` (the dialogue
//! extractor: a media file's subtitle streams as `cue` rows, behind the
//! plug-in extractor contract of `sql/clickhouse/extract.sql`); it must
//! sit beside `clickprint-udf`.
//!
//! `inspect FILE [--json]` is for people (`clickprint fingerprint` runs
//! it): what is extracted from one file. `inspect --time` reads file paths
//! from stdin, one a line, and prints for each a JSON line with the
//! seconds its fingerprint took in this process (decoding included), for
//! the evaluation's speed table (`benchmarks/eval`). `pack FILE` prints a file's packed
//! query fingerprint in hex, for a search by fingerprint (`sql/clickhouse/search.sql`
//! takes `'fp:' || hex` as its query). `probe FILE|URL` says what
//! a file is from its start. Errors go to stderr with a non-zero exit.

use std::io::{stdin, stdout};
use std::process::ExitCode;

use clickprint_core::answers::Probe;
use clickprint_core::bits::hex;
use clickprint_core::records::{Use, pack as pack_records};
use clickprint_core::rows::Reranker;
use clickprint_core::{ErrorCode, error_code};
use clickprint_media::decode::Limits;
use clickprint_media::extractor::InProcess;
use clickprint_media::source::{records_of, resolve};
use clickprint_udf::{functions, protocol};

fn main() -> ExitCode {
    let function = std::env::args().nth(1).unwrap_or_default();
    let limits = match Limits::from_env() {
        Ok(limits) => limits,
        Err(e) => {
            let who = format!("clickprint-udf {function}");
            eprintln!(
                "{}",
                error_code::write(&who, ErrorCode::Ours, &e.to_string())
            );
            return ExitCode::from(2);
        }
    };
    let result = match function.as_str() {
        "extract" | "query" | "rerank" | "cues" | "dialogue" => serve_rows(&function, limits),
        "pack" => return pack(&limits),
        "inspect" => return inspect(&limits),
        "probe" => return probe(&limits),
        "preview" => return preview(&limits),
        other => return protocol::unknown(other),
    };
    protocol::finish(&function, result)
}

/// A row function, done here.
fn serve_rows(function: &str, limits: Limits) -> clickprint_core::Result<()> {
    let (input, output) = (stdin().lock(), &mut stdout().lock());
    match function {
        "extract" => functions::extract(input, output, &mut InProcess::new(limits)),
        "query" => functions::query(input, output, &mut InProcess::new(limits)),
        "cues" => functions::cues(input, output, &mut |source, language| {
            let local = resolve(source, &limits.fetch)?;
            let cues = clickprint_media::decode::decode_cues(local.path(), &limits, language)
                .map_err(|e| local.named(e))?;
            let key = clickprint_core::cues::file_key(&local.sha256()?, language);
            Ok((cues.kept, key))
        }),
        "dialogue" => functions::dialogue(input, output, &mut |source| {
            let local = resolve(source, &limits.fetch)?;
            let cues = clickprint_media::decode::stream_cues(local.path(), &limits)
                .map_err(|e| local.named(e))?;
            Ok(cues.kept)
        }),
        _ => functions::rerank(input, output, &mut Reranker::default()),
    }
}

fn inspect(limits: &Limits) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    if args.iter().any(|a| a == "--time") {
        // `--query`: decoded as a search's query is.
        return if args.iter().any(|a| a == "--query") {
            time_each(&limits.for_use(Use::Query))
        } else {
            time_each(limits)
        };
    }
    let json = args.iter().any(|a| a == "--json");
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [file] = files.as_slice() else {
        eprintln!("usage: clickprint-udf inspect FILE [--json]");
        return ExitCode::from(2);
    };
    let fingerprint = resolve(file, &limits.fetch).and_then(|f| f.fingerprint(limits));
    match fingerprint {
        Ok(fp) if json => {
            let value = clickprint_media::report::to_json(&fp);
            print_out(&(serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"))
        }
        Ok(fp) => print_out(&clickprint_media::report::to_text(&fp)),
        Err(e) => failed(&e),
    }
}

/// `inspect --time`: the files named on stdin fingerprinted one after the
/// other in this process, each timed; stops at the first that fails.
fn time_each(limits: &Limits) -> ExitCode {
    use std::io::{BufRead, Write};
    let mut out = stdout().lock();
    for line in stdin().lock().lines() {
        let Ok(file) = line else {
            return ExitCode::FAILURE;
        };
        if file.is_empty() {
            continue;
        }
        let started = std::time::Instant::now();
        if let Err(e) = resolve(&file, &limits.fetch).and_then(|f| f.fingerprint(limits)) {
            eprintln!(
                "{}",
                error_code::write("error", e.code(), &format!("{file}: {e}"))
            );
            return ExitCode::FAILURE;
        }
        let seconds = started.elapsed().as_secs_f64();
        let line = serde_json::json!({ "path": file, "seconds": { "clickprint": seconds } });
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// `preview FILE DIR`: thumbnail, frames and waveform into `DIR`
/// (`clickprint_media::preview`); the answer
/// ([`clickprint_core::answers::Previews`]) as one JSON line.
fn preview(limits: &Limits) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [file, dir] = args.as_slice() else {
        eprintln!("usage: clickprint-udf preview FILE DIR");
        return ExitCode::from(2);
    };
    match clickprint_media::preview::make(file.as_ref(), dir.as_ref(), limits) {
        Ok(manifest) => print_out(&(serde_json::to_string(&manifest).unwrap_or_default() + "\n")),
        Err(e) => failed(&e),
    }
}

/// `probe FILE|URL`: one JSON line saying what the input is, from its
/// start only (the control plane checks the modality before the work).
fn probe(limits: &Limits) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [file] = args.as_slice() else {
        eprintln!("usage: clickprint-udf probe FILE|URL");
        return ExitCode::from(2);
    };
    let probed = resolve(file, &limits.fetch).and_then(|local| {
        clickprint_media::decode::probe(local.path(), limits).map_err(|e| local.named(e))
    });
    match probed {
        Ok(info) => {
            print_out(&(serde_json::to_string(&Probe::of(&info)).unwrap_or_default() + "\n"))
        }
        Err(e) => failed(&e),
    }
}

fn pack(limits: &Limits) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [file] = args.as_slice() else {
        eprintln!("usage: clickprint-udf pack FILE");
        return ExitCode::from(2);
    };
    match records_of(file, Use::Query, limits) {
        Ok(records) => print_out(&(hex(&pack_records(&records)) + "\n")),
        Err(e) => failed(&e),
    }
}

/// Writes a command's answer to stdout. A reader that has gone
/// (`clickprint-udf inspect F | head`) ends the command quietly and
/// successfully, as other command-line tools do; `print!` panicked.
fn print_out(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("clickprint-udf: writing the answer: {e}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

/// A command for people and the control plane failed: its error on stderr
/// with its code ([`error_code::write`]), and a failure exit.
fn failed(e: &clickprint_core::Error) -> ExitCode {
    eprintln!("{}", error_code::write("error", e.code(), &e.to_string()));
    ExitCode::FAILURE
}
