# Held-out pick: openclipart PNGs not in the session-30 corpus lists (by path),
# sorted; 2,000 evenly spaced: index floor(j * N / 2000), j = 0..1999.
# Then files byte-identical (md5) to any corpus reference or query are dropped.
import collections
cand = [l.rstrip("\n") for l in open("candidates.txt")]
N = len(cand)
pick = [cand[j * N // 2000] for j in range(2000)]
md5 = {}
for f in ("all-clipart.md5",):
    for l in open(f):
        h, p = l.rstrip("\n").split("  ", 1); md5[p] = h
corpus = set()
for f in ("corpus-refs.md5", "corpus-queries.md5"):
    for l in open(f): corpus.add(l.split("  ", 1)[0])
dropped = [p for p in pick if md5[p] in corpus]
keep = [p for p in pick if md5[p] not in corpus]
print(f"candidates {N}, picked {len(pick)}, identical to a corpus file: {len(dropped)}, kept {len(keep)}")
for p in dropped: print("  dropped", p)
# duplicates within the held-out set
by = collections.defaultdict(list)
for p in keep: by[md5[p]].append(p)
dups = [v for v in by.values() if len(v) > 1]
print(f"groups of identical files within held-out: {len(dups)}")
with open("heldout-dups.txt", "w") as f:
    for v in dups: f.write("\t".join(v) + "\n")
open("heldout-references.txt", "w").write("".join(p + "\n" for p in keep))
open("heldout-queries.tsv", "w").write("".join(f"{p}\theldout_clipart\t-\n" for p in keep))
