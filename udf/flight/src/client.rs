//! A UDF executable's way to the sidecar: an [`Extractor`] and [`Ranker`]
//! that sends the rows
//! it reads to a running `clickprint-sidecar` and writes back what comes
//! back, so ClickHouse's process does no decoding of its own.
//!
//! Configured from the environment ClickHouse starts the UDF with:
//!
//! | variable | meaning |
//! | --- | --- |
//! | `CLICKPRINT_SIDECAR` | `grpc://host:port` (or `grpc+tls://host:port`); unset: work in-process |
//! | `CLICKPRINT_SIDECAR_TOKEN` | a bearer token the sidecar accepts |
//! | `CLICKPRINT_SIDECAR_USER`, `CLICKPRINT_SIDECAR_PASSWORD` | or a user name and password |
//! | `CLICKPRINT_SIDECAR_CA` | PEM file of the CA that signed the sidecar's certificate (TLS) |
//! | `CLICKPRINT_SIDECAR_TIMEOUT_SECS` | deadline of one call, default 600 |

use std::time::Duration;

use arrow::array::RecordBatch;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::{Action, FlightClient, FlightDescriptor, Ticket};
use base64::Engine as _;
use futures_util::TryStreamExt;
use futures_util::stream;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use tonic::Code;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};

use clickprint_core::records::Use;
use clickprint_core::rows::{Candidate, Extracted, Extractor, QueryAnswer, Ranked, Ranker};
use clickprint_core::{Error, Result};

use crate::batches;
use crate::dataset::Exchange;

/// Where the sidecar is and how to call it.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `grpc://host:port` or `grpc+tls://host:port` (`http(s)://` too).
    pub endpoint: String,
    /// A bearer token.
    pub token: Option<String>,
    /// A user name and password.
    pub basic: Option<(String, String)>,
    /// PEM of the CA to trust for TLS (the system's roots are not used).
    pub ca_pem: Option<Vec<u8>>,
    /// Deadline of one call.
    pub timeout: Option<Duration>,
}

impl Config {
    /// The configuration in `CLICKPRINT_SIDECAR*`, or `None` when
    /// `CLICKPRINT_SIDECAR` is unset or empty.
    ///
    /// # Errors
    /// [`Error::Sidecar`] for an unreadable CA file or a bad number.
    pub fn from_env() -> Result<Option<Config>> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let Some(endpoint) = var("CLICKPRINT_SIDECAR") else {
            return Ok(None);
        };
        let ca_pem = match var("CLICKPRINT_SIDECAR_CA") {
            Some(path) => Some(std::fs::read(&path).map_err(|e| {
                Error::Sidecar(format!("CLICKPRINT_SIDECAR_CA: cannot read {path}: {e}"))
            })?),
            None => None,
        };
        let timeout = match var("CLICKPRINT_SIDECAR_TIMEOUT_SECS") {
            Some(secs) => Some(Duration::from_secs(secs.trim().parse().map_err(|_| {
                Error::Sidecar(format!(
                    "CLICKPRINT_SIDECAR_TIMEOUT_SECS: `{secs}` is not a whole number of seconds"
                ))
            })?)),
            None => None,
        };
        let basic = match (
            var("CLICKPRINT_SIDECAR_USER"),
            var("CLICKPRINT_SIDECAR_PASSWORD"),
        ) {
            (Some(user), password) => Some((user, password.unwrap_or_default())),
            _ => None,
        };
        Ok(Some(Config {
            endpoint,
            token: var("CLICKPRINT_SIDECAR_TOKEN"),
            basic,
            ca_pem,
            timeout,
        }))
    }
}

/// A connection to a sidecar, for blocking callers (a UDF executable).
#[derive(Debug)]
pub struct Sidecar {
    runtime: tokio::runtime::Runtime,
    client: FlightClient,
    endpoint: String,
}

impl Sidecar {
    /// The sidecar `CLICKPRINT_SIDECAR` names, connected; `None` when unset.
    ///
    /// # Errors
    /// As [`Config::from_env`] and [`Sidecar::connect`].
    pub fn from_env() -> Result<Option<Sidecar>> {
        Config::from_env()?.map(Sidecar::connect).transpose()
    }

