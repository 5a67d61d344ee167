# Session 34: processor time of one layout comparison in grey alone vs grey
# with Cb and Cr (this numpy port; the ratio, not the absolute time, is the
# point: the Rust comparison is 1.1 ms in grey). 30 colour queries x the
# colour references.
import time, colour_layout as cl
e = cl.load('/work/scratch/s34/colour/dump')
refs = [x[4] for x in e if x[0] == 'ref' and x[2] and x[4].colour]
qs = [x[4] for x in e if x[0] == 'query' and x[2] and x[4].colour][::30][:30]
for label, pw in (("grey", {"G": (1, 0, 0)}), ("grey+Cb+Cr", {"J2": (1, 2, 2)})):
    for r in refs: r.cache.clear()
    t, n = time.process_time(), 0
    for q in qs:
        q.cache.clear()
        for r in refs:
            cl.search(q, r, pw, False); n += 1
    print(f"{label}: {1000 * (time.process_time() - t) / n:.2f} ms a comparison ({n})")
