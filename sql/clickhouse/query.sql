-- The query side of a search, on its own: what the query is, and the
-- `{query}` that searches for it without decoding it again. Parameter:
--   {query:String}      a media reference or 'fp:' || hex, as in search.sql
-- The service runs this before search.sql: the query is decoded once, here
-- (in the warm clickprint_query pool, under the decoder's limits: a query
-- longer than the longest allowed is refused by its declared length before
-- it is decoded), and the service checks the modality against the
-- tenant's before it searches, with no probe process of its own. The
-- search then gets `search_query`, the packed fingerprint in hex, whose
-- keys clickprint_query reads back in a few milliseconds, and the query
-- file's SHA-256 (`sha256`), which names its content for the reviewers'
-- decisions the search honours.
SELECT
    q.modality AS modality,
    q.duration_ms AS duration_ms,
    q.width AS width,
    q.height AS height,
    q.sha256 AS sha256,
    concat('fp:', hex(q.fingerprint), ':', q.sha256) AS search_query
FROM (SELECT clickprint_query({query:String}) AS q)
