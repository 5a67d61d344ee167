-- Removes the cues of every subtitle file given with an item
-- (`DELETE /v1/media/{id}/subtitles`): the rows numbered from 16,777,216
-- (clickprint_core::cues::FILE_CUES_FROM; see subtitles.sql), so the
-- cues of the item's own subtitle streams stay. A mutation, waited for
-- (`mutations_sync`): once the statement returns, no text search finds
-- the removed cues. It rewrites only the parts of fp_cues that hold the
-- item's rows; safe to repeat. Two mutations: the cues' words
-- (fp_cue_words, which a text search reads its matching cues from) first,
-- so that a removal stopped between the two leaves cues no search finds
-- rather than matches of cues that are gone. Parameters: {tenant:UInt32},
-- {media_id:UInt64} (the id the item's fingerprints are stored under).
-- On a cluster, sql/clickhouse/cluster/subtitles_remove.sql.
ALTER TABLE clickprint.fp_cue_words DELETE
WHERE tenant_id = {tenant:UInt32} AND media_id = {media_id:UInt64} AND item >= 16777216
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_cues DELETE
WHERE tenant_id = {tenant:UInt32} AND media_id = {media_id:UInt64} AND item >= 16777216
SETTINGS mutations_sync = 1
