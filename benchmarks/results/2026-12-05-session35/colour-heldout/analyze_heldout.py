# Session 35: the held-out check of session 34's GCg gate.
# Usage: python3 analyze_heldout.py SET pairs-SET-0.tsv pairs-SET-1.tsv
# Every pair is a wrong pair (unrelated pictures), except in set iii the pairs
# of byte-identical files (heldout-dups.txt), reported apart, and any pair
# listed in same-picture.txt (tab: query path, reference path) found by eye.
# GCg(gate) = max(G, C) where C exists (both sides have colour, both complex
# enough) and G >= gate; else G. A match is >= 0.9.
import sys, os
from collections import defaultdict
T = 0.9
GATES = (0.65, 0.7, 0.75, 0.8)
D = "/work/scratch/s35/heldout/"
paths = {}
for name in ("corpus", "heldout"):
    for l in open(D + f"dump-{name}.tsv"):
        a = l.rstrip("\n").split("\t"); paths[(name, a[0], a[1])] = a[6]
short = lambda p: p.replace("/usr/share/openclipart/png/", "oc:").replace("/work/scratch/s30/cwork/pictures/", "cw:")
md5 = {}
for l in open(D + "all-clipart.md5"):
    h, p = l.rstrip("\n").split("  ", 1); md5[p] = h
same = set()
if os.path.exists(D + "same-picture.txt"):
    for l in open(D + "same-picture.txt"):
        if l.strip() and not l.startswith("#"):
            a, b = l.rstrip("\n").split("\t")[:2]; same.add((a, b)); same.add((b, a))
s = sys.argv[1]
rows, apart = [], []
for f in sys.argv[2:]:
    for l in open(f):
        qd, qn, rd, rn, qc, rc, g, c = l.rstrip("\n").split("\t")
        qp, rp = paths[(qd, "query", qn)], paths[(rd, "ref", rn)]
        g = None if g == "-" else float(g); c = None if c == "-" else float(c)
        row = (g, c, qp, rp, qc == "1", rc == "1", (qd, qn, rd, rn))
        if (qp in md5 and rp in md5 and md5[qp] == md5[rp]) or (qp, rp) in same: apart.append(row)
        else: rows.append(row)
gcg = lambda r, gate: r[0] if r[1] is None or r[0] is None or r[0] < gate else max(r[0], r[1])
nq = len({r[2] for r in rows + apart}); nr = len({r[3] for r in rows + apart})
print(f"set {s}: {len(rows) + len(apart)} pairs ({nq} queries x {nr} references); "
      f"compared (both complex enough): {sum(r[0] is not None for r in rows)}; "
      f"with C (both have colour): {sum(r[1] is not None for r in rows)}; same picture, apart: {len(apart)}")
print(f"wrong pairs >= {T}:")
print(f"  G (grey alone, the product): {sum(r[0] is not None and r[0] >= T for r in rows)}"
      f" ({len({r[2] for r in rows if r[0] is not None and r[0] >= T})} queries)")
for gate in GATES:
    hit = [r for r in rows if (v := gcg(r, gate)) is not None and v >= T]
    raised = [r for r in hit if not (r[0] >= T)]
    print(f"  GCg gate {gate}: {len(hit)} ({len({r[2] for r in hit})} queries); raised by chroma past {T}: {len(raised)}")
    for r in sorted(raised, reverse=True, key=lambda r: r[1]):
        print(f"      G {r[0]:.3f} C {r[1]:.3f}  {short(r[2])} -> {short(r[3])}")
print(f"  GC ungated (for reference): {sum(r[0] >= T or (r[1] is not None and r[1] >= T) for r in rows if r[0] is not None)}")
print(f"wrong pairs with G >= {T} (grey alone):")
for r in sorted((r for r in rows if r[0] is not None and r[0] >= T), reverse=True)[:30]:
    print(f"  G {r[0]:.3f} C {'-' if r[1] is None else f'{r[1]:.3f}'}  {short(r[2])} -> {short(r[3])}")
print("top 15 wrong pairs by C among G >= 0.6:")
for r in sorted((r for r in rows if r[1] is not None and r[0] is not None and r[0] >= 0.6), key=lambda r: -r[1])[:15]:
    print(f"  C {r[1]:.3f} G {r[0]:.3f}  {short(r[2])} -> {short(r[3])}")
for gate in GATES:
    up = [r for r in rows if r[1] is not None and r[0] is not None and r[0] >= gate and r[1] > r[0] and r[0] < T]
    b = max(up, key=lambda r: r[1], default=None)
    print(f"highest chroma-raised wrong pair (G < {T}, C > G), gate {gate}: " +
          ("none" if b is None else f"GCg {b[1]:.3f} (G {b[0]:.3f})  {short(b[2])} -> {short(b[3])}") +
          f"; chroma-raised pairs: {len(up)}, of them >= 0.85: {sum(r[1] >= 0.85 for r in up)}")
if apart:
    print(f"same-picture pairs (apart, {len(apart)}): G >= {T}: {sum(r[0] is not None and r[0] >= T for r in apart)}, "
          f"GCg(0.7) >= {T}: {sum((v := gcg(r, 0.7)) is not None and v >= T for r in apart)}, not compared: {sum(r[0] is None for r in apart)}")

# pairs to check by eye: every wrong pair >= T in G or GCg(0.65), and the top 15 by C (G >= 0.6)
eye = [r for r in rows if r[0] is not None and (r[0] >= T or gcg(r, 0.65) >= T)]
eye += [r for r in sorted((r for r in rows if r[1] is not None and r[0] is not None and r[0] >= 0.6), key=lambda r: -r[1])[:15] if r not in eye]
with open(f"eye-{s}.tsv", "w") as f:
    for k, r in enumerate(eye):
        f.write("\t".join(r[6]) + f"\t{k}\tG {r[0]:.3f} C {'-' if r[1] is None else f'{r[1]:.3f}'}\t{short(r[2])}\t{short(r[3])}\n")
