//! Webhook deliveries: senders that take due deliveries from the outbox
//! (`store::webhooks`), post them signed, and retry them on a schedule;
//! and the one event found after the fact, `media.matched`.
//!
//! A delivery is a POST of the stored body with
//! `Clickprint-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>` (Stripe's scheme: the receiver recomputes it and
//! refuses a stale `t`, so a captured delivery cannot be replayed later).
//! It goes under the download rules of `clickprint_fetch` (a tenant names
//! the URL, so it is hostile input): one deadline for connection, request
//! and answer (`webhook_timeout_secs`), no redirect, no private address
//! unless `webhook_allow_private`. A 2xx delivers it; anything else is
//! tried again after each wait of `webhook_retry_secs` in turn, then given
//! up. Every attempt is logged (`GET /v1/webhooks/{id}/deliveries`).
//!
//! Senders are shared fairly: a tenant's deliveries hold at most
//! `webhook_tenant_in_flight` senders at once, so with the default four
//! senders and two per tenant, a tenant whose receiver hangs slows its
//! own deliveries only.
//!
//! `media.matched`: after an item is ready, when a webhook of its tenant
//! asks for it, the worker searches the library with the item (the item
//! search of `POST /v1/search` with `{"media_id": N}`, the item itself
//! left out) and writes one delivery per webhook whose `min_score` a match
//! reaches. It runs after the item's status commits (the search needs it
//! ready), so a worker killed in between loses that event: the others are
//! written with their status change.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use deadpool_postgres::Pool;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::app::search;
use crate::clickhouse::Engine;
use crate::config::{Config, Webhooks};
use crate::error::Result;
use crate::store::tenants::Tenant;
use crate::store::webhooks::{self, Claimed, Outcome};

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "Clickprint-Signature";

/// How long an idle sender waits before looking again.
const POLL: Duration = Duration::from_millis(250);

/// The value of [`SIGNATURE_HEADER`] for `body` sent at `unix_secs`:
/// `t=<unix_secs>,v1=<hex HMAC-SHA256(secret, "<unix_secs>.<body>")>`.
pub fn signature(secret: &str, unix_secs: u64, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(unix_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={unix_secs},v1={}",
        crate::hex(&mac.finalize().into_bytes())
    )
}

/// Starts `settings.senders` senders on `pool`; they stop when `stop`
/// says `true` (a delivery in flight is finished first, within its
/// deadline).
pub fn start(
    pool: Pool,
    settings: Webhooks,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let settings = Arc::new(settings);
    (0..settings.senders)
        .map(|_| tokio::spawn(run(pool.clone(), Arc::clone(&settings), stop.clone())))
        .collect()
}

