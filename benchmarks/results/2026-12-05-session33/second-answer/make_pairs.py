# Session 33 lead (not built): for each unrelated query whose first two
# answers both reach the threshold, the first answer's library file as a
# query against the second answer (`picture_evidence` prints that pair's
# score as a copy's). Usage, from the repository root:
#   python3 make_pairs.py OUT/pictures.json CORPUS/pictures-references.txt PAIRS.tsv META.tsv
#   target/release/examples/picture_evidence CORPUS/pictures-references.txt PAIRS.tsv > ab-out.txt
import json, sys
run = json.load(open(sys.argv[1]))
refs = [l.strip() for l in open(sys.argv[2])]
answers = next(a for a in run['answers'] if a['method'] == 'clickprint')['ranked']
pairs, meta = open(sys.argv[3], 'w'), open(sys.argv[4], 'w')
for q, r in zip(run['queries'], answers):
    if q['truth'] is not None or len(r) < 2 or r[1]['score'] < 0.3:
        continue
    a, b = r[0]['reference'], r[1]['reference']
    pairs.write(f"{refs[a]}\tab\t{b}\n")
    meta.write(f"{q['file'].rsplit('/', 1)[-1]}\t{r[0]['score']:.3f}\t{r[1]['score']:.3f}\t"
               f"{refs[a].rsplit('/', 1)[-1]}\t{refs[b].rsplit('/', 1)[-1]}\n")
