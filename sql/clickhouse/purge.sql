-- Remove the rows of deleted media (a background chore: the tombstones in
-- media_deleted already hide them from every search). Mutations; run it
-- off-peak. No parameters.
ALTER TABLE clickprint.fp_keys DELETE
WHERE (tenant_id, media_id) IN (SELECT tenant_id, media_id FROM clickprint.media_deleted);

ALTER TABLE clickprint.fp_media DELETE
WHERE (tenant_id, media_id) IN (SELECT tenant_id, media_id FROM clickprint.media_deleted);
