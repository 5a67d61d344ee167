"""Session 40: imagehash's dHash (as the evaluation's peer computes it)
as the only evidence: which of the search's missed copies it answers,
and what else, over every reference or over those that keep a layout.

    python3 peer_dhash.py CORPUS PICTURES_JSON [MATRIX]
CORPUS the evaluation's corpus folder, PICTURES_JSON the run's answers,
MATRIX the `layout_matrix` output (its `ref` lines: who keeps a layout).
"""
import gzip, json, sys
import numpy as np
from PIL import Image
import imagehash

folder, answers = sys.argv[1], sys.argv[2]
refs = [l.strip() for l in open(f'{folder}/pictures-references.txt')]
queries = [l.rstrip('\n').split('\t') for l in open(f'{folder}/pictures-queries.tsv')]


def dhash(path):
    try:
        with Image.open(path) as im:
            return imagehash.dhash(im.convert('RGB')).hash.flatten()
    except Exception as e:  # a file Pillow refuses: no hash, no match
        print('unreadable', path, e, file=sys.stderr)
        return None


R = [dhash(p) for p in refs]
Q = [dhash(q[0]) for q in queries]
opener = gzip.open if answers.endswith('.gz') else open
run = json.load(opener(answers, 'rt'))
ranked, t = run['answers'][0]['ranked'], run['answers'][0]['threshold']
found = lambda i: bool(ranked[i]) and ranked[i][0]['score'] >= t and str(ranked[i][0]['reference']) == queries[i][2]
sets = [('every reference', [j for j in range(len(refs)) if R[j] is not None])]
if len(sys.argv) > 3:
    keep = [int(l.split('\t')[1]) for l in open(sys.argv[3]) if l.startswith('ref\t')]
    sets.append(('references that keep a layout', [j for j in keep if R[j] is not None]))
for label, among in sets:
    lib = np.array([R[j] for j in among])
    for k in (4, 6, 8, 10):
        gained, unrelated, wrong = [], 0, 0
        for i, q in enumerate(queries):
            if Q[i] is None:
                continue
            d = (lib != Q[i]).sum(1)
            jj = int(np.argmin(d))
            if d[jj] > k:
                continue
            if q[2] == '-':
                unrelated += 1
            elif str(among[jj]) != q[2]:
                wrong += 1
            elif not found(i):
                gained.append(q[0].split('/')[-1])
        print(f'{label}, within {k} bits: missed copies answered {len(gained)}, '
              f'unrelated queries answered {unrelated}, wrong {wrong}')
        if k == 10:
            print('   ', ' '.join(gained))
