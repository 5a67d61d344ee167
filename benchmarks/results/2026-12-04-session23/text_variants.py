# text_variants.py OUT_DIR: writes sql/clickhouse/text_search.sql's stages and the variants measured
# in session 23 (README.md here) as OUT_DIR/<name>.sql. Run from the repository root.
import os, sys
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
full = open('sql/clickhouse/text_search.sql').read()
body = full[full.index('\nWITH\n'):]
def rep(old, new):
    assert old in full, old
    return full.replace(old, new)
deleted = "AND NOT has((SELECT groupArray(media_id) FROM media_deleted WHERE tenant_id = {tenant:UInt32}), media_id)"
either = """            AND (
                has(ranked.1, (media_id, start_ms, item))
                OR (empty(ranked.1) AND has(ranked.3, media_id) AND hasAllTokens(words, q.1)
                    AND ({language:String} = '' OR language = {language:String}))
            )"""
send = "groupArray((media_id, matching, cues))"
cues = "groupArrayIf((start_ms, item, if(length(q.2) = 1, '', words)), length(q.2) != 1) AS cues"
variants = {
    # stages: the query's parse alone; + pass 1; the whole statement
    'q-only': body[:body.index('    -- Pass 1')].rstrip().rstrip(',') + "\nSELECT q",
    'q-ranked': body[:body.index('-- Pass 2')] + "SELECT ranked",
    'full': full,
    # the deleted-media list left out (wrong, for the measure only), or as a set
    'full-nodel': rep(deleted, ''),
    'full-notin': rep(deleted, "AND media_id NOT IN (SELECT media_id FROM media_deleted WHERE tenant_id = {tenant:UInt32})"),
    # pass 2's two paths as one AND condition (the same answers)
    'full-and': rep(either, """            AND has(ranked.3, media_id)
            AND ({mode:String} = 'any' ? hasAnyTokens(words, q.1) : hasAllTokens(words, q.1))
            AND ({language:String} = '' OR language = {language:String})
            AND (empty(ranked.1) OR has(ranked.1, (media_id, start_ms, item)))"""),
    # a one-word query sends its cues' keys (no words), so pass 2 is a key lookup
    'full-keys': rep(cues, "groupArray((start_ms, item, if(length(q.2) = 1, '', words))) AS cues")
        .replace(send, "groupArray((media_id, matching, if(length(q.2) = 1, arraySlice(arraySort(cues), 1, 100), cues)))")
        .replace(either, "            AND has(ranked.1, (media_id, start_ms, item))"),
    # settings
    'full-threads1': full + "\nSETTINGS max_threads = 1",
    'full-threads2': full + "\nSETTINGS max_threads = 2",
    'full-postings-cache': full + "\nSETTINGS use_text_index_postings_cache = 1",
    'full-no-disjunctions': full + "\nSETTINGS use_skip_indexes_for_disjunctions = 0",
}
for name, sql in variants.items():
    open(os.path.join(out, name + '.sql'), 'w').write(sql)
print(' '.join(sorted(variants)))
