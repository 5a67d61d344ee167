# Pass 1 with nothing to read (a word no cue holds, alone and with another),
# cut: the parse and deleted list; pass 1 without the UDF; with it; its read
# alone as a query; the whole statement. Least wall ms of 5 runs, median of 9.
#   DATA=DIR python3 pass1_stages.py
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
UDF = os.path.join(ROOT, 'target/release'); CONFIG = os.path.join(ROOT, 'clickhouse-config', '*_function.xml')
s = session.Session(os.environ['DATA'] + f'?user_scripts_path={UDF}&user_defined_executable_functions_config={CONFIG}')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
stmt = 'WITH\n' + open(os.path.join(ROOT, 'sql/clickhouse/text_search.sql')).read().split('\nWITH\n', 1)[1]
i2 = stmt.index('    -- Pass 1:'); i3 = stmt.index('-- Pass 2:')
head = stmt[:i3].rstrip()
udf = "        SELECT clickprint_text_rank({mode:String}, {top_k:UInt32}, q.2, q.3, groupArray((media_id, matching, cues)))"
assert udf in head
forms = {
  'q, deleted': stmt[:i2].rstrip().rstrip(',') + "\nSELECT length(q.1), length(deleted)",
  'pass 1 no udf': head.replace(udf, "        SELECT groupArray((media_id, matching, cues))") + "\nSELECT length(ranked)",
  'pass 1': head + "\nSELECT length(ranked.1)",
  'pass 1 inner as query': None,
  'whole': stmt,
}
# the inner read as its own query with constants
inner = head[head.index("            SELECT\n                media_id,"):head.index("            GROUP BY media_id")] + "            GROUP BY media_id"
forms['pass 1 inner as query'] = stmt[:i2].rstrip().rstrip(',') + "\nSELECT count() FROM (\n" + inner + "\n)"
for kind, qs in {'none': [(f'zzzz{i}', 'all') for i in range(9)], 'none2': [(f'zzzz{i} yyyy{i}', 'all') for i in range(9)]}.items():
    res = {k: [] for k in forms}
    for text, mode in qs:
        p = {'tenant': '5', 'text': text, 'mode': mode, 'language': '', 'top_k': '10'}
        best = {}
        for _ in range(5):
            for k, f in forms.items():
                t = time.perf_counter(); s.query(f, 'Null', params=p); d = (time.perf_counter() - t) * 1000
                best[k] = min(best.get(k, 1e9), d)
        for k in forms: res[k].append(best[k])
    print(kind.ljust(7), '  '.join(f'{k}: {statistics.median(v):5.1f}' for k, v in res.items()), flush=True)
