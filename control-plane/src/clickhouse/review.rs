//! The review loop's mirror in ClickHouse (`sql/clickhouse/review_mirror.sql`):
//! the rows of [`crate::store::review`], which the search statement reads
//! to leave out false positives and excluded items.

use crate::clickhouse::Engine;
use crate::clickhouse::library::statements;
use crate::error::Result;
use crate::store::review::Mirror;

/// `sql/clickhouse/review_mirror.sql`: the decisions' statement, then the
/// exclusions'.
pub const REVIEW_MIRROR: &str = include_str!("../../../sql/clickhouse/review_mirror.sql");

/// `rows` as the statement's array of tuples; none of the strings needs
/// quoting beyond `'` (hex digits and verdict names).
fn literal(rows: &[&Mirror], exclusions: bool) -> String {
    let tuples: Vec<String> = rows
        .iter()
        .map(|m| {
            let revoked = u8::from(m.revoked);
            if exclusions {
                format!(
                    "({},{},{},{},{revoked})",
                    m.tenant_id, m.owner, m.item_id, m.version
                )
            } else {
                format!(
                    "({},'{}',{},{},'{}',{},{revoked})",
                    m.tenant_id,
                    m.query_sha256,
                    m.owner,
                    m.item_id,
                    m.verdict.map_or("", |v| v.as_str()),
                    m.version
                )
            }
        })
        .collect();
    format!("[{}]", tuples.join(","))
}

/// Writes `rows` (decisions: a verdict each; exclusions: none) to the
/// mirror. Nothing is sent for no rows.
///
/// # Errors
/// As [`Engine::query_with_params`].
pub async fn write(engine: &Engine, rows: &[&Mirror]) -> Result<()> {
    let mut sql = statements(REVIEW_MIRROR);
    let (decisions_sql, exclusions_sql) = (sql.next(), sql.next());
    let (exclusions, decisions): (Vec<&Mirror>, Vec<&Mirror>) =
        rows.iter().partition(|m| m.verdict.is_none());
    for (statement, rows, is_exclusions, param) in [
        (decisions_sql, decisions, false, "decisions"),
        (exclusions_sql, exclusions, true, "exclusions"),
    ] {
        if let Some(statement) = statement.filter(|_| !rows.is_empty()) {
            engine
                .query_with_params(statement, &[(param, literal(&rows, is_exclusions))])
                .await?;
        }
    }
    Ok(())
}
