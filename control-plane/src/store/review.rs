//! The review loop in Postgres (`sql/postgres/V8__review.sql`): reviewers'
//! decisions on matches (`match_decisions`) and the items a tenant never
//! wants matched (`media_exclusions`).
//!
//! A decision names a pair: a query's content, by its SHA-256 (an exact
//! re-upload of the query is the same query; a search by a library item is
//! its file's), and a library item. It is `false_positive` (no later search
//! of that content returns the item) or `confirmed` (later searches flag
//! it). Every write here returns the row the ClickHouse mirror needs
//! ([`Mirror`]): the search statement reads the mirror, and
//! [`crate::app::review`] writes it after each change and rebuilds it
//! from [`mirror_page`] at start. Revoking keeps the row, so a revocation
//! is mirrored like any other write.

use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;

use crate::error::{Error, Result};
use crate::store::page;

/// A query's content as the tables key it: its SHA-256 in lowercase hex.
///
/// # Errors
/// [`Error::BadRequest`] unless `text` is 64 hex digits.
pub fn sha256_hex(text: &str) -> Result<String> {
    let text = text.trim().to_ascii_lowercase();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::BadRequest(
            "`query_sha256` is a SHA-256 in hex: 64 digits".into(),
        ));
    }
    Ok(text)
}

/// Longest note a decision or an exclusion keeps, bytes.
pub const MAX_NOTE: usize = 1000;

fn check_note(note: &str) -> Result<()> {
    if note.len() > MAX_NOTE {
        return Err(Error::BadRequest(format!(
            "`note` is at most {MAX_NOTE} bytes"
        )));
    }
    Ok(())
}

/// What a reviewer said of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Not a copy: no later search of the query's content returns the item.
    FalsePositive,
    /// A copy: later searches return it with `"decision": "confirmed"`.
    Confirmed,
}

impl Verdict {
    /// As the tables spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::FalsePositive => "false_positive",
            Verdict::Confirmed => "confirmed",
        }
    }

    fn parse(text: &str) -> Result<Verdict> {
        match text {
            "false_positive" => Ok(Verdict::FalsePositive),
            "confirmed" => Ok(Verdict::Confirmed),
            other => Err(Error::BadRequest(format!(
                "`decision` is `false_positive` or `confirmed`, not {other:?}"
            ))),
        }
    }
}

/// One row of the ClickHouse mirror (`clickprint.match_decisions` or,
/// without a query and a verdict, `clickprint.media_excluded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    /// The tenant.
    pub tenant_id: i32,
    /// The query's content (empty for an exclusion).
    pub query_sha256: String,
    /// The item's fingerprints' owner: the id the search statement sees.
    pub owner: i64,
    /// The item the reviewer named.
    pub item_id: i64,
    /// The verdict (`None` for an exclusion).
    pub verdict: Option<Verdict>,
    /// The write's place in `review_versions`: the highest wins.
    pub version: i64,
    /// Revoked: the mirror drops the pair.
    pub revoked: bool,
}

/// One decision, as the API lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The pair's decision id: the listing's cursor, and what
    /// `DELETE /v1/matches/decisions/{id}` revokes.
    pub id: i64,
    /// The query's content.
    pub query_sha256: String,
    /// The library item.
    pub media_id: i64,
    /// That item's external id, if it has one.
    pub external_id: Option<String>,
    /// `false_positive` or `confirmed`.
    pub decision: Verdict,
    /// The reviewer's words, as given.
    pub note: String,
    /// When it was decided (last), RFC 3339 in UTC.
    pub decided_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    #[serde(skip)]
    mirror: Mirror,
}

impl Decision {
    /// The row the ClickHouse mirror takes for it.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }
}

/// One exclusion, as the API lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Exclusion {
    /// The exclusion's id: the listing's cursor.
    pub id: i64,
    /// The item no search returns.
    pub media_id: i64,
    /// Its external id, if it has one.
    pub external_id: Option<String>,
    /// The words given with it.
    pub note: String,
    /// When it was made (last), RFC 3339 in UTC.
    pub excluded_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    #[serde(skip)]
    mirror: Mirror,
}

