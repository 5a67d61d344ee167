# Recall at 1 of a text_search.sql variant over an eval run's queries.
import json, sys, collections, time
from chdb import session
engine, qfile, sqlfile = sys.argv[1:4]
d = json.load(open(qfile))
sql = open(sqlfile).read().rstrip().rstrip(';')
s = session.Session(engine)
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
tenant = d['tenant']
stats = collections.defaultdict(lambda: [0, 0, 0, 0])
misses = []
t0 = time.process_time()
for q in d['queries']:
    qq = q['query']
    r = s.query(sql, 'JSONEachRow', params={'tenant': str(tenant), 'text': qq['text'], 'mode': q['mode'], 'language': '', 'top_k': '10'})
    rows = [json.loads(l) for l in r.bytes().decode().splitlines() if l.strip()]
    st = stats[qq['kind']]
    st[0] += 1
    if not rows:
        continue
    m = rows[0]
    best = None
    for c in m['cues']:
        if best is None or c['score'] > best['score'] or (c['score'] == best['score'] and c['start_ms'] < best['start_ms']):
            best = c
    item = int(m['media_id']) - 1
    if item == qq['item']:
        st[1] += 1
        if best and [best['start_ms'], best['end_ms']] == qq['truth']:
            st[2] += 1
        else:
            misses.append((qq['kind'], qq['text'], 'wrong cue', best and best['highlighted']))
    else:
        misses.append((qq['kind'], qq['text'], 'wrong item', best and best['highlighted']))
cpu = time.process_time() - t0
for k, (n, item, rec, _) in stats.items():
    print(f"{k:18s} recall@1 {rec/n:6.1%} ({rec}/{n})  item@1 {item/n:6.1%}")
print(f"cpu {cpu:.1f} s")
if len(sys.argv) > 4:
    for m in misses:
        print(m)
