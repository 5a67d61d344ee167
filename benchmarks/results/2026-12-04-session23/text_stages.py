# text_stages.py ROUNDS SQL... : wall and processor ms (this process and its UDF children) of
# versions of text_search.sql (text_variants.py writes them), per kind of query as
# benchmarks/eval/src/text_latency.rs makes them (12 queries a kind, from tenant 5's cues); each
# query runs every version in turn ROUNDS times, its least time kept; the median over the
# kind's queries is printed. Then, for each version named full*, how many of its answers (JSON rows) are full.sql's.
# Environment: DATA, the chDB folder of ../2026-12-03-text-search-two-pass/make_table.py;
# UDF_DIR, the folder of a release clickprint-udf; KINDS, some of rare,common,phrase,two-all,two-any.
# Run from the repository root.
import os, sys, resource, statistics, time, glob
ROOT = os.getcwd()
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
UDF = os.environ['UDF_DIR']
CONFIG = os.path.join(ROOT, 'clickhouse-config', '*_function.xml')
s = session.Session(os.environ['DATA'] + f'?user_scripts_path={UDF}&user_defined_executable_functions_config={CONFIG}')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
def kids():
    t = 0.0
    for p in glob.glob(f'/proc/{os.getpid()}/task/*/children'):
        for c in open(p).read().split():
            try:
                f = open(f'/proc/{c}/stat').read().rsplit(')', 1)[1].split()
                t += (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
            except Exception: pass
    return t
def cpu(): r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime + kids()
rounds = int(sys.argv[1]); files = sys.argv[2:]
variants = {os.path.basename(f): open(f).read() for f in files}
variants = {'SELECT 1': 'SELECT 1', **variants}
cues = [r.split(' ') for r in s.query("SELECT words FROM fp_cues WHERE tenant_id = 5 AND length(splitByChar(' ', words)) >= 6 ORDER BY cityHash64(media_id, item) LIMIT 12", 'CSV').data().replace('"','').splitlines()]
rar = lambda c: max(c, key=lambda w: int(w[1:]))
kinds = {
 'rare': [(rar(c), 'all') for c in cues],
 'common': [(f'w{2 + i % 11}', 'all') for i in range(12)],
 'phrase': [('"' + ' '.join(c[1:4]) + '"', 'all') for c in cues],
 'two-all': [(c[0] + ' ' + c[-1], 'all') for c in cues],
 'two-any': [(rar(c) + f' w{900 + 13 * i}', 'any') for i, c in enumerate(cues)],
}
digest = {}
kinds = {k: v for k, v in kinds.items() if k in os.environ.get('KINDS', ','.join(kinds)).split(',')}
for kind, qs in kinds.items():
    wall = {k: [] for k in variants}; proc = {k: [] for k in variants}
    for text, mode in qs:
        P = {'tenant': '5', 'text': text, 'mode': mode, 'language': '', 'top_k': '10'}
        w = {k: [] for k in variants}; c = {k: [] for k in variants}
        for r in range(rounds):
            for k, v in variants.items():
                a = cpu(); t = time.perf_counter(); out = s.query(v, 'JSONCompact', params=P).data()
                w[k].append((time.perf_counter() - t) * 1000); c[k].append((cpu() - a) * 1000)
                if k != 'SELECT 1': digest.setdefault((kind, text, k), hash(out.split('"statistics"')[0]) if '"statistics"' in out else hash(out))
        for k in variants: wall[k].append(min(w[k])); proc[k].append(min(c[k]))
    print(f"{kind:8}" + "  ".join(f"{k}: {statistics.median(wall[k]):.1f}w/{statistics.median(proc[k]):.1f}c" for k in variants), flush=True)
# each version's answers against full.sql's (the statement as shipped), query by query
if 'full.sql' in variants:
    for k in variants:
        if k not in ('SELECT 1', 'full.sql') and k.startswith('full'):
            same = sum(digest[(kind, t, k)] == digest[(kind, t, 'full.sql')] for kind, qs in kinds.items() for t, _ in qs)
            print(f'{k}: {same} of {sum(len(qs) for qs in kinds.values())} answers as full.sql')
