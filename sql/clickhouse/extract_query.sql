-- A search query's keys from one plug-in extractor (issue 21): the
-- service runs it for each enabled extractor whose modalities hold the
-- query's, and hands the keys to sql/clickhouse/search.sql as
-- {extractor_keys}. Parameters: {source:String} (the query file, a local
-- path readable by the server), {modality:String}, {command:String},
-- {first_band:UInt8}, {last_band:UInt8} (as in sql/clickhouse/extract.sql).
-- The plug-in gets one row (source, modality, 'query'); its records are
-- not kept (a search stores nothing), its keys are checked against its
-- bands as at ingest. Answers one row per distinct (band, key).
SELECT DISTINCT k.1 AS band, k.2 AS key
FROM executable(
    {command:String},
    'RowBinary',
    'kind String, time_ms UInt32, item UInt32, record String, keys Array(Tuple(UInt8, UInt32))',
    (SELECT {source:String}, {modality:String}, 'query'),
    SETTINGS command_read_timeout = 600000, check_exit_code = 1, stderr_reaction = 'throw'
)
ARRAY JOIN keys AS k
WHERE throwIf(
    NOT (k.1 BETWEEN {first_band:UInt8} AND {last_band:UInt8}),
    'a plug-in extractor emitted a key outside the bands registered for it'
) = 0
