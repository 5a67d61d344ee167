# Of the search's misses in a pictures.json, which the whole picture's hash
# compared another way (global_pairs' ways: colour, the reliable bits, the
# search's own at larger distances) would answer right within T, how many
# unrelated queries fall within T, and which of them the search does not
# already answer at or above its threshold (new false matches):
# python3 recover.py PICTURES_JSON NEAREST_TSV QUERIES_TSV (NEAREST_TSV: what
# global_pairs writes to GLOBAL_PAIRS_DUMP; QUERIES_TSV: pictures-queries.tsv).
import collections, json, sys
rows = collections.defaultdict(dict)
for line in open(sys.argv[2]):
    n, way, best, d, td = line.rstrip('\n').split('\t')
    rows[int(n)][way] = (int(best) if best != str(2**64-1) else -1, float(d), float(td))
queries = [l.rstrip('\n').split('\t') for l in open(sys.argv[3])]
index = {q[0].rsplit('/', 1)[-1]: n for n, q in enumerate(queries)}
run = json.load(open(sys.argv[1]))
answers = next(a for a in run['answers'] if a['method'] == 'clickprint')['ranked']
for way, limits in (('chroma', (30, 40, 50, 60, 68)), ('top-128', (8, 12, 16, 20, 24)), ('weighted-2', (15.5, 20, 24, 28)), ('search', (28, 32, 36, 40))):
  for T in limits:
    recovered, false = collections.Counter(), []
    for q, ranked in zip(run['queries'], answers):
        n = index[q['file'].rsplit('/', 1)[-1]]
        b, d, _ = rows[n][way]
        top = ranked[0] if ranked else None
        ok = top and top['score'] >= 0.3
        if q['truth'] is None:
            if not ok and d <= T:
                false.append(q['file'].rsplit('/', 1)[-1])
            continue
        if (not ok or top['reference'] != q['truth']) and d <= T and b == q['truth']:
            recovered[q['file'].rsplit('/', 1)[-1].split('.')[0]] += 1
    within = sum(1 for q in run['queries'] if q['truth'] is None
                 and rows[index[q['file'].rsplit('/', 1)[-1]]][way][1] <= T)
    print(way, T, 'recovered', sum(recovered.values()), dict(recovered),
          'unrelated within', within, 'of them not already false matches', len(false), false[:6])