async fn run(pool: Pool, settings: Arc<Webhooks>, mut stop: tokio::sync::watch::Receiver<bool>) {
    // The claim outlives the deadline: a sender records its attempt well
    // inside it, and only a dead sender's delivery is taken over.
    let lease = settings.policy.timeout + Duration::from_secs(30);
    loop {
        if *stop.borrow() {
            break;
        }
        match webhooks::claim(&pool, lease, settings.tenant_in_flight).await {
            Ok(Some(delivery)) => deliver(&pool, &settings, &delivery).await,
            Ok(None) => {
                tokio::select! {
                    () = tokio::time::sleep(POLL) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming a webhook delivery failed");
                tokio::select! {
                    () = tokio::time::sleep(POLL * 4) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

/// One attempt of `delivery`, logged and recorded.
async fn deliver(pool: &Pool, settings: &Webhooks, delivery: &Claimed) {
    let body = serde_json::to_vec(&delivery.payload).unwrap_or_default();
    let started = SystemTime::now();
    let unix = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let headers = [
        ("content-type", "application/json".to_owned()),
        (SIGNATURE_HEADER, signature(&delivery.secret, unix, &body)),
    ];
    let clock = Instant::now();
    let answer = clickprint_fetch::post(&delivery.url, &settings.policy, &headers, body).await;
    let took = clock.elapsed();
    let (status, error) = match answer {
        Ok(a) if (200..300).contains(&a.status) => (Some(a.status), None),
        Ok(a) => {
            let said: String = a.body.chars().take(200).collect();
            (
                Some(a.status),
                Some(format!("the receiver answered {}: {said}", a.status)),
            )
        }
        Err(e) => (None, Some(e.to_string())),
    };
    let retry_after = match &error {
        Some(_) => usize::try_from(delivery.attempt - 1)
            .ok()
            .and_then(|i| settings.retries.get(i).copied()),
        None => None,
    };
    tracing::info!(
        delivery = delivery.id,
        tenant = delivery.tenant_id,
        attempt = delivery.attempt,
        status,
        error = error.as_deref().unwrap_or(""),
        ms = took.as_millis() as u64,
        retry_in_secs = retry_after.map(|d| d.as_secs()),
        "webhook attempt"
    );
    let outcome = Outcome {
        started,
        took,
        status,
        error,
        retry_after,
    };
    if let Err(e) = webhooks::record(pool, delivery, &outcome).await {
        tracing::warn!(delivery = delivery.id, error = %e, "recording a webhook attempt failed");
    }
}

/// Matches asked of the search for `media.matched`, at most.
const MATCHES: u32 = 20;

/// Writes `media.matched` for item `media_id`, just ready, when a webhook
/// of `tenant` asks for it and a match other than the item scores its
/// `min_score` or more. The deliveries written.
///
/// # Errors
/// As [`search::run`].
pub async fn announce_matches(
    pool: &Pool,
    engine: &Engine,
    config: &Config,
    tenant: &Tenant,
    media_id: i64,
) -> Result<u64> {
    let subscribers = webhooks::matched_subscribers(pool, tenant.id).await?;
    let Some(lowest) = subscribers.iter().map(|(_, s)| *s).reduce(f32::min) else {
        return Ok(0);
    };
    let file = search::item_query(pool, config, tenant, media_id).await?;
    let mut query = search::Query::new(&file, Some(MATCHES), Some(lowest), config)?;
    query.exclude = Some(media_id);
    let answer = search::run(pool, engine, config, tenant, query).await?;
    let item = crate::store::media::get(pool, tenant.id, media_id).await?;
    let client = pool.get().await?;
    let mut written = 0;
    for (webhook, min_score) in subscribers {
        let matches: Vec<serde_json::Value> = answer
            .matches
            .iter()
            .filter(|m| m.score >= min_score)
            .map(|m| {
                serde_json::json!({
                    "media_id": m.media_id,
                    "external_id": m.external_id,
                    "score": m.score,
                    "evidence": m.evidence,
                    "metadata": m.metadata,
                })
            })
            .collect();
        if matches.is_empty() {
            continue;
        }
        let data = serde_json::json!({
            "media_id": media_id,
            "external_id": item.external_id,
            "metadata": item.metadata,
            "matches": matches,
        });
        written += webhooks::enqueue(
            &client,
            tenant.id,
            "media.matched",
            &format!("media.matched:{media_id}"),
            &data,
            Some(webhook),
        )
        .await?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected value is Python's
    /// `hmac.new(b"whsec_test", b'1700000000.{"id":"x"}', hashlib.sha256).hexdigest()`:
    /// what a receiver computes with the README's snippet.
    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body_in_stripes_layout() {
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"id":"x"}"#),
            "t=1700000000,v1=80e8d098018f757aa814ab1abb924f35d304affa1d93d29611a54696207eb7c3"
        );
        assert_ne!(
            signature("whsec_test", 1_700_000_001, br#"{"id":"x"}"#),
            signature("whsec_test", 1_700_000_000, br#"{"id":"x"}"#),
            "the time is signed"
        );
    }
}
