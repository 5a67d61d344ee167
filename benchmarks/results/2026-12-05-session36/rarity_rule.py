"""Session 36: the inlier-rarity rule applied to `inlier_rarity`'s pairs.

    python3 rarity_rule.py PAIRS.tsv [--families REFERENCES SLOTS] [--list K]

For each query, the top answer among its candidates at the threshold
(0.3), as the search answers, under the product (no rule) and under
"a verdict on local features counts only when at least K of its inliers
are rare among the candidates (+8 bits; +0 bits for rc0)": either the pair
is dropped, or the verdict falls back to the rerank's score without the
local features. With --families, copies count only when their original is
a family member (session 35's `lookalike-families/slots.tsv`).
"""
import argparse, collections

T = 0.3
ap = argparse.ArgumentParser()
ap.add_argument("pairs")
ap.add_argument("--families", nargs=2, metavar=("REFERENCES", "SLOTS"))
ap.add_argument("--references", metavar="REFERENCES", help="an answer is right when its file is the true reference's (a library holding a picture twice)")
ap.add_argument("--list", type=int, metavar="K", help="list the unrelated answers left at K rare inliers (fallback; the grouped table's when the pairs have it)")
ap.add_argument("--rows", type=int, metavar="K", help="copies found first by row, product against K rare inliers (as --list)")
a = ap.parse_args()

stem = lambda path: path.split("/")[-1].rsplit(".", 1)[0].replace(".flat", "")
paths = [l.strip() for l in open(a.references)] if a.references else None
fam = None
if a.families:
    refs = [l.strip() for l in open(a.families[0])]
    slots = {stem(s.split("\t")[2]): s.split("\t")[0] for s in open(a.families[1]).read().splitlines()}
    fam = {i: slots.get(stem(r)) for i, r in enumerate(refs)}

Q = collections.defaultdict(list)
for line in open(a.pairs):
    r = line.rstrip("\n").split("\t")
    n, truth, i, cand, t, qn, rn, score, ev = r[:9]
    d = dict(n=int(n), truth=None if truth == "-" else int(truth), i=int(i), cand=cand == "1",
             t=t, qn=qn, rn=rn, score=float(score), ev=ev, wl=float(r[14]))
    if r[9] != "-":
        d.update(inl=int(r[9]), rl8=int(r[10]), rc8=int(r[11]), rl0=int(r[12]), rc0=int(r[13]))
        # later columns: the hit keys no other reference holds, held by
        # at most 2 others, rare among candidates but near-duplicates
        if len(r) > 17:
            d.update(uk=int(r[15]), fk=int(r[16]), rcd8=int(r[17]))
        # last: rare by the table a search would build (grouped candidates)
        if len(r) > 18:
            d.update(rg8=int(r[18]))
    Q[d["n"]].append(d)


def top(pairs, rule, fallback):
    """The answer: (score, pair) of the best candidate at the threshold."""
    best = None
    for p in pairs:
        if not p["cand"]:
            continue
        s = p["score"]
        if p["ev"] == "local" and rule and not rule(p):
            if not fallback:
                continue
            s = p["wl"]
        if s >= T and (best is None or s > best[0]):
            best = (s, p)
    return best


def tally(rule, fallback):
    found = wrong = fp = 0
    rows = collections.Counter()
    for pairs in Q.values():
        truth = pairs[0]["truth"]
        b = top(pairs, rule, fallback)
        if truth is None:
            fp += b is not None
        elif fam is None or fam.get(truth) is not None:
            if b and (b[1]["i"] == truth or (paths and paths[b[1]["i"]] == paths[truth])):
                found += 1
                rows[pairs[0]["t"]] += 1
            elif b:
                wrong += 1
    return found, wrong, fp, rows


at = lambda key, k: (lambda p: p[key] >= k)
has = lambda key: all(key in p for ps in Q.values() for p in ps if "inl" in p)
rules = [("product", None)] + [(f"rc8 >= {k}", at("rc8", k)) for k in (1, 2, 3, 4, 5)] \
    + [(f"rc0 >= {k}", at("rc0", k)) for k in (3, 5, 6)] + [(f"rl8 >= {k}", at("rl8", k)) for k in (2, 3, 4)]
if has("rcd8"):
    rules += [(f"rcd8 >= {k}", at("rcd8", k)) for k in (2, 3, 4)]
if has("rg8"):
    rules += [(f"rg8 >= {k}", at("rg8", k)) for k in (2, 3, 4)]
    # Key-level rarity, what the statement's candidate stage could count
    # without the rerank: the answer's hit keys no other reference holds
    # (uk), or at most 2 others (fk); a SQL filter cannot fall back.
    rules += [(f"uk >= {k}", at("uk", k)) for k in (1, 2, 3)] + [(f"fk >= {k}", at("fk", k)) for k in (2, 5)]
print(f"# {a.pairs}{' (family originals only)' if fam else ''}")
print("| rule | when it fails | copies found first | wrong top-1 | unrelated answered |")
print("| --- | --- | --- | --- | --- |")
for fallback in (False, True):
    for name, rule in rules:
        if (rule is None or name[0] in "uf") and fallback:
            continue
        f, w, u, _ = tally(rule, fallback)
        how = "-" if rule is None else ("fall back" if fallback else "drop the pair")
        print(f"| {name} | {how} | {f} | {w} | {u} |")
# The rule to build: the grouped table's when the pairs carry it.
key = "rg8" if has("rg8") else "rcd8" if has("rcd8") else "rc8"
if a.rows:
    _, _, _, base = tally(None, False)
    _, _, _, ruled = tally(at(key, a.rows), True)
    print(f"\ncopies found first by row, product -> {key} >= {a.rows} (fallback), rows that change:")
    for t in sorted(base):
        if base[t] != ruled[t]:
            print(f"    {t}: {base[t]} -> {ruled[t]}")
if a.list:
    rule = at(key, a.list)
    print(f"\nunrelated answers left at {key} >= {a.list} (fallback): score, evidence, inliers, rare, query, answer")
    for n, pairs in sorted(Q.items()):
        if pairs[0]["truth"] is None and (b := top(pairs, rule, True)):
            p = b[1]
            print(f"    {b[0]:.3f}\t{p['ev'] if b[0] == p['score'] else 'fallback'}\t{p.get('inl', '-')}\t{p.get(key, '-')}\t{p['qn']}\t{p['rn']}")
