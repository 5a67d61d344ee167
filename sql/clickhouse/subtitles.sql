-- Subtitles given with an item (`POST /v1/media/{id}/subtitles`): a
-- subtitle file's cues (SRT, WebVTT, ASS/SSA: whatever ffmpeg reads as a
-- text subtitle stream), read inside ClickHouse by `clickprint-udf cues`,
-- become the item's cues (fp_ingest, then fp_cues_mv, with `extractor`
-- ''), beside its own streams' (the dialogue extractor's, with
-- `extractor` 'dialogue'), so the text search and analysts see them
-- alike, and no re-extraction touches them. They are
-- numbered from 16,777,216 (clickprint_core::cues::FILE_CUES_FROM), past
-- any number an item's own streams reach, each file in a slot of its own
-- chosen by its content and language (file_cue_number): the streams' cues
-- and each file's never share a row key (a translation with the same
-- timings keeps its own rows), and the same file given twice gives the
-- same rows, which fold into one (ReplacingMergeTree). A file with no cue
-- fails the statement with the
-- decoder's message and stores nothing. Parameters: {tenant:UInt32},
-- {media_id:UInt64} (the id the item's fingerprints are stored under),
-- {source:String} (the file, readable by the server), {language:String}
-- (for streams that name none; '' for none).
INSERT INTO clickprint.fp_ingest (tenant_id, media_id, kind, time_ms, item, record, keys)
SELECT {tenant:UInt32}, {media_id:UInt64}, 'cue', time_ms, item, record, []
FROM executable(
    'clickprint-udf cues',
    'RowBinary',
    'time_ms UInt32, item UInt32, record String',
    (SELECT {source:String}, {language:String}),
    -- Without these a refused file stored nothing and answered no error
    -- (as extract.sql found).
    SETTINGS check_exit_code = 1, stderr_reaction = 'throw'
);

-- The item's cues from files, after it (each counted once, however often
-- its file was given).
SELECT uniqExact(start_ms, item) AS cues
FROM clickprint.fp_cues
WHERE tenant_id = {tenant:UInt32} AND media_id = {media_id:UInt64} AND item >= 16777216
