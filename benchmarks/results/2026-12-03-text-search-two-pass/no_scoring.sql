WITH
    (
        SELECT (arrayDistinct(sequence), sequence, phrases, arrayMap(i -> [sequence[i], sequence[i + 1]], range(1, length(sequence))))
        FROM
        (
            SELECT
                splitByWhitespace(replaceAll(plain, '"', ' ')) AS sequence,
                arrayFilter(p -> notEmpty(p), arrayMap(i -> splitByWhitespace(quoted[i]), arrayFilter(i -> i % 2 = 0 AND i < length(quoted), arrayEnumerate(quoted)))) AS phrases
            FROM (SELECT plain, splitByChar('"', plain) AS quoted FROM (SELECT replaceRegexpAll(lowerUTF8({text:String}), '[^\\p{L}\\p{N}\\p{M}"]+', ' ') AS plain))
        )
    ) AS q,
    q.1 AS query_words,
    (
        SELECT groupArray((media_id, score, matching, kept))
        FROM
        (
            SELECT media_id, round(max(cue_score) + 0.1 * log2(count()), 4) AS score, count() AS matching,
                groupArraySorted(100)((-cue_score, start_ms, item)) AS kept
            FROM
            (
                SELECT media_id, start_ms, item, 1.4 AS cue_score
                FROM fp_cues
                WHERE tenant_id = {tenant:UInt32}
                    AND notEmpty(q.1)
                    AND ({mode:String} = 'any' ? hasAnyTokens(words, q.1) : hasAllTokens(words, q.1))
                    AND ({language:String} = '' OR language = {language:String})
                    AND NOT has((SELECT groupArray(media_id) FROM media_deleted WHERE tenant_id = {tenant:UInt32}), media_id)
            )
            GROUP BY media_id
            ORDER BY score DESC, media_id
            LIMIT {top_k:UInt32}
        )
    ) AS ranked,
    arrayFlatten(arrayMap(r -> arrayMap(c -> (r.1, c.2, c.3), r.4), ranked)) AS kept_keys,
    arrayFlatten(arrayMap(r -> arrayMap(c -> -c.1, r.4), ranked)) AS kept_scores
SELECT
    media_id,
    any(item_score) AS score,
    any(item_matching) AS matching_cues,
    arrayMap(
        c -> CAST((c.1, c.3, c.4, c.5, c.6, c.7), 'Tuple(start_ms UInt32, end_ms UInt32, language String, text String, highlighted String, score Float64)'),
        arraySort(groupArray((start_ms, item, end_ms, language, text, highlighted, cue_score)))
    ) AS cues
FROM
(
    SELECT media_id, start_ms, item, end_ms, language, text,
        arrayStringConcat(arrayMap(t -> if(has(qw, lowerUTF8(t)), concat('«', t, '»'), t), pieces)) AS highlighted,
        round(cue_score_raw, 4) AS cue_score,
        item_score, item_matching
    FROM
    (
        SELECT media_id, start_ms, item, end_ms, language, text, pieces, query_words AS qw,
            kept_scores[indexOf(kept_keys, (media_id, start_ms, item))] AS cue_score_raw,
            ranked[indexOf(ranked.1, media_id)].2 AS item_score,
            ranked[indexOf(ranked.1, media_id)].3 AS item_matching
        FROM fp_cues
        WHERE tenant_id = {tenant:UInt32} AND has(kept_keys, (media_id, start_ms, item))
    )
)
GROUP BY media_id
ORDER BY score DESC, media_id
