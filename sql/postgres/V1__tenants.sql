-- Tenants: the unit of isolation. Every row clickprint keeps, in Postgres and
-- in ClickHouse, belongs to exactly one tenant; ClickHouse tables order by
-- tenant_id first, so the id is a small integer.
CREATE TABLE tenants (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    modalities  text[]      NOT NULL DEFAULT ARRAY['image', 'audio', 'video'],
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
