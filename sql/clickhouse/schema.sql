-- clickprint's fingerprint tables. Applied by `clickprint serve` at start
-- (every statement is idempotent); on a server, run it once with
-- `clickhouse-client --multiquery < sql/clickhouse/schema.sql`.

CREATE DATABASE IF NOT EXISTS clickprint;

-- Lookup keys, one row per (fingerprint record, key): global-hash bands
-- 0-15, keypoint-descriptor bands 16-23, picture profiles 24-25, a soft
-- picture's layout's blob triplets 26, audio landmarks band 128 (see
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
-- The primary key is the part of the sort key a search looks up by,
-- (tenant_id, band, key): 9 bytes a mark instead of 25 (the index file
-- 2.7x smaller at 10 million rows, 256 KB instead of 701 KB; in memory
-- ClickHouse may drop useless suffix columns by itself), and the lookup
-- and vote of a search's 406 keys costs about 4 ms less there (30 vs 35
-- ms, processor time, median of 15, interleaved). Rows still sort, and
-- fold, by the whole row. A primary key cannot be altered: a table made
-- before keeps the whole row as its key (and answers alike).
-- min_compress_block_size 4,096 and max_compress_block_size 16,384: each
-- point lookup reads one 128-row granule but decompresses the whole block
-- of each column that holds it, 64 KB by default; 4 KB blocks cut the
-- lookup and vote of a picture query (406 keys, 387 of 79,333 granules)
-- in a 10-million-row tenant from 82 to 35 ms of processor time (median of
-- 15, interleaved; 1 KB blocks 32 ms, 8 KB 40 ms) for 10% more bytes on
-- disk (54.3 -> 59.6 MB; 1 KB blocks: +32%). benchmarks/README.md,
-- "Search statement by stage", has the figures. The ALTER after the table
-- gives an existing table the same settings; its parts keep their blocks
-- until merged.
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
PRIMARY KEY (tenant_id, band, key)
ORDER BY (tenant_id, band, key, media_id, time_ms, item)
SETTINGS index_granularity = 128, min_compress_block_size = 4096, max_compress_block_size = 16384;

ALTER TABLE clickprint.fp_keys MODIFY SETTING min_compress_block_size = 4096, max_compress_block_size = 16384;

-- Full fingerprint records for the rerank: a picture's global hash ('V'),
-- its keypoints ('L'), its 1-D profile ('P') and its layout ('T'), by media and time (udf/core/src/records.rs has the
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
-- sql/clickhouse/subtitles.sql inserts a given subtitle file's cues here
-- too (fp_cues_mv, below).
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
WHERE kind IN ('visual', 'local', 'profile', 'layout');

-- A picture's 1-D profile ('P' records, udf/core/src/fingerprint/profile.rs)
-- and a soft picture's layout ('T' records, udf/core/src/fingerprint/layout.rs)
-- are stored beside its hash and keypoints: the ALTER gives a view made
-- before either the same query.
ALTER TABLE clickprint.fp_media_mv MODIFY QUERY
SELECT tenant_id, media_id, time_ms, item, kind, record
FROM clickprint.fp_ingest
WHERE kind IN ('visual', 'local', 'profile', 'layout');

-- Dialogue: one row per cue of a video's subtitle streams (SRT, ASS/SSA,
-- WebVTT, mov_text), which the dialogue extractor (a plug-in extractor of
-- ours, `clickprint-udf dialogue`) emits as `cue` rows and
-- fp_extractor_cues_mv routes here, and of the subtitle files given with
-- an item (sql/clickhouse/subtitles.sql, through fp_ingest and
-- fp_cues_mv); udf/README.md, "Cue rows", has the record's layout. Read
-- by sql/clickhouse/text_search.sql, by tenant and word, and shown by
-- media and time, so the sort key is the tenant, then the media item and
-- the cue's start; `item` (the cue's number in its item) keeps two cues
-- that start together apart, and ReplacingMergeTree folds a retried
-- ingest's identical rows as in fp_media.
-- `words` is the text as the search reads it: lower case, runs of
-- letters, digits and marks joined by one space ('¿Qué tal?' -> 'qué
-- tal'). The `text` index over it (ClickHouse's inverted index, a
-- dictionary of tokens with posting lists per part) is what a search's
-- hasAllTokens / hasAnyTokens consult; its tokenizer splitByNonAlpha
-- splits at ASCII punctuation only (it keeps '¿qué' whole), and its
-- preprocessor argument is applied when the index is built and read but
-- not when a row is checked without it (measured: answers differ), so
-- the words are normalised into a column of their own instead: the index,
-- a row check and an analyst's `has(splitByChar(' ', words), 'qué')` all
-- see the same words. `pieces` is the text cut into words and what lies
-- between them ('¿Qué tal?' -> ['¿', 'Qué', ' ', 'tal', '?']), kept for
-- the search's highlight: cutting it at search time took a regular
-- expression over Unicode classes, whose compilation (about 4 ms each,
-- measured) cost more than the search's reads.
-- index_granularity 256: a rare word's cues lie in a few granules, and a
-- granule read is 256 rows instead of 8,192. Measured on 600,000 generated
-- cues (sql/README.md, "Dialogue"): a word in 39 cues of a tenant reads
-- 9,728 rows (213,000 at 8,192; 401,000 for a LIKE scan).
-- min_compress_block_size 4,096 and max_compress_block_size 16,384: a
-- search reads a few granules of 256 rows, and each read decompresses a
-- whole block of each column (64 KB by default); the smaller blocks read
-- the same rows for about half the CPU (a rare word's cues at a million
-- cues: 38 -> 16 ms) for 6% more bytes on disk (benchmarks/README.md,
-- "Text search latency"). The ALTER after the table gives an existing
-- table the same settings; its parts keep their blocks until merged.
-- `extractor` says where a cue came from: the extractor's name (its
-- reextraction deletes its cues by it), or '' for a subtitle file given
-- with the item (numbered from 16,777,216: subtitles.sql), which no
-- reextraction touches. Its default tells them apart by number, which is
-- what the rows written before the column (the streams' cues, then made by
-- our own extraction, numbered from 1) read as: 'dialogue'. The second
-- ALTER gives an existing table the column.
CREATE TABLE IF NOT EXISTS clickprint.fp_cues
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
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, media_id, start_ms, item)
SETTINGS index_granularity = 256, min_compress_block_size = 4096, max_compress_block_size = 16384;

