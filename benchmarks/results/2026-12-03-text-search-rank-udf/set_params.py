# set_params.py ROUNDS: processor ms (this process, every chDB thread) of a text search's five
# parameters set as five `SET param_...` statements (before) against one `SET param_a = ..., param_b = ...`
# (after), then `SELECT {tenant:UInt32}`; taken in turn (A B A B), medians. What the service's embedded
# engine runs on each parameterised statement's connection (control-plane/src/clickhouse/embedded.rs).
import os, sys, resource, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ.get('DATA', '/tmp/text-search-1m'))
def cpu(): r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
p = [('tenant', '5'), ('text', 'the door "is open"'), ('mode', 'all'), ('language', ''), ('top_k', '10')]
forms = {
    'five SETs': [f"SET param_{n} = '{v}'" for n, v in p],
    'one SET': ["SET " + ", ".join(f"param_{n} = '{v}'" for n, v in p)],
}
ms = {k: [] for k in forms}
for r in range(int(sys.argv[1])):
    for k, stmts in forms.items():
        t = cpu()
        for st in stmts: s.query(st)
        s.query("SELECT {tenant:UInt32}", 'Null')
        ms[k].append((cpu() - t) * 1000)
for k in forms: print(f"{k}: {statistics.median(ms[k]):.2f} ms")
