-- Ingest one media item: fingerprint it inside ClickHouse (the
-- `clickprint-udf extract` executable) and write its keys and records in
-- one statement. Parameters: {tenant:UInt32}, {media_id:UInt64},
-- {source:String} (a local path or file:// URL readable by the server, or
-- an http(s) URL the UDF downloads under its fetch policy: see sql/README.md).
-- Idempotent per media id: the extractor's last row is an 'end' marker
-- that lands in media_ingested, and a media id found there is not
-- extracted again (the executable gets no input row and answers nothing).
-- An ingest killed before its marker runs again in full; the rows it had
-- stored the first time are identical and ReplacingMergeTree folds them.
-- Media ids are never reused (the control plane allocates them).
-- The extraction may be silent for as long as its own decode limit
-- (900 s; it answers with a typed error then), so the pipe's read timeout
-- is above it: ClickHouse's default of 10 s failed small pictures whenever
-- searches and other work kept the niced extraction off the processor.
-- Ingest's threads run at a lower processor priority than searches'
-- (os_threads_nice_value_query = clickprint_core::media::BACKGROUND_NICE;
-- the UDF process lowers its own too), so a
-- tenant's bulk upload yields the processor to everyone's searches.
INSERT INTO clickprint.fp_ingest (tenant_id, media_id, kind, time_ms, item, record, keys)
SELECT {tenant:UInt32}, {media_id:UInt64}, kind, time_ms, item, record, keys
FROM executable(
    'clickprint-udf extract',
    'RowBinary',
    'kind String, time_ms UInt32, item UInt32, record String, keys Array(Tuple(UInt8, UInt32))',
    (
        SELECT {source:String}
        WHERE (
            SELECT count()
            FROM clickprint.media_ingested
            WHERE tenant_id = {tenant:UInt32} AND media_id = {media_id:UInt64}
        ) = 0
    ),
    SETTINGS command_read_timeout = 1000000
)
SETTINGS os_threads_nice_value_query = 10
