# The share of drawn pixels two clip-art pictures hold alike, in place (the second resized to
# the first when their sizes differ): pixels opaque in either, alike when every channel is
# within 8 levels. Usage, from the repository root:
#   python3 benchmarks/results/2026-12-03-eval-session21/clipart_overlap.py benchmarks/results/2026-12-03-eval-session20/full-pictures-faint/unrelated-above-threshold.tsv
import sys, csv
sys.path.insert(0, '.deps/eval-python')
from PIL import Image
import numpy as np
root='/usr/share/openclipart/png/'
rows=list(csv.reader(open(sys.argv[1]), delimiter='\t'))[1:]
for score,q,r in rows:
    a=Image.open(root+q).convert('RGBA'); b=Image.open(root+r).convert('RGBA')
    same = a.size==b.size
    frac=None
    if not same:
        b2=b.resize(a.size, Image.BILINEAR)
    else: b2=b
    A=np.asarray(a).astype(int); B=np.asarray(b2).astype(int)
    opaque=(A[...,3]>0)|(B[...,3]>0)
    eq=(np.abs(A-B).max(axis=2)<=8)&opaque
    frac=eq.sum()/max(1,opaque.sum())
    print(f"{score}\t{a.size}\t{b.size}\t{frac:.2f}\t{q}\t{r}")
