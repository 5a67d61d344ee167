# Where a text search's wall time goes, stage by stage, for each kind of query
# (the service's kinds, and a word no cue holds, alone and with another):
# each form's least wall ms over R runs taken in turn, median over N queries.
#   DATA=DIR UDF_DIR=target/release python3 stages.py N R [SQL]
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
UDF = os.environ.get('UDF_DIR', os.path.join(ROOT, 'target/release'))
CONFIG = os.path.join(ROOT, 'clickhouse-config', '*_function.xml')
s = session.Session(os.environ['DATA'] + f'?user_scripts_path={UDF}&user_defined_executable_functions_config={CONFIG}')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
N, R = int(sys.argv[1]), int(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, 'sql/clickhouse/text_search.sql')
stmt = 'WITH\n' + open(path).read().split('\nWITH\n', 1)[1]
stmt = stmt.rstrip().rstrip(';')
i1 = stmt.index('    -- Deleted media')
i2 = stmt.index('    -- Pass 1:')
i3 = stmt.index('-- Pass 2:')
forms = {
    'SELECT 1': "SELECT 1",
    'q': stmt[:i1].rstrip().rstrip(',') + "\nSELECT length(q.1)",
    'q, deleted': stmt[:i2].rstrip().rstrip(',') + "\nSELECT length(q.1), length(deleted)",
    'pass 1': stmt[:i3].rstrip() + "\nSELECT length(ranked.1)",
    'whole': stmt,
}
rows = s.query("SELECT words FROM clickprint.fp_cues WHERE tenant_id = 5 AND length(splitByChar(' ', words)) >= 6 "
               "ORDER BY cityHash64(media_id, item) LIMIT 60", 'TSV').bytes().decode().split('\n')
cues = [r.split(' ') for r in rows if r]
rank = lambda w: int(w[1:])
kinds = {
  'none': [(f'zzzz{i}', 'all') for i in range(N)], 'none2': [(f'zzzz{i} yyyy{i}', 'all') for i in range(N)],
  'rare': [(max(c, key=rank), 'all') for c in cues[:N]],
  'common': [(f"w{2 + i % 11}", 'all') for i in range(N)],
  'all2': [(c[0] + ' ' + c[-1], 'all') for c in cues[:N]],
  'any2': [(max(c, key=rank) + f" w{900 + i * 13}", 'any') for i, c in enumerate(cues[:N])],
}
only = os.environ.get('KINDS')
for kind, qs in kinds.items():
    if only and kind not in only.split(','): continue
    res = {k: [] for k in forms}
    for text, mode in qs:
        p = {'tenant': '5', 'text': text, 'mode': mode, 'language': '', 'top_k': '10'}
        best = {}
        for _ in range(R):
            for k, f in forms.items():
                t = time.perf_counter(); s.query(f, 'Null', params=p); d = (time.perf_counter() - t) * 1000
                best[k] = min(best.get(k, 1e9), d)
        for k in forms: res[k].append(best[k])
    print(kind.ljust(7), '  '.join(f'{k}: {statistics.median(v):5.1f}' for k, v in res.items()), flush=True)