impl Exclusion {
    /// The row the ClickHouse mirror takes for it.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }
}

fn utc(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
}

/// The columns [`decision_of`] reads, of `d` (a decision) and `m` (its item).
fn decision_columns() -> String {
    format!(
        "d.id, d.tenant_id, d.query_sha256, d.media_id, coalesce(m.fingerprints_of, m.id) AS owner, \
         m.external_id, d.decision, d.note, {} AS decided_at, {} AS revoked_at, d.version",
        utc("d.created_at"),
        utc("d.revoked_at"),
    )
}

fn decision_of(row: &Row) -> Result<Decision> {
    let verdict = Verdict::parse(row.get("decision"))?;
    let revoked_at: Option<String> = row.get("revoked_at");
    Ok(Decision {
        id: row.get("id"),
        query_sha256: row.get("query_sha256"),
        media_id: row.get("media_id"),
        external_id: row.get("external_id"),
        decision: verdict,
        note: row.get("note"),
        decided_at: row.get("decided_at"),
        mirror: Mirror {
            tenant_id: row.get("tenant_id"),
            query_sha256: row.get("query_sha256"),
            owner: row.get("owner"),
            item_id: row.get("media_id"),
            verdict: Some(verdict),
            version: row.get("version"),
            revoked: revoked_at.is_some(),
        },
        revoked_at,
    })
}

/// The columns [`exclusion_of`] reads, of `x` (an exclusion) and `m`.
fn exclusion_columns() -> String {
    format!(
        "x.id, x.tenant_id, x.media_id, coalesce(m.fingerprints_of, m.id) AS owner, m.external_id, \
         x.note, {} AS excluded_at, {} AS revoked_at, x.version",
        utc("x.created_at"),
        utc("x.revoked_at"),
    )
}

fn exclusion_of(row: &Row) -> Exclusion {
    let revoked_at: Option<String> = row.get("revoked_at");
    Exclusion {
        id: row.get("id"),
        media_id: row.get("media_id"),
        external_id: row.get("external_id"),
        note: row.get("note"),
        excluded_at: row.get("excluded_at"),
        mirror: Mirror {
            tenant_id: row.get("tenant_id"),
            query_sha256: String::new(),
            owner: row.get("owner"),
            item_id: row.get("media_id"),
            verdict: None,
            version: row.get("version"),
            revoked: revoked_at.is_some(),
        },
        revoked_at,
    }
}

