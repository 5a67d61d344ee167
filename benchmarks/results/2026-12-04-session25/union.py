# Luma within its limit, else colour within T: copies found and unrelated
# queries let through, per T (usage: python3 union.py NEAREST_TSV QUERIES_TSV,
# NEAREST_TSV being what global_pairs writes to GLOBAL_PAIRS_DUMP).
import collections, sys
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    n, way, best, d, td = line.rstrip('\n').split('\t')
    rows[int(n)][way] = (int(best) if best != str(2**64-1) else -1, float(d), float(td))
queries = [l.rstrip('\n').split('\t') for l in open(sys.argv[2])]
truth = [None if q[2] == '-' else int(q[2]) for q in queries]
for luma_way, luma_limit in (('search', 28), ('top-128', 8), ('weighted-2', 15.5)):
  for T in (0, 20, 30, 40, 50, 60, 68):
    found = fp = 0
    per = collections.Counter()
    for n, t in enumerate(truth):
        lb, ld, _ = rows[n][luma_way]
        cb, cd, _ = rows[n]['chroma']
        answer = lb if ld <= luma_limit else (cb if cd <= T else None)
        if t is None:
            fp += answer is not None
        elif answer == t:
            found += 1; per[queries[n][1]] += 1
    print(luma_way, 'colour limit', T, 'found', found, 'unrelated through', fp)