ALTER TABLE clickprint.fp_cues MODIFY SETTING min_compress_block_size = 4096, max_compress_block_size = 16384;

ALTER TABLE clickprint.fp_cues
    ADD COLUMN IF NOT EXISTS extractor LowCardinality(String) DEFAULT if(item >= 16777216, '', 'dialogue');

-- A cue row's record is `END_MS <tab> LANGUAGE <tab> TEXT` (its text has
-- no tab); its start is the row's time_ms, its number the row's item.
-- Here the cues of subtitle files given with an item (their `extractor`
-- is the column's default, ''); a plug-in's come through
-- fp_extractor_cues_mv, below, read the same way.
CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_cues_mv TO clickprint.fp_cues AS
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

-- Plug-in extractors (issue 21; udf/README.md, "Plug-in extractors"):
-- executables an operator declares in the configuration, run by
-- sql/clickhouse/extract.sql after our own extraction. Their rows come in
-- here, never through fp_ingest, so nothing a plug-in emits can land in
-- fp_media (whose rows the rerank trusts) or media_ingested. The
-- statement has checked every key's band against the bands registered for
-- the extractor, and that only an extractor declared with `outputs =
-- ["cues"]` emits `cue` rows, numbered below 16,777,216 (those of given
-- subtitle files), before a row arrives.
CREATE TABLE IF NOT EXISTS clickprint.fp_extractor_ingest
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

-- A plug-in's keys join ours in fp_keys, in its own bands, so the search's
-- one key lookup reads them beside ours (sql/clickhouse/search.sql).
CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_extractor_keys_mv TO clickprint.fp_keys AS
SELECT tenant_id, k.1 AS band, k.2 AS key, media_id, time_ms, item
FROM clickprint.fp_extractor_ingest
ARRAY JOIN keys AS k;

-- A plug-in's records, kept for analysts (the search reads only its
-- keys): by tenant, extractor and item; `kind` and `record` are the
-- plug-in's own.
CREATE TABLE IF NOT EXISTS clickprint.fp_extractor_records
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
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, extractor, media_id, time_ms, item, kind);

-- Its cues are in fp_cues (below), not here. The ALTER gives a view made
-- before cues were a plug-in's output the same query.
CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_extractor_records_mv TO clickprint.fp_extractor_records AS
SELECT tenant_id, extractor, media_id, time_ms, item, kind, version, record
FROM clickprint.fp_extractor_ingest
WHERE kind NOT IN ('end', 'cue') AND record != '';

