# What reading a two-word query's ~1,000 matching cues costs, by column and
# layout (the service's kind of `all` query, text_latency.rs: a cue of 6
# words or more, its first and last words; 9 queries, each form's least wall
# ms over 5 runs in turn, median): through fp_cues' text index, one column
# at a time; fp_cues copies with other index granularities; settings; and
# fp_cue_words' rows used without their `words` (the cues intersected by
# key, then their words read from fp_cues by key).
#   DATA=DIR python3 reads.py     # DIR: make_table.py's tables
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ['DATA'])
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
ddl = s.query("SHOW CREATE TABLE clickprint.fp_cues", 'TSVRaw').bytes().decode()
for g in (32, 64, 1024):
    s.query(f"DROP TABLE IF EXISTS fp_cues_g{g}")
    s.query(ddl.replace('clickprint.fp_cues', f'clickprint.fp_cues_g{g}').replace('index_granularity = 256', f'index_granularity = {g}'))
    s.query(f"INSERT INTO fp_cues_g{g} SELECT * FROM fp_cues WHERE tenant_id = 5")
    s.query(f"OPTIMIZE TABLE fp_cues_g{g} FINAL")
rows = s.query("SELECT words FROM clickprint.fp_cues WHERE tenant_id = 5 AND length(splitByChar(' ', words)) >= 6 ORDER BY cityHash64(media_id, item) LIMIT 60", 'TSV').bytes().decode().split('\n')
cues = [r.split(' ') for r in rows if r]
W = "splitByChar(' ', {text:String})"
C = f"FROM fp_cues WHERE tenant_id = 5 AND hasAllTokens(words, {W})"
keys = f"SELECT media_id, start_ms, item FROM fp_cue_words WHERE tenant_id = 5 AND has({W}, word) GROUP BY media_id, start_ms, item HAVING uniqExact(word) = 2"
forms = {
    'text index: count only': f"SELECT count() {C}",
    'text index: words': f"SELECT sum(cityHash64(words)) {C}",
    'text index: text': f"SELECT sum(cityHash64(text)) {C}",
    'text index: pieces': f"SELECT sum(cityHash64(pieces)) {C}",
    'text index: key columns': f"SELECT sum(media_id + start_ms + item) {C}",
}
for g in (32, 64, 1024):
    forms[f'granularity {g}: words'] = f"SELECT sum(cityHash64(words)) FROM fp_cues_g{g} WHERE tenant_id = 5 AND hasAllTokens(words, {W})"
for x in ["max_threads = 1", "use_skip_indexes_on_data_read = 0", "optimize_move_to_prewhere = 0",
          "query_plan_direct_read_from_text_index = 0", "merge_tree_min_rows_for_concurrent_read = 100000000",
          "local_filesystem_read_method = 'mmap'"]:
    forms[f'words, {x}'] = f"SELECT sum(cityHash64(words)) {C} SETTINGS {x}"
forms['cue words: the cues intersected by key'] = f"SELECT count() FROM ({keys})"
forms['cue words: then their words from fp_cues'] = f"SELECT count(), sum(cityHash64(words)) FROM fp_cues WHERE tenant_id = 5 AND (media_id, start_ms, item) IN ({keys})"
res = {k: [] for k in forms}
for c in cues[:9]:
    p = {'text': c[0] + ' ' + c[-1]}
    best = {}
    for _ in range(5):
        for k, f in forms.items():
            t0 = time.perf_counter(); s.query(f, 'Null', params=p); d = (time.perf_counter() - t0) * 1000
            best[k] = min(best.get(k, 1e9), d)
    for k in forms: res[k].append(best[k])
for k, v in res.items(): print(f'{k:62s} {statistics.median(v):5.1f}')
for g in (32, 64, 1024): s.query(f"DROP TABLE fp_cues_g{g}")
