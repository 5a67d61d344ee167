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
-- words and what lies between, at ingest) that are query words. The cue filter is hasAllTokens / hasAnyTokens on `words`, so
-- the text index (sql/clickhouse/schema.sql) picks the granules that hold
-- the words, and only their rows are read; the tenant is the sort key's
-- first column.
--
-- Score of a cue (documented in sql/README.md, "Dialogue"), over the
-- cues that match (n of them):
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
-- An item's score is its best cue's plus 0.1 x log2(its matching cues): it
-- ranks by its best line first, and says it more often second. Ties go to
-- the lower media id.
-- Each answered item carries its 100 best-scored matching cues (ties to
-- the earlier), by time: range, language, text, score, and the text
-- `highlighted`, each query word wrapped in « and ».
-- Deleted media (tombstones in media_deleted) are left out.
WITH
    lowerUTF8({text:String}) AS query_text,
    -- The query's words and quotes, everything else a space: one pass of
    -- the Unicode classes (a regular expression over them takes
    -- milliseconds to compile; the rest splits by plain characters).
    replaceRegexpAll(query_text, '[^\\p{L}\\p{N}\\p{M}"]+', ' ') AS query_plain,
    splitByWhitespace(replaceAll(query_plain, '"', ' ')) AS query_sequence,
    arrayDistinct(query_sequence) AS query_words,
    -- between the 1st and 2nd quote, the 3rd and 4th, ...: the phrases
    splitByChar('"', query_plain) AS quoted,
    arrayFilter(
        p -> notEmpty(p),
        arrayMap(
            i -> splitByWhitespace(quoted[i]),
            arrayFilter(i -> i % 2 = 0 AND i < length(quoted), arrayEnumerate(quoted))
        )
    ) AS phrases,
    arrayMap(i -> [query_sequence[i], query_sequence[i + 1]], range(1, length(query_sequence))) AS query_pairs,
    {mode:String} = 'any' AS any_words,
    -- a token sequence as it stands in ' ' || words || ' '
    (s -> concat(' ', arrayStringConcat(s, ' '), ' ')) AS spaced,
    cues AS
    (
        SELECT
            media_id,
            start_ms,
            end_ms,
            language,
            text,
            pieces,
            splitByChar(' ', words) AS tokens,
            concat(' ', words, ' ') AS spaced_words,
            arrayMap(w -> has(tokens, w), query_words) AS holds,
            arrayCount(holds) AS matched,
            arrayFilter(p -> p > 0, arrayMap(w -> indexOf(tokens, w), query_words)) AS firsts,
            arrayCount(p -> position(spaced_words, spaced(p)) > 0, phrases) AS phrases_found,
            if(matched <= 1, 1, matched / (arrayMax(firsts) - arrayMin(firsts) + 1)) AS proximity,
            -- per query position, where its word stands in the cue minus
            -- where it stands in the query
            arrayMap(
                i -> arrayMap(p -> toInt32(p) - i, arrayFilter(p -> tokens[p] = query_sequence[i], arrayEnumerate(tokens))),
                arrayEnumerate(query_sequence)
            ) AS offsets,
            arrayMax(
                arrayMap(o -> arrayCount(os -> has(os, o), offsets), arrayPushBack(arrayDistinct(arrayFlatten(offsets)), 0))
            ) / length(query_sequence) AS order_share,
            if(
                empty(query_pairs),
                0,
                arrayCount(p -> position(spaced_words, spaced(p)) > 0, query_pairs) / length(query_pairs)
            ) AS pairs_share,
            if(
                empty(phrases),
                length(query_sequence) > 1 AND position(spaced_words, spaced(query_sequence)) > 0,
                phrases_found / length(phrases)
            ) AS whole
        FROM fp_cues
        WHERE tenant_id = {tenant:UInt32}
            AND notEmpty(query_words)
            AND (any_words ? hasAnyTokens(words, query_words) : hasAllTokens(words, query_words))
            AND ({language:String} = '' OR language = {language:String})
            AND media_id NOT IN (SELECT media_id FROM media_deleted WHERE tenant_id = {tenant:UInt32})
            AND (any_words OR phrases_found = length(phrases))
    ),
    scored AS
    (
        SELECT
            *,
            -- the matching cues holding each query word, and their number
            sumForEach(arrayMap(h -> toUInt64(h), holds)) OVER () AS holding,
            count() OVER () AS n,
            arrayMap(h -> log(1 + n / greatest(h, 1)), holding) AS idf,
            arraySum(arrayMap((h, w) -> h * w, holds, idf)) / arraySum(idf) AS cover,
            if(whole > 0, whole, 0.8 * greatest(order_share, pairs_share)) AS phrase,
            cover * (0.7 + 0.3 * proximity) + 0.5 * phrase AS cue_score
        FROM cues
    )
SELECT
    media_id,
    round(max(cue_score) + 0.1 * log2(count()), 4) AS score,
    count() AS matching_cues,
    -- the 100 best cues (ties to the earlier), then by time, highlighted
    arrayMap(
        c -> CAST(
            (
                c.2,
                c.3,
                c.4,
                c.5,
                arrayStringConcat(arrayMap(t -> if(has(query_words, lowerUTF8(t)), concat('«', t, '»'), t), c.6)),
                round(-c.1, 4)
            ),
            'Tuple(start_ms UInt32, end_ms UInt32, language String, text String, highlighted String, score Float64)'
        ),
        arraySort(c -> c.2, groupArraySorted(100)((-cue_score, start_ms, end_ms, language, text, pieces)))
    ) AS cues
FROM scored
GROUP BY media_id
ORDER BY score DESC, media_id
LIMIT {top_k:UInt32}
