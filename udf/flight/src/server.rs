//! The Flight service: the UDFs' functions served warm, by whatever
//! [`Work`] the binary supplies.
//!
//! Every request's work runs on a blocking thread under a semaphore
//! (`max_concurrent`) and a deadline for the whole request; the work is
//! told the time its request has left when it starts, so it cuts its
//! downloads and decoding to it. A failed or panicking request answers
//! with a Flight error and the server goes on serving.
//!
//! Authentication (when configured): `Basic` credentials on any call, or
//! the `Bearer` token a `Handshake` with those credentials returns (what
//! Arrow's C++ and Python clients do with a user name and password, and so
//! ClickHouse's `arrowFlight(..., 'user', 'password')`), or a configured
//! bearer token.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::ipc::writer::IpcWriteOptions;
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::flight_descriptor::DescriptorType;
use arrow_flight::flight_service_server::{FlightService, FlightServiceServer};
use arrow_flight::{
    Action, ActionType, Criteria, Empty, FlightData, FlightDescriptor, FlightEndpoint, FlightInfo,
    HandshakeRequest, HandshakeResponse, PollInfo, PutResult, SchemaAsIpc, SchemaResult, Ticket,
};
use base64::Engine as _;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tonic::metadata::MetadataMap;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Server, ServerTlsConfig};
use tonic::{Request, Response, Status, Streaming};

use clickprint_core::Error;
use clickprint_core::media::Kind;
use clickprint_core::records::Use;
use clickprint_core::rows::{EXTRACT_BATCH, Extracted, QueryAnswer, Ranked, Ranker, Reranker};

use crate::batches;
use crate::dataset::{DATASETS, Dataset, Exchange};

/// The work a server serves, supplied by the binary that runs it. Each
/// call is told `left`, the time its request has before its deadline, and
/// must end within it (its downloads and decoding cut to it), so work given
/// up on does not go on holding a slot. Calls run on blocking threads.
pub trait Work: std::fmt::Debug + Send + Sync + 'static {
    /// The rows of a media reference for `usage`, refusing media of another
    /// modality than `modality` when one is given.
    ///
    /// # Errors
    /// Undecodable, unreachable or refused media.
    fn extract(
        &self,
        uri: &str,
        usage: Use,
        modality: Option<Kind>,
        left: Duration,
    ) -> Result<Vec<Extracted>, Error>;

    /// The query side of a search for each source (a media reference, or
    /// `fp:` and a packed fingerprint in hex), in order.
    ///
    /// # Errors
    /// As [`Work::extract`]; malformed hex or fingerprint.
    fn query(&self, sources: Vec<String>, left: Duration) -> Result<Vec<QueryAnswer>, Error>;

    /// The rerank verdict of the media `reference` as a copy of `query` (a
    /// media reference, or `fp:` and hex).
    ///
    /// # Errors
    /// As [`Work::query`].
    fn compare(&self, query: &str, reference: &str, left: Duration) -> Result<Ranked, Error>;
}

/// Why a server does not serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The operating system gave no randomness for the session token
    /// (ours: the machine's); the server refuses to start rather than hand
    /// out a guessable token.
    #[error("no randomness for the session token: {0}")]
    Randomness(getrandom::Error),
    /// A bad TLS configuration (the operator's), or the transport failing.
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
}

/// Who may call.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// A user name and password (`Basic`, or `Handshake` for a token).
    pub basic: Option<(String, String)>,
    /// A bearer token accepted as it is.
    pub token: Option<String>,
}

impl Credentials {
    /// Whether callers must give any.
    pub fn required(&self) -> bool {
        self.basic.is_some() || self.token.is_some()
    }
}

/// How the sidecar serves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Pieces of work running at once; more wait (up to the deadline).
    pub max_concurrent: usize,
    /// Deadline of one request, waiting included.
    pub request_timeout: Duration,
    /// Who may call.
    pub credentials: Credentials,
    /// Largest gRPC message either way, bytes (one packed fingerprint of a
    /// long video is tens of MB).
    pub max_message_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_concurrent: std::thread::available_parallelism().map_or(2, usize::from),
            request_timeout: Duration::from_secs(600),
            credentials: Credentials::default(),
            max_message_bytes: 512 << 20,
        }
    }
}

