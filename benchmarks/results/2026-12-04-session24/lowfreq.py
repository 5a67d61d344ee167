# Whether the low-frequency corner of clickprint's global hash (the coefficients of
# frequencies 1..n in both directions, thresholded at the median of all 256 as stored)
# tells copies of smooth pictures better than the whole hash: nearest reference by that
# Hamming distance alone, for every query of the full corpus. Not the rerank (no quality
# gate, no local features): a first look. Usage, in a folder holding hashes.tsv
# (file TAB hash, from `clickprint-udf-media inspect FILE`'s first frame) and lists/
# (`clickprint-eval --corpus-only`'s pictures-references.txt and pictures-queries.tsv):
#   python3 lowfreq.py
import collections
H={}
for l in open('hashes.tsv'):
    f,h=l.rstrip('\n').split('\t')
    if h: H[f]=int(h,16)
refs=[l.strip() for l in open('lists/pictures-references.txt')]
qs=[l.rstrip('\n').split('\t') for l in open('lists/pictures-queries.tsv')]
def mask(n):  # bits of coefficients rows < n, cols < n; bit i is MSB-first of 256
    m=0
    for r in range(n):
        for c in range(n):
            i=r*16+c; m|=1<<(255-i)
    return m
full=(1<<256)-1
for n,name in [(16,'all 256'),(8,'8x8 low'),(6,'6x6 low'),(4,'4x4 low')]:
    M=mask(n); bits=n*n
    refh=[(i,H.get(r)) for i,r in enumerate(refs)]
    refh=[(i,h&M) for i,h in refh if h is not None]
    for frac in (0.1,0.15,0.2):
        t=int(bits*frac)
        found=0; wrong=0; copies=0; fp=0; unrel=0
        smooth_found=0; smooth=0
        for f,tr,truth in qs:
            h=H.get(f)
            if h is None: continue
            h&=M
            best=min(((bin(h^rh).count('1'),i) for i,rh in refh))
            if truth!='-':
                copies+=1
                ok = best[1]==int(truth) and best[0]<=t
                found+=ok
                wrong+= best[0]<=t and best[1]!=int(truth)
                if any(s in f for s in ('Stripes','Silk','Spring','/color.','Waves','Gulp','Flow','Ubuntu','Float','GreenTrad')):
                    smooth+=1; smooth_found+=ok
            else:
                unrel+=1; fp+= best[0]<=t
        print(f"{name} t={t}/{bits}: copies {found}/{copies} (smooth {smooth_found}/{smooth}), wrong top-1 {wrong}, unrelated within {fp}/{unrel}")
