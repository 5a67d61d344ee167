-- Analysts on a clickhouse-server: what every tenant's analysts share.
-- Applied by the control plane (`control-plane/src/access.rs`) before it
-- issues an analyst credential, as the service's own user, which needs
-- access management (`clickhouse-config/analysts/`). Every statement is
-- idempotent. `{service}` is that user's name, put in as a quoted
-- identifier; nothing else is substituted.
--
-- The shape: one role per tenant (`clickprint_t<id>`, made per tenant by
-- the control plane) holds SELECT on the fingerprint tables and a row
-- policy `tenant_id = <id>` on each; every tenant role inherits
-- `clickprint_analyst`, which carries the settings profile and the quota
-- below. Analysts' users get their tenant's role and nothing else: no
-- CREATE TEMPORARY TABLE and no source grants, so no table function
-- (`remote`, `url`, `file`, `executable`, `merge`, and `mergeTreeIndex` /
-- `mergeTreeProjection`, which read primary-index values past row
-- policies in some versions) can run; system tables need a grant
-- (`select_from_system_db_requires_grant`, the default, set in
-- `clickhouse-config/analysts/access.xml`).
--
-- ClickHouse has no grant for executable UDFs: any user may call the ones
-- the server defines. `clickprint_query(source)` reads media by path or
-- URL as the server's user, so on a server that issues analyst users the
-- UDF executables must not be able to read the data directory's media
-- (the embedded engine refuses the call in analysts' SQL instead,
-- `control-plane/src/analyst.rs`). Until the UDF takes only fingerprints
-- or paths it is given a right to, issue analyst users only where the
-- server's clickprint UDFs cannot read other tenants' files.

CREATE ROLE IF NOT EXISTS clickprint_analyst;

-- Read-only (2: an analyst's client may still set formats and lower its
-- own limits), and limits that a statement can lower but never raise.
-- `query_cache_share_between_users` stays off so a cached result of one
-- user is never served to another.
CREATE SETTINGS PROFILE IF NOT EXISTS clickprint_analyst SETTINGS
    readonly = 2 CONST,
    allow_ddl = 0 CONST,
    allow_introspection_functions = 0 CONST,
    query_cache_share_between_users = 0 CONST,
    max_execution_time = 30 MAX 300,
    max_rows_to_read = 200000000 MAX 2000000000,
    max_result_rows = 100000 MAX 10000000,
    max_result_bytes = 67108864 MAX 1073741824,
    result_overflow_mode = 'throw' CONST,
    read_overflow_mode = 'throw' CONST,
    max_memory_usage = 1073741824 MAX 8589934592,
    max_concurrent_queries_for_user = 4 MAX 8
    TO clickprint_analyst;

-- Per analyst user, per hour: enough for a working day of queries, and a
-- stop to a script that loops.
CREATE QUOTA IF NOT EXISTS clickprint_analyst
    KEYED BY user_name
    FOR INTERVAL 1 hour MAX queries = 3600, errors = 600, result_rows = 100000000,
        read_rows = 100000000000, execution_time = 3600
    TO clickprint_analyst;

-- With `users_without_row_policies_can_read_rows = false` (access.xml) a
-- table with row policies shows no rows to a user that no policy names, so
-- the service's own user gets one that lets it read every tenant.
CREATE ROW POLICY IF NOT EXISTS clickprint_service
    ON clickprint.fp_keys, clickprint.fp_media, clickprint.media_ingested,
       clickprint.media_deleted, clickprint.media_purged, clickprint.stop_keys,
       clickprint.fp_cues, clickprint.fp_cue_words, clickprint.fp_extractor_records, clickprint.extractor_runs,
       clickprint.match_decisions, clickprint.media_excluded
    USING 1 TO {service};
