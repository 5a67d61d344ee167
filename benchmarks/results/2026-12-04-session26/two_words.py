# Where a two-word `all` query's time goes, on text_latency's kind of
# query (a cue of 6 words or more, its first and last words: about 1,000
# matching cues at the median in 1M): each form's least wall ms over 5
# runs taken in turn, median over 12 queries. The statement is
# sql/clickhouse/text_search.sql; the forms cut it at each stage.
#   DATA=DIR UDF_DIR=target/release python3 two_words.py
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
UDF = os.environ.get('UDF_DIR', os.path.join(ROOT, 'target/release'))
CONFIG = os.path.join(ROOT, 'clickhouse-config', '*_function.xml')
s = session.Session(os.environ['DATA'] + f'?user_scripts_path={UDF}&user_defined_executable_functions_config={CONFIG}')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
stmt = 'WITH\n' + open(os.path.join(ROOT, 'sql/clickhouse/text_search.sql')).read().split('\nWITH\n', 1)[1]
head = stmt[:stmt.index('-- Pass 2:')].rstrip()
inner = head.index("        SELECT clickprint_text_rank(")
inner_from = head.index("FROM\n", inner)
cue_filter = "tenant_id = {tenant:UInt32} AND hasAllTokens(words, splitByChar(' ', {text:String}))"
forms = {
    'SELECT 1': "SELECT 1",
    'the query parsed (q)': stmt[:stmt.index('    -- Pass 1:')].rstrip().rstrip(',') + "\nSELECT length(q.1)",
    'matching cues counted (index only)': f"SELECT count() FROM fp_cues WHERE {cue_filter}",
    'their words read': f"SELECT count(), sum(length(words)) FROM fp_cues WHERE {cue_filter}",
    'grouped by item': f"SELECT media_id, count(), groupArray((start_ms, item, words)) FROM fp_cues WHERE {cue_filter} GROUP BY media_id",
    'pass 1 without the ranking, as a scalar': head[:inner] + "        SELECT groupArray((media_id, matching, cues))\n        " + head[inner_from:] + "\nSELECT length(ranked)",
    'pass 1 (ranked)': head + "\nSELECT length(ranked.1)",
    'the whole statement': stmt,
}
rows = s.query("SELECT words FROM clickprint.fp_cues WHERE tenant_id = 5 AND length(splitByChar(' ', words)) >= 6 "
               "ORDER BY cityHash64(media_id, item) LIMIT 12", 'TSV').bytes().decode().split('\n')
cues = [r.split(' ') for r in rows if r]
res = {k: [] for k in forms}
matching = []
for c in cues:
    p = {'tenant': '5', 'text': f"{c[0]} {c[-1]}", 'mode': 'all', 'language': '', 'top_k': '10'}
    matching.append(int(s.query(forms['matching cues counted (index only)'], 'TSV', params=p).bytes()))
    best = {}
    for _ in range(5):
        for k, f in forms.items():
            t = time.perf_counter(); s.query(f, 'Null', params=p); d = (time.perf_counter() - t) * 1000
            best[k] = min(best.get(k, 1e9), d)
    for k in forms: res[k].append(best[k])
print('matching cues per query:', sorted(matching))
for k, v in res.items():
    print(f'{k:42s} {statistics.median(v):6.1f}')
