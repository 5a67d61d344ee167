# Session 34: each layout's chroma complexity (as step 3, on the coarse
# level of Cb and Cr side by side, high-passed over box 5 and box 15) and
# chroma RMS, for a chroma-complexity guard. Writes chroma-stats.tsv.
import numpy as np, colour_layout as cl
e = cl.load('/work/scratch/s34/colour/dump')
with open('chroma-stats.tsv', 'w') as f:
    for lst, n, kept, path, L in e:
        if L is None or not kept: continue
        h, w = L.planes[0].shape
        cw, ch = max(w // 2, 1), max(h // 2, 1)
        out = [lst, str(n), str(int(L.colour))]
        for box in (5, 15):
            c = [cl.high_pass(cl.resample(p, cw, ch), box) for p in L.planes[1:]]
            out += [f"{cl.complexity(np.hstack(c)):.3f}", f"{np.sqrt(np.mean(c[0]**2 + c[1]**2)):.2f}"]
        f.write("\t".join(out + [path.rsplit('/', 1)[-1]]) + "\n")
