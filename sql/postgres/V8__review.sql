-- The review loop grows from dismissals to decisions (issue 20): a
-- reviewer marks a match (a query's content and a library item) as a
-- false positive, which no later search of that content returns, or as
-- confirmed, which later searches flag; and a tenant excludes items from
-- every search ("never match this logo"). A pair holds one decision at a
-- time: deciding again replaces it. Revoking keeps the row (`revoked_at`)
-- so the ClickHouse mirror the search statement reads
-- (clickprint.match_decisions, clickprint.media_excluded) can always be
-- rebuilt from here, revocations included: every write takes a new
-- `version` from one sequence, and the mirror keeps the highest.
ALTER TABLE dismissed_matches RENAME TO match_decisions;
ALTER TABLE match_decisions RENAME CONSTRAINT dismissed_matches_pkey TO match_decisions_pkey;
ALTER INDEX dismissed_matches_tenant_id RENAME TO match_decisions_tenant_id;
CREATE SEQUENCE review_versions;
ALTER TABLE match_decisions
    ADD COLUMN decision   text NOT NULL DEFAULT 'false_positive'
                          CHECK (decision IN ('false_positive', 'confirmed')),
    ADD COLUMN note       text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    ADD COLUMN revoked_at timestamptz,
    ADD COLUMN version    bigint NOT NULL DEFAULT nextval('review_versions');

CREATE TABLE media_exclusions (
    tenant_id  integer     NOT NULL REFERENCES tenants (id),
    media_id   bigint      NOT NULL REFERENCES media (id),
    id         bigserial   NOT NULL,
    note       text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    version    bigint      NOT NULL DEFAULT nextval('review_versions'),
    PRIMARY KEY (tenant_id, media_id)
);
CREATE UNIQUE INDEX media_exclusions_tenant_id ON media_exclusions (tenant_id, id);
