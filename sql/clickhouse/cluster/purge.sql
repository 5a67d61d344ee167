-- sql/clickhouse/purge.sql on a cluster (sql/clickhouse/cluster/schema.sql):
-- the same seven statements, but a Distributed table takes no ALTER, so
-- the five deletes run on the shards' tables ON CLUSTER (each shard deletes
-- what it holds of the batch; mutations_sync = 2 waits for every replica).
-- The counts and the record of the batch go through the Distributed
-- tables as on one machine. Run instead of purge.sql when
-- `clickhouse_cluster = true`.
SELECT
    (SELECT count() FROM clickprint.fp_keys
     WHERE tenant_id IN (SELECT DISTINCT t.1 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
       AND (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))) AS key_rows,
    (SELECT count() FROM clickprint.fp_media
     WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))) AS record_rows;

ALTER TABLE clickprint_shard.fp_keys ON CLUSTER '{cluster}' DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 2;

ALTER TABLE clickprint_shard.fp_media ON CLUSTER '{cluster}' DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 2;

ALTER TABLE clickprint_shard.fp_extractor_records ON CLUSTER '{cluster}' DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 2;

ALTER TABLE clickprint_shard.fp_cue_words ON CLUSTER '{cluster}' DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 2;

ALTER TABLE clickprint_shard.fp_cues ON CLUSTER '{cluster}' DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 2;

INSERT INTO clickprint.media_purged (tenant_id, media_id)
SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t);