/// Decides the pair (`query_sha256`, the tenant's item `media_id`):
/// a new decision, or the pair's earlier one replaced (revoked or not).
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such item (deleted ones
/// included: nothing to decide); [`Error::BadRequest`] for a note past
/// [`MAX_NOTE`]; [`Error::Postgres`].
pub async fn decide(
    pool: &Pool,
    tenant_id: i32,
    query_sha256: &str,
    media_id: i64,
    verdict: Verdict,
    note: &str,
) -> Result<Decision> {
    check_note(note)?;
    let row = pool
        .get()
        .await?
        .query_opt(
            &format!(
                "WITH d AS ( \
                     INSERT INTO match_decisions (tenant_id, query_sha256, media_id, decision, note) \
                     SELECT $1, $2, id, $4, $5 FROM media \
                     WHERE tenant_id = $1 AND id = $3 AND status <> 'deleted' \
                     ON CONFLICT (tenant_id, query_sha256, media_id) DO UPDATE \
                     SET decision = EXCLUDED.decision, note = EXCLUDED.note, created_at = now(), \
                         revoked_at = NULL, version = nextval('review_versions') \
                     RETURNING *) \
                 SELECT {} FROM d JOIN media m ON m.id = d.media_id",
                decision_columns()
            ),
            &[&tenant_id, &query_sha256, &media_id, &verdict.as_str(), &note],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no media {media_id}")))?;
    decision_of(&row)
}

/// Revokes a standing decision: later searches treat the pair as never
/// decided.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no standing decision `id`;
/// [`Error::Postgres`].
pub async fn revoke(pool: &Pool, tenant_id: i32, id: i64) -> Result<Decision> {
    let row = pool
        .get()
        .await?
        .query_opt(
            &format!(
                "WITH d AS ( \
                     UPDATE match_decisions SET revoked_at = now(), version = nextval('review_versions') \
                     WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING *) \
                 SELECT {} FROM d JOIN media m ON m.id = d.media_id",
                decision_columns()
            ),
            &[&tenant_id, &id],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no standing decision {id}")))?;
    decision_of(&row)
}

/// The standing decisions about a query's content: `(item, verdict)`.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn of_query(
    pool: &Pool,
    tenant_id: i32,
    query_sha256: &str,
) -> Result<Vec<(i64, Verdict)>> {
    let rows = pool
        .get()
        .await?
        .query(
            "SELECT media_id, decision FROM match_decisions \
             WHERE tenant_id = $1 AND query_sha256 = $2 AND revoked_at IS NULL",
            &[&tenant_id, &query_sha256],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.get(0), Verdict::parse(r.get(1))?)))
        .collect()
}

/// Which decisions [`list`] returns.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    /// Only those of this query content.
    pub query_sha256: Option<&'a str>,
    /// Only those of this item.
    pub media_id: Option<i64>,
    /// Only those with this verdict.
    pub verdict: Option<Verdict>,
    /// Revoked ones too.
    pub revoked: bool,
    /// Only those older than this id (the previous page's `next_cursor`).
    pub cursor: Option<i64>,
    /// At most this many (1..=1000).
    pub limit: i64,
}

/// A tenant's decisions, newest first, a page at a time; the cursor of
/// the next page when there is one.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn list(
    pool: &Pool,
    tenant_id: i32,
    selection: &Selection<'_>,
) -> Result<(Vec<Decision>, Option<i64>)> {
    let limit = selection.limit.clamp(1, 1000);
    let rows = pool
        .get()
        .await?
        .query(
            &format!(
                "SELECT {} FROM match_decisions d JOIN media m ON m.id = d.media_id \
                 WHERE d.tenant_id = $1 \
                 AND ($2::text IS NULL OR d.query_sha256 = $2) \
                 AND ($3::bigint IS NULL OR d.media_id = $3) \
                 AND ($4::text IS NULL OR d.decision = $4) \
                 AND ($5 OR d.revoked_at IS NULL) \
                 AND ($6::bigint IS NULL OR d.id < $6) \
                 ORDER BY d.id DESC LIMIT $7",
                decision_columns()
            ),
            &[
                &tenant_id,
                &selection.query_sha256,
                &selection.media_id,
                &selection.verdict.map(Verdict::as_str),
                &selection.revoked,
                &selection.cursor,
                &(limit + 1),
            ],
        )
        .await?;
    let decisions = rows.iter().map(decision_of).collect::<Result<Vec<_>>>()?;
    Ok(page(decisions, limit, |d| d.id))
}

