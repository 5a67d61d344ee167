-- Refresh one tenant's stop list: the keys it holds more than
-- {max_rows:UInt64} times (flat patches, black frames, silence-like
-- landmarks) are skipped by the search (sql/clickhouse/search.sql reads
-- clickprint.stop_keys): such a key selects nothing, and looking it up
-- reads max_rows / 128 granules, as much as that many ordinary lookups.
-- Parameters: {tenant:UInt32}, {max_rows:UInt64}.
--
-- Run by `clickprint serve` for each tenant that ingested something since
-- its last refresh, every `stop_list_interval_secs`, in the ingest lane
-- (so in the tenant's own share of it), and by `clickprint upkeep`.
-- Two statements. The first forgets the old list (a lightweight delete
-- of a few rows), so a key that deletions made rare is looked up again;
-- between the two a search simply reads the common keys once more. The
-- second counts every key of the tenant: one pass over the tenant's part
-- of fp_keys in its sort order (tenant_id, band, key), aggregated in that
-- order, so its memory is one key's count, not a hash table of them all;
-- its cost is the tenant's size, which is why it runs on a schedule and
-- only for tenants whose library changed.
DELETE FROM clickprint.stop_keys WHERE tenant_id = {tenant:UInt32};

INSERT INTO clickprint.stop_keys (tenant_id, band, key, rows)
SELECT tenant_id, band, key, count() AS rows
FROM clickprint.fp_keys
WHERE tenant_id = {tenant:UInt32}
GROUP BY tenant_id, band, key
HAVING rows > {max_rows:UInt64}
SETTINGS optimize_aggregation_in_order = 1;
