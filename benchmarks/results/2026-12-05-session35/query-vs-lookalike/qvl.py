#!/usr/bin/env python3
"""Session 35 helper: rule R(m) drop answer when s_b - s_c < m. Modes: jobs / analyse."""
import json, os, sys, collections
SETS = {
 'standard': dict(pj='/work/scratch/s34/full/out/pictures.json', refs='/work/scratch/s30/corpus/pictures-references.txt',
                  nb='/work/main/benchmarks/results/2026-12-05-session34/lookalikes/neighbours.tsv', root='/work/main', qroot='/work/main'),
 'heldout': dict(pj='/work/scratch/s35/hfull-base/out/pictures.json', refs='/work/scratch/s35/hfull-base/corpus/pictures-references.txt',
                 nb='/work/scratch/s35/hfull-base/neighbours.tsv', root='/work/main', qroot='/work/main'),
 'families': dict(pj='/work/scratch/s35/families/out/pictures.json', refs='/work/scratch/s35/families/out/pictures-references.txt',
                  nb='/work/scratch/s35/qvl/fam-neighbours-merged.tsv', root='/work/scratch/s35/qvl/fam', qroot='/work/scratch/s35/qvl/fam'),
}
T = 0.3
def absp(root, p): return p if p.startswith('/') else os.path.join(root, p)

def load(name):
    S = SETS[name]
    refs = open(S['refs']).read().splitlines()
    d = json.load(open(S['pj']))
    ans = [a for a in d['answers'] if a['method'] == 'clickprint'][0]['ranked']
    byname = collections.defaultdict(list)
    for i, r in enumerate(refs): byname[os.path.basename(r)].append(i)
    nb = {}
    for l in open(S['nb']):
        f = l.rstrip('\n').split('\t')
        i = int(f[0]); assert os.path.basename(refs[i]) == f[1], (name, f)
        cname = f[5]
        if cname == '-': nb[i] = None; continue
        c = byname[cname]
        # ambiguity: pick the one that is not b
        c = [x for x in c if x != i]
        if len(c) != 1: print(f'{name}: ambiguous look-alike {cname} for {i}: {c}', file=sys.stderr)
        nb[i] = (c[0], float(f[4]))
    fam = {}
    if name == 'families':
        slots = [l.rstrip('\n').split('\t') for l in open('/work/scratch/s35/families/slots.tsv')]
        slotfam = {}
        for s in slots:
            slotfam[s[2]] = s[0]
            if s[2].startswith('fart/'):
                slotfam['work/pictures/originals/' + os.path.splitext(os.path.basename(s[2]))[0] + '.flat.png'] = s[0]
        for i, r in enumerate(refs):
            if r in slotfam: fam[i] = slotfam[r]
        assert len(fam) == 35, len(fam)
    rows = []
    for q, rk in zip(d['queries'], ans):
        if not rk or rk[0]['score'] < T: continue
        b = rk[0]['reference']; s = rk[0]['score']; t = q['truth']
        if t is None: kind = 'false(unrelated)'
        elif b == t: kind = 'copy'
        elif fam.get(b) is not None and fam.get(b) == fam.get(t): kind = 'false(sibling)'
        else: kind = 'false(other-wrong)'
        rows.append(dict(file=q['file'], qpath=absp(S['qroot'], q['file']), transform=q['transform'], truth=t, b=b, engine=s, kind=kind,
                         c=(nb[b][0] if nb.get(b) else None), has_row=b in nb))
    return refs, rows, S

if sys.argv[1] == 'jobs':
    name = sys.argv[2]; refs, rows, S = load(name)
    for r in rows:
        if r['c'] is None: continue
        print(f"{r['qpath']}\t{absp(S['root'], refs[r['b']])}\t{absp(S['root'], refs[r['c']])}")
elif sys.argv[1] == 'analyse':
    name = sys.argv[2]; refs, rows, S = load(name)
    res = {}
    for l in open(sys.argv[3]):
        f = l.rstrip('\n').split('\t')
        res[(f[0], f[1], f[2])] = (None if f[3] == 'NA' else float(f[3]), None if f[4] == 'NA' else float(f[4]))
    out = open(sys.argv[4], 'w')
    print('set\tquery\ttransform\ttruth\tkind\tb\tb_name\tc\tc_name\tengine_s_b\trerank_s_b\ts_c\tdiff', file=out)
    M = [0, 0.05, 0.1, 0.2]
    cnt = collections.defaultdict(lambda: collections.Counter())
    ndiff = 0; nmeas = 0; missing = collections.Counter()
    for r in rows:
        k = 'copy' if r['kind'] == 'copy' else 'false'
        cnt[r['kind']]['n'] += 1; cnt[k + '*']['n'] += 1
        if r['c'] is None:
            cnt[r['kind']]['no_c' if r['has_row'] else 'no_row'] += 1; cnt[k + '*']['no_c' if r['has_row'] else 'no_row'] += 1
            continue
        bp = absp(S['root'], refs[r['b']]); cp = absp(S['root'], refs[r['c']])
        sb, sc = res[(r['qpath'], bp, cp)]
        if sb is None: missing[r['kind']] += 1; continue
        nmeas += 1
        if abs(sb - r['engine']) > 0.02: ndiff += 1
        cnt[r['kind']]['measured'] += 1; cnt[k + '*']['measured'] += 1
        for m in M:
            if sb - sc < m: cnt[r['kind']][m] += 1; cnt[k + '*'][m] += 1
        print(f"{name}\t{r['file']}\t{r['transform']}\t{r['truth']}\t{r['kind']}\t{r['b']}\t{os.path.basename(refs[r['b']])}\t{r['c']}\t{os.path.basename(refs[r['c']])}\t{r['engine']:.3f}\t{sb:.3f}\t{sc:.3f}\t{sb-sc:.3f}", file=out)
    print(f"### {name}\n")
    print(f"rerank s_b differs from the engine's by > 0.02 in {ndiff} of {nmeas} measured answers; query unreadable: {dict(missing)}\n")
    print('| answers (first, >= 0.3) | n | no neighbours row | row, no look-alike < 0.9 | measured | R(0) | R(0.05) | R(0.1) | R(0.2) |')
    print('|---|---|---|---|---|---|---|---|---|')
    order = [x for x in ['false(unrelated)', 'false(sibling)', 'false(other-wrong)', 'false*', 'copy'] if x in cnt]
    for kname in order:
        c = cnt[kname]
        lab = {'false*': '**all false matches**', 'copy': 'copies found (lost)'}.get(kname, kname + ' (removed)')
        print(f"| {lab} | {c['n']} | {c['no_row']} | {c['no_c']} | {c['measured']} | " + ' | '.join(str(c[m]) for m in M) + ' |')
    print()
