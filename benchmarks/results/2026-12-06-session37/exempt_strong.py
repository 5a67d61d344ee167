"""Session 37: would exempting strong local matches from the rare-inlier
rule keep the families corpus's copies? On session 36's emulated pairs
(copies found first, wrong top-1, unrelated answered), per corpus.

    python3 exempt_strong.py      (from this folder)
"""
import collections
T=0.3
def load(path):
    Q=collections.defaultdict(list)
    for line in open(path):
        r=line.rstrip("\n").split("\t")
        n,truth,i,cand,t,qn,rn,score,ev=r[:9]
        d=dict(n=int(n),truth=None if truth=="-" else int(truth),i=int(i),cand=cand=="1",t=t,score=float(score),ev=ev,wl=float(r[14]))
        if r[9]!="-":
            d.update(inl=int(r[9]))
            if len(r)>18: d.update(rg8=int(r[18]))
        Q[d["n"]].append(d)
    return Q
def tally(Q, rule, fam=None):
    found=wrong=fp=0
    for pairs in Q.values():
        truth=pairs[0]["truth"]; best=None
        for p in pairs:
            if not p["cand"]: continue
            s=p["score"]
            if p["ev"]=="local" and rule and not rule(p): s=p["wl"]
            if s>=T and (best is None or s>best[0]): best=(s,p)
        if truth is None: fp+= best is not None
        elif fam is None or fam.get(truth) is not None:
            if best and best[1]["i"]==truth: found+=1
            elif best: wrong+=1
    return found,wrong,fp
stem=lambda path: path.split("/")[-1].rsplit(".",1)[0].replace(".flat","")
refs=[l.strip() for l in open('families/references.txt')]
slots={stem(s.split("\t")[2]): s.split("\t")[0] for s in open('families/slots.tsv').read().splitlines()}
fam={i: slots.get(stem(r)) for i,r in enumerate(refs)}
S=load('../2026-12-05-session36/pairs-standard.tsv'); H=load('../2026-12-05-session36/pairs-heldout.tsv'); F=load('../2026-12-05-session36/pairs-families.tsv')
rules=[("product",None),("rg8>=3",lambda p:p.get("rg8",0)>=3)]
for K in (15,20,25,30,40):
    rules.append((f"rg8>=3 or inl>={K}", lambda p,K=K: p.get("rg8",0)>=3 or p.get("inl",0)>=K))
for K in (0.5,0.6,0.7,0.8,0.9):
    rules.append((f"rg8>=3 or score>={K}", lambda p,K=K: p.get("rg8",0)>=3 or p["score"]>=K))
for name,rule in rules:
    print(name, "std", tally(S,rule), "held", tally(H,rule), "fam", tally(F,rule,fam))
