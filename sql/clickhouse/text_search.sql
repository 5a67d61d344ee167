-- Text search over dialogue: which of a tenant's items say these words,
-- and where. Parameters: {tenant:UInt32}; {text:String}, the query (words;
-- "double-quoted phrases" inside it must occur as written); {mode:String},
-- `all` (every word in one cue: the default) or `any` (at least one);
-- {language:String}, a subtitle language tag (`eng`) or '' for any;
-- {top_k:UInt32}, items answered at most.
-- Tables unqualified: it runs in the database `clickprint` for the
-- service and an operator, and in a tenant's database of views for its
-- analysts (sql/README.md, "Dialogue"), the same statement.
--
-- Words are what fp_cues.words holds: lower case, runs of letters, digits
-- and marks; the highlight wraps the cue's `pieces` (its text cut into
-- words and what lies between, at ingest) that are query words.
--
-- Two passes, so that a common word does not pay for every match's text:
--   Pass 1, `ranked`, reads the matching cues from fp_cue_words (a row per
--   cue and distinct word, with the cue's `words`, sorted by tenant, word
--   and item: schema.sql), where the rows of one word lie together, and
--   sends every matching cue's key and `words`, in one row, item by item,
--   to clickprint_text_rank (a warm pool of `clickprint-udf text_rank`,
--   installed with the other UDFs), which scores them and keeps the top_k
--   items, each with its 100 best cues as (media, start, item) keys and
--   scores; it is a scalar subquery, run once before the rest. Pass 2, the
--   outer SELECT, then reads `text` and `pieces` of those cues only from
--   fp_cues, through the sort key (`has(keys, (media_id, start_ms,
--   item))` is a primary-key condition), and highlights them.
--   Which rows pass 1 reads, each matching cue once:
--   - every word (`all`): the rows of one query word, the lead (`q.4`: the
--     longest, the first of equal length), whose cue's `words` hold every
--     other query word (hasAllTokens, a row check: fp_cue_words has no
--     text index). A longer word is mostly a rarer one; the lead's rows
--     are all read, so a common lead costs its rows: at 1M made-up cues,
--     a word in 25-39% of them leading a word in 140-224 took 55-66 ms,
--     the rare one leading 22-27 (the text index: 26-29; benchmarks/results/
--     2026-12-04-session27). Counting the words' rows to lead with the
--     rarest cost 2-4 ms more on every query (6 on two words `all`).
--   - `any` word: the rows of each query word, each cue in the row of the
--     first query word (in `q.1`'s order) that its `words` hold.
--   Read so, the matching cues of two words (about 1,000 in 1M) cost 6-9
--   ms where fp_cues' text index, which finds them in a granule each and
--   checks each granule's rows, cost 20; the answers are the same, byte
--   for byte (66 queries).
--   A query of one word (one word in `q.2`, quoted or not) sends no cues:
--   every cue holding the word scores the same, so the items rank by
--   their numbers of matching cues alone, which pass 1 counts, item by
--   item, without reading `words`; the function answers no keys and the
--   one cue score; pass 2 then reads the kept items' cues holding the
--   word (through fp_cues' text index), and each item keeps its 100
--   earliest (the 100 best: equal scores go to the earlier). The answers
--   are the same as when the cues were sent, byte for byte (66 queries);
--   a word in 12% of 1M cues took 102 ms of processor time instead of 503
--   (benchmarks/results/2026-12-03-text-search-one-word), and counted in
--   fp_cue_words instead of through the text index 42 -> 25 ms of
--   processor time, the whole statement (benchmarks/results/
--   2026-12-04-session26).
--   Rows written before fp_cue_words had `words` hold '' until the
--   schema's fill writes them again and deletes them (on a single
--   machine at the first start after the upgrade, before the service
--   answers; on a cluster when the operator runs its schema, while the
--   nodes may answer): a query of several words passes such rows by.
-- Measured on a tenant of 1M made-up cues (benchmarks/README.md, "Text
-- search latency"): two passes took a word in 12% of the cues from 1.43 s
-- of processor time to 0.42 s; the score in Rust instead of about twenty
-- SQL lambdas (whose planning was most of a search's fixed cost) took a
-- word no cue holds from 52 ms to 23, a rare word from 74 to 38, a quoted
-- phrase from 64 to 30 (medians of 11 queries, the UDF's processor time
-- included), with the answers the same, byte for byte.
-- How it is written for the analyzer (each measured, chDB 26.9): the query
-- is parsed once, in the scalar `q`, without lambdas. A regular
-- expression over Unicode classes costs about 3 ms to compile, and an
-- alias of a scalar is expanded, and resolved again, in every scope that
-- uses it; the query text reaches the expression as a column of a
-- subquery (`FROM (SELECT {text:String} AS text)`) rather than as a
-- constant, so resolving a copy does not fold it (and compile the
-- expression) again, and the scalar's value is computed once (1.3-3.1 ms
-- less wall time for every kind of query, measured in
-- benchmarks/results/2026-12-04-session26). A lambda
-- never captures a value of `q` or `ranked` (each capture of a scalar's
-- value cost about 3 ms of planning): they reach the highlight's lambda as
-- columns of the subquery below (qw). Pass 1 is one SELECT for every
-- kind of query (a UNION of a half for one word and a half for several
-- cost 2 ms to plan), and pass 2 one level over its read.
--
-- Score of a cue (clickprint_text_rank; documented in sql/README.md,
-- "Dialogue", and in clickprint-core's matching::text), over the cues that
-- match (n of them):
--   idf       = ln(1 + n / matching cues holding the word, at least 1),
--               per query word (in `any` mode the matching cues are every
--               cue holding one of the words, so this is the word's rarity
--               in the tenant; in `all` mode every word has the same)
--   cover     = idf of the query words the cue holds / idf of them all
--               (a word's repeats count once)
--   proximity = matched words / span of their first occurrences in the
--               cue (1 when they stand together, in any order)
--   phrase    = phrases found / phrases asked; with no quotes, 1 when the
--               whole query stands in the cue as written (word for word,
--               in order); otherwise 0.8 x the larger of `order` (the
--               share of the query's words standing at one offset from
--               their place in the query: the query's order, gaps
--               allowed) and `pairs` (the share of its adjacent word
--               pairs standing in the cue)
--   score     = cover x (0.7 + 0.3 x proximity) + 0.5 x phrase
-- In `all` mode a cue lacking a quoted phrase does not match.
-- An item's score is its best cue's plus 0.1 x log2(its matching cues),
-- rounded to 4 decimals: it ranks by its best line first, and says it
-- more often second. Ties go to the lower media id.
-- Each answered item carries its 100 best-scored matching cues (ties to
-- the earlier), by time: range, language, text, score, and the text
-- `highlighted`, each query word wrapped in « and ».
-- Deleted media (tombstones in media_deleted) are left out.
WITH
    -- The query's words and quotes, everything else a space, then cut
    -- into: the distinct words, the words in order, the quoted phrases
    -- as written (between the 1st and 2nd quote, the 3rd and 4th, ...)
    -- and the lead word (pass 1: the longest, the first of equal length).
    (
        SELECT (arrayDistinct(sequence), sequence, extractAll(plain, '"([^"]*)"'), sequence[indexOf(lengths, arrayMax(lengths))])
        FROM
        (
            SELECT plain, splitByWhitespace(replaceAll(plain, '"', ' ')) AS sequence, arrayMap(w -> lengthUTF8(w), sequence) AS lengths
            FROM (SELECT replaceRegexpAll(lowerUTF8(text), '[^\\p{L}\\p{N}\\p{M}"]+', ' ') AS plain FROM (SELECT {text:String} AS text))
        )
    ) AS q,
    -- Deleted media (tombstones), which pass 1 does not count.
    (SELECT groupArray(media_id) FROM media_deleted WHERE tenant_id = {tenant:UInt32}) AS deleted,
    -- Pass 1: the top_k items and their 100 best cues, as
    -- (keys, cue scores, media ids, item scores, matching cues), scored
    -- by clickprint_text_rank from the matching cues' words, sent in one
    -- row, item by item. A query of one word sends each item's number of
    -- cues holding it only (every such cue scores the same; the `if` is
    -- folded before the read, which then reads no `words`): the answer
    -- has no keys and the one cue score.
    (
        SELECT clickprint_text_rank({mode:String}, {top_k:UInt32}, q.2, q.3, groupArray((media_id, matching, cues)))
        FROM
        (
            SELECT
                media_id,
                count() AS matching,
                if(length(q.2) = 1, CAST([], 'Array(Tuple(UInt32, UInt32, String))'), groupArray((start_ms, item, words))) AS cues
            FROM fp_cue_words
            WHERE tenant_id = {tenant:UInt32}
                AND (
                    -- One word, or every word: the lead's rows, whose cue
                    -- holds the others.
                    (length(q.2) = 1 OR {mode:String} != 'any') AND word = q.4
                        AND (length(q.2) = 1 OR hasAllTokens(words, q.1))
                    -- Any word of several: each cue in the row of the
                    -- first query word it holds.
                    OR length(q.2) > 1 AND {mode:String} = 'any' AND has(q.1, word) AND words != ''
                        AND NOT hasAny(splitByNonAlpha(words), arraySlice(q.1, 1, indexOf(q.1, word) - 1))
                )
                AND ({language:String} = '' OR language = {language:String})
                AND NOT has(deleted, media_id)
            GROUP BY media_id
        )
    ) AS ranked
-- Pass 2: the kept cues' text, highlighted, under their items, by time
-- (for one word: every cue of a kept item holding it, and the item keeps
-- its first 100).
SELECT
    media_id,
    any(item_score) AS score,
    any(item_matching) AS matching_cues,
    arraySlice(arraySort(groupArray((
        start_ms,
        item,
        CAST(
            (
                start_ms,
                end_ms,
                language,
                text,
                arrayStringConcat(arrayMap(t -> if(has(qw, lowerUTF8(t)), concat('«', t, '»'), t), pieces)),
                round(cue_score_raw, 4)
            ),
            'Tuple(start_ms UInt32, end_ms UInt32, language String, text String, highlighted String, score Float64)'
        )
    ))), 1, 100).3 AS cues
FROM
(
    SELECT
        media_id,
        start_ms,
        item,
        end_ms,
        language,
        text,
        pieces,
        q.1 AS qw,
        if(empty(ranked.1), ranked.2[1], ranked.2[indexOf(ranked.1, (media_id, start_ms, item))]) AS cue_score_raw,
        ranked.4[indexOf(ranked.3, media_id)] AS item_score,
        ranked.5[indexOf(ranked.3, media_id)] AS item_matching
    FROM fp_cues
    WHERE tenant_id = {tenant:UInt32}
        AND (
            has(ranked.1, (media_id, start_ms, item))
            OR (empty(ranked.1) AND has(ranked.3, media_id) AND hasAllTokens(words, q.1)
                AND ({language:String} = '' OR language = {language:String}))
        )
)
GROUP BY media_id
ORDER BY score DESC, media_id
