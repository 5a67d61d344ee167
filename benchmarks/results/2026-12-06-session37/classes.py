"""Session 37: the unrelated answers left on the standard draw, in session
30's classes (by eye: A the same drawing recoloured, mirrored or renamed;
B the same drawing with one part changed; C only a frame or template
shared): `unrelated-43.tsv` there, joined by the query's file name.

    python3 classes.py ../2026-12-05-session30/unrelated-43.tsv standard-draw/answers.txt
"""
import collections, sys

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by_query = {r[2].rsplit("/", 1)[-1]: r[0] for r in rows[1:]}
left = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()[1:]]
count = collections.Counter()
for _, score, query, _ in left:
    c = by_query.get(query, "not among session 30's 43")
    count[c] += 1
    print(score, query, c, sep="\t")
print(dict(sorted(count.items())))
print("session 30's 43:", dict(sorted(collections.Counter(r[0] for r in rows[1:]).items())))
