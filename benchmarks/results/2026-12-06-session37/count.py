"""Session 37: copies found first, wrong top-1 and unrelated answers of a
pictures.json (plain or .gz) the evaluation wrote; with a second argument,
the unrelated answers (score, query, reference index).

    python3 count.py OUT/pictures.json [list]
"""
import gzip, json, sys
opener = gzip.open if sys.argv[1].endswith('.gz') else open
d = json.load(opener(sys.argv[1], 'rt'))
q = d['queries']; a = d['answers'][0]['ranked']; t = d['answers'][0]['threshold']
found = wrong = fp = 0; fps = []
for qq, r in zip(q, a):
    top = r[0] if r and r[0]['score'] >= t else None
    if qq['truth'] is None:
        if top: fp += 1; fps.append((round(top['score'], 3), qq['file'].split('/')[-1], top['reference']))
    elif top:
        if top['reference'] == qq['truth']: found += 1
        else: wrong += 1
copies = sum(1 for qq in q if qq['truth'] is not None)
unrel = sum(1 for qq in q if qq['truth'] is None)
print(f"copies found first at {t}: {found} of {copies}; wrong top-1 {wrong}; unrelated answered {fp} of {unrel} ({1000*fp/unrel:.0f} per 1,000)")
if len(sys.argv) > 2:
    for f in sorted(fps, reverse=True): print("   ", *f, sep="\t")
