# Feasibility: would library-side window hashes (global hash of sub-windows of
# a library picture) find the soft originals' crops, and at what false-match
# risk?  PDQ-like hash as visual.rs: 64x64 area resample, DCT-II, 16x16
# coefficients (freq 1..16), median threshold.
import sys, math
sys.path.insert(0, '/work/main/.deps/eval-python')
sys.path.insert(0, '/work/scratch/s30/pil')
import numpy as np
from PIL import Image

N = 64
k = np.arange(N)
D = np.cos(np.pi / N * (k[None, :] + 0.5) * np.arange(1, 17)[:, None])  # 16 x 64

def grey(path):
    im = Image.open(path).convert('L')
    w, h = im.size
    if max(w, h) > 1024:
        s = 1024 / max(w, h); im = im.resize((max(1, round(w*s)), max(1, round(h*s))), Image.BOX)
    return im

def hashes(im, box=None):
    if box is not None:
        im = im.crop(box)
    b = np.asarray(im.resize((N, N), Image.BOX), dtype=np.float64)
    c = D @ b @ D.T  # rows: vertical freq, cols: horizontal
    q = np.abs(np.diff(b, axis=0)).mean() + np.abs(np.diff(b, axis=1)).mean()
    m = c.copy(); m[:, 0::2] *= -1
    return (c > np.median(c)).ravel(), (m > np.median(m)).ravel(), q

def windows(im):
    w, h = im.size
    out = [(1.0, 0, 0, hashes(im)[0])]
    for s in SCALES:
        for fy in OFFS:
            for fx in OFFS:
                x0 = fx * (1 - s) * w; y0 = fy * (1 - s) * h
                out.append((s, fx, fy, hashes(im, (round(x0), round(y0), round(x0 + s*w), round(y0 + s*h)))[0]))
    return out

SCALES = [float(x) for x in sys.argv[3].split(',')] if len(sys.argv) > 3 else [0.85, 0.7]
OFFS = [float(x) for x in sys.argv[4].split(',')] if len(sys.argv) > 4 else [0, 0.5, 1]
refs = [l for l in open(sys.argv[1]).read().split('\n') if l]
queries = [l.split('\t') for l in open(sys.argv[2]).read().split('\n') if l]
lib = []
for i, r in enumerate(refs):
    path = r if r.startswith('/') else '/work/main/' + r
    try:
        lib.append(windows(grey(path)))
    except Exception as e:
        print('ref', r, e, file=sys.stderr); lib.append([])
W = np.array([[x[3] for x in l] for l in lib if l], dtype=bool)  # refs x windows x 256 (ragged-safe: all same count)
idx = [i for i, l in enumerate(lib) if l]
for qf, tr, truth in queries:
    h, f, qual = hashes(grey(qf))
    d = np.minimum((W != h).sum(-1), (W != f).sum(-1))  # refs x windows
    best = d.min(1)
    wbest = d.argmin(1)
    order = np.argsort(best)
    top = idx[order[0]]
    if truth != '-':
        t = idx.index(int(truth))
        print(f"copy\t{tr}\t{qf.rsplit('/',1)[-1]}\t{qual:.1f}\ttrue_d={best[t]}\twin={wbest[t]}\twhole={d[t,0]}\ttop={top}\ttop_d={best[order[0]]}")
    else:
        print(f"unrel\t{tr}\t{qf.rsplit('/',1)[-1]}\t{qual:.1f}\ttop={top}\ttop_d={best[order[0]]}\twin={wbest[order[0]]}\twhole_d={d[:,0].min()}")
    sys.stdout.flush()
