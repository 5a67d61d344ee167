# Session 34: tables from colour_layout.py's pairs (every query that keeps a
# layout against every reference that keeps one).
# Session 35 copy: reads heldout_pairs.py output (qdump qn rdump rn qc rc G C, C over boxes 15/31);
# J2 not computed (left out of the variants). Usage: GATE=0.7 python3 analyze_corpus.py cc-0.tsv cc-1.tsv
# Variants: G grey (the product), J2 grey+chroma jointly (chroma weight 2),
# C chroma alone (Cb, Cr), GC = max(G, C): chroma as separate evidence.
# A pair without colour on either side is grey alone in every variant
# (C: no evidence, so GC = G).
import sys
from collections import defaultdict
import numpy as np

Q = [l.rstrip("\n").split("\t") for l in open("/work/scratch/s30/corpus/pictures-queries.tsv")]
R = [l.strip() for l in open("/work/scratch/s30/corpus/pictures-references.txt")]
name = lambda p: p.rsplit("/", 1)[-1]
V = ["G", "C", "GC", "GCg"]
# GCg: chroma as evidence only where grey agrees somewhat: max(G, C) when
# G >= GATE, else G.
GATE = float(__import__("os").environ.get("GATE", "0.6"))
gated = lambda d: d["G"] if d["C"] is None or d["G"] is None or d["G"] < GATE else max(d["G"], d["C"])
T = 0.9
pairs = defaultdict(dict)  # query -> ref -> {variant: value}
for f in sys.argv[1:]:
    for l in open(f):
        _, qn, _, rn, qc, rc, g, c = l.rstrip("\n").split("\t")
        val = lambda s: None if s == "-" else float(s)
        d = {"G": val(g), "C": val(c)}
        d["GC"] = d["G"] if d["C"] is None else max(d["G"], d["C"])
        d["GCg"] = gated(d)
        pairs[int(qn)][int(rn)] = d
# BOX=files: J2 and C from colour_box.py's run (chroma high-passed over a
# wider box) where both sides have colour; other pairs as above.
import os
for f in filter(None, os.environ.get("BOX", "").split(",")):
    for l in open(f):
        qn, rn, qc, rc, g, j2, c = l.rstrip("\n").split("\t")
        if c == "-": continue
        d = pairs[int(qn)][int(rn)]
        d["J2"], d["C"] = float(j2), float(c)
        d["GC"] = max(d["G"], d["C"])
        d["GCg"] = gated(d)
truth = {n: (int(q[2]) if len(q) > 2 and q[2] not in ("", "-") else None) for n, q in enumerate(Q)}
kept = sorted({r for d in pairs.values() for r in d})
print(f"queries with a layout: {len(pairs)}; references with one: {len(kept)}")
fmt = lambda x: "-" if x is None else f"{x:.3f}"


def best(n, v, exclude=None):
    xs = [(d[v], r) for r, d in pairs[n].items() if d[v] is not None and r != exclude]
    return max(xs) if xs else (None, None)


# (a) the colour wheel's copies
WHEEL = R.index(next(r for r in R if name(r) == "color.png"))
print(f"\n(a) copies of color.png (reference {WHEEL}): correlation with it; best wrong; found first at {T}")
print("transform\t" + "\t".join(V) + "\tbest-wrong(" + "/".join(V) + ")")
lifted = defaultdict(int)
for n, q in enumerate(Q):
    if truth[n] != WHEEL: continue
    if n not in pairs:
        print(f"{q[1]}\t(no query layout)"); continue
    own = pairs[n].get(WHEEL, {})
    row = [fmt(own.get(v)) for v in V]
    wr = [fmt(best(n, v, WHEEL)[0]) for v in V]
    for v in V:
        b = best(n, v)
        if b[0] is not None and b[0] >= T and b[1] == WHEEL: lifted[v] += 1
    print(q[1] + "\t" + "\t".join(row) + "\t" + "/".join(wr))
