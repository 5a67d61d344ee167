# The golden values of `profile::tests` on the same generated pixels, by
# the measurement's numpy code: the extrema of the stored profile, its
# first 12 samples, its regularity.   python3 gold.py
import os, sys
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../.deps/eval-python')))
import numpy as np
def stripes(w,h,period):
    px=np.zeros((h,w),np.uint8)
    for y in range(h):
        for x in range(w):
            ph=np.float32(x)/np.float32(period)
            wob=np.float32(np.sin(np.float32(ph*np.float32(0.37))))*np.float32(0.5)+np.float32(np.cos(np.float32(ph*np.float32(0.11))))*np.float32(0.3)
            s=70.0 if (ph+wob)%1<0.5 else -70.0
            dy=(np.float32(y)/np.float32(h)-np.float32(0.5))*np.float32(40)
            px[y,x]=int(min(255,max(0,np.float32(128+s)-abs(dy))))
    return px
g=stripes(256,144,12.0).astype(np.float32)
n=256
v=np.median(g,axis=0); v=np.interp(np.linspace(0,len(v)-1,n),np.arange(len(v)),v)
k=max(3,n//16)|1
d=v-np.convolve(np.pad(v,k//2,mode='edge'),np.ones(k)/k,mode='valid')
z=(d-d.mean())/d.std()
out=[]
for x in range(n):
    w=z[max(0,x-3):x+4]
    if abs(z[x])>=0.5 and (z[x]==w.max() or z[x]==w.min()):
        kk=z[x]>0
        if not out or out[-1][1]!=kk: out.append((x,kk))
print(len(out), np.clip(np.round(z[:12]*32),-127,127).astype(int).tolist())
zq=np.clip(np.round(z*32),-127,127)/32  # the stored samples
ac=[np.corrcoef(zq[:-l],zq[l:])[0,1] for l in range(1,128)]
first=next(i for i,a in enumerate(ac) if a<0)
print('regularity', max(ac[first:]))
