-- The library's metadata and the work queue. ClickHouse holds fingerprints
-- keyed by (tenant_id, media_id) where media_id is media.id below (or, for
-- an exact duplicate, the id of the item whose fingerprints it shares).

-- Quotas, set by operators: NULL means unlimited.
ALTER TABLE tenants
    ADD COLUMN max_assets          bigint  CHECK (max_assets >= 0),
    ADD COLUMN requests_per_minute integer CHECK (requests_per_minute > 0);

-- API keys: shown once, stored as SHA-256 of the whole key. Keys are 32
-- random bytes, so a fast hash is as strong as a slow one here (a slow
-- password hash guards low-entropy secrets, and would cost every request
-- tens of milliseconds). The prefix is the visible part, unique, used to
-- find the row.
CREATE TABLE api_keys (
    id          integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   integer     NOT NULL REFERENCES tenants (id),
    prefix      text        NOT NULL UNIQUE,
    secret_sha256 bytea     NOT NULL,
    name        text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- Bulk ingest jobs (a CSV of URLs or a ZIP of files with a manifest).
-- Counts are not stored: they are counted from media and job_failures, so
-- they cannot drift from what happened.
CREATE TABLE jobs (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    integer     NOT NULL REFERENCES tenants (id),
    kind         text        NOT NULL CHECK (kind IN ('csv', 'zip')),
    total        integer     NOT NULL DEFAULT 0,
    cancelled_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_tenant ON jobs (tenant_id, id);

-- Rows of a job that never became a media item (malformed CSV rows, files
-- the manifest names but the archive lacks), with the reason.
CREATE TABLE job_failures (
    job_id     bigint  NOT NULL REFERENCES jobs (id),
    row_number integer NOT NULL,
    reason     text    NOT NULL,
    PRIMARY KEY (job_id, row_number)
);

-- Media items. status: pending (queued), processing, ready, failed,
-- cancelled (its job was cancelled first), deleted.
CREATE TABLE media (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       integer     NOT NULL REFERENCES tenants (id),
    external_id     text,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    source          text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processing', 'ready', 'failed', 'cancelled', 'deleted')),
    modality        text        CHECK (modality IN ('image', 'audio', 'video')),
    duration_ms     bigint,
    bytes           bigint,
    sha256          bytea,
    -- An exact duplicate (same SHA-256 in the tenant) shares the
    -- fingerprints of this item instead of having its own.
    fingerprints_of bigint      REFERENCES media (id),
    error           text,
    job_id          bigint      REFERENCES jobs (id),
    job_row         integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_tenant ON media (tenant_id, id);
CREATE INDEX media_tenant_status ON media (tenant_id, status, id);
CREATE INDEX media_tenant_sha ON media (tenant_id, sha256) WHERE status = 'ready';
CREATE INDEX media_fingerprints_of ON media (fingerprints_of) WHERE fingerprints_of IS NOT NULL;
CREATE INDEX media_job ON media (job_id) WHERE job_id IS NOT NULL;

-- The work queue: one task per media item. Claimed with FOR UPDATE SKIP
-- LOCKED; a claim is a lease that ends at lease_until, after which another
-- worker may take the task (its first worker died). Failures are retried
-- after run_after (exponential backoff) until attempts reach
-- max_attempts, then the task is dead and keeps its last error.
CREATE TABLE tasks (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    media_id     bigint      NOT NULL UNIQUE REFERENCES media (id),
    tenant_id    integer     NOT NULL REFERENCES tenants (id),
    state        text        NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'done', 'dead', 'cancelled')),
    attempts     integer     NOT NULL DEFAULT 0,
    max_attempts integer     NOT NULL DEFAULT 5,
    run_after    timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz,
    worker       text,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX tasks_ready ON tasks (run_after, id) WHERE state = 'queued';
CREATE INDEX tasks_leased ON tasks (lease_until) WHERE state = 'running';

-- Requests per tenant per minute, for the requests_per_minute quota.
CREATE TABLE request_counts (
    tenant_id integer     NOT NULL REFERENCES tenants (id),
    minute    timestamptz NOT NULL,
    count     integer     NOT NULL,
    PRIMARY KEY (tenant_id, minute)
);
