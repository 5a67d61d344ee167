"""Session 40: would a gradient hash (dHash-like, read from the layout)
beside the layout's correlation find the soft pictures' missed copies
without letting template siblings through?

Reads the outputs of the scratch examples `layout_matrix` (every query's
layout correlation with every reference that keeps a layout) and
`layout_ghash` (each layout's gradient hash and its mirror image's).
A pair passes at (k, c) when the two hashes are within k bits (the
query's own or its mirror's against the reference's) and the layout
correlation reaches c; the product's layout alone needs 0.9.

    python3 gradient.py corpus CORPUS MATRIX GHASH PICTURES_JSON
        the evaluation's corpus (CORPUS/pictures-references.txt and
        pictures-queries.tsv): copies gained that the search missed,
        unrelated queries answered (NEW: not answered by the search
        already), wrong answers; PICTURES_JSON the run's answers
        (plain or .gz) for the same corpus.
    python3 gradient.py heldout HELD_REFS HELD_GHASH MATRIX [CORPUS GHASH]
        pairs of held-out clip-art pictures (each held-out picture a
        query against the held-out references, or with CORPUS and GHASH
        against the corpus's references): pairs that pass and that the
        layout alone (0.9) kept out, byte-identical files left out.
"""
import gzip, hashlib, json, sys
import numpy as np

GRID = [(k, c) for k in (4, 6, 8, 10, 12) for c in (0.6, 0.7, 0.75, 0.8)]


def hashes(path):
    lib, query = {}, {}
    for line in open(path):
        kind, n, h, m = line.split()
        if h != '-':
            (lib if kind == 'ref' else query)[int(n)] = (int(h, 16), int(m, 16))
    return lib, query


def matrix(path):
    holding, corr = [], {}
    for line in open(path):
        f = line.rstrip('\n').split('\t')
        if f[0] == 'ref':
            holding.append(int(f[1]))
        elif f[0] == 'q' and f[2] != '-':
            corr[int(f[1])] = np.array([float(v) if v != '-' else -1.0 for v in f[2].split(',')])
    return holding, corr


def bits(x):
    return bin(x).count('1')


def distances(q, lib, holding):
    h, m = q
    return np.array([min(bits(h ^ lib[j][0]), bits(m ^ lib[j][0])) if j in lib else 99
                     for j in holding])


def name(p, parts=1):
    return '/'.join(p.split('/')[-parts:])


def corpus(folder, matrix_path, ghash_path, answers_path):
    queries = [l.rstrip('\n').split('\t') for l in open(f'{folder}/pictures-queries.tsv')]
    refs = [l.strip() for l in open(f'{folder}/pictures-references.txt')]
    lib, qh = hashes(ghash_path)
    holding, corr = matrix(matrix_path)
    opener = gzip.open if answers_path.endswith('.gz') else open
    run = json.load(opener(answers_path, 'rt'))
    ranked, t = run['answers'][0]['ranked'], run['answers'][0]['threshold']
    assert len(ranked) == len(queries), 'answers of another corpus'
    answered = lambda i: bool(ranked[i]) and ranked[i][0]['score'] >= t
    found = lambda i: answered(i) and str(ranked[i][0]['reference']) == queries[i][2]
    print(f'{len(holding)} of {len(refs)} references keep a layout')
    for k, c in GRID:
        gained, unrelated, wrong = [], [], []
        for i, q in enumerate(queries):
            if i not in corr or i not in qh:
                continue
            d = distances(qh[i], lib, holding)
            ok = (d <= k) & (corr[i] >= c)
            if not ok.any():
                continue
            jj = int(np.argmax(np.where(ok, corr[i], -9)))
            j = holding[jj]
            if q[2] == '-':
                unrelated.append((int(d[jj]), round(float(corr[i][jj]), 3), name(q[0]),
                                  name(refs[j]), 'already' if answered(i) else 'NEW'))
            elif str(j) != q[2]:
                wrong.append((name(q[0]), name(refs[j])))
            elif not found(i):
                gained.append(name(q[0]))
        new = sum(1 for u in unrelated if u[-1] == 'NEW')
        print(f'k={k} c={c}: copies gained {len(gained)}, unrelated answered {len(unrelated)} '
              f'({new} new), wrong {len(wrong)}')
        if (k, c) in ((6, 0.75), (10, 0.7)):
            print('   gained:', ' '.join(gained))
            for u in unrelated:
                print('   unrelated:', *u)


def heldout(refs_path, ghash_path, matrix_path, corpus_folder=None, corpus_ghash=None):
    refs = [l.strip() for l in open(refs_path)]
    lib, qh = hashes(ghash_path)
    holding, corr = matrix(matrix_path)
    names = refs
    if corpus_folder:
        lib, _ = hashes(corpus_ghash)
        names = [l.strip() for l in open(f'{corpus_folder}/pictures-references.txt')]
    digest = {}
    def md5(p):
        if p not in digest:
            digest[p] = hashlib.md5(open(p, 'rb').read()).hexdigest()
        return digest[p]
    print(f'{len(corr)} queries keep a layout, {len(holding)} references')
    for k, c in ((6, 0.75), (8, 0.75), (10, 0.75), (6, 0.7), (10, 0.7)):
        new, over = [], 0
        for i, row in corr.items():
            if i not in qh:
                continue
            d = distances(qh[i], lib, holding)
            for jj, j in enumerate(holding):
                if (not corpus_folder and j == i) or row[jj] < min(c, 0.9):
                    continue
                if md5(refs[i]) == md5(names[j]):
                    continue
                if row[jj] >= 0.9:
                    over += 1
                elif d[jj] <= k and row[jj] >= c:
                    new.append((round(float(row[jj]), 3), int(d[jj]), name(refs[i], 2), name(names[j], 2)))
        print(f'k={k} c={c}: wrong pairs the layout alone lets through (0.9) {over}; '
              f'more with the gradient hash {len(new)}')
        for x in sorted(new, reverse=True):
            print('   ', *x)


if __name__ == '__main__':
    {'corpus': corpus, 'heldout': heldout}[sys.argv[1]](*sys.argv[2:])
