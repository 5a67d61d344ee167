//! The `clickprint` binary: command-line glue over the `clickprint` library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use clickprint::config::{Config, RawConfig};

/// clickprint: find copies of images, audio and video inside ClickHouse.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML configuration file (settings in `clickprint::config::RawConfig`).
    #[arg(long, global = true, env = "CLICKPRINT_CONFIG")]
    config: Option<PathBuf>,
    /// Where clickprint keeps its data (overrides the file and environment).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service with both stores (embedded by default).
    Serve {
        /// The address to listen on, e.g. 127.0.0.1:7420 (port 0 picks one).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Decode and fingerprint a media file; print what was extracted.
    Fingerprint {
        /// The image, audio or video file.
        file: PathBuf,
        /// Print every hash and landmark as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run one SQL statement in ClickHouse and print the result as a table.
    /// Goes through the running service when one owns the data directory.
    Sql {
        /// The statement.
        query: String,
        /// Print JSON rows instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The UDF processes ClickHouse starts inherit this process's
    // environment: hand them the download policy of the configuration
    // (file or variables) before any thread exists.
    if let Ok(raw) = RawConfig::load(cli.config.as_deref()) {
        for (name, value) in raw.fetch_env() {
            // SAFETY: no other thread runs yet (the runtime starts below).
            unsafe { std::env::set_var(name, value) };
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLICKPRINT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // block_on polls on this (the main) thread, which matters: the private
    // Postgres is started from here and its parent-death signal follows the
    // thread that started it.
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut raw = RawConfig::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        raw.data_dir = dir;
    }
    match cli.command {
        Command::Serve { listen } => {
            if let Some(listen) = listen {
                raw.listen = listen;
            }
            let config = Config::from_raw(raw)?;
            clickprint::service::serve(&config, shutdown_signal(), |addr| {
                // Tests and scripts read this line to find the port.
                println!("clickprint listening on http://{addr}");
                tracing::info!(data_dir = %config.data_dir.display(), "ready; Ctrl-C stops");
            })
            .await
            .context("serve")?;
            tracing::info!("stopped");
        }
        Command::Fingerprint { file, json } => {
            // Extraction lives in the UDF executable; this binary does not
            // link ffmpeg (whose libraries, loaded beside chDB, make chDB
            // crash). Hand over to it.
            let udf = clickprint::config::udf_executable(raw.udf_dir.as_deref())?;
            let mut command = std::process::Command::new(&udf);
            command.arg("inspect").arg(&file);
            if json {
                command.arg("--json");
            }
            let error = std::os::unix::process::CommandExt::exec(&mut command);
            anyhow::bail!("running {}: {error}", udf.display());
        }
        Command::Sql { query, json } => {
            let config = Config::from_raw(raw)?;
            let output = clickprint::service::run_sql(&config, &query).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&output.to_json_rows()?)?);
            } else {
                println!("{}", output.to_table()?);
            }
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
    tracing::info!("shutting down");
}
