# Session 35 held-out check of session 34's GCg gate. Uses colour_box.py's
# search (session 34, copied unchanged but for the dump path, which is now
# an argument here) with CBOX=15,31. One pass per pair gives:
#   G: grey alone (the product's layout correlation; as colour_layout.py),
#   C: Cb+Cr alone, high-passed over boxes CBOX (as colour_box.py), only
#      when both sides have colour and the complexities allow (else "-").
# J2 is not computed (not needed; it does not change G or C).
# Usage: CBOX=15,31 PYTHONPATH=/work/main/.deps/eval-python python3 heldout_pairs.py \
#   SET PART NPARTS OUT.tsv [STRIDE]
# Sets i, ii, iii take their queries in a fixed shuffled order (seed 35), so
# a run stopped early (timeout) has done a random subsample of queries.
#   SET: corpus-copies (corpus queries whose original keeps a layout x corpus refs),
#        corpus-all, i (held-out queries x corpus refs),
#        ii (corpus queries x held-out refs), iii (held-out queries x held-out refs,
#        the same file left out). STRIDE: only every STRIDE-th query (subsample).
# Output: qdump qn rdump rn qcolour rcolour G C
import os, sys, time
assert os.environ.get("CBOX") == "15,31"
import colour_box as cb
import numpy as np

D = "/work/scratch/s35/heldout/"


def entries(name):
    return [e for e in cb.load(D + "dump-" + name)]


def corr(q, r):
    if q.complexity < cb.MIN_QUERY_COMPLEXITY or r.complexity < cb.MIN_COMPLEXITY:
        return None, None
    both = q.colour and r.colour
    pw = {"G": (1, 0, 0), "C": (0, 1, 1)} if both else {"G": (1, 0, 0)}
    whole = cb.search(q, r, pw, False)
    redo = {v: w for v, w in pw.items() if q.masking and not (whole[v] is not None and whole[v] >= cb.MATCH)}
    masked = cb.search(q, r, redo, True) if redo else {}
    res = {}
    for v in ("G", "C"):
        a, b = whole.get(v), masked.get(v)
        if b is not None: b = 1 - (1 - b) * (1 - cb.MATCH) / (1 - cb.MASKED_MATCH)
        res[v] = max(a, b) if a is not None and b is not None else (a if a is not None else b)
    return res["G"], res["C"]


if __name__ == "__main__":
    s, part, parts, outp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    stride = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    qd, rd = {"corpus-copies": ("corpus", "corpus"), "corpus-all": ("corpus", "corpus"),
              "i": ("heldout", "corpus"), "ii": ("corpus", "heldout"), "iii": ("heldout", "heldout")}[s]
    E = {n: entries(n) for n in {qd, rd}}
    refs = [e for e in E[rd] if e[0] == "ref" and e[2]]
    queries = [e for e in E[qd] if e[0] == "query" and e[2]]
    if s == "corpus-copies":
        Q = [l.rstrip("\n").split("\t") for l in open("/work/scratch/s30/corpus/pictures-queries.tsv")]
        kept = {e[1] for e in refs}
        queries = [e for e in queries if Q[e[1]][2] not in ("", "-") and int(Q[e[1]][2]) in kept]
    if s in ("i", "ii", "iii"):  # a fixed shuffle: any prefix is a random subsample
        queries = [queries[i] for i in np.random.default_rng(35).permutation(len(queries))]
    queries = queries[::stride]
    print(f"{s}: {len(queries)} queries x {len(refs)} refs (this part: every {parts}-th)", file=sys.stderr)
    with open(outp, "w") as f:
        t0, pairs = time.time(), 0
        for k, (_, qn, _, qpath, q) in enumerate(queries):
            if k % parts != part: continue
            for _, rn, _, rpath, r in refs:
                if s == "iii" and rpath == qpath: continue
                g, c = corr(q, r); pairs += 1
                f.write(f"{qd}\t{qn}\t{rd}\t{rn}\t{int(q.colour)}\t{int(r.colour)}\t"
                        + ("-" if g is None else f"{g:.4f}") + "\t" + ("-" if c is None else f"{c:.4f}") + "\n")
            f.flush(); q.cache.clear()
            if k % 100 < parts: print(f"{k} of {len(queries)}: {time.time() - t0:.0f} s, {pairs} pairs", file=sys.stderr)
        print(f"pairs {pairs}, {1000 * (time.time() - t0) / max(pairs, 1):.2f} ms each (wall)", file=sys.stderr)
