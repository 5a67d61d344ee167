import sys
sys.argv = [sys.argv[0], '/dev/null', '/dev/null', '48', '5']
exec(open('/work/scratch/s31/layout.py').read().split("refs = [l for l")[0])
refs = [l for l in open('/work/scratch/s30/corpus/pictures-references.txt').read().split('\n') if l]
for i, r in enumerate(refs):
    p = r if r.startswith('/') else '/work/main/' + r
    try: im = grey(p)
    except Exception: continue
    w, h = im.size; s = 48 / max(w, h)
    a = resized(im, round(w*s), round(h*s)); a = a - a.mean()
    sv = np.linalg.svd(a, compute_uv=False) ** 2
    t = thumb(im); sv2 = np.linalg.svd(t - t.mean(), compute_uv=False) ** 2
    print(f"{i}\t{1 - sv[:2].sum() / max(sv.sum(), 1e-9):.3f}\t{1 - sv2[:2].sum() / max(sv2.sum(), 1e-9):.3f}\t{r.rsplit('/',1)[-1]}")
