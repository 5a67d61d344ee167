"""Session 37: session 35's families corpus through the engine. Counts, for
the copies whose original is a family member (7 families of 5 look-alike
clip-art drawings in the originals' slots), those found first at the
threshold and those whose first answer is another item (wrong top-1), and
the unrelated queries answered; as session 36's `rarity_rule.py
--families` counts the emulation's.

    python3 families.py OUT/pictures.json REFERENCES SLOTS
"""
import gzip, json, sys

opener = gzip.open if sys.argv[1].endswith(".gz") else open
d = json.load(opener(sys.argv[1], "rt"))
stem = lambda path: path.split("/")[-1].rsplit(".", 1)[0].replace(".flat", "")
refs = [l.strip() for l in open(sys.argv[2])]
slots = {stem(s.split("\t")[2]): s.split("\t")[0] for s in open(sys.argv[3]).read().splitlines()}
family = {i: slots.get(stem(r)) for i, r in enumerate(refs)}
answers = d["answers"][0]
t = answers["threshold"]
found = wrong = sibling = unrelated = copies = 0
for q, ranked in zip(d["queries"], answers["ranked"]):
    top = ranked[0] if ranked and ranked[0]["score"] >= t else None
    if q["truth"] is None:
        unrelated += top is not None
    elif family.get(q["truth"]) is not None:
        copies += 1
        if top and top["reference"] == q["truth"]:
            found += 1
        elif top:
            wrong += 1
            sibling += family.get(top["reference"]) == family[q["truth"]]
print(f"family originals' copies found first at {t}: {found} of {copies}; wrong top-1 {wrong} "
      f"(a sibling {sibling}); unrelated answered {unrelated}")
