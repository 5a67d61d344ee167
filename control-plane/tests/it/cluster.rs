//! The cluster layout (`sql/clickhouse/cluster/`, issue 23 item 5): every
//! statement is read by ClickHouse's own parser, and the cluster's tables
//! and statements are the single machine's, mechanically: the same
//! columns, codecs, sort keys and views, only sharded and replicated. So a
//! change to `sql/clickhouse/schema.sql`, `purge.sql` or `stop_list.sql`
//! that is not made to the cluster forms too fails here. chDB runs no
//! cluster (no Keeper, no remote servers): the whole search on a real one
//! is `engine_server::ingest_and_search_on_a_cluster_answer_as_the_embedded_engine`,
//! which runs when `CLICKHOUSE_CLUSTER_URL` points at one.

use clickprint::clickhouse::library::{CLUSTER_SCHEMA, SCHEMA, statements};
use clickprint::clickhouse::library::{CLUSTER_SUBTITLES_REMOVE, SUBTITLES_REMOVE};
use clickprint::clickhouse::upkeep::{CLUSTER_PURGE, CLUSTER_STOP_LIST, PURGE, STOP_LIST};
use clickprint_tests::data_dir;

/// A statement without its comment lines, its words separated by one space.
fn normalized(statement: &str) -> String {
    statement
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

fn normalized_all(sql: &str) -> Vec<String> {
    statements(sql).map(normalized).collect()
}

/// `statement` of the single machine's schema as the cluster schema must
/// hold it: its tables as Replicated shards behind Distributed tables of
/// the same name, the Null table and the views as they are, all ON CLUSTER.
fn on_cluster(statement: &str) -> Vec<String> {
    let s = normalized(statement);
    let prefix = "CREATE TABLE IF NOT EXISTS clickprint.";
    if let Some(rest) = s.strip_prefix(prefix)
        && s.contains("ENGINE = ReplacingMergeTree")
        && !s.contains("tenant_id")
    {
        // No tenant's rows: not sharded, one replicated copy on every node
        // (a Keeper path without the shard; the replica named by shard and
        // replica, which layouts that reuse replica names per shard need).
        let table = rest.split_whitespace().next().unwrap_or_default();
        let everywhere = s
            .replacen(
                &format!("clickprint.{table}"),
                &format!("clickprint.{table} ON CLUSTER '{{cluster}}'"),
                1,
            )
            .replacen(
                "ENGINE = ReplacingMergeTree",
                &format!(
                    "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/clickprint/{table}', '{{shard}}-{{replica}}')"
                ),
                1,
            );
        return vec![everywhere];
    }
    if let Some(rest) = s.strip_prefix(prefix)
        && s.contains("ENGINE = ReplacingMergeTree")
    {
        let table = rest.split_whitespace().next().unwrap_or_default();
        let replicated = format!(
            "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/clickprint/{table}', '{{replica}}'"
        );
        let shard = s.replacen(
            &format!("clickprint.{table}"),
            &format!("clickprint_shard.{table} ON CLUSTER '{{cluster}}'"),
            1,
        );
        // The engine's own arguments (a version and a deleted flag) follow
        // the replication path.
        let shard = if shard.contains("ENGINE = ReplacingMergeTree(") {
            shard.replacen(
                "ENGINE = ReplacingMergeTree(",
                &format!("{replicated}, "),
                1,
            )
        } else {
            shard.replacen("ENGINE = ReplacingMergeTree", &format!("{replicated})"), 1)
        };
        let distributed = format!(
            "{prefix}{table} ON CLUSTER '{{cluster}}' AS clickprint_shard.{table} \
             ENGINE = Distributed('{{cluster}}', clickprint_shard, {table}, tenant_id)"
        );
        return vec![shard, distributed];
    }
    if let Some(rest) = s.strip_prefix("ALTER TABLE clickprint.") {
        let (table, change) = rest.split_once(' ').unwrap_or((rest, ""));
        let here = format!("ALTER TABLE clickprint.{table} ON CLUSTER '{{cluster}}' {change}");
        // A view's query: where the view is, on every node.
        if change.starts_with("MODIFY QUERY") {
            return vec![here];
        }
        // A setting changed on the table: on the shards' table of every
        // replica; a column added, there and on the Distributed table.
        let shards =
            format!("ALTER TABLE clickprint_shard.{table} ON CLUSTER '{{cluster}}' {change}");
        if change.starts_with("ADD COLUMN") {
            return vec![shards, here];
        }
        return vec![shards];
    }
    // A one-time fill: an INSERT takes no ON CLUSTER; it runs once,
    // through the Distributed tables, as written.
    if s.starts_with("INSERT INTO clickprint.") {
        return vec![s];
    }
    // A fill's delete: on the shards' tables of every replica, without the
    // fill's condition (a subquery, which a replicated table's mutation
    // refuses: sql/clickhouse/cluster/schema.sql).
    if let Some(rest) = s.strip_prefix("DELETE FROM clickprint.") {
        let (table, condition) = rest.split_once(" WHERE ").unwrap_or((rest, ""));
        let (condition, _fill) = condition
            .split_once(" AND (SELECT count() FROM clickprint.schema_backfills WHERE name = ")
            .unwrap_or_else(|| panic!("a schema DELETE that is not a fill's: {s}"));
        return vec![format!(
            "DELETE FROM clickprint_shard.{table} ON CLUSTER '{{cluster}}' WHERE {condition}"
        )];
    }
    let name_end = |s: &str, start: &str| {
        s.strip_prefix(start)
            .map(|rest| start.len() + rest.find(' ').unwrap_or(rest.len()))
    };
    let end = name_end(&s, prefix)
        .or_else(|| name_end(&s, "CREATE MATERIALIZED VIEW IF NOT EXISTS "))
        .or_else(|| name_end(&s, "CREATE DATABASE IF NOT EXISTS "))
        .unwrap_or_else(|| panic!("schema.sql holds a statement this test does not know: {s}"));
    vec![format!(
        "{} ON CLUSTER '{{cluster}}'{}",
        &s[..end],
        &s[end..]
    )]
}

#[test]
fn the_cluster_schema_is_the_single_machines_sharded_and_replicated() {
    let mut want: Vec<String> = statements(SCHEMA).flat_map(on_cluster).collect();
    want.push("CREATE DATABASE IF NOT EXISTS clickprint_shard ON CLUSTER '{cluster}'".into());
    let mut got = normalized_all(CLUSTER_SCHEMA);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    // Twelve tables sharded, one on every node, plus the two Null tables
    // and nine views.
    assert_eq!(
        got.iter().filter(|s| s.contains("Distributed(")).count(),
        12
    );
}

#[test]
fn the_cluster_upkeep_is_the_single_machines_on_the_shards_tables() {
    // A mutation of the single machine's table, on the shards' tables of
    // every replica.
    let on_shards = |s: String| {
        [
            "fp_keys",
            "fp_media",
            "fp_extractor_records",
            "fp_cue_words",
            "fp_cues",
        ]
        .iter()
        .fold(s, |s, table| {
            s.replace(
                &format!("ALTER TABLE clickprint.{table} DELETE"),
                &format!("ALTER TABLE clickprint_shard.{table} ON CLUSTER '{{cluster}}' DELETE"),
            )
        })
        .replace("mutations_sync = 1", "mutations_sync = 2")
    };
    let purge: Vec<String> = normalized_all(PURGE).into_iter().map(on_shards).collect();
    assert_eq!(normalized_all(CLUSTER_PURGE), purge);
    let remove: Vec<String> = normalized_all(SUBTITLES_REMOVE)
        .into_iter()
        .map(on_shards)
        .collect();
    assert_eq!(normalized_all(CLUSTER_SUBTITLES_REMOVE), remove);
    let stop_list: Vec<String> = normalized_all(STOP_LIST)
        .into_iter()
        .map(|s| {
            s.replace(
                "DELETE FROM clickprint.stop_keys WHERE",
                "DELETE FROM clickprint_shard.stop_keys ON CLUSTER '{cluster}' WHERE",
            )
        })
        .collect();
    assert_eq!(normalized_all(CLUSTER_STOP_LIST), stop_list);
    // The forms differ where they must: no ALTER or DELETE on a
    // Distributed table is left.
    for s in normalized_all(CLUSTER_PURGE)
        .iter()
        .chain(&normalized_all(CLUSTER_STOP_LIST))
        .chain(&normalized_all(CLUSTER_SUBTITLES_REMOVE))
    {
        if s.starts_with("ALTER") || s.starts_with("DELETE") {
            assert!(
                s.contains("clickprint_shard.") && s.contains("ON CLUSTER"),
                "{s}"
            );
        }
    }
}

#[tokio::test]
async fn every_cluster_statement_parses() {
    let dir = data_dir("cluster-parse");
    let engine = crate::search::open(dir.path()).await;
    let all: Vec<&str> = [
        CLUSTER_SCHEMA,
        CLUSTER_PURGE,
        CLUSTER_STOP_LIST,
        CLUSTER_SUBTITLES_REMOVE,
    ]
    .into_iter()
    .flat_map(statements)
    .collect();
    assert_eq!(all.len(), 52 + 7 + 2 + 2);
    for statement in all {
        let out = engine
            .query_with_params(
                "SELECT formatQuery({s:String}) AS f",
                &[("s", statement.to_owned())],
            )
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
        let rows = out.to_json_rows().unwrap();
        let formatted = rows[0]["f"].as_str().unwrap_or_default();
        // What the parser read is what the file says (ON CLUSTER kept).
        if normalized(statement).contains("ON CLUSTER") {
            assert!(
                formatted.contains("ON CLUSTER"),
                "{statement}\n=> {formatted}"
            );
        }
    }
}
