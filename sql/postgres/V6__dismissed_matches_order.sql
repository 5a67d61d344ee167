-- Listing dismissals (`GET /v1/matches/dismissed`) pages through them
-- newest first by a cursor, as `GET /v1/media` does: each dismissal gets
-- an id in the order it was made (existing rows numbered as they are).
ALTER TABLE dismissed_matches ADD COLUMN id bigserial NOT NULL;
CREATE UNIQUE INDEX dismissed_matches_tenant_id ON dismissed_matches (tenant_id, id);
