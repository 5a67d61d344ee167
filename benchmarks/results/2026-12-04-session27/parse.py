# The query parse's cost: the Unicode-class regular expression in three
# functions, a smaller class (punctuation, symbols, separators, controls),
# and a SET of a parameter (what the service sends before a statement);
# least wall ms of 7 runs, median of 9.
#   DATA=DIR python3 parse.py
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ['DATA'])
P = "'[^\\\\p{L}\\\\p{N}\\\\p{M}\"]+'"
forms = {
 'select1': "SELECT 1",
 'replaceRegexpAll': f"SELECT replaceRegexpAll(lowerUTF8(text), {P}, ' ') FROM (SELECT {{text:String}} AS text)",
 'splitByRegexp': f"SELECT splitByRegexp({P}, lowerUTF8(text)) FROM (SELECT {{text:String}} AS text)",
 'match': f"SELECT match(lowerUTF8(text), {P}) FROM (SELECT {{text:String}} AS text)",
 'P S Z Cc Cf': "SELECT replaceRegexpAll(lowerUTF8(text), '[\\\\p{P}\\\\p{S}\\\\p{Z}\\\\p{Cc}\\\\p{Cf}]+', ' ') FROM (SELECT {text:String} AS text)",
 'set param then select': "SET param_zz = 'abc'",
}
res = {k: [] for k in forms}
for i in range(9):
    p = {'text': f'Hello, "wörld" w{i}'}
    best = {}
    for _ in range(7):
        for k, f in forms.items():
            t0 = time.perf_counter(); s.query(f, 'Null', params=p); d = (time.perf_counter() - t0) * 1000
            best[k] = min(best.get(k, 1e9), d)
    for k in forms: res[k].append(best[k])
for k, v in res.items(): print(f'{k:24s} {statistics.median(v):5.2f}')
