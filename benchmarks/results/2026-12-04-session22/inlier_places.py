"""Would counting an inlier once per place keep the copies and drop the
clip-art false matches? Reads `picture_evidence`'s output and, for each
local verdict (the global hash under the threshold), recomputes the
matcher's significance with the inliers in distinct places (8 or 12
working pixels apart) in place of all inliers, the chance model unchanged:

    significance = -log10(tests x 400) - log10 P(Poisson(chance) >= k - 2)

with tests = putative (putative - 1) / 2, as `verify` computes it. Prints,
per count and required significance, the copies the rule would lose and
the clip-art false matches it would keep.

    python3 inlier_places.py evidence.tsv
"""
import math
import sys

SEARCHED = 400.0
THRESHOLD = 0.3


def log10_tail(lam, k):
    """log10 P(X >= k), X ~ Poisson(lam): `log10_poisson_tail` in Rust."""
    if k <= 0:
        return 0.0
    lam = max(lam, 1e-9)
    ln_first = -lam + k * math.log(lam) - math.lgamma(k + 1)
    total, term = 1.0, 1.0
    for j in range(k + 1, k + 200):
        term *= lam / j
        total += term
        if term < 1e-12 * total:
            break
    return min(0.0, (ln_first + math.log(total)) / math.log(10))


def significance(putative, chance, k):
    tests = putative * (putative - 1) / 2
    return -math.log10(tests * SEARCHED) - log10_tail(chance, k - 2)


rows = []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 12:
        continue
    transform, query, _, score, global_ = f[0], f[1], f[2], float(f[3]), float(f[4])
    inliers, putative, sig, chance = int(f[6]), int(f[7]), float(f[8]), float(f[9])
    at8, at12 = int(f[10]), int(f[11])
    if global_ >= THRESHOLD or score < THRESHOLD:
        continue  # the global hash decides, or nothing is found
    rows.append(dict(transform=transform, query=query, inliers=inliers,
                     all=sig, at8=significance(putative, chance, at8),
                     at12=significance(putative, chance, at12)))

copies = [r for r in rows if r["transform"] != "unrelated_clipart"]
false = [r for r in rows if r["transform"] == "unrelated_clipart"]
print(f"local verdicts at the threshold: {len(copies)} copies, {len(false)} clip-art false matches")
print("| inliers counted | significance needed | copies lost | originals of the lost | false matches kept |")
print("| --- | --- | --- | --- | --- |")
for key, label in (("all", "all (the search)"), ("at8", "one per 8 px"), ("at12", "one per 12 px")):
    for need in (3, 4, 5, 6):
        lost = [r for r in copies if r[key] < need]
        kept = [r for r in false if r[key] >= need]
        originals = {}
        for r in lost:
            o = r["query"].split(".")[0]
            originals[o] = originals.get(o, 0) + 1
        names = ", ".join(f"{o} {n}" for o, n in sorted(originals.items(), key=lambda x: -x[1]))
        print(f"| {label} | {need} | {len(lost)} | {names or '-'} | {len(kept)} |")
