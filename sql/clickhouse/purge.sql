-- Remove the rows of deleted media. The tombstones in media_deleted hide
-- an item from every search the moment it is deleted
-- (sql/clickhouse/delete.sql); this chore then frees the space. Run by
-- `clickprint serve` every `purge_interval_secs` and by `clickprint
-- upkeep`, on a batch of tombstones not yet purged:
-- {batch:Array(Tuple(UInt32, UInt64))}, (tenant_id, media_id) pairs,
-- read with sql/clickhouse/purge_pending.sql.
--
-- Seven statements, each safe to repeat, so a purge killed half way is
-- simply run again on the same batch: count what goes (for the metrics),
-- delete it from the five tables (keys, records, plug-in extractors'
-- records, dialogue cues' words, dialogue cues; as mutations, waited for:
-- mutations_sync = 1 returns when the parts are rewritten), then record
-- the batch as purged. (extractor_runs keeps its row per item and
-- extractor, as media_ingested does; sql/clickhouse/extractor_stale.sql
-- leaves deleted items out.)
-- The tombstones stay: they are one row per item, and a search filters on
-- them whether or not the rows are still there.
SELECT
    (SELECT count() FROM clickprint.fp_keys
     WHERE tenant_id IN (SELECT DISTINCT t.1 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
       AND (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))) AS key_rows,
    (SELECT count() FROM clickprint.fp_media
     WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))) AS record_rows;

ALTER TABLE clickprint.fp_keys DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_media DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_extractor_records DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_cue_words DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_cues DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;

INSERT INTO clickprint.media_purged (tenant_id, media_id)
SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t);
