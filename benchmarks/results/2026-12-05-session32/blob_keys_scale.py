# The blob-key spike (blob_keys_spike.py) against a larger library: the
# corpus's references plus every openclipart PNG and /usr/share/backgrounds
# (8,006 pictures that load); the originals' ranks. Usage, from the
# repository root: `PYTHONPATH=.deps/eval-python python3
# blob_keys_scale.py REFERENCES.txt QUERIES.tsv...` (2 processes, 5 minutes).
import collections, glob, multiprocessing as mp, os, sys, warnings
warnings.filterwarnings('ignore')
src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'blob_keys_spike.py')).read()
exec(src[:src.index('refs = ')])

def lib_keys(path):
    try:
        return keys(blobs(path))
    except Exception:
        return None

if __name__ == '__main__':
    refs = [l.strip() for l in open(sys.argv[1])]
    seen = set(os.path.realpath(r) for r in refs)
    extra = [p for p in sorted(glob.glob('/usr/share/openclipart/png/**/*.png', recursive=True)) + sorted(glob.glob('/usr/share/backgrounds/*')) if os.path.realpath(p) not in seen]
    allrefs = refs + extra
    with mp.Pool(2) as pool:
        ks = pool.map(lib_keys, allrefs, chunksize=64)
    lib = {i: k for i, k in enumerate(ks) if k is not None}
    index = collections.defaultdict(list)
    for i, v in lib.items():
        for k in v:
            index[k].append(i)
    holders = {k: len(v) for k, v in index.items()}
    print('references', len(lib), 'distinct keys', len(holders), flush=True)
    for qfile in sys.argv[2:]:
        for line in open(qfile):
            path, t, truth = line.rstrip('\n').split('\t')
            p = blobs(path)
            qk = keys(p) | keys(p, True)
            score = collections.Counter()
            for k in qk:
                for i in index.get(k, ()):
                    score[i] += 1 / holders[k]
            ranked = [i for i, _ in score.most_common()]
            tr = int(truth)
            rank = ranked.index(tr) + 1 if tr in score else None
            print(f"{t}\t{path.rsplit('/',1)[-1]}\trank {rank}\tscore {score.get(tr,0):.2f}\t100th {score[ranked[99]] if len(ranked)>99 else 0:.2f}", flush=True)
