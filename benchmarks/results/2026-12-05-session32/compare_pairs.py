# Two `layout_pairs` outputs on the same corpus, query by query: copies
# found first at 0.9 gained and lost, wrong answers and unrelated queries
# let through in the second. Usage: `python3 compare_pairs.py BEFORE AFTER [M]`;
# with M, the second's correlations of queries with outliers left out
# (`masked`) are scaled as `layout::MASKED_MATCH_CORRELATION` = M would
# (their distance from 1 times 0.1 / (1 - M)); 0.9 leaves them as they are.
import sys


def load(path):
    return {p[2]: p for p in (l.rstrip('\n').split('\t') for l in open(path)) if p[0] == 'query'}


before, after = load(sys.argv[1]), load(sys.argv[2])
m = float(sys.argv[3]) if len(sys.argv) > 3 else 0.9


def scaled(c, masked):
    if c == '-':
        return None
    c = float(c)
    return 1 - (1 - c) * 0.1 / (1 - m) if masked else c


gained, lost, unrelated, wrong = [], [], [], []
for name, p in after.items():
    o = before[name]
    masked = len(p) > 7 and p[7] == 'masked'
    own, other = scaled(p[5], masked), scaled(p[6] if len(p) > 6 else '-', masked)
    was = o[5] != '-' and o[4] == o[5] and float(o[5]) >= 0.9
    now = own is not None and own >= 0.9 and (other is None or own >= other)
    if p[1].startswith('unrelated') or p[5] == '-':
        if other is not None and other >= 0.9:
            unrelated.append((name, round(other, 3)))
        continue
    if other is not None and other >= 0.9 and (own is None or other > own):
        wrong.append((name, round(other, 3)))
    if now and not was:
        gained.append((p[1], name, round(own, 3)))
    if was and not now:
        lost.append((p[1], name, p[5], 'masked' if masked else '-'))
for what, rows in [('gained', gained), ('lost', lost), ('wrong', wrong), ('unrelated', unrelated)]:
    print(what, len(rows))
    for r in rows:
        print('  ', *r)
