//! `clickprint-sidecar`: the Arrow Flight sidecar. Serves fingerprint
//! extraction and rerank warm, for ClickHouse (`arrowFlight(...)`, and the
//! UDF executables when `CLICKPRINT_SIDECAR` points here) and for data
//! tools (pyarrow, polars, DuckDB). See `udf/flight/README.md`. It wires
//! `clickprint-flight`'s server to this crate's extraction ([`Extraction`]).
//!
//! Prints `listening on grpc://ADDR` once it accepts calls; stops on
//! SIGTERM or Ctrl-C after the calls in flight finish.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use clickprint_core::media::Kind;
use clickprint_core::records::{self, Use};
use clickprint_core::rows::{self, Candidate, Extracted, Extractor, QueryAnswer, Ranked, Reranker};
use clickprint_core::{Error, Result};
use clickprint_flight::server::{self, Credentials, Settings, Work};
use clickprint_media::decode::Limits;
use clickprint_media::extractor::{InProcess, query_answer};
use clickprint_media::source::{fingerprint_of, records_of};
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
    // The server cuts downloads and decoding to each request's deadline.
    let limits = Limits::from_env()?;
    let limits = Limits {
        max_file_bytes: args.max_media_bytes,
        fetch: clickprint_fetch::Policy {
            max_bytes: args.max_media_bytes.min(limits.fetch.max_bytes),
            ..limits.fetch.clone()
        },
        ..limits
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
    // Refuses to start when the machine gives no randomness for tokens.
    let service =
        server::Service::new(settings, Extraction { limits }).map_err(|e| e.to_string())?;
    let max_concurrent = service.settings().max_concurrent;
    let credentials_required = service.settings().credentials.required();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        if !address.ip().is_loopback() && !credentials_required {
            tracing::warn!(
                "listening on {address} without credentials: anyone who reaches it can make it \
                 read files and URLs; set CLICKPRINT_SIDECAR_USER/PASSWORD or _TOKEN"
            );
        }
        let scheme = if tls.is_some() { "grpc+tls" } else { "grpc" };
        println!("listening on {scheme}://{address}");
        tracing::info!(%address, max_concurrent, "sidecar serving");
        server::serve(listener, service, tls, stop_signal())
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

/// The sidecar's work: this crate's extraction under `limits`, each piece
/// cut to the time its request has left ([`Limits::within`]).
#[derive(Debug)]
struct Extraction {
    limits: Limits,
}

impl Work for Extraction {
    fn extract(
        &self,
        uri: &str,
        usage: Use,
        modality: Option<Kind>,
        left: Duration,
    ) -> Result<Vec<Extracted>> {
        let fp = fingerprint_of(uri, usage, &self.limits.within(left))?;
        if let Some(expected) = modality
            && fp.info.kind != expected
        {
            return Err(Error::Input(format!(
                "{uri} is {}, not {}",
                fp.info.kind.as_str(),
                expected.as_str()
            )));
        }
        Ok(rows::extracted(&fp, usage))
    }

    fn query(&self, sources: Vec<String>, left: Duration) -> Result<Vec<QueryAnswer>> {
        InProcess::new(self.limits.within(left)).query(sources)
    }

    fn compare(&self, query: &str, reference: &str, left: Duration) -> Result<Ranked> {
        let limits = self.limits.within(left);
        let query = query_answer(query, &limits)?.fingerprint;
        let reference = records_of(reference, Use::Library, &limits)?;
        // The audio hits the key lookup would find: every landmark of the
        // reference.
        let audio_hits = reference
            .iter()
            .filter_map(|r| match r.payload {
                records::Payload::Audio(key) => Some((key, r.time_ms)),
                _ => None,
            })
            .collect();
        Reranker::default().rank(&Candidate {
            query,
            reference: records::pack(&reference),
            audio_hits,
        })
    }
}
