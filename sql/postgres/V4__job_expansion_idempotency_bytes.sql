-- Large CSV jobs are accepted at once and expanded by workers in batches:
-- the request stores the CSV (at `upload`, a path under the data
-- directory) and expands its first batch; a worker claims the job's row
-- FOR UPDATE SKIP LOCKED (the lock is the lease: a dead worker's lock dies
-- with its connection) and turns the next rows into items, moving
-- `expanded_rows` on in the same transaction, so a batch lands whole or
-- not at all.
ALTER TABLE jobs
    ADD COLUMN upload          text,
    ADD COLUMN expanded_rows   integer NOT NULL DEFAULT 0,
    -- A client's retry with the same key returns the first job.
    ADD COLUMN idempotency_key text,
    ADD CONSTRAINT jobs_idempotency UNIQUE (tenant_id, idempotency_key);
-- Jobs made before this migration were expanded inside their request.
UPDATE jobs SET expanded_rows = total;
CREATE INDEX jobs_expanding ON jobs (id)
    WHERE expanded_rows < total AND cancelled_at IS NULL;

ALTER TABLE media
    ADD COLUMN idempotency_key text,
    ADD CONSTRAINT media_idempotency UNIQUE (tenant_id, idempotency_key);

-- Bytes of originals a tenant may keep: NULL means unlimited.
ALTER TABLE tenants
    ADD COLUMN max_bytes bigint CHECK (max_bytes >= 0);