    /// A client for `config`. The connection is made at the first call
    /// (within 5 s), after the function has read its rows: ClickHouse has
    /// then written its block, and reads the error this process prints
    /// (failing before reading raced ClickHouse's write, which then
    /// reported a broken pipe instead of the reason). A pool process that
    /// gets no rows never connects.
    ///
    /// # Errors
    /// [`Error::Sidecar`] naming the endpoint for a malformed address or
    /// TLS configuration; one that cannot be reached fails the first call.
    pub fn connect(config: Config) -> Result<Sidecar> {
        let name = config.endpoint.clone();
        let fail = |what: String| Error::Sidecar(format!("sidecar {name}: {what}"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start the client: {e}")))?;
        let (uri, tls) = match name.split_once("://") {
            Some(("grpc" | "http", rest)) => (format!("http://{rest}"), false),
            Some(("grpc+tls" | "https", rest)) => (format!("https://{rest}"), true),
            _ => {
                return Err(fail(
                    "expected grpc://host:port or grpc+tls://host:port".into(),
                ));
            }
        };
        let mut endpoint = Endpoint::from_shared(uri)
            .map_err(|e| fail(format!("not an address: {e}")))?
            .connect_timeout(Duration::from_secs(5));
        if let Some(timeout) = config.timeout {
            endpoint = endpoint.timeout(timeout);
        }
        if tls {
            let mut tls = ClientTlsConfig::new();
            if let Some(pem) = &config.ca_pem {
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| fail(format!("TLS: {e}")))?;
        }
        // connect_lazy spawns the connection's task: it needs the runtime.
        let channel = {
            let _entered = runtime.enter();
            endpoint.connect_lazy()
        };
        let mut client = FlightClient::new(channel);
        let authorization = match (&config.token, &config.basic) {
            (Some(token), _) => Some(format!("Bearer {token}")),
            (None, Some((user, password))) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            (None, None) => None,
        };
        if let Some(value) = authorization {
            client
                .add_header("authorization", &value)
                .map_err(|e| fail(format!("credentials: {e}")))?;
        }
        Ok(Sidecar {
            runtime,
            client,
            endpoint: name,
        })
    }

    /// Sends `batch` to the `exchange` and collects the batches back.
    fn exchange(&mut self, exchange: Exchange, batch: RecordBatch) -> Result<Vec<RecordBatch>> {
        let input = FlightDataEncoderBuilder::new()
            .with_flight_descriptor(Some(FlightDescriptor::new_cmd(exchange.as_str())))
            .build(stream::iter([Ok(batch)]));
        let client = &mut self.client;
        let result = self
            .runtime
            .block_on(async { client.do_exchange(input).await?.try_collect().await });
        result.map_err(|e| self.error(e))
    }

    /// The batches of a dataset (`extract?uri=...`, ...).
    ///
    /// # Errors
    /// The sidecar's error.
    pub fn dataset(&mut self, dataset: &str) -> Result<Vec<RecordBatch>> {
        let ticket = Ticket {
            ticket: dataset.as_bytes().to_vec().into(),
        };
        let client = &mut self.client;
        let result = self
            .runtime
            .block_on(async { client.do_get(ticket).await?.try_collect().await });
        result.map_err(|e| self.error(e))
    }

    /// The sidecar's health: status, version, running/served/failed.
    ///
    /// # Errors
    /// The sidecar's error.
    pub fn health(&mut self) -> Result<serde_json::Value> {
        let client = &mut self.client;
        let action = Action::new("health", "");
        let result: std::result::Result<Vec<bytes::Bytes>, FlightError> = self
            .runtime
            .block_on(async { client.do_action(action).await?.try_collect().await });
        let bodies = result.map_err(|e| self.error(e))?;
        let body = bodies.first().map(|b| b.to_vec()).unwrap_or_default();
        serde_json::from_slice(&body)
            .map_err(|e| Error::Sidecar(format!("sidecar {}: health: {e}", self.endpoint)))
    }

    /// The library's error for a Flight error: the caller's input stays
    /// [`Error::Input`] with the sidecar's words; anything else says it
    /// came from the sidecar.
    fn error(&self, e: FlightError) -> Error {
        match e {
            FlightError::Tonic(status) if status.code() == Code::InvalidArgument => {
                Error::Input(status.message().to_owned())
            }
            FlightError::Tonic(status) => Error::Sidecar(format!(
                "sidecar {}: {}: {}",
                self.endpoint,
                code_words(status.code()),
                if status.message().is_empty() {
                    source_chain(&status)
                } else {
                    status.message().to_owned()
                }
            )),
            other => Error::Sidecar(format!("sidecar {}: {other}", self.endpoint)),
        }
    }
}

fn code_words(code: Code) -> &'static str {
    match code {
        Code::Unauthenticated => "refused the credentials",
        Code::DeadlineExceeded => "out of time",
        Code::Unavailable => "cannot connect",
        Code::ResourceExhausted => "out of resources",
        _ => "failed",
    }
}

/// An error and its sources, one line.
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut words = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        words.push_str(": ");
        words.push_str(&s.to_string());
        source = s.source();
    }
    words
}

fn arrow_error(e: arrow::error::ArrowError) -> Error {
    Error::Sidecar(format!("the sidecar's answer: {e}"))
}

impl Extractor for Sidecar {
    fn extract(
        &mut self,
        source: &str,
        usage: Use,
        rows: &mut dyn FnMut(Vec<Extracted>) -> Result<()>,
    ) -> Result<()> {
        let usage = match usage {
            Use::Library => "library",
            Use::Query => "query",
        };
        let dataset = format!(
            "extract?uri={}&use={usage}",
            utf8_percent_encode(source, NON_ALPHANUMERIC)
        );
        for batch in self.dataset(&dataset)? {
            rows(batches::to_extracted(&batch).map_err(arrow_error)?)?;
        }
        Ok(())
    }

    fn query(&mut self, sources: Vec<String>) -> Result<Vec<QueryAnswer>> {
        let batch =
            batches::from_texts(batches::sources_schema(), &sources).map_err(arrow_error)?;
        let mut answers = Vec::with_capacity(sources.len());
        for batch in self.exchange(Exchange::Query, batch)? {
            answers.extend(batches::to_answers(&batch).map_err(arrow_error)?);
        }
        expect_rows(answers, sources.len())
    }
}

impl Ranker for Sidecar {
    fn rerank(&mut self, candidates: Vec<Candidate>) -> Result<Vec<Ranked>> {
        let batch = batches::from_candidates(&candidates).map_err(arrow_error)?;
        let mut ranked = Vec::with_capacity(candidates.len());
        for batch in self.exchange(Exchange::Rerank, batch)? {
            ranked.extend(batches::to_ranked(&batch).map_err(arrow_error)?);
        }
        expect_rows(ranked, candidates.len())
    }
}

/// One answer per row, or an error (ClickHouse needs exactly as many).
fn expect_rows<T>(rows: Vec<T>, expected: usize) -> Result<Vec<T>> {
    if rows.len() == expected {
        Ok(rows)
    } else {
        Err(Error::Sidecar(format!(
            "the sidecar answered {} rows for {expected}",
            rows.len()
        )))
    }
}
