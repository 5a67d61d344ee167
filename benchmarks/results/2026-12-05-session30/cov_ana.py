# Analysis of coverage_pairs' output (session 30): per label, the shares.
import csv, sys
rows=list(csv.DictReader(open(sys.argv[1]),delimiter='\t'))
def stats(r):
    s=min(1.0,float(r['score'])); I=int(r['inliers']); qi=int(r['q_inside']); qn=int(r['q_near']); ri=int(r['r_inside']); rn=int(r['r_near'])
    f=lambda a,b: a/b if b else 0
    return dict(s=s,I=I,qi=qi,qn=qn,ri=ri,rn=rn,Iq=f(I,qi),nq=f(qn,qi),Ir=f(I,ri),nr=f(rn,ri))
print("label query score I qi qn ri rn I/qi qn/qi I/ri rn/ri")
for lab in ('A','B','C'):
    for r in rows:
        if r['label']==lab:
            s=stats(r); print(lab, r['query'][:22], '%.2f %d %d %d %d %d %.2f %.2f %.2f %.2f'%tuple(s.values()))
cop=[(stats(r),r) for r in rows if r['label'].startswith('copy') and float(r['score'])>0]
low=[c for c in cop if c[0]['s']<0.6]
C=[stats(r) for r in rows if r['label']=='C' and float(r['score'])>0]
print('copies verified', len(cop), 'of them under 0.6:', len(low), '; C verified', len(C))
for key in ('Iq','nq','Ir','nr'):
    for name,vals in (('copies',[c[0][key] for c in cop]),('copies<0.6',[c[0][key] for c in low]),('C',C and [c[key] for c in C])):
        v=sorted(vals); n=len(v)
        print(f'{key:3s} {name:11s} min {v[0]:.2f} p10 {v[n//10]:.2f} p25 {v[n//4]:.2f} median {v[n//2]:.2f} max {v[-1]:.2f}')
print('rule: min(qn/qi, rn/ri) >= t, a verified match kept only then')
for t in (0.4,0.5,0.6,0.7):
    lost=[c for c in cop if min(c[0]['nq'],c[0]['nr'])<t]
    lostlow=[c for c in low if min(c[0]['nq'],c[0]['nr'])<t]
    gone=[c for c in C if min(c['nq'],c['nr'])<t]
    print(f't {t}: C removed {len(gone)} of {len(C)}; copies losing their verified match {len(lost)} of {len(cop)} ({len(lostlow)} of the {len(low)} under 0.6):', sorted(set(c[1]['label'][5:] for c in lost)))
