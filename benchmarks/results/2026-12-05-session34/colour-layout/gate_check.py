# Session 34: wrong pairs (a query against a reference not its truth) whose
# chroma correlation (box-15 run) exceeds their grey one: how far a grey
# gate keeps them from the threshold. Prints the top 15 by chroma among
# G >= 0.5, with G; and the wheel's copies' G for comparison.
Q = [l.rstrip("\n").split("\t") for l in open("/work/scratch/s30/corpus/pictures-queries.tsv")]
R = [l.strip().rsplit("/", 1)[-1] for l in open("/work/scratch/s30/corpus/pictures-references.txt")]
truth = lambda n: None if len(Q[n]) < 3 or Q[n][2] in ("", "-") else int(Q[n][2])
G = {}
for f in ("pairs-0.tsv", "pairs-1.tsv"):
    for l in open(f):
        a = l.split("\t"); G[(int(a[0]), int(a[1]))] = float(a[4]) if a[4] != "-" else None
rows = []
for f in ("box-0.tsv", "box-1.tsv"):
    for l in open(f):
        a = l.rstrip("\n").split("\t")
        q, r = int(a[0]), int(a[1])
        if a[6] == "-" or r == truth(q): continue
        g, c = G[(q, r)], float(a[6])
        if g is not None and g >= 0.5 and c > g: rows.append((c, g, Q[q][0].rsplit("/", 1)[-1], Q[q][1], R[r]))
rows.sort(reverse=True)
print("wrong pairs with C > G and G >= 0.5, by C (top 15):")
for c, g, q, t, r in rows[:15]: print(f"  C {c:.3f} G {g:.3f}  {q} ({t}) -> {r}")
print("highest C among wrong pairs with G >= 0.7:", max((x for x in rows if x[1] >= 0.7), default=None))
print("highest C among wrong pairs with G >= 0.65:", max((x for x in rows if x[1] >= 0.65), default=None))
