# Session 34 lead (not built): an answer counts only when the query scores
# it more than MARGIN above the item's own look-alike score (the best
# score another library item gets when the item is searched as a query,
# among those that are not its copies: under 0.9). Reads the full mode's
# pictures.json, the corpus's reference list and library_neighbours'
# output; prints, per margin, the unrelated queries' answers removed and
# the copies found at the threshold that would be lost. Usage:
#   python3 lookalike_rule.py OUT/pictures.json neighbours.tsv
import json, sys
run = json.load(open(sys.argv[1]))
look = {}
for line in open(sys.argv[2]):
    f = line.rstrip('\n').split('\t')
    look[int(f[0])] = (float(f[4]), f[1], f[5])
answers = next(a for a in run['answers'] if a['method'] == 'clickprint')['ranked']
name = lambda q: q['file'].rsplit('/', 1)[-1]
false = [(name(q), r[0]['reference'], r[0]['score']) for q, r in zip(run['queries'], answers)
         if q['truth'] is None and r and r[0]['score'] >= 0.3]
found = [(name(q), r[0]['reference'], r[0]['score']) for q, r in zip(run['queries'], answers)
         if q['truth'] is not None and r and r[0]['reference'] == q['truth'] and r[0]['score'] >= 0.3]
for margin in (0.0, 0.05, 0.1, 0.15, 0.2):
    removed = [f for f in false if f[2] <= look[f[1]][0] + margin]
    lost = [c for c in found if c[2] <= look[c[1]][0] + margin]
    print(f"margin {margin}: unrelated answers removed {len(removed)} of {len(false)}, "
          f"copies lost {len(lost)} of {len(found)}: "
          + ", ".join(f"{c[0]} {c[2]:.3f}" for c in lost[:8]))
print("\nmargin 0.05, the unrelated answers: query, answer, score, answer's look-alike score, look-alike")
for f in sorted(false, key=lambda f: -f[2]):
    s, answer, other = look[f[1]]
    mark = "removed" if f[2] <= s + 0.05 else ""
    print(f"{f[0]}\t{answer}\t{f[2]:.3f}\t{s:.3f}\t{other}\t{mark}")
