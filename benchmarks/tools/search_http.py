#!/usr/bin/env python3
"""Search latency over HTTP for benchmarks/search_http.sh: each query file
is uploaded to POST /v1/search ROUNDS times, one request at a time, after
one warm-up each; then each is fingerprinted ROUNDS times in one
`clickprint-udf inspect --time --query` process (the floor: the query's
own decoding and hashing, in process, decoded as a search decodes it). Prints CSV lines:
label,searches,errors,p50_ms,p95_ms,floor_p50_ms,ratio,stages
where ratio is p50 over the floor's p50 and stages the median of each of
the answer's `timings_ms`.

usage: search_http.py BASE_URL API_KEY UDF ROUNDS LABEL FILE [FILE ...]
"""
import json
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid

base, key, udf, rounds, label = sys.argv[1:6]
files = sys.argv[6:]
rounds = int(rounds)


def search(path):
    boundary = uuid.uuid4().hex
    with open(path, "rb") as f:
        content = f.read()
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"q\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        base + "/v1/search",
        data=body,
        headers={
            "Authorization": "Bearer " + key,
            "Content-Type": "multipart/form-data; boundary=" + boundary,
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
            ok = response.status == 200 and bool(answer["matches"])
    except Exception as e:  # noqa: BLE001 - any failure is counted
        print(f"{label}: {path}: {e}", file=sys.stderr)
        return None, None
    return (time.monotonic() - started) * 1000, answer["timings_ms"] if ok else None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round((len(xs) - 1) * p)))] if xs else float("nan")


latencies, stages, errors = [], {}, 0
for path in files:
    search(path)  # warm-up
for _ in range(rounds):
    for path in files:
        ms, timings = search(path)
        if timings is None:
            errors += 1
            continue
        latencies.append(ms)
        for stage, v in timings.items():
            stages.setdefault(stage, []).append(v)

timed = subprocess.run(
    [udf, "inspect", "--time", "--query"],
    input="\n".join(files * (rounds + 1)) + "\n",
    capture_output=True,
    text=True,
    check=True,
)
floor = [json.loads(line)["seconds"]["clickprint"] * 1000 for line in timed.stdout.splitlines()][len(files):]
p50, floor50 = pct(latencies, 0.5), pct(floor, 0.5)
summary = " ".join(f"{s}={statistics.median(v):.1f}" for s, v in stages.items())
print(f"{label},{len(latencies)},{errors},{p50:.1f},{pct(latencies, 0.95):.1f},{floor50:.1f},{p50 / floor50:.1f},{summary}")
