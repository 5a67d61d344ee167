# Of the search's misses in a pictures.json, which the colour hash alone would
# answer right within T, and which unrelated queries it would let through:
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
for T in (30, 40, 50, 60, 68):
    recovered, false = collections.Counter(), []
    for q, ranked in zip(run['queries'], answers):
        n = index[q['file'].rsplit('/', 1)[-1]]
        cb, cd, _ = rows[n]['chroma']
        top = ranked[0] if ranked else None
        ok = top and top['score'] >= 0.3
        if q['truth'] is None:
            if not ok and cd <= T:
                false.append(q['file'].rsplit('/', 1)[-1])
            continue
        if (not ok or top['reference'] != q['truth']) and cd <= T and cb == q['truth']:
            recovered[q['file'].rsplit('/', 1)[-1].split('.')[0]] += 1
    print(T, 'recovered', sum(recovered.values()), dict(recovered), 'new unrelated', len(false), false[:8])