/// The Flight service, serving `W`.
#[derive(Debug)]
pub struct Service<W> {
    inner: Arc<Inner<W>>,
}

impl<W> Clone for Service<W> {
    fn clone(&self) -> Self {
        Service {
            inner: Arc::clone(&self.inner),
        }
    }
}

#[derive(Debug)]
struct Inner<W> {
    settings: Settings,
    work: Arc<W>,
    permits: Arc<Semaphore>,
    /// The token a successful `Handshake` hands out, made at start.
    session_token: String,
    served: AtomicU64,
    failed: AtomicU64,
    /// Requests between arriving and having their answer made.
    in_flight: AtomicU64,
}

type Answer<T> = Result<Response<T>, Status>;

impl<W: Work> Service<W> {
    /// A service doing `work` with `settings`.
    ///
    /// # Errors
    /// [`ServeError::Randomness`] when the operating system gives no
    /// randomness for the session token.
    pub fn new(settings: Settings, work: W) -> Result<Service<W>, ServeError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(ServeError::Randomness)?;
        Ok(Service {
            inner: Arc::new(Inner {
                permits: Arc::new(Semaphore::new(settings.max_concurrent.max(1))),
                settings,
                work: Arc::new(work),
                session_token: clickprint_core::bits::hex(&secret),
                served: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                in_flight: AtomicU64::new(0),
            }),
        })
    }

    /// How it serves.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The gRPC service, with the message size limits.
    pub fn into_server(self) -> FlightServiceServer<Service<W>> {
        let limit = self.inner.settings.max_message_bytes;
        FlightServiceServer::new(self)
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit)
    }

    fn authorize(&self, metadata: &MetadataMap) -> Result<(), Status> {
        let credentials = &self.inner.settings.credentials;
        if !credentials.required() {
            return Ok(());
        }
        let header = metadata
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let accepted = if let Some(token) = header.strip_prefix("Bearer ") {
            same(token, &self.inner.session_token) && credentials.basic.is_some()
                || credentials.token.as_deref().is_some_and(|t| same(token, t))
        } else if let Some(encoded) = header.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .unwrap_or_default();
            let decoded = String::from_utf8_lossy(&decoded);
            match (decoded.split_once(':'), &credentials.basic) {
                (Some((user, password)), Some((u, p))) => same(user, u) & same(password, p),
                _ => false,
            }
        } else {
            false
        };
        if accepted {
            Ok(())
        } else if header.is_empty() {
            Err(Status::unauthenticated(
                "this sidecar needs credentials: a user name and password, or a bearer token",
            ))
        } else {
            Err(Status::unauthenticated("wrong credentials"))
        }
    }

    /// Runs `work` on a blocking thread under the concurrency limit and the
    /// request deadline. The work is given the time the request has left
    /// when it starts (see [`Work`]).
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&W, Duration) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Status> {
        let inner = &self.inner;
        let deadline = inner.settings.request_timeout;
        let started = Instant::now();
        inner.in_flight.fetch_add(1, Ordering::SeqCst);
        let result = tokio::time::timeout(deadline, async {
            let permit = Arc::clone(&inner.permits)
                .acquire_owned()
                .await
                .map_err(|_| Status::unavailable("the sidecar is shutting down"))?;
            let left = deadline.saturating_sub(started.elapsed());
            let doer = Arc::clone(&inner.work);
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                work(&doer, left)
            })
            .await
            .map_err(|e| Status::internal(format!("the work failed unexpectedly: {e}")))?
            .map_err(status_of)
        })
        .await
        .unwrap_or_else(|_| {
            Err(Status::deadline_exceeded(format!(
                "the request took longer than the sidecar's {deadline:?} limit"
            )))
        });
        let counter = if result.is_ok() {
            &inner.served
        } else {
            &inner.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        inner.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// The batches of a dataset.
    async fn dataset(&self, dataset: Dataset) -> Result<(SchemaRef, Vec<RecordBatch>), Status> {
        let schema = schema_of(&dataset);
        let batches = match dataset {
            Dataset::Extract {
                uri,
                usage,
                modality,
            } => {
                let rows = self
                    .run(move |work, left| work.extract(&uri, usage, modality, left))
                    .await?;
                rows.chunks(EXTRACT_BATCH)
                    .map(|chunk| batches::from_extracted(chunk, None))
                    .collect::<Result<Vec<_>, _>>()
            }
            Dataset::Query { uri } => {
                let answers = self
                    .run(move |work, left| work.query(vec![uri], left))
                    .await?;
                batches::from_answers(&answers).map(|b| vec![b])
            }
            Dataset::Compare { query, reference } => {
                let ranked = self
                    .run(move |work, left| work.compare(&query, &reference, left))
                    .await?;
                batches::from_ranked(&[ranked]).map(|b| vec![b])
            }
        };
        Ok((schema, batches.map_err(internal)?))
    }

    async fn exchange(
        &self,
        exchange: Exchange,
        input: Vec<RecordBatch>,
    ) -> Result<(SchemaRef, Vec<RecordBatch>), Status> {
        let invalid = |e: arrow::error::ArrowError| Status::invalid_argument(e.to_string());
        match exchange {
            Exchange::Query => {
                let mut sources = Vec::new();
                for batch in &input {
                    sources.extend(batches::to_texts(batch, "source").map_err(invalid)?);
                }
                let answers: Vec<QueryAnswer> = self
                    .run(move |work, left| work.query(sources, left))
                    .await?;
                let batch = batches::from_answers(&answers).map_err(internal)?;
                Ok((batches::query_schema(), vec![batch]))
            }
            Exchange::Rerank => {
                let mut candidates = Vec::new();
                for batch in &input {
                    candidates.extend(batches::to_candidates(batch).map_err(invalid)?);
                }
                let ranked: Vec<Ranked> = self
                    .run(move |_, _| Reranker::default().rerank(candidates))
                    .await?;
                let batch = batches::from_ranked(&ranked).map_err(internal)?;
                Ok((batches::ranked_schema(), vec![batch]))
            }
            Exchange::Extract => {
                let mut uris = Vec::new();
                for batch in &input {
                    uris.extend(batches::to_texts(batch, "uri").map_err(invalid)?);
                }
                let per_uri: Vec<Vec<Extracted>> = self
                    .run(move |work, left| {
                        uris.iter()
                            .map(|uri| work.extract(uri, Use::Library, None, left))
                            .collect()
                    })
                    .await?;
                let mut out = Vec::new();
                for (row, rows) in per_uri.iter().enumerate() {
                    let row = u32::try_from(row)
                        .map_err(|_| Status::invalid_argument("too many rows in one exchange"))?;
                    for chunk in rows.chunks(EXTRACT_BATCH) {
                        out.push(batches::from_extracted(chunk, Some(row)).map_err(internal)?);
                    }
                }
                Ok((batches::extract_exchange_schema(), out))
            }
        }
    }

    fn health(&self) -> serde_json::Value {
        let inner = &self.inner;
        let running = inner.settings.max_concurrent - inner.permits.available_permits();
        serde_json::json!({
            "status": "ok",
            "version": clickprint_core::VERSION,
            "running": running,
            "max_concurrent": inner.settings.max_concurrent,
            "served": inner.served.load(Ordering::Relaxed),
            "failed": inner.failed.load(Ordering::Relaxed),
        })
    }
}

