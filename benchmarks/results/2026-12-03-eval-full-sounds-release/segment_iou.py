"""Per sound row: clickprint's median IoU of the top-level range (what the
evaluation reports) and of the union of the rank-1 answer's segments, over
copies whose rank-1 answer is the right reference (compilations: as the
evaluation counts them, each stretch's best segment)."""
import json, sys, statistics
d = json.load(open(sys.argv[1]))
qs = d["queries"]; ans = d["answers"][0]["ranked"]
def union_len(iv):
    iv = sorted(iv); tot = 0; cur = None
    for a, b in iv:
        if cur is None or a > cur[1]: 
            if cur: tot += cur[1]-cur[0]
            cur = [a, b]
        else: cur[1] = max(cur[1], b)
    if cur: tot += cur[1]-cur[0]
    return tot
def iou_union(t, segs):
    inter = union_len([(max(a,t[0]), min(b,t[1])) for a,b in segs if min(b,t[1])>max(a,t[0])])
    u = union_len(list(segs)+[tuple(t)])
    return inter/u if u else 0
rows = {}
for q, r in zip(qs, ans):
    if q["truth"] is None or q["true_segments"]: continue
    if not r or r[0]["reference"] != q["truth"]: continue
    top = r[0]
    t = q["true_range"]
    a, b = top["range"]
    inter = max(0, min(b, t[1]) - max(a, t[0])); u = max(b, t[1]) - min(a, t[0])
    rows.setdefault(q["transform"], ([], []))
    rows[q["transform"]][0].append(inter/u if u else 0)
    rows[q["transform"]][1].append(iou_union(t, [tuple(s) for s in top["segments"]] or [(a,b)]))
print("| row | copies found first | median IoU, top-level range | median IoU, union of segments | min IoU, union |")
print("| --- | --- | --- | --- | --- |")
for k, (x, y) in rows.items():
    print(f"| {k} | {len(x)} | {statistics.median(x):.2f} | {statistics.median(y):.2f} | {min(y):.2f} |")
