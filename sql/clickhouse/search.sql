-- Search: which media of a tenant's library hold the query's content, and
-- where. One statement. Parameters:
--   {tenant:UInt32}
--   {query:String}      a media reference (local path, file:// or http(s)
--                       URL), or
--                       'fp:' || a packed fingerprint in hex for callers
--                       that extracted elsewhere (`clickprint-udf pack FILE`,
--                       or hex(clickprint_query('...').fingerprint)),
--                       optionally followed by ':' || the query file's
--                       SHA-256 in hex, which names the content a
--                       reviewer's decisions are about (query.sql gives
--                       both as its `search_query`)
--   {top_k:UInt32}      matches returned at most
--   {min_score:Float32} 0..1; 0.3 is a good start
--   {extractor_keys:Array(Tuple(UInt8, UInt32))}  the query's keys from
--                       every enabled plug-in extractor, each in its own
--                       bands (sql/clickhouse/extract_query.sql); [] when
--                       none is enabled, and the statement is then ours
--                       alone. A disabled extractor's bands are never
--                       looked up: no query key of it is given.
-- Steps: extract the query (clickprint_query, a warm UDF pool); look its
-- keys up in fp_keys within the tenant (primary key: tenant_id, band, key),
-- skipping stop-listed keys, deleted and excluded media, and the items a
-- reviewer marked as a false positive for this query; keep the 100 media
-- whose distinct key hits weigh most (each 1 / the media holding its key);
-- fetch their full records at the hit times from fp_media (primary key:
-- tenant_id, media_id, time_ms); for a picture, build the table of which
-- candidates hold keypoints near each of its own (clickprint_nearest);
-- rerank each with exact distances and offset voting (clickprint_rerank,
-- a warm UDF pool).
-- Each match gives its best segment's ranges and speed, and `segments`:
-- Array(Tuple(query_start_ms, query_end_ms, reference_start_ms,
-- reference_end_ms, speed, score)), every stretch of the query copied
-- from the reference, in query order (empty for pictures); and
-- `query_box`: Tuple(x, y, width, height), where in the query's pixels
-- the evidence that won is (the whole picture or frame, or the found inset
-- whose local features matched; zeros for sound and plug-in evidence).
WITH
    (SELECT clickprint_query({query:String})) AS q,
    (
        SELECT groupUniqArray((k.1, k.2))
        FROM (SELECT arrayJoin(arrayConcat(
            arrayMap(k -> (k.1, k.2), q.keys), {extractor_keys:Array(Tuple(UInt8, UInt32))})) AS k)
        WHERE (k.1, k.2) NOT IN (
            SELECT band, key FROM clickprint.stop_keys WHERE tenant_id = {tenant:UInt32})
    ) AS lookups,
    -- The candidates as one array, so their key lookup runs once (a CTE
    -- named twice below would be evaluated twice, reading the key ranges
    -- twice): (media_id, votes, audio_hits, frame_times, extractor_hits)
    -- per candidate.
    -- What the lookup and vote cost (processor time of the engine, median
    -- of 15 interleaved runs, a 1280x720 picture query: 406 keys, the
    -- statement with its rerank; benchmarks/README.md, "Search statement
    -- by stage"): in a tenant of 120 pictures (154,560 key rows) 65 ms,
    -- the lookup and vote 27 ms of it; in a tenant of 10 million key rows
    -- 89 ms (140 before fp_keys's 4 KB compression blocks and short
    -- primary key: sql/clickhouse/schema.sql), the lookup and vote 47 ms.
    -- The lookup costs about 7 ms plus 65 us a key there (1 key 7 ms, 100
    -- keys 16 ms, 406 keys 34 ms): a granule read and its blocks
    -- decompressed per key, and the primary key's analysis of the key
    -- set (17 ms of EXPLAIN for 406 keys against 79,333 marks, 7 ms at
    -- 1,207). The aggregates beside the vote (the hit lists, the plug-in
    -- hits) cost 2-3 ms over a bare count(), and the three filters of
    -- HAVING as one UNION ALL set, or the keys read straight from q
    -- without `lookups`, were level within the noise: fewer keys a query
    -- is what would cut it further.
    (
        SELECT groupArray((media_id, votes, audio_hits, frame_times, extractor_hits))
        FROM
        (
            -- candidate lookup: begin (tests EXPLAIN this part on its own)
            -- A hit is a distinct (band, key, time) of a media item; it
            -- weighs 1 / (the tenant's media holding that key), so a key
            -- that a tenant's flat drawings, textures or silences share
            -- counts little and a key one item holds counts 1. Candidates
            -- are the 100 items of the most weight; `votes` stays the
            -- number of hits (the answer's column, and the tie-break of
            -- equal scores). Measured on the full evaluation's 1,013
            -- references (udf/media/examples/candidate_keys.rs): copies
            -- whose reference was no candidate though it verified 28 -> 25
            -- of 338 (a colour wheel's re-encoded copies, whose global hash
            -- shares 6 bands with it, were outvoted by drawings sharing
            -- a noisy patch's keys); udf/README.md, "Which keypoints a
            -- query looks up".
            SELECT
                hit.1 AS media_id,
                count() AS votes,
                sum(rarity) AS weight,
                groupUniqArrayIf((key, hit.2), band = 128) AS audio_hits,
                groupUniqArrayIf(hit.2, band < 128) AS frame_times,
                -- plug-in extractors' bands lie above ours (129-255)
                uniqExactIf(band, key, band > 128) AS extractor_hits
            FROM
            (
                SELECT band, key, hits, 1 / length(arrayDistinct(hits.1)) AS rarity
                FROM
                (
                    SELECT band, key, groupUniqArray((media_id, time_ms)) AS hits
                    FROM clickprint.fp_keys
                    WHERE tenant_id = {tenant:UInt32}
                        AND (band, key) IN (SELECT arrayJoin(lookups))
                    GROUP BY band, key
                )
            )
            ARRAY JOIN hits AS hit
            GROUP BY media_id
            -- Deleted media, items the tenant excluded from every search,
            -- and items a reviewer marked as a false positive for this
            -- query's content (its SHA-256; none for a bare 'fp:' query)
            -- are no candidates (sql/README.md, "The review loop").
            HAVING media_id NOT IN (
                    SELECT media_id FROM clickprint.media_deleted WHERE tenant_id = {tenant:UInt32})
                AND media_id NOT IN (
                    SELECT media_id FROM clickprint.media_excluded FINAL
                    WHERE tenant_id = {tenant:UInt32} AND revoked = 0)
                AND media_id NOT IN (
                    SELECT media_id FROM clickprint.match_decisions FINAL
                    WHERE tenant_id = {tenant:UInt32} AND query_sha256 = q.sha256
                        AND decision = 'false_positive' AND revoked = 0)
            ORDER BY weight DESC, media_id
            LIMIT 100
            -- candidate lookup: end
        )
    ) AS candidates,
    -- The candidates' records at their hit times as one array, read once:
    -- the rare-inlier table and the rerank both take them (a CTE named
    -- twice would be read twice). (media_id, reference) per candidate.
    (
        SELECT groupArray((media_id, reference))
        FROM
        (
            SELECT media_id, arrayStringConcat(groupArray(record)) AS reference
            FROM
            (
                SELECT DISTINCT media_id, time_ms, item, record
                FROM clickprint.fp_media
                WHERE tenant_id = {tenant:UInt32}
                    AND (media_id, time_ms) IN (
                        SELECT c.1, arrayJoin(c.4) FROM (SELECT arrayJoin(candidates) AS c))
            )
            GROUP BY media_id
        )
    ) AS references,
    -- A query picture's rare-inlier table among the candidates
    -- (clickprint_nearest, once a search: udf/core/src/matching/rarity.rs),
    -- appended to its fingerprint as records, so every rerank sees the
    -- candidates it competes with: a local match then counts only on 3
    -- inliers no other candidate (but the answer's near-duplicates) holds
    -- a keypoint as near to. A template's corners, which every drawing of
    -- the template holds, stop making its siblings matches. Measured on the
    -- full evaluation (udf/README.md, "Inliers another candidate could give
    -- as well"). Sound and video queries get no table (an empty list in,
    -- nothing out): the rule is measured on pictures only.
    (
        SELECT concat(q.fingerprint, clickprint_nearest(q.fingerprint,
            if(q.modality = 'image', arrayMap(r -> r.2, references), [])))
    ) AS query_records,
    reranked AS
    (
        SELECT
            c.1 AS media_id,
            c.2 AS votes,
            clickprint_rerank(query_records, r.reference, c.3) AS verdict,
            -- A plug-in's evidence: the share of the query's plug-in keys
            -- the item holds (sql/README.md, "Plug-in extractors").
            if(
                empty({extractor_keys:Array(Tuple(UInt8, UInt32))}),
                0,
                c.5 / length(arrayDistinct({extractor_keys:Array(Tuple(UInt8, UInt32))}))
            ) AS extractor_score
        FROM (SELECT arrayJoin(candidates) AS c) AS cs
        LEFT JOIN
        (
            SELECT r.1 AS media_id, r.2 AS reference FROM (SELECT arrayJoin(references) AS r)
        ) AS r ON r.media_id = c.1
    )
SELECT
    media_id,
    toFloat32(greatest(verdict.score, extractor_score)) AS score,
    verdict.query_start_ms AS query_start_ms,
    verdict.query_end_ms AS query_end_ms,
    verdict.reference_start_ms AS reference_start_ms,
    verdict.reference_end_ms AS reference_end_ms,
    if(extractor_score > verdict.score, 'extractor', verdict.evidence) AS evidence,
    verdict.speed AS speed,
    verdict.segments AS segments,
    if(extractor_score > verdict.score,
        CAST((0, 0, 0, 0), 'Tuple(x UInt32, y UInt32, width UInt32, height UInt32)'),
        verdict.query_box) AS query_box,
    votes
FROM reranked
WHERE score >= {min_score:Float32}
ORDER BY score DESC, votes DESC, media_id
LIMIT {top_k:UInt32}
