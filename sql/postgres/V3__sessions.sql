-- Console sessions. The browser's cookie holds a random session id, never
-- the API key it signed in with; Postgres keeps only the id's SHA-256 (32
-- random bytes, so a fast hash is enough, as for api_keys). A session is
-- bound to its tenant and key: it ends when it expires, when the console
-- signs out (the row is deleted), when its key is revoked or its tenant
-- disabled (the rows are deleted, and every lookup checks both anyway).
CREATE TABLE sessions (
    secret_sha256 bytea       PRIMARY KEY,
    tenant_id     integer     NOT NULL REFERENCES tenants (id),
    key_id        integer     NOT NULL REFERENCES api_keys (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_key ON sessions (key_id);
CREATE INDEX sessions_tenant ON sessions (tenant_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
