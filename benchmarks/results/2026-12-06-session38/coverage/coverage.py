"""Session 38: would a floor on the inliers' spread tell template matches
from copies? Reads `picture_evidence`'s output (every copy against its
original, every unrelated query against its best reference at the
threshold or above; the last two columns the share of the query's and
of the reference's keypoint box the inliers' box covers) and counts, for
floors on the larger share, the copies at the threshold whose strongest
local match falls under it and the unrelated answers left.

    python3 coverage.py evidence.tsv
"""
import collections, sys

THRESHOLD = 0.3
copies, unrelated = [], []
for line in open(sys.argv[1]):
    row = line.rstrip("\n").split("\t")
    score = float(row[3])
    spread = max(float(row[12]), float(row[13])) if len(row) >= 14 else None
    (unrelated if row[0] == "unrelated_clipart" else copies).append((row[0], row[1], row[2], score, spread))
answered = [u for u in unrelated if u[3] >= THRESHOLD]
for floor in [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5]:
    lost = [c for c in copies if c[3] >= THRESHOLD and c[4] is not None and c[4] < floor]
    left = [u for u in answered if u[4] is None or u[4] >= floor]
    rows = collections.Counter(c[0] for c in lost).most_common(4)
    print(f"floor {floor}: copies under it {len(lost)} {rows}; unrelated answers left {len(left)} of {len(answered)}")
for u in sorted(answered, key=lambda u: -u[3]):
    print(f"  {u[3]:.3f}\t{u[1]}\t{u[2]}\t{u[4]}")
