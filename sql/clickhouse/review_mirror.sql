-- The review loop's mirror (schema.sql, "The review loop"): reviewers'
-- decisions and a tenant's exclusions, as Postgres holds them, written
-- after each change there and all again at every start of the service.
-- Two statements, one per table; each takes rows as one array, so a
-- single decision and the whole rebuild go the same way. Parameters:
--   {decisions:Array(Tuple(UInt32, String, UInt64, UInt64, String, UInt64, UInt8))}
--       (tenant_id, query_sha256, media_id: the fingerprints' owner,
--        item_id, decision, version, revoked)
--   {exclusions:Array(Tuple(UInt32, UInt64, UInt64, UInt64, UInt8))}
--       (tenant_id, media_id, item_id, version, revoked)
-- Writing a row twice changes nothing (ReplacingMergeTree keeps the
-- highest version of each pair), so a repeated rebuild is harmless.
INSERT INTO clickprint.match_decisions
    (tenant_id, query_sha256, media_id, item_id, decision, version, revoked)
SELECT r.1, r.2, r.3, r.4, r.5, r.6, r.7
FROM (SELECT arrayJoin({decisions:Array(Tuple(UInt32, String, UInt64, UInt64, String, UInt64, UInt8))}) AS r);

INSERT INTO clickprint.media_excluded (tenant_id, media_id, item_id, version, revoked)
SELECT r.1, r.2, r.3, r.4, r.5
FROM (SELECT arrayJoin({exclusions:Array(Tuple(UInt32, UInt64, UInt64, UInt64, UInt8))}) AS r);
