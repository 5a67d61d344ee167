# Reads proto.py's pickle: for gates on a reference's extrema (Er, at 256
# values), a query's extrema (Eq, at 128) and a correlation (c0), the
# copies whose best one-way reference is their original at c0 or more,
# the unrelated queries and other originals' copies at c0 or more.
#   python3 ana.py scores.pkl
import os, sys
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../.deps/eval-python')))
import pickle, sys, os, numpy as np
R,Q,S=pickle.load(open(sys.argv[1],"rb"))
import collections
ne=np.array([r[4] for r in R])
print('ref extrema hist:', np.histogram(ne, bins=[0,2,4,6,8,10,12,16,20,30,100])[0])
names=[r[2] for r in R]
for i,r in enumerate(R):
    if r[2].endswith('.flat.png') or r[2] in ('brick.png','grass.png','gravel.png','color.png'):
        print(r[2], 'axis', r[1], 'ratio %.1f'%r[3], 'extrema', r[4])
def run(Er, Eq, c0):
    elig=ne>=Er
    found=collections.Counter(); missed=collections.Counter(); fp=[]; wrong=[]
    for qi,(path,tr,truth,ex,ratio) in enumerate(Q):
        row=S[qi].copy()
        # query gate: extrema on the axis of the ref
        axes=np.array([r[1] for r in R])
        qex=np.array([ex[a] for a in axes])
        ok=elig&(qex>=Eq)
        row[~ok]=-1
        j=int(row.argmax()); best=row[j]
        if truth=='-':
            if best>=c0: fp.append((round(best,2),os.path.basename(path),names[j]))
            continue
        t=int(truth)
        own=[k for k in range(len(R)) if R[k][0]==t]
        if best>=c0 and R[j][0]!=t: wrong.append((round(best,2),os.path.basename(path),names[j]))
        if own and any(ok[k] for k in own):
            if best>=c0 and R[j][0]==t: found[names[own[0]]]+=1
            else: missed[names[own[0]]]+=1
    return found, missed, fp, wrong
for Er in (0,6,8,10,12,16):
  for Eq in (0,4,6,8):
    for c0 in (0.6,0.65,0.7,0.75,0.8):
        f,m,fp,w=run(Er,Eq,c0)
        print(f'Er={Er} Eq={Eq} c0={c0}: found {sum(f.values())} {dict(f)} | unrel {len(fp)} wrong {len(w)}', fp[:3], w[:3])
