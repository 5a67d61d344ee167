//! Analysts' SQL, scoped to one tenant, for engines without row policies
//! (the embedded chDB runs every statement as a `default` user that has no
//! access management, so it cannot have roles or row policies).
//!
//! Four layers; each of the first three is enough on its own for the common
//! case:
//!
//! 1. **Views**: each tenant has a database `clickprint_t<id>` of views,
//!    one per fingerprint table, each `WHERE tenant_id = <id>`; the
//!    analyst's statement runs with that database as the current one, so
//!    `FROM fp_keys` is the tenant's rows.
//! 2. **The statement's syntax tree** (`EXPLAIN AST`, which parses and
//!    runs nothing) is checked before anything runs: one `SELECT` (with
//!    `UNION`s, subqueries, CTEs), no `SETTINGS`, `FORMAT` or `INTO
//!    OUTFILE`; every table named is in the tenant's database (or
//!    unqualified); no table functions (`remote`, `merge`, `file`, `url`,
//!    `executable`, ...); no names of other databases in expressions (`x IN
//!    clickprint.fp_keys`); no functions that read files, dictionaries or
//!    other tables (`file`, `joinGet`, `dictGet`, ...).
//!    The clickprint UDFs that read media by path or URL
//!    (`clickprint_query`, any but those in [`ALLOWED_UDFS`]) are refused
//!    too: through them a tenant could read any file the service can,
//!    another tenant's originals included.
//! 3. **Settings** fixed for the statement: `readonly = 1` (no writes, no
//!    DDL, and no setting can be changed by the statement), a time limit,
//!    and limits on rows read, rows returned and memory.
//! 4. **The service's own count** ([`result_limits`]): the result is
//!    collected and written as JSON within [`AnalystLimits`]' rows and
//!    bytes, whatever the engine enforces (chDB does not apply
//!    `max_result_rows` to every statement).
//!
//! Statements run in the scheduler's analysts' lane, counted against the
//! tenant ([`scheduler`]).
//!
//! On a clickhouse-server the same checks apply; analysts there may also
//! have their own ClickHouse users, scoped by roles and row policies
//! (`clickhouse::access`).

use arrow::array::{Array, AsArray};

use crate::clickhouse::result_limits::{self, Budget};
use crate::clickhouse::scheduler::{self, Lane};
use crate::clickhouse::{Engine, QueryOutput};
use crate::config::AnalystLimits;
use crate::error::{Error, Result};

/// The fingerprint tables a tenant's analysts see, as views of their rows.
pub const TABLES: [&str; 12] = [
    "fp_keys",
    "fp_media",
    "fp_cues",
    "fp_cue_words",
    "fp_extractor_records",
    "extractor_runs",
    "media_ingested",
    "media_deleted",
    "media_purged",
    "stop_keys",
    "match_decisions",
    "media_excluded",
];

/// The database of a tenant's views.
pub fn database(tenant: u32) -> String {
    format!("clickprint_t{tenant}")
}

// The limits are settings (`config`); what they mean for a statement is
// said here.
impl AnalystLimits {
    /// The result's rows and bytes, as the service counts them.
    pub fn budget(&self) -> Budget {
        Budget {
            max_rows: self.max_result_rows,
            max_bytes: self.max_result_bytes,
            rows_setting: "analyst_max_result_rows",
            bytes_setting: "analyst_max_result_bytes",
        }
    }

