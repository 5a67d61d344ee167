# Pairs for the overlap check (session 39): every copy found first at the
# threshold in a run's pictures.json(.gz), and every unrelated query
# answered above it with its answer, labelled by session 38's classes.
# Usage: python3 pairs.py PICTURES_JSON CORPUS_DIR > pairs.tsv
import gzip, json, os, sys
opener = gzip.open if sys.argv[1].endswith('.gz') else open
run = json.load(opener(sys.argv[1]))
corpus = sys.argv[2]
by_name = {}
for l in open(os.path.join(corpus, 'pictures-queries.tsv')):
    p = l.split('\t')[0]
    by_name[os.path.basename(p)] = p
template = {'pcmcia.png', 'gnome-mime-text.png', 'semaphore_india.png',
            'aiga_tickey_purchase1.png', 'togo.png', 'france_orleanais.png'}
changed_colour = {'svg_globe_green.png', 'prevfuzzy.png'}
answers = next(a for a in run['answers'] if a['method'] == 'clickprint')['ranked']
for q, ranked in zip(run['queries'], answers):
    top = ranked[0] if ranked else None
    if not top or top['score'] < 0.3:
        continue
    base = os.path.basename(q['file'])
    path = by_name.get(base, q['file'])
    if q['truth'] is None:
        label = 'C' if base in template else 'A' if base in changed_colour else 'B'
        print(f"{path}\t{top['reference']}\t{label}")
    elif top['reference'] == q['truth']:
        print(f"{path}\t{q['truth']}\tcopy:{q['transform']}")
