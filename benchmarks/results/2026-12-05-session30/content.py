# Do the two pictures agree inside the verified overlap? (session 30 measurement)
# Reads content_pairs' output; for each verified pair warps the reference's
# working picture into the query's by the inliers' affine transform and
# compares grey levels over the overlap.
import csv, sys
sys.path.insert(0, '/work/main/.deps/eval-python')
import numpy as np
from PIL import Image

def working(path):
    im = Image.open(path).convert('L')
    w, h = im.size
    if max(w, h) > 1024:
        s = 1024 / max(w, h); im = im.resize((max(1, round(w*s)), max(1, round(h*s))), Image.BOX)
    w, h = im.size
    if max(w, h) > 256:
        s = 256 / max(w, h); im = im.resize((max(1, round(w*s)), max(1, round(h*s))), Image.BOX)
    return np.asarray(im, dtype=np.float64)

rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
out = []
for r in rows:
    if float(r['score']) <= 0 or not r['affine']:
        continue
    a, b, c, d, e, f = map(float, r['affine'].split(','))
    q = working(r['qpath']); ref = working(r['rpath'])
    if r['mirrored'] == '1':
        q = q[:, ::-1]
    hq, wq = q.shape; hr, wr = ref.shape
    ys, xs = np.mgrid[0:hq, 0:wq]
    u = a*xs + b*ys + c; v = d*xs + e*ys + f
    inside = (u >= 0) & (v >= 0) & (u <= wr-1) & (v <= hr-1)
    if inside.sum() < 50:
        continue
    ui = np.rint(u[inside]).astype(int); vi = np.rint(v[inside]).astype(int)
    qa = q[inside]; ra = ref[vi, ui]
    overlap = inside.mean()
    if qa.std() < 1e-6 or ra.std() < 1e-6:
        pear = 0.0; agree = 0.0
    else:
        pear = float(np.corrcoef(qa, ra)[0, 1])
        zq = (qa - qa.mean())/qa.std(); zr = (ra - ra.mean())/ra.std()
        agree = float((np.abs(zq - zr) < 0.5).mean())
    out.append((r['label'], r['query'], float(r['score']), overlap, pear, agree))

def summary(name, vals):
    v = sorted(vals); n = len(v)
    return f'{name:12s} n {n:3d} min {v[0]:.2f} p10 {v[n//10]:.2f} p25 {v[n//4]:.2f} median {v[n//2]:.2f} max {v[-1]:.2f}'
for lab in 'ABC':
    for o in out:
        if o[0] == lab:
            print(lab, o[1][:24], 'score %.2f overlap %.2f pearson %.2f agree %.2f' % o[2:])
cop = [o for o in out if o[0].startswith('copy')]
low = [o for o in cop if o[2] < 0.6]
C = [o for o in out if o[0] == 'C']
for k, name in ((4, 'pearson'), (5, 'agree')):
    print(name)
    for grp, g in (('copies', cop), ('copies<0.6', low), ('C', C), ('B', [o for o in out if o[0]=='B'])):
        print('  ' + summary(grp, [o[k] for o in g]))
for t in (0.3, 0.4, 0.5, 0.6, 0.7):
    lost = [o for o in cop if o[4] < t]
    print(f'pearson >= {t}: C removed {sum(o[4] < t for o in C)} of {len(C)}; copies losing the verified match {len(lost)} of {len(cop)}:',
          sorted(set(o[0][5:] for o in lost)))
