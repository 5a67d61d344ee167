-- Items a plug-in extractor must extract again: those whose latest run
-- (extractor_runs) was with another version than the configured
-- {version:String} of extractor {extractor:String}, not deleted.
-- `clickprint reextract` reads them, clears their rows in the extractor's
-- bands (sql/clickhouse/extractor_forget.sql) and runs
-- sql/clickhouse/extract.sql on each again.
SELECT tenant_id, media_id, modality, version
FROM
(
    SELECT
        tenant_id,
        media_id,
        argMax(version, extracted_at) AS version,
        argMax(modality, extracted_at) AS modality
    FROM clickprint.extractor_runs
    WHERE extractor = {extractor:String}
    GROUP BY tenant_id, media_id
)
WHERE version != {version:String}
    AND (tenant_id, media_id) NOT IN (SELECT tenant_id, media_id FROM clickprint.media_deleted)
ORDER BY tenant_id, media_id
