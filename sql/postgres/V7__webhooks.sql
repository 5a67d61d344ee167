-- Notifications: a tenant's webhooks, and the outbox of their deliveries.
--
-- An event (a job finished, an item failed, a new item matched one the
-- library holds) becomes one `webhook_deliveries` row per webhook of the
-- tenant that asks for it, written in the same transaction as the status
-- change that causes it: a status that committed always has its
-- deliveries, a rolled-back one never has. Senders (`app::webhooks`)
-- claim due rows with `FOR UPDATE SKIP LOCKED`, as workers claim tasks,
-- and log every attempt in `webhook_attempts`.
CREATE TABLE webhooks (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   integer     NOT NULL REFERENCES tenants (id),
    url         text        NOT NULL,
    -- The HMAC key of `Clickprint-Signature`; shown once, at creation.
    secret      text        NOT NULL,
    events      text[]      NOT NULL
                CHECK (events <@ ARRAY['job.finished', 'media.failed', 'media.matched']
                       AND cardinality(events) > 0),
    -- `media.matched` fires for matches scoring this or more.
    min_score   real        NOT NULL DEFAULT 0.5 CHECK (min_score BETWEEN 0 AND 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Deleted by the tenant: no new deliveries, none sent; its log stays.
    disabled_at timestamptz
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id) WHERE disabled_at IS NULL;

CREATE TABLE webhook_deliveries (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint      NOT NULL REFERENCES webhooks (id),
    tenant_id       integer     NOT NULL REFERENCES tenants (id),
    event           text        NOT NULL,
    -- Stable across retries (`job.finished:12`), the `id` of the body: a
    -- receiver that got it twice (a 200 lost on the way back) knows.
    event_id        text        NOT NULL,
    -- The body sent, exactly (its bytes are what is signed).
    payload         jsonb       NOT NULL,
    state           text        NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A sender's claim; a sender that died loses it when it runs out.
    lease_until     timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state IN ('queued', 'sending');
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- Every attempt of every delivery: when, what the receiver answered, or
-- why there was no answer.
CREATE TABLE webhook_attempts (
    delivery_id bigint      NOT NULL REFERENCES webhook_deliveries (id),
    attempt     integer     NOT NULL,
    started_at  timestamptz NOT NULL,
    duration_ms integer     NOT NULL,
    status      integer,
    error       text,
    PRIMARY KEY (delivery_id, attempt)
);

-- "Has this job any item left?" is asked at each item's end: one probe of
-- this index, not a scan of the job's items.
CREATE INDEX media_job_unfinished ON media (job_id)
    WHERE job_id IS NOT NULL AND status IN ('pending', 'processing');
