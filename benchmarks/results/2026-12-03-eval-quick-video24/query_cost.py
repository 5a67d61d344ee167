import resource, subprocess, sys, statistics, json
files = sys.argv[1:]
bins = {"before": "scratch/before-bin/clickprint-udf-media", "after": "scratch/after-bin/clickprint-udf-media"}
res = {(b, f): [] for b in bins for f in files}
for rnd in range(5):
    for f in files:
        for b, path in bins.items():
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([path, "inspect", "--time", "--query"], input=(f + "\n") * 3, text=True, check=True, capture_output=True)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            res[(b, f)].append(cpu / 3)
for f in files:
    a = statistics.median(res[("before", f)]); b = statistics.median(res[("after", f)])
    print(f"{f}: before {a*1000:.0f} ms, after {b*1000:.0f} ms, ratio {b/a:.3f}  (runs: {[round(x*1000) for x in res[('before', f)]]} / {[round(x*1000) for x in res[('after', f)]]})")
