-- sql/clickhouse/stop_list.sql on a cluster (sql/clickhouse/cluster/schema.sql):
-- a Distributed table takes no DELETE, so the old list is forgotten on the
-- shards' tables ON CLUSTER (only the tenant's shard holds any of it); the
-- recount reads and writes through the Distributed tables, on the
-- tenant's shard alone. Run instead of stop_list.sql when
-- `clickhouse_cluster = true`.
DELETE FROM clickprint_shard.stop_keys ON CLUSTER '{cluster}' WHERE tenant_id = {tenant:UInt32};

INSERT INTO clickprint.stop_keys (tenant_id, band, key, rows)
SELECT tenant_id, band, key, count() AS rows
FROM clickprint.fp_keys
WHERE tenant_id = {tenant:UInt32}
GROUP BY tenant_id, band, key
HAVING rows > {max_rows:UInt64}
SETTINGS optimize_aggregation_in_order = 1;
