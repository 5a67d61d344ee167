# clickprint's copies missed at the threshold in a picture run's pictures.json, by
# original: usage `python3 misses.py pictures.json [threshold]` (0.3, the search's
# default). A copy is missed when its first answer is not its original or scores under
# the threshold; an unrelated query is a false match when its first answer scores at
# or above it.
import collections, json, sys

run = json.load(open(sys.argv[1]))
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
answers = next(a for a in run['answers'] if a['method'] == 'clickprint')['ranked']
missed, copies, false = collections.Counter(), collections.Counter(), []
for query, ranked in zip(run['queries'], answers):
    name = query['file'].rsplit('/', 1)[-1].split('.')[0]
    top = ranked[0] if ranked else None
    if query['truth'] is None:
        if top and top['score'] >= threshold:
            false.append((query['transform'], name, top['reference'], round(top['score'], 3)))
        continue
    copies[name] += 1
    if not top or top['reference'] != query['truth'] or top['score'] < threshold:
        missed[name] += 1
print(f"copies missed at {threshold}: {sum(missed.values())} of {sum(copies.values())}")
for name in sorted(copies, key=lambda n: (-missed[n], n)):
    if missed[name]:
        print(f"  {name}: {missed[name]} of {copies[name]}")
print(f"unrelated queries at or above it: {len(false)}")