print("found first at 0.9: " + ", ".join(f"{v} {lifted[v]}" for v in V))

# (b) every other soft original's copies
print(f"\n(b) copies of the other references that keep a layout: found first at {T} (own >= {T} and best)")
copies = [n for n in pairs if truth[n] is not None and truth[n] in kept and truth[n] != WHEEL]
found = {v: {n for n in copies if (b := best(n, v))[0] is not None and b[0] >= T and b[1] == truth[n]} for v in V}
own_at = {v: {n for n in copies if pairs[n].get(truth[n], {}).get(v) is not None and pairs[n][truth[n]][v] >= T} for v in V}
print(f"copies with a query layout: {len(copies)}")
for v in V:
    print(f"{v}: found first {len(found[v])}, own >= {T}: {len(own_at[v])}; "
          f"lost against G: {len(found['G'] - found[v])}, gained: {len(found[v] - found['G'])}")
for v in ("GC", "GCg"):
    for n in sorted(found["G"] - found[v]):
        b = best(n, v)
        print(f"  lost by {v}: {name(Q[n][0])} ({Q[n][1]}) own G {fmt(pairs[n][truth[n]]['G'])} -> {fmt(pairs[n][truth[n]][v])}, best {name(R[b[1]]) if b[1] is not None else '-'} {fmt(b[0])}")
    for n in sorted(found[v] - found["G"]):
        print(f"  gained by {v}: {name(Q[n][0])} ({Q[n][1]}) own G {fmt(pairs[n][truth[n]]['G'])} -> {fmt(pairs[n][truth[n]][v])}")
# own correlation drops among copies found by G
for v in ("GC", "GCg"):
    drops = [pairs[n][truth[n]][v] - pairs[n][truth[n]]["G"] for n in found["G"]]
    print(f"{v}: own correlation minus G's over the {len(drops)} found by G: min {min(drops):.3f}, median {np.median(drops):.3f}, max {max(drops):.3f}")

# (c) the false-match risk: each query's best WRONG reference
print(f"\n(c) each query's highest correlation with a wrong reference (unrelated: every reference)")
for label, sel in (("unrelated queries", [n for n in pairs if truth[n] is None]),
                   ("copies", [n for n in pairs if truth[n] is not None]),
                   ("all", list(pairs))):
    print(f"{label} ({len(sel)}):")
    for v in V:
        xs = np.array([b for n in sel if (b := best(n, v, truth[n])[0]) is not None])
        if not len(xs): print(f"  {v}: none"); continue
        qs = np.percentile(xs, [50, 90, 99, 100])
        print(f"  {v}: median {qs[0]:.3f} p90 {qs[1]:.3f} p99 {qs[2]:.3f} max {qs[3]:.3f}; "
              f">=0.8 {int((xs >= 0.8).sum())} >=0.85 {int((xs >= 0.85).sum())} >=0.9 {int((xs >= 0.9).sum())} >=0.95 {int((xs >= 0.95).sum())}")
for v in V:
    top = sorted(((b[0], n, b[1]) for n in pairs if (b := best(n, v, truth[n]))[0] is not None), reverse=True)[:10]
    print(f"top 10 wrong pairs, {v}:")
    for c, n, r in top:
        d = pairs[n][r]
        print(f"  {c:.3f}  {name(Q[n][0])} ({Q[n][1]}) -> {name(R[r])}   [G {fmt(d['G'])} C {fmt(d['C'])}]")

# (d) grayscale copies
print(f"\n(d) grayscale copies (no chroma: grey alone in every variant)")
for n in sorted(pairs):
    if Q[n][1] != "grayscale" or truth[n] not in kept: continue
    b = {v: best(n, v) for v in V}
    print(f"  {name(Q[n][0])}: own " + " ".join(f"{v} {fmt(pairs[n][truth[n]][v])}" for v in V) +
          f"; first {'yes' if b['GC'][1] == truth[n] else 'no'}")
