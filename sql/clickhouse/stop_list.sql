-- Refresh a tenant's stop list: keys held by more than {max_rows:UInt64}
-- rows (flat patches, common landmarks) are skipped by the search; they
-- select nothing and cost reads. Parameters: {tenant:UInt32},
-- {max_rows:UInt64}. A maintenance statement: it reads the tenant's keys.
INSERT INTO clickprint.stop_keys (tenant_id, band, key, rows)
SELECT tenant_id, band, key, count() AS rows
FROM clickprint.fp_keys
WHERE tenant_id = {tenant:UInt32}
GROUP BY tenant_id, band, key
HAVING rows > {max_rows:UInt64}
