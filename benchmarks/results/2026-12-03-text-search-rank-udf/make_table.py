import os, sys, re
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ.get('DATA', '/tmp/text-search-1m'))
schema = open(os.path.join(ROOT, 'sql/clickhouse/schema.sql')).read()
# split statements on ; at line end
stmts = [x for x in re.split(r';\s*\n', schema) if x.strip() and not all(l.strip().startswith('--') or not l.strip() for l in x.splitlines())]
for st in stmts:
    try: s.query(st)
    except Exception as e: print('ERR', str(e)[:200], st[:80])
sys.path.insert(0, '.')
V=20000; PER=200
def syn(tenant, start, n, salt):
    return f"""SELECT {tenant} AS tenant_id, 10000000 + {salt} * 1000000000 + intDiv(number, {PER}) AS media_id,
           toUInt32((number % {PER}) * 3000) AS start_ms, toUInt32(number % {PER}) AS item,
           start_ms + 2000 AS end_ms, 'eng' AS language, words AS text, words,
           arrayPopBack(arrayFlatten(arrayMap(w -> [w, ' '], tokens))) AS pieces
         FROM (SELECT number,
                 arrayMap(j -> concat('w', toString(toUInt32(floor(exp(log({V}) *
                   ((cityHash64(number, {salt}, j) % 1000000) / 1000000.0)))))),
                   range(3 + cityHash64(number, {salt}) % 9)) AS tokens,
                 arrayStringConcat(tokens, ' ') AS words
               FROM numbers({start}, {n}))"""
for salt, t in enumerate([5, 6, 7]):
    s.query(f"INSERT INTO clickprint.fp_cues (tenant_id, media_id, start_ms, item, end_ms, language, text, words, pieces) {syn(t, 0, 1000000, salt)} SETTINGS min_insert_block_size_rows = 10000000, min_insert_block_size_bytes = 1000000000")
s.query("OPTIMIZE TABLE clickprint.fp_cues FINAL")
print(s.query("SELECT tenant_id, count() FROM clickprint.fp_cues GROUP BY 1", 'CSV'))
