# stages.py ROUNDS: where text_search.sql's processor time goes, stage by stage, at a tenant of 1M cues.
# Per query (a word no cue holds, a rare word, a quoted phrase), each variant run ROUNDS times in turn
# (A B C ... A B C), median processor ms of this process (every chDB thread; not the UDF process):
#   SELECT 1          a statement's floor
#   q only            the scalar that parses the query
#   q + ranked        + pass 1: the index read and clickprint_text_rank
#   full              + pass 2: the kept cues' text, highlighted
#   ..., no deleted   the same without the deleted-media list
import os, sys, resource, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
UDF = os.environ.get('UDF_DIR', os.path.join(ROOT, 'target/debug'))
CONFIG = os.path.join(ROOT, 'clickhouse-config', '*_function.xml')
s = session.Session(os.environ.get('DATA', '/tmp/text-search-1m') + f'?user_scripts_path={UDF}&user_defined_executable_functions_config={CONFIG}')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
def cpu(): r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
full = open(os.path.join(ROOT, 'sql/clickhouse/text_search.sql')).read()
body = full[full.index('\nWITH\n'):]
qpart = body[:body.index('    -- Pass 1')].rstrip().rstrip(',')
rpart = body[:body.index('-- Pass 2')]
deleted = "AND NOT has((SELECT groupArray(media_id) FROM media_deleted WHERE tenant_id = {tenant:UInt32}), media_id)"
variants = {
    'SELECT 1': "SELECT 1",
    'q only': qpart + "\nSELECT q",
    'q + ranked': rpart + "SELECT ranked",
    'q + ranked, no deleted': (rpart + "SELECT ranked").replace(deleted, ""),
    'full': full,
    'full, no deleted': full.replace(deleted, ""),
}
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
for text in ['zzzz1', 'w19000', '"w12 w3 w40"']:
    P = {'tenant': '5', 'text': text, 'mode': 'all', 'language': '', 'top_k': '10'}
    res = {k: [] for k in variants}
    for r in range(rounds):
        for k, v in variants.items():
            a = cpu(); s.query(v, 'Null', params=P); res[k].append((cpu() - a) * 1000)
    print(text.ljust(14) + "  ".join(f"{k}: {statistics.median(res[k]):.1f}" for k in variants), flush=True)
