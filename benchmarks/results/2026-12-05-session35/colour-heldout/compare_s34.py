# Session 35: are heldout_pairs.py's G and C (corpus copies set) exactly session 34's?
# G against s34's pairs-*.tsv (colour_layout.py, column G), C against box-*.tsv
# (colour_box.py, CBOX=15,31, column C). Session 34's tables were still in /work/scratch/s34/colour.
import sys
S = "/work/scratch/s34/colour/"
G, C = {}, {}
for f in ("pairs-0.tsv", "pairs-1.tsv"):
    for l in open(S + f):
        a = l.rstrip("\n").split("\t"); G[(a[0], a[1])] = a[4]
for f in ("box-0.tsv", "box-1.tsv"):
    for l in open(S + f):
        a = l.rstrip("\n").split("\t"); C[(a[0], a[1])] = a[6]
n = dg = dc = 0; worst = 0.0
for f in sys.argv[1:]:
    for l in open(f):
        _, qn, _, rn, qc, rc, g, c = l.rstrip("\n").split("\t")
        k = (qn, rn); n += 1
        if G[k] != g:
            dg += 1
            if "-" not in (g, G[k]): worst = max(worst, abs(float(g) - float(G[k])))
        if C[k] != c:
            dc += 1
            if "-" not in (c, C[k]): worst = max(worst, abs(float(c) - float(C[k])))
print(f"pairs {n}: G differs from session 34 in {dg}, C in {dc}; largest difference {worst:.4f}")
