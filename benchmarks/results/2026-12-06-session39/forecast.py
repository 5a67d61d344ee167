# Would a grey-level check of the verified region remove the template
# matches without losing copies? (session 39, on session 38's standard
# draw.) Reads coverage_pairs' output (WHOLE_ONLY=1, with the global
# column); warps the reference's working picture into the query's by the
# inliers' affine transform (session 30's content.py), correlates grey
# levels over the overlap, and forecasts the answer: a pair whose local
# match fails the check keeps only its global hash's score.
import csv, sys
sys.path.insert(0, '.deps/eval-python')
import numpy as np
from PIL import Image

def fit(im, side):
    """`im` brought to `side` px on its longer side (Pillow's box filter
    for the decoder's area resampling), and the scale."""
    w, h = im.size
    s = side / max(w, h)
    return im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BOX), s

def working(path):
    """The local features' working picture: the decoder hands a still
    over at up to 1,024 px, the pyramid brings it to 256 px, a smaller
    picture up too."""
    im = Image.open(path).convert('L')
    if max(im.size) > 1024:
        im = fit(im, 1024)[0]
    return np.asarray(fit(im, 256)[0], dtype=np.float64)

def thumb(a, side):
    """The working picture as a side x side thumbnail (aspect kept), and its scale."""
    im, s = fit(Image.fromarray(a.astype(np.uint8)), side)
    return np.asarray(im, dtype=np.float64), s

SIDE = int(sys.argv[2]) if len(sys.argv) > 2 else 0
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
out = []
for r in rows:
    g = float(r['global']); sc = float(r['score'])
    if sc <= 0 or not r['affine']:
        out.append((r['label'], r['query'], g, sc, None)); continue
    a, b, c, d, e, f = map(float, r['affine'].split(','))
    q = working(r['qpath']); ref = working(r['rpath'])
    if r['mirrored'] == '1':
        q = q[:, ::-1]
    if SIDE:
        # The reference stored as a thumbnail: sample it at the mapped
        # place, scaled.
        ref, s = thumb(ref, SIDE)
        a, b, c, d, e, f = a*s, b*s, c*s, d*s, e*s, f*s
    hq, wq = q.shape; hr, wr = ref.shape
    ys, xs = np.mgrid[0:hq, 0:wq]
    u = a*xs + b*ys + c; v = d*xs + e*ys + f
    inside = (u >= 0) & (v >= 0) & (u <= wr-1) & (v <= hr-1)
    if inside.sum() < 50:
        out.append((r['label'], r['query'], g, sc, None)); continue
    ui = np.rint(u[inside]).astype(int); vi = np.rint(v[inside]).astype(int)
    qa = q[inside]; ra = ref[vi, ui]
    pear = 0.0 if qa.std() < 1e-6 or ra.std() < 1e-6 else float(np.corrcoef(qa, ra)[0, 1])
    out.append((r['label'], r['query'], g, sc, pear))

T = 0.3
for lab in 'CAB':
    for o in out:
        if o[0] == lab:
            print(lab, o[1][:28], 'global %.2f local %.2f corr %s' % (o[2], o[3], 'none' if o[4] is None else '%.2f' % o[4]))
cop = [o for o in out if o[0].startswith('copy')]
print('copies', len(cop), 'with a whole-picture local match', sum(o[4] is not None for o in cop))
for t in (0.1, 0.2, 0.3, 0.4, 0.5):
    def kept(o):
        # the answer stands: the global hash alone, or a local match that passes
        return o[2] >= T or o[4] is None or o[4] >= t
    lost = [o for o in cop if not kept(o)]
    gone = {lab: sum(not kept(o) for o in out if o[0] == lab) for lab in 'ABC'}
    print(f'corr >= {t}: unrelated answers removed C {gone["C"]}/6 A {gone["A"]}/2 B {gone["B"]}/14; copies lost {len(lost)}:',
          sorted(o[0][5:] + ':' + o[1][:14] for o in lost))