/// Excludes the tenant's item `media_id` from every search (again: the
/// note replaced, a revoked exclusion standing again).
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such item;
/// [`Error::BadRequest`] for a note past [`MAX_NOTE`]; [`Error::Postgres`].
pub async fn exclude(pool: &Pool, tenant_id: i32, media_id: i64, note: &str) -> Result<Exclusion> {
    check_note(note)?;
    let row = pool
        .get()
        .await?
        .query_opt(
            &format!(
                "WITH x AS ( \
                     INSERT INTO media_exclusions (tenant_id, media_id, note) \
                     SELECT $1, id, $3 FROM media \
                     WHERE tenant_id = $1 AND id = $2 AND status <> 'deleted' \
                     ON CONFLICT (tenant_id, media_id) DO UPDATE \
                     SET note = EXCLUDED.note, created_at = now(), revoked_at = NULL, \
                         version = nextval('review_versions') \
                     RETURNING *) \
                 SELECT {} FROM x JOIN media m ON m.id = x.media_id",
                exclusion_columns()
            ),
            &[&tenant_id, &media_id, &note],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no media {media_id}")))?;
    Ok(exclusion_of(&row))
}

/// Revokes the exclusion of the tenant's item `media_id`: searches may
/// return it again.
///
/// # Errors
/// [`Error::NotFound`] when the item is not excluded; [`Error::Postgres`].
pub async fn include(pool: &Pool, tenant_id: i32, media_id: i64) -> Result<Exclusion> {
    let row = pool
        .get()
        .await?
        .query_opt(
            &format!(
                "WITH x AS ( \
                     UPDATE media_exclusions SET revoked_at = now(), version = nextval('review_versions') \
                     WHERE tenant_id = $1 AND media_id = $2 AND revoked_at IS NULL RETURNING *) \
                 SELECT {} FROM x JOIN media m ON m.id = x.media_id",
                exclusion_columns()
            ),
            &[&tenant_id, &media_id],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("media {media_id} is not excluded")))?;
    Ok(exclusion_of(&row))
}

/// A tenant's standing exclusions (revoked ones too when asked), newest
/// first, a page at a time.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn exclusions(
    pool: &Pool,
    tenant_id: i32,
    revoked: bool,
    cursor: Option<i64>,
    limit: i64,
) -> Result<(Vec<Exclusion>, Option<i64>)> {
    let limit = limit.clamp(1, 1000);
    let rows = pool
        .get()
        .await?
        .query(
            &format!(
                "SELECT {} FROM media_exclusions x JOIN media m ON m.id = x.media_id \
                 WHERE x.tenant_id = $1 AND ($2 OR x.revoked_at IS NULL) \
                 AND ($3::bigint IS NULL OR x.id < $3) ORDER BY x.id DESC LIMIT $4",
                exclusion_columns()
            ),
            &[&tenant_id, &revoked, &cursor, &(limit + 1)],
        )
        .await?;
    Ok(page(rows.iter().map(exclusion_of).collect(), limit, |x| {
        x.id
    }))
}

/// Rows the mirror is rebuilt from at a time.
pub const MIRROR_PAGE: i64 = 10_000;

/// Every tenant's decisions (`exclusions` false) or exclusions (true),
/// revoked ones included, as mirror rows: the page after `after`
/// (`(tenant, id)` of the last row of the previous page), and where the
/// next one starts when there is one.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn mirror_page(
    pool: &Pool,
    exclusions: bool,
    after: (i32, i64),
) -> Result<(Vec<Mirror>, Option<(i32, i64)>)> {
    let (table, x, columns) = if exclusions {
        ("media_exclusions", "x", exclusion_columns())
    } else {
        ("match_decisions", "d", decision_columns())
    };
    let rows = pool
        .get()
        .await?
        .query(
            &format!(
                "SELECT {columns} FROM {table} {x} JOIN media m ON m.id = {x}.media_id \
                 WHERE ({x}.tenant_id, {x}.id) > ($1, $2) ORDER BY {x}.tenant_id, {x}.id LIMIT $3"
            ),
            &[&after.0, &after.1, &MIRROR_PAGE],
        )
        .await?;
    let mut mirrors = Vec::with_capacity(rows.len());
    for row in &rows {
        mirrors.push(if exclusions {
            exclusion_of(row).mirror
        } else {
            decision_of(row)?.mirror
        });
    }
    let next = (rows.len() as i64 == MIRROR_PAGE)
        .then(|| rows.last().map(|r| (r.get("tenant_id"), r.get("id"))))
        .flatten();
    Ok((mirrors, next))
}
