# Session 33: session 32's spike (../2026-12-05-session32/blob_keys_spike.py)
# with three knobs, to choose what was built (core/src/fingerprint/blobs.rs):
# SIDE (the picture's longer side: 256 as session 32, 96 the layout's),
# TOP (blobs kept), FOLD=1 (the angle unsigned, 12 steps of half a turn, so
# a mirror keeps the keys and a query looks up no mirror keys). Usage, from
# the repository root: `SIDE=96 FOLD=1 TOP=24 PYTHONPATH=.deps/eval-python
# python3 blob_keys_96.py QUERIES.tsv REFERENCES.txt` (the evaluation's corpus lists). Prints, for each query,
# its original's rank among every reference by the summed rarity
# (1 / references holding a key) of the keys they share, as the search's
# candidate stage ranks them.
# For each picture: grey, 256 px on the longer side, difference of Gaussians
# over a few scales, the strongest scale-space extrema (blobs); a key per
# blob and each pair of its four nearest neighbours:
# quantised distance ratio, angle, scale ratios, signs.
import sys, collections
import numpy as np
from PIL import Image
from scipy import ndimage

import os
SIDE = int(os.environ.get('SIDE', '96'))
SIGMAS = [v * SIDE / 256 for v in [2.0, 2.8, 4.0, 5.6, 8.0, 11.3]]
TOP = int(os.environ.get('TOP', '24'))
FOLD = os.environ.get('FOLD') == '1'

def blobs(path):
    im = Image.open(path).convert('L')
    w, h = im.size; s = 256 / max(w, h)
    im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BOX)
    w, h = im.size; s = SIDE / max(w, h)
    im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BOX)
    a = np.asarray(im, dtype=np.float64)
    g = [ndimage.gaussian_filter(a, sg, mode='nearest') for sg in SIGMAS]
    dog = np.stack([g[i + 1] - g[i] for i in range(len(g) - 1)])  # scale-normalised enough
    mx = ndimage.maximum_filter(dog, size=3, mode='nearest')
    mn = ndimage.minimum_filter(dog, size=3, mode='nearest')
    pts = []
    for k, y, x in zip(*np.nonzero(((dog == mx) | (dog == mn)) & (np.abs(dog) > 1.0))):
        if k == 0 or k == dog.shape[0] - 1: continue
        pts.append((abs(dog[k, y, x]), x / SIDE, y / SIDE, SIGMAS[k], dog[k, y, x] > 0))
    pts.sort(reverse=True)
    return pts[:TOP]

def keys(pts, mirrored=False):
    out = set()
    for i, (_, x, y, sg, sgn) in enumerate(pts):
        d = sorted(((np.hypot(px - x, py - y), j) for j, (_, px, py, _, _) in enumerate(pts) if j != i))[:4]
        for a in range(len(d)):
            for b in range(a + 1, len(d)):
                (da, ja), (db, jb) = d[a], d[b]
                if db <= 1e-6: continue
                pa, pb = pts[ja], pts[jb]
                ang = np.arctan2(pb[2] - y, pb[1] - x) - np.arctan2(pa[2] - y, pa[1] - x)
                if FOLD:
                    ang = abs((ang + np.pi) % (2 * np.pi) - np.pi)
                    qa = min(11, int(ang / np.pi * 12))
                else:
                    if mirrored: ang = -ang
                    ang = (ang + np.pi) % (2 * np.pi)
                    qa = int(ang / (2 * np.pi) * 24) % 24
                qr = min(15, int(da / db * 16))
                qs1 = int(np.clip(np.log2(pa[3] / sg) + 2, 0, 4))
                qs2 = int(np.clip(np.log2(pb[3] / sg) + 2, 0, 4))
                out.add((qa, qr, qs1, qs2, sgn, pa[4], pb[4]))
    return out

refs = [l.strip() for l in open(sys.argv[2])]
queries = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
lib = {}
for i, r in enumerate(refs):
    try:
        lib[i] = keys(blobs(r))
    except Exception as e:
        pass
holders = collections.Counter(k for ks in lib.values() for k in ks)
print('references', len(lib), 'distinct keys', len(holders), 'mean keys a ref', np.mean([len(v) for v in lib.values()]))
for path, t, truth in queries:
    p = blobs(path)
    qk = keys(p) | (set() if FOLD else keys(p, True))
    score = {i: sum(1 / holders[k] for k in qk & ks) for i, ks in lib.items()}
    ranked = sorted(score, key=lambda i: -score[i])
    tr = int(truth) if truth not in ('', '-') else None
    rank = ranked.index(tr) + 1 if tr is not None else None
    print(f"{t}\t{path.rsplit('/',1)[-1]}\trank {rank}\tscore {score.get(tr,0):.2f}\ttop {score[ranked[0]]:.2f}\t100th {score[ranked[99]]:.2f}")
