# The pairs coverage_pairs measures (session 30): the 43 unrelated clip-art
# queries above the threshold with their answers and classes
# (unrelated-43.tsv), and clickprint's copies found at the threshold in a
# run's pictures.json: every one under 0.6, every fourth of the others.
# Usage: python3 pairs.py PICTURES_JSON CORPUS_DIR > pairs.tsv
# (CORPUS_DIR: what `clickprint-eval --corpus-only` wrote; copies are looked
# up by file name in its pictures-queries.tsv.)
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
run = json.load(open(sys.argv[1]))
corpus = sys.argv[2]
refs = [l.strip() for l in open(os.path.join(corpus, 'pictures-references.txt'))]
line = {r.replace('/usr/share/openclipart/png/', ''): i for i, r in enumerate(refs)}
copies = {}
for l in open(os.path.join(corpus, 'pictures-queries.tsv')):
    p = l.split('\t')[0]
    copies[os.path.basename(p)] = p
for row in list(open(os.path.join(here, 'unrelated-43.tsv')))[1:]:
    cls, _, query, answer = row.rstrip('\n').split('\t')
    print(f'/usr/share/openclipart/png/{query}\t{line[answer]}\t{cls}')
answers = next(a for a in run['answers'] if a['method'] == 'clickprint')['ranked']
k = 0
for q, ranked in zip(run['queries'], answers):
    top = ranked[0] if ranked else None
    if q['truth'] is None or not top or top['reference'] != q['truth'] or top['score'] < 0.3:
        continue
    k += 1
    if top['score'] < 0.6 or k % 4 == 0:
        print(f"{copies[os.path.basename(q['file'])]}\t{q['truth']}\tcopy:{q['transform']}")