fn schema_of(dataset: &Dataset) -> SchemaRef {
    match dataset {
        Dataset::Extract { .. } => batches::extract_schema(),
        Dataset::Query { .. } => batches::query_schema(),
        Dataset::Compare { .. } => batches::ranked_schema(),
    }
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

fn internal(e: impl std::fmt::Display) -> Status {
    Status::internal(e.to_string())
}

/// The Flight status for a library error: the caller's input is
/// `INVALID_ARGUMENT` (with the library's words), a decode past its wall
/// clock `DEADLINE_EXCEEDED`, anything else `INTERNAL`.
fn status_of(e: Error) -> Status {
    match e {
        Error::Timeout { .. } => Status::deadline_exceeded(e.to_string()),
        e if e.code() == clickprint_core::ErrorCode::Input => {
            Status::invalid_argument(e.to_string())
        }
        e => Status::internal(e.to_string()),
    }
}

/// The dataset a descriptor names: its one path element, or its command.
fn dataset_of(descriptor: &FlightDescriptor) -> Result<Dataset, Status> {
    let text = match descriptor.r#type() {
        DescriptorType::Path => descriptor.path.join("/"),
        DescriptorType::Cmd => String::from_utf8_lossy(&descriptor.cmd).into_owned(),
        DescriptorType::Unknown => {
            return Err(Status::invalid_argument("descriptor names nothing"));
        }
    };
    Dataset::parse(&text).map_err(|e| Status::invalid_argument(e.to_string()))
}