    /// The settings every analyst statement runs under; `readonly` last:
    /// once set, no setting can change. Analysts' threads run at a lower
    /// processor priority than searches' (`os_threads_nice_value_query`;
    /// the engine applies it where it may set nice values).
    fn settings(&self) -> [(&'static str, String); 8] {
        [
            (
                "max_execution_time",
                self.max_execution_time.as_secs().max(1).to_string(),
            ),
            ("max_rows_to_read", self.max_rows_to_read.to_string()),
            ("read_overflow_mode", "throw".to_owned()),
            ("max_result_rows", self.max_result_rows.to_string()),
            ("result_overflow_mode", "throw".to_owned()),
            ("max_memory_usage", self.max_memory_usage.to_string()),
            (
                "os_threads_nice_value_query",
                clickprint_core::media::BACKGROUND_NICE.to_string(),
            ),
            ("readonly", "1".to_owned()),
        ]
    }

    /// The engine's error `words` as the limit it hit, when it is one.
    fn exceeded(&self, words: &str) -> Option<Error> {
        let (limit, setting) = match result_limits::engine_limit(words)? {
            "rows" => (
                format!(
                    "{} rows or {} bytes returned",
                    self.max_result_rows, self.max_result_bytes
                ),
                "analyst_max_result_rows / analyst_max_result_bytes",
            ),
            "read" => (
                format!("{} rows read", self.max_rows_to_read),
                "analyst_max_rows_to_read",
            ),
            "memory" => (
                format!("{} bytes of memory", self.max_memory_usage),
                "analyst_max_memory_bytes",
            ),
            _ => (
                format!("{} s", self.max_execution_time.as_secs().max(1)),
                "analyst_max_execution_secs",
            ),
        };
        Some(Error::LimitExceeded(format!(
            "the statement passed the limit of {limit} for analysts' statements \
             (setting `{setting}`): {words}"
        )))
    }
}

/// Tables outside the tenant's database that analysts may read: they
/// hold no tenant's rows. ClickHouse clients read `system.settings` when
/// they connect (clickhouse-connect, to learn which settings they may
/// send; under `readonly` none).
const READABLE_SYSTEM_TABLES: [&str; 1] = ["system.settings"];

/// The longest statement accepted, bytes.
pub const MAX_STATEMENT: usize = 64 * 1024;

/// Functions that read what the tenant's views do not hold (files,
/// dictionaries, Join tables, other tables' metadata), by lower-case name
/// or prefix.
const DENIED_FUNCTIONS: [&str; 9] = [
    "file",
    "catboostevaluate",
    "joinget",
    "dictget",
    "dicthas",
    "dictisin",
    "hascolumnintable",
    "getserversetting",
    "input",
];

/// The clickprint UDFs analysts may call: they compare fingerprints or
/// rank cues given as values and read no file. Every other `clickprint*` function is
/// refused (`clickprint_query` reads media by path or URL).
pub const ALLOWED_UDFS: [&str; 5] = [
    "clickprint_rerank",
    "clickprint_nearest",
    "clickprint_rerank_once",
    "clickprint_text_rank",
    "clickprint_version",
];

/// A statement not run, and why (HTTP 403).
fn refused(why: impl std::fmt::Display) -> Error {
    Error::Forbidden(format!("statement refused: {why}"))
}

/// Creates (or refreshes) the tenant's view database.
///
/// # Errors
/// As [`Engine::query`].
pub async fn prepare(engine: &Engine, tenant: u32) -> Result<()> {
    let db = database(tenant);
    engine
        .query(&format!("CREATE DATABASE IF NOT EXISTS {db}"))
        .await?;
    for table in TABLES {
        engine
            .query(&format!(
                "CREATE OR REPLACE VIEW {db}.{table} AS \
                 SELECT * FROM clickprint.{table} WHERE tenant_id = {tenant}"
            ))
            .await?;
    }
    Ok(())
}

/// The tenants whose views this process has made (each process has one
/// engine), so a statement does not redo the DDL.
static PREPARED: std::sync::Mutex<std::collections::BTreeSet<u32>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

async fn prepare_once(engine: &Engine, tenant: u32) -> Result<()> {
    let prepared = |tenant| {
        PREPARED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&tenant)
    };
    if prepared(tenant) {
        return Ok(());
    }
    prepare(engine, tenant).await?;
    PREPARED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(tenant);
    Ok(())
}

