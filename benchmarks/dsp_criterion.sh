#!/usr/bin/env bash
# The DSP core's criterion benchmarks (no decoding), recorded as a dated CSV.
#
#   benchmarks/dsp_criterion.sh     # writes benchmarks/results/<date>-dsp-criterion.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
cargo bench -p clickprint-core --bench fingerprint
out="benchmarks/results/$(date -u +%Y-%m-%d)-dsp-criterion.csv"
python3 - "$out" <<'PY'
import glob, json, os, sys
rows = []
for path in sorted(glob.glob("target/criterion/*/*/new/estimates.json")):
    bench = json.load(open(os.path.join(os.path.dirname(path), "benchmark.json")))
    mean = json.load(open(path))["mean"]
    rows.append((bench["full_id"], mean["point_estimate"] / 1e6, mean["confidence_interval"]["lower_bound"] / 1e6, mean["confidence_interval"]["upper_bound"] / 1e6))
with open(sys.argv[1], "w") as f:
    f.write("benchmark,mean_ms,ci_low_ms,ci_high_ms\n")
    for r in rows:
        f.write(f"{r[0]},{r[1]:.4f},{r[2]:.4f},{r[3]:.4f}\n")
        print(f"{r[0]:60s} {r[1]:9.3f} ms")
PY
echo "results: $out"
