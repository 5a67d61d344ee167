# Feasibility of a dense "layout" evidence for soft pictures: the query's
# high-passed thumbnail correlated against every window of the reference's
# (scales 0.45-1 of the reference's width, every offset, and mirrored).
import sys
sys.path.insert(0, '/work/main/.deps/eval-python')
sys.path.insert(0, '/work/scratch/s30/pil')
import numpy as np
from PIL import Image
from numpy.lib.stride_tricks import sliding_window_view as swv
import warnings; warnings.filterwarnings('ignore')

SIDE = int(sys.argv[3]) if len(sys.argv) > 3 else 48
BOX = int(sys.argv[4]) if len(sys.argv) > 4 else 5
SCALES = np.arange(0.45, 1.0001, 0.05)

def grey(path):
    im = Image.open(path).convert('L')
    w, h = im.size
    if max(w, h) > 256:
        s = 256 / max(w, h); im = im.resize((max(1, round(w*s)), max(1, round(h*s))), Image.BOX)
    return im

def resized(im, w, h):
    return np.asarray(im.resize((max(1, w), max(1, h)), Image.BOX), dtype=np.float64)

def highpass(a):
    p = BOX // 2
    b = np.pad(a, p, mode='edge')
    c = swv(b, (BOX, BOX)).mean(axis=(-1, -2))
    return a - c

def thumb(im):
    w, h = im.size
    s = SIDE / max(w, h)
    return highpass(resized(im, round(w*s), round(h*s)))

def best(qim, ref):
    Hr, Wr = ref.shape
    qw, qh = qim.size
    out = (-1, 0, 0, 0, False)
    for s in SCALES:
        w = round(s * Wr); h = round(w * qh / qw)
        if h > Hr or w < 8 or h < 8:
            continue
        q0 = highpass(resized(qim, w, h))
        win = swv(ref, (h, w))  # oy, ox, h, w
        rm = win.mean(axis=(-1, -2)); rs = win.std(axis=(-1, -2)) + 1e-6
        for mir in (False, True):
            q = q0[:, ::-1] if mir else q0
            qz = (q - q.mean()) / (q.std() + 1e-6)
            c = np.einsum('abij,ij->ab', win, qz) / (h * w) / rs
            i = np.unravel_index(np.argmax(c), c.shape)
            if c[i] > out[0]:
                out = (c[i], s, i[0], i[1], mir)
    return out

refs = [l for l in open(sys.argv[1]).read().split('\n') if l]
queries = [l.split('\t') for l in open(sys.argv[2]).read().split('\n') if l]
only = [int(x) for x in sys.argv[5].split(',')] if len(sys.argv) > 5 else None
cache = {}
def ref(i):
    if i not in cache:
        p = refs[i] if refs[i].startswith('/') else '/work/main/' + refs[i]
        cache[i] = thumb(grey(p))
    return cache[i]
for qf, tr, truth in queries:
    qim = grey(qf)
    name = qf.rsplit('/', 1)[-1]
    if truth != '-':
        c, s, y, x, m = best(qim, ref(int(truth)))
        print(f"copy\t{tr}\t{name}\t{c:.3f}\t{s:.2f}\t{m}", flush=True)
    else:
        cands = only if only else range(len(refs))
        r = max(((best(qim, ref(i)), i) for i in cands), key=lambda t: t[0][0])
        print(f"unrel\t{tr}\t{name}\t{r[0][0]:.3f}\t{r[0][1]:.2f}\t{r[0][4]}\t{refs[r[1]].rsplit('/',1)[-1]}", flush=True)
