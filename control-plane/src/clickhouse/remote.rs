//! ClickHouse reached through a running `clickprint serve`: its embedded
//! engine, over `POST /v1/admin/sql` with the admin token. What a second
//! process on the same data directory uses (`clickprint sql`,
//! `clickprint worker`), since only one process may hold chDB's storage.

use std::time::Duration;

use super::output::{ARROW_STREAM, QueryOutput};
use crate::error::{Error, Result};

/// The service's address and token.
#[derive(Debug, Clone)]
pub struct RemoteEngine {
    url: String,
    pid: u32,
    token: String,
    client: reqwest::Client,
}

impl RemoteEngine {
    /// A handle to the service at `url` (process `pid`, for messages).
    pub fn new(url: &str, pid: u32, token: &str) -> Self {
        RemoteEngine {
            url: url.trim_end_matches('/').to_owned(),
            pid,
            token: token.to_owned(),
            client: reqwest::Client::new(),
        }
    }

    /// Runs one statement in the service's engine.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] with the engine's message, or why the service
    /// did not answer.
    pub async fn query_with_params(
        &self,
        sql: &str,
        params: &[(&str, String)],
    ) -> Result<QueryOutput> {
        self.post(serde_json::json!({ "query": sql, "params": json_params(params) }))
            .await
    }

    /// Runs an analyst's statement for `tenant` in the service
    /// (`crate::clickhouse::analyst::run` there).
    ///
    /// # Errors
    /// As [`RemoteEngine::query_with_params`]; the service's refusal.
    pub async fn query_as_analyst(
        &self,
        sql: &str,
        tenant: u32,
        params: &[(&str, String)],
    ) -> Result<QueryOutput> {
        self.post(serde_json::json!({
            "query": sql,
            "tenant": tenant,
            "params": json_params(params),
        }))
        .await
    }

    async fn post(&self, body: serde_json::Value) -> Result<QueryOutput> {
        let unreachable = |e: reqwest::Error| {
            Error::Config(format!(
                "the service at {} (pid {}) did not answer: {e}",
                self.url, self.pid
            ))
        };
        let response = self
            .client
            .post(format!("{}/v1/admin/sql", self.url))
            .bearer_auth(&self.token)
            .header("accept", ARROW_STREAM)
            .json(&body)
            .timeout(Duration::from_secs(3600))
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            let text = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            return Err(match status.as_u16() {
                // A refused analyst statement, and one that failed.
                403 => Error::Forbidden(text),
                // A limit hit; the words name it and its setting.
                422 => Error::LimitExceeded(text),
                400 => Error::BadRequest(text.trim_start_matches("bad request: ").to_owned()),
                // The service's message already names the store ("clickhouse: ...").
                _ => Error::ClickHouse(text.trim_start_matches("clickhouse: ").to_owned()),
            });
        }
        QueryOutput::from_arrow_stream(&body)
    }
}

/// Query parameters as the service's `params` object.
fn json_params(params: &[(&str, String)]) -> serde_json::Map<String, serde_json::Value> {
    params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect()
}
