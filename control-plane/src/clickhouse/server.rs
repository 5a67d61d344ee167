//! A ClickHouse server (single node or cluster) reached over HTTP with the
//! `clickhouse` crate. Results travel as `ArrowStream`, so callers get the
//! same Arrow record batches as from the embedded engine. ClickHouse
//! compresses Arrow buffers with LZ4 unless told otherwise
//! (`output_format_arrow_compression_method`), which this build of Arrow
//! does not read; the transport is compressed already (the crate's LZ4), so
//! every statement asks for plain buffers (`PLAIN_ARROW`).

use super::output::QueryOutput;
use super::result_limits::Budget;
use crate::config::ServerOptions;
use crate::error::{Error, Result};

/// The setting that makes the server's `ArrowStream` answer readable here.
const PLAIN_ARROW: (&str, &str) = ("output_format_arrow_compression_method", "none");

/// A handle to a ClickHouse server; cheap to clone.
#[derive(Clone)]
pub struct ServerEngine {
    client: ::clickhouse::Client,
    url: String,
    user: String,
    cluster: bool,
}

impl std::fmt::Debug for ServerEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerEngine")
            .field("url", &self.url)
            .finish()
    }
}

impl ServerEngine {
    /// Builds the client; nothing is sent until the first statement.
    pub fn new(options: &ServerOptions) -> Self {
        let mut client = ::clickhouse::Client::default().with_url(&options.url);
        if let Some(user) = &options.user {
            client = client.with_user(user);
        }
        if let Some(password) = &options.password {
            client = client.with_password(password);
        }
        if let Some(database) = &options.database {
            client = client.with_database(database);
        }
        ServerEngine {
            client,
            url: options.url.clone(),
            cluster: options.cluster,
            // The HTTP interface's user when none is given.
            user: options.user.clone().unwrap_or_else(|| "default".into()),
        }
    }

    /// Whether the server is a cluster laid out by
    /// `sql/clickhouse/cluster/schema.sql` (`clickhouse_cluster`).
    pub fn is_cluster(&self) -> bool {
        self.cluster
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The user statements run as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Runs one statement and collects its whole result.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] with the server's message, or the transport error.
    pub async fn query(&self, sql: &str) -> Result<QueryOutput> {
        self.query_with_params(sql, &[]).await
    }

    /// Runs one statement with `{name:Type}` parameters, sent as the HTTP
    /// interface's `param_<name>` options (the server parses each value as
    /// its declared type: values are never spliced into the SQL).
    ///
    /// # Errors
    /// As [`ServerEngine::query`].
    pub async fn query_with_params(
        &self,
        sql: &str,
        params: &[(&str, String)],
    ) -> Result<QueryOutput> {
        let settings: Vec<(String, String)> = params
            .iter()
            .map(|(name, value)| (format!("param_{name}"), value.clone()))
            .collect();
        self.run(self.client.clone(), sql, &settings).await
    }

    /// Runs one statement in `database` with settings sent as the HTTP
    /// interface's options (`readonly`, limits), and `{name:Type}`
    /// parameters as `param_<name>`.
    /// The answer is read within `budget`: its body is dropped (ending
    /// the statement) once it passes the bytes, and its rows are counted.
    ///
    /// # Errors
    /// As [`ServerEngine::query`]; [`Error::LimitExceeded`] past `budget`.
    pub async fn query_scoped(
        &self,
        sql: &str,
        database: &str,
        params: &[(&str, String)],
        settings: &[(&str, String)],
        budget: Option<Budget>,
    ) -> Result<QueryOutput> {
        let settings: Vec<(String, String)> = params
            .iter()
            .map(|(name, value)| (format!("param_{name}"), value.clone()))
            .chain(
                settings
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), value.clone())),
            )
            .collect();
        let client = self.client.clone().with_database(database);
        let Some(budget) = budget else {
            return self.run(client, sql, &settings).await;
        };
        let mut query = client
            .query_raw(sql)
            .with_setting(PLAIN_ARROW.0, PLAIN_ARROW.1);
        for (name, value) in settings {
            query = query.with_setting(name, value);
        }
        let failed = |e: clickhouse::error::Error| Error::ClickHouse(e.to_string());
        let mut cursor = query.fetch_bytes("ArrowStream").map_err(failed)?;
        let mut body = Vec::new();
        while let Some(chunk) = cursor.next().await.map_err(failed)? {
            body.extend_from_slice(&chunk);
            budget.check_bytes(body.len() as u64)?;
        }
        let output = QueryOutput::from_arrow_stream(&body)?;
        Ok(QueryOutput {
            batches: budget.collect(output.batches.into_iter().map(Ok))?,
            schema: output.schema,
        })
    }

    async fn run(
        &self,
        client: ::clickhouse::Client,
        sql: &str,
        settings: &[(String, String)],
    ) -> Result<QueryOutput> {
        // query_raw: a user's `?` is text, not a bind placeholder.
        let mut query = client
            .query_raw(sql)
            .with_setting(PLAIN_ARROW.0, PLAIN_ARROW.1);
        for (name, value) in settings {
            query = query.with_setting(name.clone(), value.clone());
        }
        let mut cursor = query
            .fetch_bytes("ArrowStream")
            .map_err(|e| Error::ClickHouse(e.to_string()))?;
        let body = cursor
            .collect()
            .await
            .map_err(|e| Error::ClickHouse(e.to_string()))?;
        // Statements without a result (DDL, INSERT) answer with no body.
        QueryOutput::from_arrow_stream(&body)
    }
}