ALTER TABLE clickprint.fp_extractor_records_mv MODIFY QUERY
SELECT tenant_id, extractor, media_id, time_ms, item, kind, version, record
FROM clickprint.fp_extractor_ingest
WHERE kind NOT IN ('end', 'cue') AND record != '';

-- A plug-in's cues (the dialogue extractor's: `cue` rows, the record
-- `END_MS <tab> LANGUAGE <tab> TEXT`) become rows of fp_cues as a given
-- subtitle file's do (fp_cues_mv), with `extractor` its name.
CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_extractor_cues_mv TO clickprint.fp_cues AS
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

-- The words of each cue, one row per (cue, distinct word), each row with
-- its cue's `words`: what a text search reads its matching cues from
-- (sql/clickhouse/text_search.sql, pass 1). Through fp_cues' text index,
-- a query's matching cues lie in a granule each across the tenant's
-- cues, and reading their `words` there (the index's row check included)
-- took 14 ms for about 1,000 cues in a tenant of 1M; here the rows of one
-- query word lie together under (tenant, word), sorted by item, and the
-- same cues' words read in 6-9 ms (benchmarks/results/
-- 2026-12-04-session27). A one-word search counts the word's rows item
-- by item without reading `words` (5 ms for a word in 10-30% of 1M cues,
-- where the text index took 12: benchmarks/results/2026-12-04-session26).
-- Rows rather than counts or postings, so that the table keeps fp_cues'
-- own guarantees: a retried ingest's identical rows fold
-- (ReplacingMergeTree over the sort key, the cue's key and the word), and
-- each removal of cues (subtitles_remove.sql, extractor_forget.sql,
-- purge.sql) removes their words by the same condition, with no count to
-- correct.
-- The words are cut as the text index cuts `words` (splitByNonAlpha,
-- whose separators within `words` are its single spaces), each once per
-- cue. `language` and `extractor` are the cue's, for the search's
-- language filter and for an extractor's re-extraction.
-- 20.3M rows for 3M made-up cues: 363 MiB on disk once merged (75 MiB
-- without `words`; fp_cues: 189 MiB), so dialogue takes about three
-- times the disk it took without the table, twice that with the table
-- without `words`; the ALTER gives a table made before the column
-- (2026-12-04) the column, which its rows read as '' until the fill below
-- writes them again and deletes them.
CREATE TABLE IF NOT EXISTS clickprint.fp_cue_words
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
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, word, media_id, start_ms, item);

ALTER TABLE clickprint.fp_cue_words ADD COLUMN IF NOT EXISTS words String CODEC(ZSTD(1));

