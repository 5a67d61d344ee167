-- clickprint's fingerprint tables. Applied by `clickprint serve` at start
-- (every statement is idempotent); on a server, run it once with
-- `clickhouse-client --multiquery < sql/clickhouse/schema.sql`.

CREATE DATABASE IF NOT EXISTS clickprint;

-- Lookup keys, one row per (fingerprint record, key): global-hash bands
-- 0-15, keypoint-descriptor bands 16-23, audio landmarks band 128 (see
-- udf/core/README.md, "Lookup keys"). The search reads it by
-- (tenant_id, band, key), so the sort key starts there: a search's reads
-- are bounded by the tenant and by its keys, never by the table.
-- ReplacingMergeTree over the whole row: an ingest killed half way and
-- retried cannot leave two copies of a row once parts merge (and the
-- search counts distinct hits, so it cannot be fooled before).
-- index_granularity 128 instead of 8192: a search is hundreds of point
-- lookups, each reading at least one granule, so small granules are what
-- keeps its reads under 1% of a 10-million-row table (sql/README.md,
-- "Reads", has the measurement); the primary index grows to one mark per
-- 128 rows (about 80 MB of memory per billion rows). Codecs, measured on
-- a generated library's real rows (benchmarks/storage_codecs.sh; figures
-- in sql/README.md, "Storage"): keys are sorted within a (tenant, band), so
-- Delta+ZSTD (1.6x smaller than LZ4); media ids jump from key to key, so
-- plain ZSTD beats Delta on them; item numbers are small, T64 packs them.
CREATE TABLE IF NOT EXISTS clickprint.fp_keys
(
    tenant_id UInt32,
    band UInt8,
    key UInt32 CODEC(Delta, ZSTD(1)),
    media_id UInt64 CODEC(ZSTD(1)),
    time_ms UInt32 CODEC(ZSTD(1)),
    item UInt32 CODEC(T64, ZSTD(1))
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, band, key, media_id, time_ms, item)
SETTINGS index_granularity = 128;

-- Full fingerprint records for the rerank: a picture's global hash ('V')
-- and its keypoints ('L'), by media and time (udf/core/src/records.rs has the
-- byte layout). Audio landmarks are not stored twice: their keys in
-- fp_keys are all the rerank needs.
-- Records are hashes and descriptors, close to random: ZSTD(1) stores them
-- as small as ZSTD(3) did (measured) and decodes faster; LZ4 is 14% larger.
CREATE TABLE IF NOT EXISTS clickprint.fp_media
(
    tenant_id UInt32,
    media_id UInt64,
    time_ms UInt32 CODEC(Delta, ZSTD(1)),
    item UInt32 CODEC(ZSTD(1)),
    kind LowCardinality(String),
    record String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, media_id, time_ms, item);

-- The ingest target: one INSERT here fans out to both tables above through
-- the two materialized views, so ingesting a media item is one statement.
CREATE TABLE IF NOT EXISTS clickprint.fp_ingest
(
    tenant_id UInt32,
    media_id UInt64,
    kind String,
    time_ms UInt32,
    item UInt32,
    record String,
    keys Array(Tuple(UInt8, UInt32))
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_keys_mv TO clickprint.fp_keys AS
SELECT tenant_id, k.1 AS band, k.2 AS key, media_id, time_ms, item
FROM clickprint.fp_ingest
ARRAY JOIN keys AS k;

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_media_mv TO clickprint.fp_media AS
SELECT tenant_id, media_id, time_ms, item, kind, record
FROM clickprint.fp_ingest
WHERE kind IN ('visual', 'local');

-- Media whose ingest finished: the extractor's last row is an 'end'
-- marker, so a row here means every row before it was stored. The ingest
-- statement skips media listed here (a re-run adds nothing); an ingest
-- killed before its end marker is simply run again.
CREATE TABLE IF NOT EXISTS clickprint.media_ingested
(
    tenant_id UInt32,
    media_id UInt64,
    ingested_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, media_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.media_ingested_mv TO clickprint.media_ingested AS
SELECT tenant_id, media_id
FROM clickprint.fp_ingest
WHERE kind = 'end';

-- Deleted media: a tombstone hides an item from every search at once (the
-- search filters on it); the rows themselves go later with
-- sql/clickhouse/purge.sql. Chosen over a lightweight DELETE, which
-- rewrites a mask in every part the item touches: a tombstone is one row.
CREATE TABLE IF NOT EXISTS clickprint.media_deleted
(
    tenant_id UInt32,
    media_id UInt64,
    deleted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, media_id);

-- Deleted media whose rows sql/clickhouse/purge.sql has removed: the
-- purge takes only tombstones not listed here, so a schedule that finds
-- nothing to purge rewrites nothing.
CREATE TABLE IF NOT EXISTS clickprint.media_purged
(
    tenant_id UInt32,
    media_id UInt64,
    purged_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, media_id);

-- Keys a tenant has too often to be worth looking up (flat patches,
-- silence-like landmarks): filled by sql/clickhouse/stop_list.sql (on
-- a schedule, for tenants whose library changed), skipped by the search.
CREATE TABLE IF NOT EXISTS clickprint.stop_keys
(
    tenant_id UInt32,
    band UInt8,
    key UInt32,
    rows UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, band, key);