/// Runs an analyst's statement for `tenant`: checked, then run in the
/// tenant's view database under `limits` and `readonly`.
///
/// # Errors
/// [`Error::Forbidden`] saying why a statement is not run;
/// [`Error::LimitExceeded`] naming the limit and its setting when one is
/// hit; [`Error::BadRequest`] with the engine's message when it fails.
pub async fn run(
    engine: &Engine,
    tenant: u32,
    sql: &str,
    limits: &AnalystLimits,
) -> Result<QueryOutput> {
    run_with_params(engine, tenant, sql, &[], limits).await
}

/// [`run`] with `{name:Type}` query parameters, which ClickHouse parses as
/// their declared types (ClickHouse's HTTP interface: `param_<name>`).
///
/// # Errors
/// As [`run`].
pub async fn run_with_params(
    engine: &Engine,
    tenant: u32,
    sql: &str,
    params: &[(&str, String)],
    limits: &AnalystLimits,
) -> Result<QueryOutput> {
    scheduler::scope(
        Lane::Analyst,
        Some(tenant),
        run_in_lane(engine, tenant, sql, params, limits),
    )
    .await
}

/// The result columns of an analyst's statement that [`run`] accepted, as
/// (name, ClickHouse type): `DESCRIBE` of the statement, analysed in the
/// tenant's database under the same parameters, settings and limits (the
/// analysis runs scalar subqueries).
///
/// # Errors
/// As [`Engine::query_scoped`].
pub async fn describe(
    engine: &Engine,
    tenant: u32,
    sql: &str,
    params: &[(&str, String)],
    limits: &AnalystLimits,
) -> Result<Vec<(String, String)>> {
    let sql = format!("DESCRIBE TABLE ({})", sql.trim());
    let db = database(tenant);
    let output = scheduler::scope(
        Lane::Analyst,
        Some(tenant),
        engine.query_scoped(&sql, &db, params, &limits.settings(), None),
    )
    .await?;
    let names = strings(&output);
    let types = column_strings(&output, 1);
    Ok(names.into_iter().zip(types).collect())
}

/// Refuses a statement that calls a clickprint function reading media
/// by path or URL (any but [`ALLOWED_UDFS`]), whoever sends it: ClickHouse's
/// HTTP interface serves no such call, the operator's neither. The
/// statement's `{name:Type}` parameters are `params`.
///
/// # Errors
/// [`Error::Forbidden`] naming the function; the engine's error when the
/// statement does not parse.
pub async fn refuse_media_functions(
    engine: &Engine,
    sql: &str,
    params: &[(&str, String)],
) -> Result<()> {
    let ast = engine
        .query_with_params(&format!("EXPLAIN AST {}", sql.trim()), params)
        .await?;
    for (_, line) in nodes(strings(&ast)) {
        let mut words = line.split_whitespace();
        if words.next() == Some("Function") {
            media_function(words.next().unwrap_or_default())?;
        }
    }
    Ok(())
}

/// [`Error::BadRequest`] with the engine's words when `sql` does not parse:
/// a typing mistake is the caller's to mend, not a refusal. Parsed alone
/// (`formatQuery`, which runs nothing), so the positions the words give
/// count from the statement's start (`EXPLAIN AST`'s counted its own
/// words too, and pointed past the end of a short statement).
async fn parses(engine: &Engine, sql: &str) -> Result<()> {
    let parsed = engine
        .query_with_params(
            "SELECT formatQuery({statement:String})",
            &[("statement", sql.to_owned())],
        )
        .await;
    match parsed {
        Err(Error::ClickHouse(words)) if super::exception_code(&words) == Some(SYNTAX_ERROR) => {
            Err(Error::BadRequest(format!(
                "the statement does not parse: {words}"
            )))
        }
        // Anything else is for the checks that follow to judge.
        _ => Ok(()),
    }
}

/// ClickHouse's code for a statement that does not parse.
const SYNTAX_ERROR: u32 = 62;

