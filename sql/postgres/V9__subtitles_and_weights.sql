-- Subtitles given with an item (issue 21): a subtitle file sent beside the
-- media (a multipart `subtitles` part, a `subtitles_url`, or a job row's
-- `subtitles` column) is read by the worker that ingests the item, after
-- its fingerprints and before it is marked ready, and its cues become the
-- item's dialogue. A file that cannot be read never fails the item: the
-- item is ingested and says why its subtitles were not read.
--   subtitles_source    the file's URL, or `upload:<name>` for a file
--                       received with the item (kept beside the media file
--                       as `<data dir>/media/<tenant>/<id>.subtitles`);
--                       NULL when none was given
--   subtitles_language  the language tag for a file that names none
--   subtitles_cues      cues read from it, once read
--   subtitles_error     why it was not read
ALTER TABLE media
    ADD COLUMN subtitles_source   text,
    ADD COLUMN subtitles_language text NOT NULL DEFAULT '' CHECK (length(subtitles_language) <= 16),
    ADD COLUMN subtitles_cues     bigint,
    ADD COLUMN subtitles_error    text;

-- A tenant's default weights for the search gateway's fusion (a request
-- that gives `weights` overrides them): 0..10 each, not both 0, as a
-- request's (app::gateway::Weights::checked).
ALTER TABLE tenants
    ADD COLUMN weight_media    double precision NOT NULL DEFAULT 1
        CHECK (weight_media >= 0 AND weight_media <= 10),
    ADD COLUMN weight_dialogue double precision NOT NULL DEFAULT 1
        CHECK (weight_dialogue >= 0 AND weight_dialogue <= 10),
    ADD CONSTRAINT tenants_weights_not_both_zero CHECK (weight_media + weight_dialogue > 0);
