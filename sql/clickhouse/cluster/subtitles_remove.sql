-- sql/clickhouse/subtitles_remove.sql on a cluster: the shards' tables,
-- every replica waited for.
ALTER TABLE clickprint_shard.fp_cue_words ON CLUSTER '{cluster}' DELETE
WHERE tenant_id = {tenant:UInt32} AND media_id = {media_id:UInt64} AND item >= 16777216
SETTINGS mutations_sync = 2;

ALTER TABLE clickprint_shard.fp_cues ON CLUSTER '{cluster}' DELETE
WHERE tenant_id = {tenant:UInt32} AND media_id = {media_id:UInt64} AND item >= 16777216
SETTINGS mutations_sync = 2