/// Record batches as a Flight stream: the schema first, even for no rows.
fn encode(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> BoxStream<'static, Result<FlightData, Status>> {
    FlightDataEncoderBuilder::new()
        .with_schema(schema)
        .build(stream::iter(batches.into_iter().map(Ok)))
        .map_err(Status::from)
        .boxed()
}

#[tonic::async_trait]
impl<W: Work> FlightService for Service<W> {
    type HandshakeStream = BoxStream<'static, Result<HandshakeResponse, Status>>;
    type ListFlightsStream = BoxStream<'static, Result<FlightInfo, Status>>;
    type DoGetStream = BoxStream<'static, Result<FlightData, Status>>;
    type DoPutStream = BoxStream<'static, Result<PutResult, Status>>;
    type DoExchangeStream = BoxStream<'static, Result<FlightData, Status>>;
    type DoActionStream = BoxStream<'static, Result<arrow_flight::Result, Status>>;
    type ListActionsStream = BoxStream<'static, Result<ActionType, Status>>;

    async fn handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Answer<Self::HandshakeStream> {
        self.authorize(request.metadata())?;
        let token = self.inner.session_token.clone();
        let reply = HandshakeResponse {
            protocol_version: 0,
            payload: token.clone().into_bytes().into(),
        };
        let mut response = Response::new(stream::once(async { Ok(reply) }).boxed());
        if self.inner.settings.credentials.basic.is_some() {
            let value = format!("Bearer {token}")
                .parse()
                .map_err(|_| Status::internal("token is not a header value"))?;
            response.metadata_mut().insert("authorization", value);
        }
        Ok(response)
    }

    async fn list_flights(&self, request: Request<Criteria>) -> Answer<Self::ListFlightsStream> {
        self.authorize(request.metadata())?;
        Err(Status::unimplemented(format!(
            "datasets are named, not listed: {}",
            DATASETS
        )))
    }

