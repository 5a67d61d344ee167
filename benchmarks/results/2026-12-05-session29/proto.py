# The prototype the profile evidence's first gates were chosen with
# (session 29, issue 24): session 26's column and row profiles (medians,
# high-passed, z-scored) of every reference and query of the full corpus;
# a reference varying one way (RATIO) keeps its axis; every query's best
# correlation with each such reference over spans of 30-100% (offsets of
# 2), both directions; written to a pickle for ana.py. SRC=256 computes
# from the picture at 256 px on its longer side (Pillow's box filter), as
# the product does from its working picture.
#   SRC=256 python3 proto.py CORPUS scores.pkl    # from the repository root
import os, sys, time
ROOT=os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/eval-python'))
import numpy as np
from PIL import Image
corpus, out = sys.argv[1], sys.argv[2]
SRC=int(os.environ.get('SRC','0'))
RATIO=float(os.environ.get('RATIO','3'))
refs=[l.strip() for l in open(os.path.join(corpus,'pictures-references.txt')) if l.strip()]
qs=[l.rstrip('\n').split('\t') for l in open(os.path.join(corpus,'pictures-queries.tsv')) if l.strip()]
def grey(p):
    im=Image.open(p).convert('L')
    if SRC:
        w,h=im.size; s=SRC/max(w,h)
        if s<1: im=im.resize((max(1,round(w*s)),max(1,round(h*s))),Image.BOX)
    return np.asarray(im,dtype=np.float32)
def hp(v,n):
    v=np.interp(np.linspace(0,len(v)-1,n),np.arange(len(v)),v)
    k=max(3,n//16)|1
    sm=np.convolve(np.pad(v,k//2,mode='edge'),np.ones(k)/k,mode='valid')
    d=v-sm; return d
def z(v):
    s=v.std(); return (v-v.mean())/s if s>1e-6 else v*0
def profs(p,n):
    g=grey(p)
    c=hp(np.median(g,axis=0),n); r=hp(np.median(g,axis=1),n)
    return c,r,c.std()/(r.std()+1e-6)
def extrema(p,W,T=0.5):
    p=z(p); out=[]
    for x in range(len(p)):
        w=p[max(0,x-W):x+W+1]
        if abs(p[x])>=T and (p[x]==w.max() or p[x]==w.min()):
            k=p[x]>0
            if not out or out[-1][1]!=k: out.append((x,k))
    return len(out)
def segs(rp):
    rows=[]
    for sc in np.arange(0.3,1.0001,0.05):
        L=int(round(sc*len(rp)))
        for off in range(0,len(rp)-L+1,2):
            rows.append(z(np.interp(np.linspace(0,L-1,128),np.arange(L),rp[off:off+L])))
    return np.array(rows)
t=time.time()
R=[]
for i,p in enumerate(refs):
    c,r,ratio=profs(p,256)
    for axis,prof,rt in ((0,c,ratio),(1,r,1/ratio)):
        if rt>RATIO:
            R.append((i,axis,os.path.basename(p),rt,extrema(prof,3),segs(prof)))
print('one-way refs',len(R),'in',round(time.time()-t),'s', file=sys.stderr)
Q=[]
for path,tr,truth in qs:
    c,r,ratio=profs(path,128)
    Q.append((path,tr,truth,[z(c),z(r)],[extrema(c,2),extrema(r,2)],ratio))
print('queries in',round(time.time()-t),'s', file=sys.stderr)
import pickle
# scores matrix: for each query, each one-way ref: best corr on the ref's axis
S=np.zeros((len(Q),len(R)))
for j,(ri,axis,name,rt,ne,m) in enumerate(R):
    for qi,(path,tr,truth,pr,ex,ratio) in enumerate(Q):
        q=pr[axis]
        S[qi,j]=max((m@q).max(),(m@q[::-1]).max())/128
pickle.dump((R and [(a,b,c,d,e) for a,b,c,d,e,_ in R], [(a,b,c,e,f) for a,b,c,_,e,f in Q], S), open(out,'wb'))
print('done',round(time.time()-t),'s', file=sys.stderr)
