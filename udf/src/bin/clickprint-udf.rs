//! The executable ClickHouse runs for clickprint's UDFs. One binary, several
//! functions: the first argument names the function (see the `command` of
//! each `clickhouse-config/*_function.xml`). Errors go to stderr with a
//! non-zero exit, which fails the query with that message.

use std::io::{BufReader, BufWriter, stdin, stdout};
use std::process::ExitCode;

fn main() -> ExitCode {
    let function = std::env::args().nth(1).unwrap_or_default();
    let result = match function.as_str() {
        "version" => clickprint_udf::protocol::answer_lines(
            &mut BufReader::with_capacity(1 << 16, stdin().lock()),
            &mut BufWriter::new(stdout().lock()),
            |_| clickprint_udf::VERSION.to_owned(),
        ),
        other => {
            eprintln!("clickprint-udf: unknown function `{other}`; known: version");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clickprint-udf {function}: {e}");
            ExitCode::FAILURE
        }
    }
}
