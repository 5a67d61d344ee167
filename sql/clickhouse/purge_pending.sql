-- The tombstones whose rows are not purged yet, oldest items first, at
-- most {limit:UInt64} of them: the batch sql/clickhouse/purge.sql takes.
SELECT tenant_id, media_id
FROM clickprint.media_deleted
WHERE (tenant_id, media_id) NOT IN (SELECT tenant_id, media_id FROM clickprint.media_purged)
ORDER BY tenant_id, media_id
LIMIT {limit:UInt64}
