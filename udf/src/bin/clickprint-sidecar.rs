//! `clickprint-sidecar`: the Arrow Flight sidecar. Serves fingerprint
//! extraction and rerank warm, for ClickHouse (`arrowFlight(...)`, and the
//! UDF executables when `CLICKPRINT_SIDECAR` points here) and for data
//! tools (pyarrow, polars, DuckDB). See `udf/README.md`, "The sidecar".
//!
//! Prints `listening on grpc://ADDR` once it accepts calls; stops on
//! SIGTERM or Ctrl-C after the calls in flight finish.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use clickprint_udf::decode::Limits;
use clickprint_udf::flight::server::{self, Credentials, Settings};
use tonic::transport::{Identity, ServerTlsConfig};

/// The Arrow Flight sidecar of clickprint.
#[derive(Debug, Parser)]
#[command(name = "clickprint-sidecar", version)]
struct Args {
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8815")]
    listen: SocketAddr,
    /// PEM certificate chain for TLS (with --tls-key); plain gRPC without.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Pieces of work running at once (default: the number of cores).
    #[arg(long)]
    max_concurrent: Option<usize>,
    /// Deadline of one request, waiting for a free slot included.
    #[arg(long, default_value_t = 600)]
    request_timeout_secs: u64,
    /// Largest media file or download accepted, bytes.
    #[arg(long, default_value_t = 2 << 30)]
    max_media_bytes: u64,
    /// Largest gRPC message either way, bytes.
    #[arg(long, default_value_t = 512 << 20)]
    max_message_bytes: usize,
    /// User name callers must give (with CLICKPRINT_SIDECAR_PASSWORD).
    #[arg(long, env = "CLICKPRINT_SIDECAR_USER")]
    user: Option<String>,
    /// Password for --user (from the environment only).
    #[arg(skip)]
    password: Option<String>,
    /// Bearer token callers may give instead (from the environment only).
    #[arg(skip)]
    token: Option<String>,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    let secret = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    args.password = secret("CLICKPRINT_SIDECAR_PASSWORD");
    args.token = secret("CLICKPRINT_SIDECAR_TOKEN");
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLICKPRINT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clickprint-sidecar: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let fetch = clickprint_fetch::Policy::from_env().map_err(|e| e.to_string())?;
    // The server cuts downloads and decoding to each request's deadline.
    let limits = Limits {
        max_file_bytes: args.max_media_bytes,
        fetch: clickprint_fetch::Policy {
            max_bytes: args.max_media_bytes.min(fetch.max_bytes),
            ..fetch
        },
        ..Limits::default()
    };
    let credentials = Credentials {
        basic: match (args.user, args.password) {
            (Some(user), Some(password)) => Some((user, password)),
            (Some(user), None) => {
                return Err(format!(
                    "--user {user} needs CLICKPRINT_SIDECAR_PASSWORD in the environment"
                ));
            }
            (None, _) => None,
        },
        token: args.token,
    };
    let settings = Settings {
        limits,
        max_concurrent: args
            .max_concurrent
            .unwrap_or_else(|| Settings::default().max_concurrent),
        request_timeout: Duration::from_secs(args.request_timeout_secs),
        max_message_bytes: args.max_message_bytes,
        credentials,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &PathBuf| {
                std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
            };
            Some(ServerTlsConfig::new().identity(Identity::from_pem(read(cert)?, read(key)?)))
        }
        _ => None,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        if !address.ip().is_loopback() && !settings.credentials.required() {
            tracing::warn!(
                "listening on {address} without credentials: anyone who reaches it can make it \
                 read files and URLs; set CLICKPRINT_SIDECAR_USER/PASSWORD or _TOKEN"
            );
        }
        let scheme = if tls.is_some() { "grpc+tls" } else { "grpc" };
        println!("listening on {scheme}://{address}");
        tracing::info!(%address, max_concurrent = settings.max_concurrent, "sidecar serving");
        server::serve(listener, settings, tls, stop_signal())
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!("sidecar stopped");
        Ok(())
    })
}

/// SIGTERM or Ctrl-C.
async fn stop_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
