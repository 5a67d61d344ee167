-- clickprint's fingerprint tables on a ClickHouse cluster: shards of
-- replicas with Keeper (clickhouse-config/cluster/ has an example
-- layout). Run once, on any node, with
-- `clickhouse-client --multiquery < sql/clickhouse/cluster/schema.sql`;
-- every statement is idempotent and runs ON CLUSTER (but the two
-- INSERTs of a one-time fill, which run once, through the Distributed
-- tables).
--
-- The layout, and why:
-- - Each table of sql/clickhouse/schema.sql holding tenants' rows (all
--   but schema_backfills, below) exists twice. In database
--   `clickprint_shard`, the rows themselves: the same columns, codecs, sort
--   keys and granularity, with a Replicated engine (each shard's replicas
--   copy each other through Keeper). In database `clickprint`, a
--   Distributed table of the same name over them, sharded by `tenant_id`:
--   all of a tenant's rows live on one shard, and every statement names
--   its tenant, so with `optimize_skip_unused_shards` a tenant's search,
--   ingest or delete is sent to that shard alone.
-- - So sql/clickhouse/*.sql run unchanged against `clickprint` (the
--   service's settings profile, clickhouse-config/cluster/users.xml, holds
--   the three settings that make that hold), and applying
--   sql/clickhouse/schema.sql afterwards (as `clickprint serve` does) finds
--   every table and view already there and changes nothing.
-- - `fp_ingest` (Null) and its three materialized views are the same as on
--   one machine, on every node: an ingest on any node extracts there (the
--   UDF binaries are on every node) and the views' inserts into the
--   Distributed tables go to the tenant's shard, synchronously
--   (`distributed_foreground_insert`), so an ingest that answered is on
--   the shard, and one that failed is run again whole.
-- - Two statements cannot go through a Distributed table: the purge's
--   `ALTER ... DELETE` and the stop list's `DELETE FROM`. Their cluster
--   forms are beside this file (purge.sql, stop_list.sql), on the
--   `clickprint_shard` tables ON CLUSTER; `clickhouse_cluster = true` in
--   clickprint's settings makes the service run them instead.
-- - Sharding by the tenant keeps a search on one shard but puts a large
--   tenant's rows on one shard too: a tenant larger than a shard gets a
--   cluster (or a shard group) of its own; benchmarks/README.md, "Past
--   one machine", sizes that.

CREATE DATABASE IF NOT EXISTS clickprint ON CLUSTER '{cluster}';
CREATE DATABASE IF NOT EXISTS clickprint_shard ON CLUSTER '{cluster}';

-- Lookup keys (see sql/clickhouse/schema.sql for every choice below).
CREATE TABLE IF NOT EXISTS clickprint_shard.fp_keys ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    band UInt8,
    key UInt32 CODEC(Delta, ZSTD(1)),
    media_id UInt64 CODEC(ZSTD(1)),
    time_ms UInt32 CODEC(ZSTD(1)),
    item UInt32 CODEC(T64, ZSTD(1))
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/fp_keys', '{replica}')
PRIMARY KEY (tenant_id, band, key)
ORDER BY (tenant_id, band, key, media_id, time_ms, item)
SETTINGS index_granularity = 128, min_compress_block_size = 4096, max_compress_block_size = 16384;

ALTER TABLE clickprint_shard.fp_keys ON CLUSTER '{cluster}' MODIFY SETTING min_compress_block_size = 4096, max_compress_block_size = 16384;

CREATE TABLE IF NOT EXISTS clickprint.fp_keys ON CLUSTER '{cluster}'
AS clickprint_shard.fp_keys
ENGINE = Distributed('{cluster}', clickprint_shard, fp_keys, tenant_id);

-- Full fingerprint records for the rerank.
CREATE TABLE IF NOT EXISTS clickprint_shard.fp_media ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    media_id UInt64,
    time_ms UInt32 CODEC(Delta, ZSTD(1)),
    item UInt32 CODEC(ZSTD(1)),
    kind LowCardinality(String),
    record String CODEC(ZSTD(1))
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/fp_media', '{replica}')
ORDER BY (tenant_id, media_id, time_ms, item);

CREATE TABLE IF NOT EXISTS clickprint.fp_media ON CLUSTER '{cluster}'
AS clickprint_shard.fp_media
ENGINE = Distributed('{cluster}', clickprint_shard, fp_media, tenant_id);

-- Dialogue: the cues of subtitle streams (the dialogue extractor's) and
-- of given subtitle files, with their text index; `extractor` tells them
-- apart (sql/clickhouse/schema.sql says how).
CREATE TABLE IF NOT EXISTS clickprint_shard.fp_cues ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    media_id UInt64,
    start_ms UInt32,
    item UInt32,
    end_ms UInt32,
    language LowCardinality(String),
    text String CODEC(ZSTD(1)),
    words String CODEC(ZSTD(1)),
    pieces Array(String) CODEC(ZSTD(1)),
    extractor LowCardinality(String) DEFAULT if(item >= 16777216, '', 'dialogue'),
    INDEX words_text words TYPE text(tokenizer = splitByNonAlpha)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/fp_cues', '{replica}')
ORDER BY (tenant_id, media_id, start_ms, item)
SETTINGS index_granularity = 256, min_compress_block_size = 4096, max_compress_block_size = 16384;

ALTER TABLE clickprint_shard.fp_cues ON CLUSTER '{cluster}' MODIFY SETTING min_compress_block_size = 4096, max_compress_block_size = 16384;

ALTER TABLE clickprint_shard.fp_cues ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS extractor LowCardinality(String) DEFAULT if(item >= 16777216, '', 'dialogue');

CREATE TABLE IF NOT EXISTS clickprint.fp_cues ON CLUSTER '{cluster}'
AS clickprint_shard.fp_cues
ENGINE = Distributed('{cluster}', clickprint_shard, fp_cues, tenant_id);

-- A Distributed table made before the column does not get it from the
-- shards' ALTER.
ALTER TABLE clickprint.fp_cues ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS extractor LowCardinality(String) DEFAULT if(item >= 16777216, '', 'dialogue');

-- Media whose ingest finished.
CREATE TABLE IF NOT EXISTS clickprint_shard.media_ingested ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    media_id UInt64,
    ingested_at DateTime DEFAULT now()
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/media_ingested', '{replica}')
ORDER BY (tenant_id, media_id);

CREATE TABLE IF NOT EXISTS clickprint.media_ingested ON CLUSTER '{cluster}'
AS clickprint_shard.media_ingested
ENGINE = Distributed('{cluster}', clickprint_shard, media_ingested, tenant_id);

-- Deleted media (tombstones).
CREATE TABLE IF NOT EXISTS clickprint_shard.media_deleted ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    media_id UInt64,
    deleted_at DateTime DEFAULT now()
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/media_deleted', '{replica}')
ORDER BY (tenant_id, media_id);

CREATE TABLE IF NOT EXISTS clickprint.media_deleted ON CLUSTER '{cluster}'
AS clickprint_shard.media_deleted
ENGINE = Distributed('{cluster}', clickprint_shard, media_deleted, tenant_id);

-- Deleted media whose rows are purged.
CREATE TABLE IF NOT EXISTS clickprint_shard.media_purged ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    media_id UInt64,
    purged_at DateTime DEFAULT now()
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/media_purged', '{replica}')
ORDER BY (tenant_id, media_id);

CREATE TABLE IF NOT EXISTS clickprint.media_purged ON CLUSTER '{cluster}'
AS clickprint_shard.media_purged
ENGINE = Distributed('{cluster}', clickprint_shard, media_purged, tenant_id);

-- Keys a tenant has too often to be worth looking up.
CREATE TABLE IF NOT EXISTS clickprint_shard.stop_keys ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    band UInt8,
    key UInt32,
    rows UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/stop_keys', '{replica}')
ORDER BY (tenant_id, band, key);

CREATE TABLE IF NOT EXISTS clickprint.stop_keys ON CLUSTER '{cluster}'
AS clickprint_shard.stop_keys
ENGINE = Distributed('{cluster}', clickprint_shard, stop_keys, tenant_id);

-- The ingest target and its views, as on one machine, on every node.
CREATE TABLE IF NOT EXISTS clickprint.fp_ingest ON CLUSTER '{cluster}'
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

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_keys_mv ON CLUSTER '{cluster}'
TO clickprint.fp_keys AS
SELECT tenant_id, k.1 AS band, k.2 AS key, media_id, time_ms, item
FROM clickprint.fp_ingest
ARRAY JOIN keys AS k;

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_media_mv ON CLUSTER '{cluster}'
TO clickprint.fp_media AS
SELECT tenant_id, media_id, time_ms, item, kind, record
FROM clickprint.fp_ingest
WHERE kind IN ('visual', 'local', 'profile', 'layout');

-- A picture's 1-D profile ('P' records, udf/core/src/fingerprint/profile.rs)
-- and a soft picture's layout ('T' records, udf/core/src/fingerprint/layout.rs)
-- are stored beside its hash and keypoints: the ALTER gives a view made
-- before either the same query.
ALTER TABLE clickprint.fp_media_mv ON CLUSTER '{cluster}' MODIFY QUERY
SELECT tenant_id, media_id, time_ms, item, kind, record
FROM clickprint.fp_ingest
WHERE kind IN ('visual', 'local', 'profile', 'layout');

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_cues_mv ON CLUSTER '{cluster}'
TO clickprint.fp_cues AS
SELECT
    tenant_id,
    media_id,
    time_ms AS start_ms,
    item,
    toUInt32OrZero(splitByChar('\t', record)[1]) AS end_ms,
    splitByChar('\t', record)[2] AS language,
    splitByChar('\t', record)[3] AS text,
    arrayStringConcat(extractAll(lowerUTF8(text), '[\\p{L}\\p{N}\\p{M}]+'), ' ') AS words,
    extractAll(text, '[\\p{L}\\p{N}\\p{M}]+|[^\\p{L}\\p{N}\\p{M}]+') AS pieces
FROM clickprint.fp_ingest
WHERE kind = 'cue';

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.media_ingested_mv ON CLUSTER '{cluster}'
TO clickprint.media_ingested AS
SELECT tenant_id, media_id
FROM clickprint.fp_ingest
WHERE kind = 'end';

-- Plug-in extractors (issue 21): their records and runs, sharded by
-- tenant like the rest; their Null ingest table and its views on every
-- node, their keys going to the sharded fp_keys.
CREATE TABLE IF NOT EXISTS clickprint_shard.fp_extractor_records ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    extractor LowCardinality(String),
    media_id UInt64,
    time_ms UInt32,
    item UInt32,
    kind LowCardinality(String),
    version LowCardinality(String),
    record String CODEC(ZSTD(1))
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/fp_extractor_records', '{replica}')
ORDER BY (tenant_id, extractor, media_id, time_ms, item, kind);

CREATE TABLE IF NOT EXISTS clickprint.fp_extractor_records ON CLUSTER '{cluster}'
AS clickprint_shard.fp_extractor_records
ENGINE = Distributed('{cluster}', clickprint_shard, fp_extractor_records, tenant_id);

CREATE TABLE IF NOT EXISTS clickprint_shard.extractor_runs ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    extractor LowCardinality(String),
    media_id UInt64,
    version String,
    modality LowCardinality(String),
    extracted_at DateTime64(3) DEFAULT now64(3)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/extractor_runs', '{replica}')
ORDER BY (tenant_id, extractor, media_id);

CREATE TABLE IF NOT EXISTS clickprint.extractor_runs ON CLUSTER '{cluster}'
AS clickprint_shard.extractor_runs
ENGINE = Distributed('{cluster}', clickprint_shard, extractor_runs, tenant_id);

CREATE TABLE IF NOT EXISTS clickprint.fp_extractor_ingest ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    media_id UInt64,
    extractor String,
    version String,
    modality String,
    kind String,
    time_ms UInt32,
    item UInt32,
    record String,
    keys Array(Tuple(UInt8, UInt32))
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_extractor_keys_mv ON CLUSTER '{cluster}'
TO clickprint.fp_keys AS
SELECT tenant_id, k.1 AS band, k.2 AS key, media_id, time_ms, item
FROM clickprint.fp_extractor_ingest
ARRAY JOIN keys AS k;

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_extractor_records_mv ON CLUSTER '{cluster}'
TO clickprint.fp_extractor_records AS
SELECT tenant_id, extractor, media_id, time_ms, item, kind, version, record
FROM clickprint.fp_extractor_ingest
WHERE kind NOT IN ('end', 'cue') AND record != '';

ALTER TABLE clickprint.fp_extractor_records_mv ON CLUSTER '{cluster}' MODIFY QUERY
SELECT tenant_id, extractor, media_id, time_ms, item, kind, version, record
FROM clickprint.fp_extractor_ingest
WHERE kind NOT IN ('end', 'cue') AND record != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_extractor_cues_mv ON CLUSTER '{cluster}'
TO clickprint.fp_cues AS
SELECT
    tenant_id,
    media_id,
    time_ms AS start_ms,
    item,
    toUInt32OrZero(splitByChar('\t', record)[1]) AS end_ms,
    splitByChar('\t', record)[2] AS language,
    splitByChar('\t', record)[3] AS text,
    arrayStringConcat(extractAll(lowerUTF8(text), '[\\p{L}\\p{N}\\p{M}]+'), ' ') AS words,
    extractAll(text, '[\\p{L}\\p{N}\\p{M}]+|[^\\p{L}\\p{N}\\p{M}]+') AS pieces,
    extractor
FROM clickprint.fp_extractor_ingest
WHERE kind = 'cue';

-- The cues' words (sql/clickhouse/schema.sql says why), sharded like the
-- cues. The view reads the Distributed fp_cues: it runs on the node that
-- takes a cue's insert (fp_cues_mv's or fp_extractor_cues_mv's), and
-- writes through the Distributed fp_cue_words to the shard that holds the
-- tenant's cues; the shards' own inserts, which the Distributed tables
-- send, run no view.
CREATE TABLE IF NOT EXISTS clickprint_shard.fp_cue_words ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    word String,
    media_id UInt64,
    start_ms UInt32,
    item UInt32,
    language LowCardinality(String),
    extractor LowCardinality(String),
    words String CODEC(ZSTD(1))
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/fp_cue_words', '{replica}')
ORDER BY (tenant_id, word, media_id, start_ms, item);

CREATE TABLE IF NOT EXISTS clickprint.fp_cue_words ON CLUSTER '{cluster}'
AS clickprint_shard.fp_cue_words
ENGINE = Distributed('{cluster}', clickprint_shard, fp_cue_words, tenant_id);

-- The `words` column for tables made before it (2026-12-04), the shards'
-- and the Distributed one's; and the view's query with it.
ALTER TABLE clickprint_shard.fp_cue_words ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS words String CODEC(ZSTD(1));

ALTER TABLE clickprint.fp_cue_words ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS words String CODEC(ZSTD(1));

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_cue_words_mv ON CLUSTER '{cluster}' TO clickprint.fp_cue_words AS
SELECT tenant_id, word, media_id, start_ms, item, language, extractor, words
FROM clickprint.fp_cues
ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word;

ALTER TABLE clickprint.fp_cue_words_mv ON CLUSTER '{cluster}' MODIFY QUERY
SELECT tenant_id, word, media_id, start_ms, item, language, extractor, words
FROM clickprint.fp_cues
ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word;

-- One-time fills (sql/clickhouse/schema.sql): no tenant's rows, so not
-- sharded; one replicated copy on every node (a Keeper path without the
-- shard, each node a replica named by its shard and replica macros), so
-- that every node reads the same.
CREATE TABLE IF NOT EXISTS clickprint.schema_backfills ON CLUSTER '{cluster}'
(
    name String,
    filled_at DateTime DEFAULT now()
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/clickprint/schema_backfills', '{shard}-{replica}')
ORDER BY name;

-- The words of cues stored before fp_cue_words had its `words` column,
-- once (fill 'fp_cue_words.words': sql/clickhouse/schema.sql says what
-- it folds and when), through the Distributed tables (each word row goes
-- to its tenant's shard); an INSERT takes no ON CLUSTER: it runs once,
-- from the node this file is run on, and returns once the shards hold
-- its rows (distributed_foreground_insert), so that the fill is recorded
-- only then.
INSERT INTO clickprint.fp_cue_words (tenant_id, word, media_id, start_ms, item, language, extractor, words)
SELECT tenant_id, word, media_id, start_ms, item, language, extractor, words
FROM clickprint.fp_cues
ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word
WHERE (SELECT count() FROM clickprint.schema_backfills WHERE name = 'fp_cue_words.words') = 0
SETTINGS distributed_foreground_insert = 1;

-- Then the rows from before the column, on the shards' tables of every
-- replica (sql/clickhouse/schema.sql says why). Without the fill's
-- condition: a replicated table refuses a mutation holding a subquery
-- (allow_nondeterministic_mutations). Every row with no words is one from
-- before, so running this file again deletes nothing more, though each
-- run starts a mutation that reads `words` on every replica.
DELETE FROM clickprint_shard.fp_cue_words ON CLUSTER '{cluster}'
WHERE words = '';

INSERT INTO clickprint.schema_backfills (name)
SELECT 'fp_cue_words.words'
WHERE (SELECT count() FROM clickprint.schema_backfills WHERE name = 'fp_cue_words.words') = 0;

-- The blob keys of layouts stored before layouts had lookup keys, once
-- (fill 'fp_keys.blobs': sql/clickhouse/schema.sql says what it writes),
-- through the Distributed tables: the layouts read from every shard, each
-- key row sent to its tenant's shard; the query extraction runs on the
-- node this file is run on (its UDFs installed, as for a search).
INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item)
SELECT tenant_id, k.1, k.2, media_id, time_ms, item
FROM
(
    SELECT tenant_id, media_id, time_ms, item, record
    FROM clickprint.fp_media
    WHERE kind = 'layout'
        AND (SELECT count() FROM clickprint.schema_backfills WHERE name = 'fp_keys.blobs') = 0
)
ARRAY JOIN clickprint_query('fp:' || hex(record)).keys AS k
WHERE k.1 = 26
SETTINGS distributed_foreground_insert = 1;

-- Recorded only once the keys are there (or there are no layouts to key):
-- a clickprint_query of before keys no layout, and its fill, having
-- written nothing, runs again at the next start rather than be recorded.
INSERT INTO clickprint.schema_backfills (name)
SELECT 'fp_keys.blobs'
WHERE (SELECT count() FROM clickprint.schema_backfills WHERE name = 'fp_keys.blobs') = 0
    AND ((SELECT count() FROM clickprint.fp_media WHERE kind = 'layout') = 0
        OR (SELECT count() FROM clickprint.fp_keys WHERE band = 26) > 0);

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.extractor_runs_mv ON CLUSTER '{cluster}'
TO clickprint.extractor_runs AS
SELECT tenant_id, extractor, media_id, version, modality
FROM clickprint.fp_extractor_ingest
WHERE kind = 'end';

-- The review loop, mirrored from Postgres (sql/clickhouse/schema.sql says
-- why and how).
CREATE TABLE IF NOT EXISTS clickprint_shard.match_decisions ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    query_sha256 String,
    media_id UInt64,
    item_id UInt64,
    decision Enum8('false_positive' = 1, 'confirmed' = 2),
    version UInt64,
    revoked UInt8
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/match_decisions', '{replica}', version, revoked)
ORDER BY (tenant_id, query_sha256, media_id, item_id);

CREATE TABLE IF NOT EXISTS clickprint.match_decisions ON CLUSTER '{cluster}'
AS clickprint_shard.match_decisions
ENGINE = Distributed('{cluster}', clickprint_shard, match_decisions, tenant_id);

CREATE TABLE IF NOT EXISTS clickprint_shard.media_excluded ON CLUSTER '{cluster}'
(
    tenant_id UInt32,
    media_id UInt64,
    item_id UInt64,
    version UInt64,
    revoked UInt8
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/clickprint/media_excluded', '{replica}', version, revoked)
ORDER BY (tenant_id, media_id, item_id);

CREATE TABLE IF NOT EXISTS clickprint.media_excluded ON CLUSTER '{cluster}'
AS clickprint_shard.media_excluded
ENGINE = Distributed('{cluster}', clickprint_shard, media_excluded, tenant_id);
