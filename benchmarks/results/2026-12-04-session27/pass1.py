# Pass 1's read of a two-word query's matching cues (key and words, grouped by
# item: what it sends to clickprint_text_rank), through fp_cues' text index
# (before) and from fp_cue_words' rows (after: `all` reads one query word's
# rows, the first, the rarest as given, or the rarest counted in the
# statement; `any` keeps each cue in the row of the first query word it
# holds). The service's kinds of query (text_latency.rs), 9 each; each
# form's least wall ms over 5 runs in turn, median; the rows (sorted)
# asserted equal for every form.
#   DATA=DIR python3 pass1.py     # DIR: make_table.py's tables, fp_cue_words with `words`
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ['DATA'])
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
rows = s.query("SELECT words FROM clickprint.fp_cues WHERE tenant_id = 5 AND length(splitByChar(' ', words)) >= 6 ORDER BY cityHash64(media_id, item) LIMIT 60", 'TSV').bytes().decode().split('\n')
cues = [r.split(' ') for r in rows if r]
rank = lambda w: int(w[1:])
W = "splitByChar(' ', {text:String})"
forms = {
 'text index all': f"SELECT media_id, count(), arraySort(groupArray((start_ms, item, words))) FROM fp_cues WHERE tenant_id = 5 AND hasAllTokens(words, {W}) GROUP BY media_id",
 'cue words first word': f"SELECT media_id, count(), arraySort(groupArray((start_ms, item, words))) FROM fp_cue_words WHERE tenant_id = 5 AND word = {W}[1] AND hasAllTokens(words, {W}) GROUP BY media_id",
 'cue words rarest (given)': f"SELECT media_id, count(), arraySort(groupArray((start_ms, item, words))) FROM fp_cue_words WHERE tenant_id = 5 AND word = {{rare:String}} AND hasAllTokens(words, {W}) GROUP BY media_id",
 'cue words rarest (counted)': f"SELECT media_id, count(), arraySort(groupArray((start_ms, item, words))) FROM fp_cue_words WHERE tenant_id = 5 AND word = (SELECT argMin(word, c) FROM (SELECT word, count() AS c FROM fp_cue_words WHERE tenant_id = 5 AND has({W}, word) GROUP BY word)) AND hasAllTokens(words, {W}) GROUP BY media_id",
 'word counts': f"SELECT word, count() AS c FROM fp_cue_words WHERE tenant_id = 5 AND has({W}, word) GROUP BY word",
}
forms_any = {
 'text index any': f"SELECT media_id, count(), arraySort(groupArray((start_ms, item, words))) FROM fp_cues WHERE tenant_id = 5 AND hasAnyTokens(words, {W}) GROUP BY media_id",
 'cue words any': f"SELECT media_id, count(), arraySort(groupArray((start_ms, item, words))) FROM fp_cue_words WHERE tenant_id = 5 AND has({W}, word) AND NOT hasAny(splitByChar(' ', words), arraySlice({W}, 1, indexOf({W}, word) - 1)) GROUP BY media_id",
}
def run(forms, qs):
    res = {k: [] for k in forms}
    for p in qs:
        best = {}; outs = {}
        for _ in range(5):
            for k, f in forms.items():
                t0 = time.perf_counter(); r = s.query(f, 'TSV', params=p); d = (time.perf_counter() - t0) * 1000
                if k != 'word counts': outs[k] = sorted(r.bytes().decode().split('\n'))
                best[k] = min(best.get(k, 1e9), d)
        vals = list(outs.values())
        assert all(v == vals[0] for v in vals) or print('DIFF', p, {k: len(v) for k, v in outs.items()})
        for k in forms: res[k].append(best[k])
    for k, v in res.items(): print(f'{k:28s} {statistics.median(v):5.1f}')
def rarest(a, b):
    c = dict(s.query(f"SELECT word, count() FROM fp_cue_words WHERE tenant_id = 5 AND word IN ('{a}', '{b}') GROUP BY word", 'TSV').bytes().decode().split('\n')[i].split('\t') for i in range(2))
    return min(c, key=lambda w: int(c[w]))
run(forms, [{'text': c[0] + ' ' + c[-1], 'rare': rarest(c[0], c[-1])} for c in cues[:9]])
run(forms_any, [{'text': max(c, key=rank) + f" w{900 + i * 13}"} for i, c in enumerate(cues[:9])])
