-- Run one plug-in extractor on one media item and store what it emits
-- (issue 21; the contract is udf/README.md, "Plug-in extractors"). The
-- worker runs it after sql/clickhouse/ingest.sql, once per enabled
-- extractor whose modalities hold the item's, and `clickprint reextract`
-- runs it again for items extracted with another version. Parameters:
--   {tenant:UInt32} {media_id:UInt64}
--   {source:String}     the item's file, a local path readable by the server
--   {modality:String}   image, audio or video (the plug-in's second column)
--   {extractor:String}  its configured name; {version:String} its version
--   {command:String}    its executable (in the UDF folder) and arguments
--   {first_band:UInt8} {last_band:UInt8}   the bands registered for it
--                      ([1, 0], no band, for one without keys)
--   {cues:UInt8}       1 when it is declared with outputs = ["cues"]
-- The plug-in gets one row (source, modality, 'item') and answers rows of
-- kind, time_ms, item, record and keys, the last one an 'end' marker, in
-- RowBinary, as `clickprint-udf extract` does. A key outside its bands
-- fails the statement, naming the extractor, before any of its rows is
-- stored: one plug-in cannot write into our bands or another's. So does a
-- `cue` row from an extractor not declared to emit cues, or one numbered
-- from 16,777,216 (the numbers of given subtitle files' cues, which
-- `DELETE /v1/media/{id}/subtitles` removes); its cues go to fp_cues
-- (fp_extractor_cues_mv), the dialogue extractor's among them.
-- Idempotent per (item, extractor, version): an item whose latest run
-- (extractor_runs) has this version sends the plug-in no row, and it
-- answers nothing. A run killed before its 'end' runs again in full; its
-- rows are identical (ReplacingMergeTree folds them).
-- The plug-in may take up to 10 minutes of silence (command_read_timeout);
-- it runs at the ingest's lower processor priority. A non-zero exit or
-- anything on its standard error fails the statement with that text
-- (check_exit_code, stderr_reaction = 'throw': without them, measured,
-- a plug-in that exits 3 is taken for one that found nothing).
INSERT INTO clickprint.fp_extractor_ingest
    (tenant_id, media_id, extractor, version, modality, kind, time_ms, item, record, keys)
SELECT
    {tenant:UInt32}, {media_id:UInt64}, {extractor:String}, {version:String}, {modality:String},
    kind, time_ms, item, record, keys
FROM executable(
    {command:String},
    'RowBinary',
    'kind String, time_ms UInt32, item UInt32, record String, keys Array(Tuple(UInt8, UInt32))',
    (
        SELECT {source:String}, {modality:String}, 'item'
        WHERE (
            SELECT argMax(version, extracted_at)
            FROM clickprint.extractor_runs
            WHERE tenant_id = {tenant:UInt32}
                AND extractor = {extractor:String}
                AND media_id = {media_id:UInt64}
        ) != {version:String}
    ),
    SETTINGS command_read_timeout = 600000, check_exit_code = 1, stderr_reaction = 'throw'
)
WHERE throwIf(
    NOT arrayAll(k -> k.1 BETWEEN {first_band:UInt8} AND {last_band:UInt8}, keys),
    'a plug-in extractor emitted a key outside the bands registered for it'
) = 0
    AND throwIf(
        kind = 'cue' AND {cues:UInt8} = 0,
        'a plug-in extractor emitted a cue row but does not declare outputs = ["cues"]'
    ) = 0
    AND throwIf(
        kind = 'cue' AND item >= 16777216,
        'a plug-in extractor numbered a cue 16777216 or more (those are given subtitle files\' cues)'
    ) = 0
SETTINGS os_threads_nice_value_query = 10