/// [`Error::Forbidden`] when `name` is a clickprint function that reads
/// media.
fn media_function(name: &str) -> Result<()> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("clickprint") && !ALLOWED_UDFS.contains(&lower.as_str()) {
        return Err(refused(format!(
            "the function `{name}` reads media by path or URL, which analysts' \
             SQL may not (fingerprints are compared with {})",
            ALLOWED_UDFS[0]
        )));
    }
    Ok(())
}

async fn run_in_lane(
    engine: &Engine,
    tenant: u32,
    sql: &str,
    params: &[(&str, String)],
    limits: &AnalystLimits,
) -> Result<QueryOutput> {
    let sql = sql.trim();
    if sql.is_empty() {
        return Err(refused("an empty statement"));
    }
    if sql.len() > MAX_STATEMENT {
        return Err(refused(format!(
            "statements are limited to {MAX_STATEMENT} bytes"
        )));
    }
    if let Engine::Remote(remote) = engine {
        // Through a running service: it runs this same function with its
        // own engine.
        return remote.query_as_analyst(sql, tenant, params).await;
    }
    prepare_once(engine, tenant).await?;
    parses(engine, sql).await?;
    let db = database(tenant);
    let ast = engine
        .query_scoped(
            &format!("EXPLAIN AST {sql}"),
            &db,
            params,
            &[("readonly", "1".into())],
            None,
        )
        .await
        .map_err(|e| refused(format!("not a statement that can run here: {e}")))?;
    let databases = engine.query("SELECT name FROM system.databases").await?;
    check(&nodes(strings(&ast)), &db, &strings(&databases))?;
    let settings = limits.settings();
    engine
        .query_scoped(sql, &db, params, &settings, Some(limits.budget()))
        .await
        .map_err(|e| match e {
            // The statement's own failure (a limit, a type error) is the
            // caller's; the engine's words say which.
            Error::ClickHouse(words) => limits
                .exceeded(&words)
                .unwrap_or_else(|| Error::BadRequest(format!("the statement failed: {words}"))),
            other => other,
        })
}

/// The rows of a one-column text result.
fn strings(output: &QueryOutput) -> Vec<String> {
    column_strings(output, 0)
}

/// The rows of a result's text column `index`.
fn column_strings(output: &QueryOutput, index: usize) -> Vec<String> {
    let mut all = Vec::new();
    for batch in &output.batches {
        if batch.num_columns() <= index {
            continue;
        }
        let column = batch.column(index);
        if let Some(text) = column.as_string_opt::<i32>() {
            all.extend((0..text.len()).map(|i| text.value(i).to_owned()));
        } else if let Some(bytes) = column.as_binary_opt::<i32>() {
            all.extend(
                (0..bytes.len()).map(|i| String::from_utf8_lossy(bytes.value(i)).into_owned()),
            );
        }
    }
    all
}

