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
-- Score of a cue (documented in sql/README.md, "Dialogue"):
--   tf        = sum over the query's words of log2(1 + occurrences in the
--               cue), / number of query words (1 when each occurs once;
--               lower when some are missing, in `any` mode)
--   proximity = matched words / span of their first occurrences in the
--               cue (1 when they stand together, in any order)
--   phrase    = phrases found / phrases asked; with no quotes, 1 when the
--               whole query stands in the cue as written (word for word,
--               in order), else 0
--   score     = tf x (0.7 + 0.3 x proximity) + 0.5 x phrase
-- An item's score is its best cue's plus 0.1 x log2(its matching cues): it
-- ranks by its best line first, and says it more often second. Ties go to
-- the lower media id.
-- Each answered item carries every matching cue (up to 100, by time):
-- its range, language, text, score, and the text `highlighted`, each
-- query word wrapped in « and ».
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
            arrayMap(w -> countEqual(tokens, w), query_words) AS counts,
            arrayCount(c -> c > 0, counts) AS matched,
            arrayFilter(p -> p > 0, arrayMap(w -> indexOf(tokens, w), query_words)) AS firsts,
            arrayCount(p -> position(spaced_words, spaced(p)) > 0, phrases) AS phrases_found,
            arraySum(arrayMap(c -> log2(1 + c), counts)) / length(query_words) AS tf,
            if(matched <= 1, 1, matched / (arrayMax(firsts) - arrayMin(firsts) + 1)) AS proximity,
            if(
                empty(phrases),
                length(query_sequence) > 1 AND position(spaced_words, spaced(query_sequence)) > 0,
                phrases_found / length(phrases)
            ) AS phrase,
            tf * (0.7 + 0.3 * proximity) + 0.5 * phrase AS cue_score
        FROM fp_cues
        WHERE tenant_id = {tenant:UInt32}
            AND notEmpty(query_words)
            AND (any_words ? hasAnyTokens(words, query_words) : hasAllTokens(words, query_words))
            AND ({language:String} = '' OR language = {language:String})
            AND media_id NOT IN (SELECT media_id FROM media_deleted WHERE tenant_id = {tenant:UInt32})
            AND (any_words OR phrases_found = length(phrases))
    )
SELECT
    media_id,
    round(max(cue_score) + 0.1 * log2(count()), 4) AS score,
    count() AS matching_cues,
    arraySort(
        c -> c.start_ms,
        groupArray(100)(
            CAST(
                (
                    start_ms,
                    end_ms,
                    language,
                    text,
                    arrayStringConcat(
                        arrayMap(
                            t -> if(has(query_words, lowerUTF8(t)), concat('«', t, '»'), t),
                            pieces
                        )
                    ),
                    round(cue_score, 4)
                ),
                'Tuple(start_ms UInt32, end_ms UInt32, language String, text String, highlighted String, score Float64)'
            )
        )
    ) AS cues
FROM cues
GROUP BY media_id
ORDER BY score DESC, media_id
LIMIT {top_k:UInt32}