-- Every cue stored in fp_cues, by either view above or by a direct
-- insert, has its words written here as it is inserted (a view on a
-- view's target runs in the same insert). The ALTER gives a view made
-- before the `words` column the same query.
CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.fp_cue_words_mv TO clickprint.fp_cue_words AS
SELECT tenant_id, word, media_id, start_ms, item, language, extractor, words
FROM clickprint.fp_cues
ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word;

ALTER TABLE clickprint.fp_cue_words_mv MODIFY QUERY
SELECT tenant_id, word, media_id, start_ms, item, language, extractor, words
FROM clickprint.fp_cues
ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word;

-- One-time fills of a table, or a column, added after rows it derives
-- from were stored: a row here says the fill `name` finished. Not a tenant's table
-- (no tenant column; on a cluster, one copy on every node).
CREATE TABLE IF NOT EXISTS clickprint.schema_backfills
(
    name String,
    filled_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY name;

-- The words of cues stored before fp_cue_words had its `words` column
-- (fill 'fp_cue_words.words'; a library made before fp_cue_words existed
-- has none of their rows, one made on 2026-12-04 has them without
-- `words`), once: after the view above, so that a cue inserted meanwhile
-- is written by the view, the fill or both. It reads every cue once, at
-- start: 16 s for 3M cues (the insert; the delete below reads `words`
-- once more). The service logs each step, and sends neither again once
-- the fill is recorded. On a cluster it goes through the Distributed
-- table, and returns once the shards hold its rows
-- (distributed_foreground_insert), so that it is recorded only then.
INSERT INTO clickprint.fp_cue_words (tenant_id, word, media_id, start_ms, item, language, extractor, words)
SELECT tenant_id, word, media_id, start_ms, item, language, extractor, words
FROM clickprint.fp_cues
ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word
WHERE (SELECT count() FROM clickprint.schema_backfills WHERE name = 'fp_cue_words.words') = 0
SETTINGS distributed_foreground_insert = 1;

-- Then the rows from before the column, which the fill has just written
-- again with their words: every row with no words is one (a cue with no
-- words has no rows). Deleted rather than left to fold when parts merge,
-- as a one-word search, which reads no `words`, would count each cue of
-- the library twice until then. A fill killed half way runs again in full
-- at the next start, and its rows written twice so (or by two processes
-- starting at once against one server, or by the view and the fill for a
-- cue stored meanwhile) are identical and fold when parts merge; until
-- then every search counts such a cue twice, as it does a retried
-- ingest's (`OPTIMIZE TABLE clickprint.fp_cue_words FINAL` folds them at
-- once).
DELETE FROM clickprint.fp_cue_words
WHERE words = '' AND (SELECT count() FROM clickprint.schema_backfills WHERE name = 'fp_cue_words.words') = 0;

INSERT INTO clickprint.schema_backfills (name)
SELECT 'fp_cue_words.words'
WHERE (SELECT count() FROM clickprint.schema_backfills WHERE name = 'fp_cue_words.words') = 0;

-- The blob keys (band 26, udf/core/src/fingerprint/blobs.rs) of layouts
-- stored before layouts had lookup keys (fill 'fp_keys.blobs'; layouts
-- were stored from 2026-12-05, their keys from session 33 on), once: each
-- stored layout record ('T') is handed to the query extraction as a
-- packed fingerprint of one record ('fp:' and its hex), which keys a
-- layout as an ingest does (a layout's keys are the same for a query and
-- a library item). Without it a library's soft pictures stored before
-- would be no candidates by their layouts until re-ingested. It reads
-- fp_media's `kind` column and its layout records (a soft picture's,
-- about a fifth of the pictures), one extraction each (0.3 ms of
-- keying). A key an ingest wrote meanwhile is written again, identical,
-- and folds when parts merge (the candidate stage counts a media item's
-- distinct hits, so it counts once meanwhile); a fill killed half way
-- runs again in full at the next start, to the same effect.
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

-- Which version of each extractor each item was extracted with: the
-- plug-in's last row is an 'end' marker, as ours is, so a row here means
-- its run finished. The ingest skips an (item, extractor, version) listed
-- here; a version change leaves the item's last row at the old version,
-- which sql/clickhouse/extractor_stale.sql lists for `clickprint
-- reextract`. The statements read an item's latest run as
-- argMax(version, extracted_at), before and after parts merge.
CREATE TABLE IF NOT EXISTS clickprint.extractor_runs
(
    tenant_id UInt32,
    extractor LowCardinality(String),
    media_id UInt64,
    version String,
    modality LowCardinality(String),
    extracted_at DateTime64(3) DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, extractor, media_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.extractor_runs_mv TO clickprint.extractor_runs AS
SELECT tenant_id, extractor, media_id, version, modality
FROM clickprint.fp_extractor_ingest
WHERE kind = 'end';

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

-- The review loop (issue 20), mirrored from Postgres, where the service
-- keeps it (sql/postgres/V8__review.sql: match_decisions,
-- media_exclusions), so the search statement itself honours it: an API
-- search, `clickprint search`, an analyst running search.sql and a
-- ClickHouse client all leave out the same matches. Written after each
-- Postgres change and, at every start, every Postgres row again (a write
-- cut off between the two stores is repaired then); `version` is the
-- Postgres row's, so the latest write of a pair wins whatever order the
-- rows arrive in, and `revoked` rows vanish under FINAL. `media_id` is
-- the fingerprints' owner (an exact duplicate shares its first copy's),
-- `item_id` the item the reviewer named: a decision is about content, so
-- it holds for every exact copy of the item.
CREATE TABLE IF NOT EXISTS clickprint.match_decisions
(
    tenant_id UInt32,
    query_sha256 String,
    media_id UInt64,
    item_id UInt64,
    decision Enum8('false_positive' = 1, 'confirmed' = 2),
    version UInt64,
    revoked UInt8
)
ENGINE = ReplacingMergeTree(version, revoked)
ORDER BY (tenant_id, query_sha256, media_id, item_id);

-- Items a tenant never wants matched (a logo, a test card): no search of
-- the tenant returns them while the exclusion stands.
CREATE TABLE IF NOT EXISTS clickprint.media_excluded
(
    tenant_id UInt32,
    media_id UInt64,
    item_id UInt64,
    version UInt64,
    revoked UInt8
)
ENGINE = ReplacingMergeTree(version, revoked)
ORDER BY (tenant_id, media_id, item_id);
