# compare.py N ROUNDS A.sql B.sql ...: per kind of query, the median over N queries of each statement's least processor time (ms) over ROUNDS runs taken in turn (A B A B), and a digest of each statement's answers.
# Processor time is this process's (every chDB thread; CLOCK=wall: wall time instead) plus, with CHILDREN=1, the UDF pool's processes (measured by their /proc stat, as they are never waited for).
# The UDFs are $UDF_DIR's (default target/debug), their definitions $CONFIG's (default clickhouse-config/*_function.xml).
# SERVICE=1 (session 27): the queries of benchmarks/text_search.sh instead (text_latency.rs: from cues of 6 words or more, a rare word, a common word, 3 quoted words, the first and last words `all`, the rarest word and one of rank 900+ `any`). KINDS=a,b: those kinds only.
import os, sys, time, resource, hashlib
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
UDF = os.environ.get('UDF_DIR', os.path.join(ROOT, 'target/debug'))
CONFIG = os.environ.get('CONFIG', os.path.join(ROOT, 'clickhouse-config', '*_function.xml'))
s = session.Session(os.environ.get('DATA', '/tmp/text-search-1m') + f'?user_scripts_path={UDF}&user_defined_executable_functions_config={CONFIG}')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
N, R = int(sys.argv[1]), int(sys.argv[2]); files = sys.argv[3:]
kinds = ['none', 'rare','common','quoted','all2','any2']
sqls = [open(f).read().rstrip().rstrip(';') for f in files]
SERVICE = os.environ.get('SERVICE') == '1'
sample = ("length(splitByChar(' ', words)) >= 6 ORDER BY cityHash64(media_id, item)" if SERVICE
          else "cityHash64(media_id, start_ms) % 5000 = 7 ORDER BY media_id, start_ms")
out = s.query(f"SELECT words FROM clickprint.fp_cues WHERE tenant_id = 5 AND {sample} LIMIT 60", 'TabSeparated').bytes().decode().strip().split('\n')
cues = [l.split(' ') for l in out]
rank = lambda w: int(w[1:])
qs = {k: [] for k in kinds}
for i, c in enumerate(cues):
    qs['none'].append((f'zzzz{i}', 'all'))
    qs['rare'].append((max(c, key=rank), 'all'))
    qs['common'].append((f"w{2 + i % 11}", 'all'))
    j = 1 if SERVICE else i % max(1, len(c) - 2); qs['quoted'].append(('"' + ' '.join(c[j:j+3]) + '"', 'all'))
    qs['all2'].append((c[0] + ' ' + c[-1], 'all'))
    qs['any2'].append((max(c, key=rank) + f" w{900 + i * (13 if SERVICE else 37)}", 'any'))
if os.environ.get('KINDS'): kinds = os.environ['KINDS'].split(',')
TICK = os.sysconf('SC_CLK_TCK')
def udf_cpu():
    # processor seconds of this process's clickprint-udf children (the warm pool)
    total = 0.0
    for task in os.listdir('/proc/self/task'):
        try: kids = open(f'/proc/self/task/{task}/children').read().split()
        except OSError: continue
        for pid in kids:
            try:
                if not os.path.basename(os.readlink(f'/proc/{pid}/exe')).startswith('clickprint-udf'): continue
                f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
                total += (int(f[11]) + int(f[12])) / TICK
            except OSError: pass
    return total
def cpu():
    # CLOCK=wall: wall time instead (the UDF's included, as it is waited for)
    if os.environ.get('CLOCK') == 'wall':
        return time.perf_counter()
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime + (udf_cpu() if os.environ.get('CHILDREN') == '1' else 0)
digests = [hashlib.sha256() for _ in files]
for sql in sqls: s.query(sql, 'Null', params={'tenant': '5', 'text': 'w5', 'mode': 'all', 'language': '', 'top_k': '10', 'words': "['w5']", 'sequence': "['w5']", 'phrases': '[]', 'pairs': '[]'})
for name in kinds:
    per = [[] for _ in files]
    for text, mode in qs[name][:N]:
        p = {'tenant': '5', 'text': text, 'mode': mode, 'language': '', 'top_k': '10'}
        seq = text.replace('"', ' ').split(); ph = [x.split() for i, x in enumerate(text.split('"')) if i % 2 == 1 and x.strip()]
        p.update({'words': str(list(dict.fromkeys(seq))), 'sequence': str(seq), 'phrases': str(ph), 'pairs': str([[seq[i], seq[i+1]] for i in range(len(seq)-1)])})
        best = [1e9] * len(files)
        for r in range(R):
            for v, sql in enumerate(sqls):
                t = cpu(); res = s.query(sql, 'JSONEachRow', params=p); best[v] = min(best[v], (cpu() - t) * 1000)
                if r == 0: digests[v].update(res.bytes())
        for v in range(len(files)): per[v].append(best[v])
    print(f"{name:7s} " + "  ".join(f"{f}: {sorted(x)[len(x)//2]:7.1f}" for f, x in zip(files, per)), flush=True)
print('answers ' + "  ".join(f"{f}: {d.hexdigest()[:12]}" for f, d in zip(files, digests)))
