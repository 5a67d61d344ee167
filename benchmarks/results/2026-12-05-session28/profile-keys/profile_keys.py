# Keys from a picture's 1-D profile (issue 24, item 3: pictures that vary
# one way, `Stripes`): would keys a crop keeps make the original a
# candidate, without making unrelated pictures candidates? Session 26's
# profile (column medians of grey, high-passed by a 1/16-width box mean,
# z-scored; `../../2026-12-04-session26/profile/profile.py`), here at 256
# samples for every picture; its extrema (a local maximum or minimum within
# +-W samples, at least T standard deviations from 0, kinds alternating);
# and per run of N consecutive extrema (x1..xN) a key of the first's kind
# and the N-2 gap ratios (xi-x1)/(xN-x1), each cut into Q bins. The ratios
# do not move when a picture is resized and the same extrema are found; a
# crop changes the high-pass and the z-score, so the extrema found (and
# the runs) can differ. A mirror reverses a run: the query's reversed
# profile is keyed too. With KEYS=shape, a run's key is instead the first
# extremum's kind and the signs of DCT coefficients 1..B (B bits) of the
# profile between the run's first and last extremum resampled to 32
# samples: its shape. Prints, per reference varying one way (column/row
# high-pass deviation over RATIO) with copies: the unrelated queries'
# most keys shared with it, its keys, the other references' most shared,
# and each copy's shared keys with it and the original's rank among the
# references by shared keys (the best and the worst place its ties
# allow); first, the unrelated queries' most keys shared with any one-way
# reference. Measurement only: nothing of it is in the product.
#   python3 benchmarks/results/2026-12-05-session28/profile-keys/profile_keys.py CORPUS
# (CORPUS as `clickprint-eval --mode full --pictures-only --corpus-only`
# writes it; from the repository root; KEYS, W, T, Q, N, B, RATIO in the
# environment.)
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
sys.path.insert(0, os.path.join(ROOT, ".deps/eval-python"))
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

W = int(os.environ.get("W", "3"))
T = float(os.environ.get("T", "0.5"))
Q = int(os.environ.get("Q", "12"))
N = int(os.environ.get("N", "4"))
KEYS = os.environ.get("KEYS", "gaps")
B = int(os.environ.get("B", "10"))
BASIS = np.cos(np.pi / 64 * np.outer(np.arange(1, B + 1), 2 * np.arange(32) + 1))
RATIO = float(os.environ.get("RATIO", "3"))
corpus = sys.argv[1]
refs = [line.strip() for line in open(os.path.join(corpus, "pictures-references.txt")) if line.strip()]
queries = [line.rstrip("\n").split("\t") for line in open(os.path.join(corpus, "pictures-queries.tsv")) if line.strip()]


def profiles(path, n=256):
    g = np.asarray(Image.open(path).convert("L"), dtype=np.float32)

    def hp(v):
        v = np.interp(np.linspace(0, len(v) - 1, n), np.arange(len(v)), v)
        k = max(3, n // 16) | 1
        smooth = np.convolve(np.pad(v, k // 2, mode="edge"), np.ones(k) / k, mode="valid")
        d = v - smooth
        s = d.std()
        return d / s if s > 1e-6 else d * 0, s

    (c, cs), (r, rs) = hp(np.median(g, axis=0)), hp(np.median(g, axis=1))
    return c, cs / (rs + 1e-6)


def extrema(p):
    out = []
    for x in range(len(p)):
        window = p[max(0, x - W): x + W + 1]
        if abs(p[x]) >= T and (p[x] == window.max() or p[x] == window.min()):
            kind = 1 if p[x] > 0 else 0
            if not out or out[-1][1] != kind:
                out.append((x, kind))
    return out


def keys(p):
    e = extrema(p)
    out = set()
    for i in range(len(e) - N + 1):
        run = e[i: i + N]
        x1, span = run[0][0], run[-1][0] - run[0][0]
        if KEYS == "shape":
            part = np.interp(np.linspace(x1, run[-1][0], 32), np.arange(len(p)), p)
            out.add((run[0][1],) + tuple(bool(c > 0) for c in BASIS @ (part - part.mean())))
        else:
            out.add((run[0][1],) + tuple(min(Q - 1, int((x - x1) / span * Q)) for x, _ in run[1:-1]))
    return out


ref_keys, oneway = [], []
for i, path in enumerate(refs):
    p, ratio = profiles(path)
    ks = keys(p)
    ref_keys.append(ks)
    if ratio > RATIO:
        oneway.append(i)
print(f"KEYS={KEYS} W={W} T={T} Q={Q} N={N} B={B}: {len(oneway)} of {len(refs)} references vary one way (ratio > {RATIO}); "
      f"keys a reference: median {int(np.median([len(k) for k in ref_keys]))}")


def query_keys(path):
    p, _ = profiles(path)
    return keys(p) | keys(p[::-1])


def shared(qk, i):
    return len(qk & ref_keys[i])


with_copies = sorted({int(q[2]) for q in queries if q[2] != "-"} & set(oneway))
unrelated = [query_keys(path) for path, _, truth in queries if truth == "-"]
unrelated_best = sorted((max((shared(qk, i), os.path.basename(refs[i])) for i in oneway) for qk in unrelated), reverse=True)
print("unrelated queries, most keys shared with a one-way reference (best 8 of",
      f"{len(unrelated_best)}):", ", ".join(f"{n} ({r})" for n, r in unrelated_best[:8]))
for ri in with_copies:
    worst = sorted((shared(qk, ri) for qk in unrelated), reverse=True)
    print(f"\n{os.path.basename(refs[ri])}: unrelated queries sharing most with it: {worst[:5]}", end="")
    others = sorted(((len(ref_keys[j] & (ref_keys[ri] | keys(profiles(refs[ri])[0][::-1]))), os.path.basename(refs[j]))
                     for j in range(len(refs)) if j != ri), reverse=True)
    print(f"\n  {len(ref_keys[ri])} keys; other references sharing most:",
          ", ".join(f"{n} ({r})" for n, r in others[:4]))
    rows = []
    for path, transform, truth in queries:
        if truth == "-" or int(truth) != ri:
            continue
        qk = query_keys(path)
        mine = shared(qk, ri)
        above = sum(1 for j in range(len(refs)) if j != ri and shared(qk, j) > mine)
        tied = sum(1 for j in range(len(refs)) if j != ri and shared(qk, j) == mine)
        rows.append((mine, transform, above + 1, above + tied + 1))
    rows.sort(reverse=True)
    # The original's rank among the references by shared keys: the best
    # and the worst place its ties allow.
    print("  copies (shared keys, the original's rank among all references, best-worst with ties):",
          ", ".join(f"{t} {n} #{r}-{w}" for n, t, r, w in rows))