/// The lines of `EXPLAIN AST`, one per node, as (depth, text).
fn nodes(lines: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<(usize, String)> {
    lines
        .into_iter()
        .map(|line| {
            let line = line.as_ref();
            let text = line.trim_start_matches(' ');
            (line.len() - text.len(), text.to_owned())
        })
        .collect()
}

/// Checks a statement's syntax tree (see the module comment).
fn check(ast: &[(usize, String)], db: &str, databases: &[String]) -> Result<()> {
    let refuse = |why: String| Err(refused(why));
    let Some((0, root)) = ast.first() else {
        return refuse("not a statement".into());
    };
    if !root.starts_with("SelectWithUnionQuery") {
        return refuse("only one SELECT statement is run here (read-only)".into());
    }
    let root_children = ast.iter().filter(|(depth, _)| *depth == 1).count();
    if root_children != 1 {
        return refuse(
            "SETTINGS, FORMAT and INTO OUTFILE are not available: limits and output \
             are fixed by the service"
                .into(),
        );
    }
    let other_db = |name: &str| {
        databases
            .iter()
            .any(|d| !d.eq_ignore_ascii_case(db) && d.eq_ignore_ascii_case(name))
    };
    let mut table_expression_depth: Option<usize> = None;
    for (depth, line) in ast.iter().skip(1) {
        if table_expression_depth.is_some_and(|d| *depth <= d) {
            table_expression_depth = None;
        }
        let mut words = line.split_whitespace();
        let kind = words.next().unwrap_or_default();
        let name = words.next().unwrap_or_default();
        match kind {
            "TableExpression" => table_expression_depth = Some(*depth),
            "TableIdentifier" => {
                if let Some((database, _)) = name.split_once('.')
                    && !database.eq_ignore_ascii_case(db)
                    && !READABLE_SYSTEM_TABLES.contains(&name.to_ascii_lowercase().as_str())
                {
                    return refuse(format!(
                        "`{name}` is not yours: tables are read from your database \
                         ({}), e.g. `FROM fp_keys`",
                        TABLES.join(", ")
                    ));
                }
            }
            "Identifier" => {
                if let Some((first, _)) = name.split_once('.')
                    && other_db(first)
                {
                    return refuse(format!("`{name}` names another database"));
                }
            }
            "Function" => {
                if table_expression_depth.is_some_and(|d| *depth == d + 1) {
                    return refuse(format!(
                        "table functions such as `{name}(...)` are not available"
                    ));
                }
                let lower = name.to_ascii_lowercase();
                if DENIED_FUNCTIONS.iter().any(|d| lower.starts_with(d)) {
                    return refuse(format!("the function `{name}` is not available"));
                }
                media_function(name)?;
            }
            "Set" => return refuse("SETTINGS are fixed by the service".into()),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Vec<(usize, String)> {
        nodes(text.lines())
    }

    #[test]
    fn the_tree_check_finds_what_reaches_outside() {
        let dbs = [
            "clickprint".to_owned(),
            "system".to_owned(),
            "clickprint_t7".to_owned(),
        ];
        let ok = "SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 2)
   ExpressionList (children 1)
    Identifier t.key
   TablesInSelectQuery (children 1)
    TablesInSelectQueryElement (children 1)
     TableExpression (children 1)
      TableIdentifier fp_keys (alias t)";
        check(&tree(ok), "clickprint_t7", &dbs).unwrap();
        let qualified = ok.replace(
            "TableIdentifier fp_keys",
            "TableIdentifier clickprint_t7.fp_keys",
        );
        check(&tree(&qualified), "clickprint_t7", &dbs).unwrap();
        // What ClickHouse clients read when they connect.
        let settings = ok.replace("TableIdentifier fp_keys", "TableIdentifier system.settings");
        check(&tree(&settings), "clickprint_t7", &dbs).unwrap();
        for (bad, says) in [
            (
                ok.replace("fp_keys (alias t)", "clickprint.fp_keys"),
                "not yours",
            ),
            (
                ok.replace("fp_keys (alias t)", "system.tables"),
                "not yours",
            ),
            (
                ok.replace("Identifier t.key", "Identifier clickprint.fp_keys"),
                "another database",
            ),
            (
                ok.replace(
                    "TableIdentifier fp_keys (alias t)",
                    "Function remote (children 1)",
                ),
                "table functions",
            ),
            (
                ok.replace("Identifier t.key", "Function file (children 1)"),
                "`file`",
            ),
            (
                ok.replace("Identifier t.key", "Function dictGetString (children 1)"),
                "dictGet",
            ),
            (
                ok.replace("Identifier t.key", "Function CLICKPRINT_Query (children 1)"),
                "reads media by path",
            ),
            (format!("{ok}\n Set"), "SETTINGS"),
            (format!("{ok}\n Literal '/tmp/x'"), "INTO OUTFILE"),
            ("InsertQuery".to_owned(), "only one SELECT"),
        ] {
            let e = check(&tree(&bad), "clickprint_t7", &dbs)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{bad}\n=> {e}");
        }
    }
}
