-- Clear what a plug-in extractor stored for a batch of items before they
-- are extracted again with its new version (`clickprint reextract`):
-- {batch:Array(Tuple(UInt32, UInt64))}, (tenant_id, media_id) pairs;
-- {extractor:String}, {first_band:UInt8}, {last_band:UInt8}. Its keys
-- (only its bands: ours and other extractors' stay), its records, and its
-- cues' words and its cues (those whose `extractor` is its name: a given
-- subtitle file's cues, `extractor = ''`, and other extractors' stay;
-- the words first, as in subtitles_remove.sql), as mutations waited for,
-- like sql/clickhouse/purge.sql, in this order (the service skips the
-- keys of an extractor without bands and the cues of one without cues).
-- Each statement is safe to repeat. extractor_runs keeps the old version
-- until the new run ends, so a re-extraction killed half way is listed
-- again.
ALTER TABLE clickprint.fp_keys DELETE
WHERE (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
    AND band BETWEEN {first_band:UInt8} AND {last_band:UInt8}
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_extractor_records DELETE
WHERE extractor = {extractor:String}
    AND (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_cue_words DELETE
WHERE extractor = {extractor:String}
    AND (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;

ALTER TABLE clickprint.fp_cues DELETE
WHERE extractor = {extractor:String}
    AND (tenant_id, media_id) IN (SELECT t.1, t.2 FROM (SELECT arrayJoin({batch:Array(Tuple(UInt32, UInt64))}) AS t))
SETTINGS mutations_sync = 1;
