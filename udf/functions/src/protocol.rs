//! The row protocol between ClickHouse and a UDF executable.
//!
//! ClickHouse writes one block of rows to the executable's stdin and expects
//! exactly one output row per input row. With `executable` the process sees
//! one block and then end of input; with `executable_pool` the process stays
//! up and sees block after block, so output must be flushed as soon as the
//! rows it has read are answered, not only at end of input.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::ExitCode;

use clickprint_core::Result;
use clickprint_core::error_code;

/// Answers every `TabSeparated` input line with `answer(line)`, flushing
/// whenever no more input is already buffered (never waiting for more input
/// before flushing: a pool keeps the pipe open between blocks), until end
/// of input.
///
/// # Errors
/// [`clickprint_core::Error::Pipe`] when stdin or stdout fails.
pub fn answer_lines(
    input: &mut BufReader<impl Read>,
    output: &mut impl Write,
    mut answer: impl FnMut(&str) -> String,
) -> Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            output.flush()?;
            return Ok(());
        }
        let row = line.strip_suffix('\n').unwrap_or(&line);
        let reply = answer(row);
        output.write_all(reply.as_bytes())?;
        output.write_all(b"\n")?;
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
}

/// The functions the UDF executables answer, for messages.
pub const FUNCTIONS: &str = "version, extract, query, rerank, text_rank, pack, inspect, probe";

/// How a function call ends: success, or its error on stderr (which fails
/// ClickHouse's query with it) and a failure exit. The error is written
/// with its code ([`error_code::write`]), so the control plane can tell
/// the caller's fault from a passing one in ClickHouse's exception text.
pub fn finish(function: &str, result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let who = format!("clickprint-udf {function}");
            eprintln!("{}", error_code::write(&who, e.code(), &e.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// A function nobody answers: a message naming the known ones, exit 2.
pub fn unknown(function: &str) -> ExitCode {
    eprintln!("clickprint-udf: unknown function `{function}`; known: {FUNCTIONS}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_answer_per_line_in_order() {
        let mut input = BufReader::new(&b"a\nbb\n\nccc\n"[..]);
        let mut output = Vec::new();
        answer_lines(&mut input, &mut output, |row| row.len().to_string()).unwrap();
        assert_eq!(String::from_utf8(output).unwrap(), "1\n2\n0\n3\n");
    }
}
