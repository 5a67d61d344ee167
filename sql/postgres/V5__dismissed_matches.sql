-- The review loop: a reviewer dismisses a match as a false positive, and
-- that pair never comes back. A pair is the query's content (its SHA-256,
-- so an exact re-upload of the query is the same query, and a search by a
-- library item is its file's) and a library item. Deleting the dismissal
-- restores the pair.
CREATE TABLE dismissed_matches (
    tenant_id    integer     NOT NULL REFERENCES tenants (id),
    query_sha256 text        NOT NULL CHECK (query_sha256 ~ '^[0-9a-f]{64}$'),
    media_id     bigint      NOT NULL REFERENCES media (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, query_sha256, media_id)
);