    async fn get_flight_info(&self, request: Request<FlightDescriptor>) -> Answer<FlightInfo> {
        self.authorize(request.metadata())?;
        let descriptor = request.into_inner();
        let dataset = dataset_of(&descriptor)?;
        let ticket = match descriptor.r#type() {
            DescriptorType::Cmd => descriptor.cmd.clone(),
            _ => descriptor.path.join("/").into_bytes().into(),
        };
        let info = FlightInfo::new()
            .try_with_schema(&schema_of(&dataset))
            .map_err(internal)?
            .with_endpoint(FlightEndpoint::new().with_ticket(Ticket { ticket }))
            .with_descriptor(descriptor);
        Ok(Response::new(info))
    }

    async fn poll_flight_info(&self, request: Request<FlightDescriptor>) -> Answer<PollInfo> {
        self.authorize(request.metadata())?;
        Err(Status::unimplemented("use GetFlightInfo"))
    }

    async fn get_schema(&self, request: Request<FlightDescriptor>) -> Answer<SchemaResult> {
        self.authorize(request.metadata())?;
        let dataset = dataset_of(request.get_ref())?;
        let schema = schema_of(&dataset);
        let result = SchemaResult::try_from(SchemaAsIpc::new(&schema, &IpcWriteOptions::default()))
            .map_err(internal)?;
        Ok(Response::new(result))
    }

    async fn do_get(&self, request: Request<Ticket>) -> Answer<Self::DoGetStream> {
        self.authorize(request.metadata())?;
        let text = String::from_utf8_lossy(&request.get_ref().ticket).into_owned();
        let dataset = Dataset::parse(&text).map_err(|e| Status::invalid_argument(e.to_string()))?;
        let (schema, batches) = self.dataset(dataset).await?;
        Ok(Response::new(encode(schema, batches)))
    }

    async fn do_put(&self, request: Request<Streaming<FlightData>>) -> Answer<Self::DoPutStream> {
        self.authorize(request.metadata())?;
        Err(Status::unimplemented(
            "the sidecar stores nothing; use DoExchange for batch work",
        ))
    }

    async fn do_exchange(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Answer<Self::DoExchangeStream> {
        self.authorize(request.metadata())?;
        let mut input = request.into_inner();
        let first = input
            .message()
            .await?
            .ok_or_else(|| Status::invalid_argument("an exchange with no messages"))?;
        let command = match &first.flight_descriptor {
            Some(d) if d.r#type() == DescriptorType::Cmd => d.cmd.to_vec(),
            Some(d) => d.path.join("/").into_bytes(),
            None => Vec::new(),
        };
        if command.is_empty() {
            return Err(Status::invalid_argument(
                "the first message of an exchange names it in its descriptor: \
                 extract, query or rerank",
            ));
        }
        let exchange =
            Exchange::parse(&command).map_err(|e| Status::invalid_argument(e.to_string()))?;
        // Arrow's C++ and Python clients send the descriptor alone first;
        // Rust's sends it with the schema.
        let first = (!first.data_header.is_empty()).then_some(Ok(first));
        let messages = stream::iter(first).chain(input.map_err(FlightError::from));
        // Every message is bounded by gRPC's limit; the whole input is
        // bounded by the same number, read batch by batch.
        let limit = self.inner.settings.max_message_bytes;
        let mut stream = FlightRecordBatchStream::new_from_flight_data(messages);
        let (mut batches, mut bytes) = (Vec::new(), 0usize);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| {
                Status::invalid_argument(format!("reading the exchange's batches: {e}"))
            })?;
            bytes += batch.get_array_memory_size();
            if bytes > limit {
                return Err(Status::resource_exhausted(format!(
                    "the exchange's input is over the sidecar's {limit}-byte limit \
                     (--max-message-bytes); send fewer rows per call"
                )));
            }
            batches.push(batch);
        }
        let (schema, out) = self.exchange(exchange, batches).await?;
        Ok(Response::new(encode(schema, out)))
    }

    async fn do_action(&self, request: Request<Action>) -> Answer<Self::DoActionStream> {
        self.authorize(request.metadata())?;
        match request.get_ref().r#type.as_str() {
            "health" => {
                let body = self.health().to_string();
                let result = arrow_flight::Result {
                    body: body.into_bytes().into(),
                };
                Ok(Response::new(stream::once(async { Ok(result) }).boxed()))
            }
            other => Err(Status::invalid_argument(format!(
                "no action `{other}`; served: health"
            ))),
        }
    }

    async fn list_actions(&self, request: Request<Empty>) -> Answer<Self::ListActionsStream> {
        self.authorize(request.metadata())?;
        let health = ActionType {
            r#type: "health".into(),
            description: "JSON: status, version, running, served and failed requests".into(),
        };
        Ok(Response::new(stream::once(async { Ok(health) }).boxed()))
    }
}

/// Serves `service` on `listener` until `shutdown` completes; then takes no new
/// connections, lets the requests in flight finish (up to the request
/// deadline) and their answers go out (up to [`FLUSH_GRACE`]), and returns
/// without waiting for idle clients to hang up.
///
/// # Errors
/// [`ServeError::Transport`]: a bad TLS configuration, or the transport
/// failing.
pub async fn serve<W: Work>(
    listener: TcpListener,
    service: Service<W>,
    tls: Option<ServerTlsConfig>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls)?;
    }
    let inner = Arc::clone(&service.inner);
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stopping.send(());
    };
    // Without TCP_NODELAY a small answer waits for the client's delayed
    // ACK (40 ms on Linux); tonic sets it only on listeners it binds.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let serving = builder
        .add_service(service.into_server())
        .serve_with_incoming_shutdown(incoming, signal);
    tokio::pin!(serving);
    tokio::select! {
        result = &mut serving => return Ok(result?),
        _ = stopped => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
    let drained = async {
        while inner.in_flight.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let _ = tokio::time::timeout(inner.settings.request_timeout, drained).await;
    match tokio::time::timeout(FLUSH_GRACE, serving).await {
        Ok(result) => Ok(result?),
        Err(_) => Ok(()),
    }
}

/// After the last request in flight has its answer, how long the answers
/// have to go out before the server stops even if clients keep their
/// connections open.
pub const FLUSH_GRACE: Duration = Duration::from_secs(2);
