import sys, time, resource, json
from chdb import session
s = session.Session('/tmp/dlg/full/clickhouse')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
sql = open(sys.argv[1]).read().rstrip().rstrip(';')
table = sys.argv[2]
sql = sql.replace('FROM fp_cues', 'FROM ' + table)
qs = {'rare': ('w14261', 'all'), 'common': ('w5', 'all'), 'quoted': ('"w3 w120 w7"', 'all'), 'all2': ('w40 w700', 'all'), 'any2': ('w40 w1500', 'any')}
# real words from the tenant
def cpu(): r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
for name, (text, mode) in qs.items():
    ts = []
    for i in range(6):
        t = cpu()
        s.query(sql, 'JSONEachRow', params={'tenant': '5', 'text': text, 'mode': mode, 'language': '', 'top_k': '10'})
        ts.append((cpu() - t) * 1000)
    ts = sorted(ts[1:])
    print(table, name, f"cpu ms median {ts[len(ts)//2]:.1f}")
