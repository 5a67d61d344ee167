# Queries whose lead word matters (CASES=lead, the default: two words `all` with a word in 25-39% of 1M cues first or second, both common, `any` of common words, a quoted phrase of common words) or of many words (CASES=many: the dialogue evaluation's `one word changed` asks 6-10 words in `any`; with common words and without, `any` and `all`): each statement's least wall ms over 3 runs, and whether their answers are the same.
#   DATA=DIR [CASES=many] python3 lead.py A.sql B.sql ...
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
UDF = os.path.join(ROOT, 'target/release'); CONFIG = os.path.join(ROOT, 'clickhouse-config', '*_function.xml')
s = session.Session(os.environ['DATA'] + f'?user_scripts_path={UDF}&user_defined_executable_functions_config={CONFIG}')
s.query("USE clickprint"); s.query("SET use_query_condition_cache = 0")
files = sys.argv[1:]
sqls = [open(f).read().rstrip().rstrip(';') for f in files]
print(s.query("SELECT word, count() FROM fp_cue_words WHERE tenant_id = 5 AND word IN ('w1','w2','w3','w5','w20','w100','w1000','w3000','w5000') GROUP BY word ORDER BY length(word), word", 'TSV'))
cases = {
    'lead': [('w1 w3000', 'all'), ('w2 w5000', 'all'), ('w3000 w2', 'all'), ('w1 w2', 'all'), ('w2 w5', 'any'), ('w1 w3000', 'any'), ('"w1 w2 w3"', 'all')],
    'many': [('w2 w7 w40 w300 w2000 w9000', 'any'), ('w3000 w4000 w5000 w6000 w7000 w8000', 'any'), ('w40 w300 w2000 w9000', 'any'), ('w2 w7 w40 w300 w2000 w9000', 'all'), ('w7 w40 w300', 'all')],
}[os.environ.get('CASES', 'lead')]
for text, mode in cases:
    p = {'tenant': '5', 'text': text, 'mode': mode, 'language': '', 'top_k': '10'}
    best = [1e9]*len(sqls); outs = []
    for r in range(3):
        for i, q in enumerate(sqls):
            t0 = time.perf_counter(); o = s.query(q, 'JSONEachRow', params=p).bytes(); d = (time.perf_counter() - t0) * 1000
            best[i] = min(best[i], d)
            if r == 0: outs.append(o)
    print(f'{mode} {text:14s}', '  '.join(f'{f}: {b:6.1f}' for f, b in zip(files, best)), 'same' if len(set(outs)) == 1 else 'DIFFERENT')
