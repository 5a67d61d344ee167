#!/usr/bin/env python3
"""Search load for benchmarks/api_load.sh: N threads POST /v1/search (by URL)
for a fixed time; prints one CSV line: label,requests,errors,p50_ms,p95_ms.

usage: api_load.py BASE_URL API_KEY QUERY_URL SECONDS THREADS LABEL
"""
import json
import sys
import threading
import time
import urllib.request

base, key, query, seconds, threads, label = sys.argv[1:7]
seconds, threads = float(seconds), int(threads)
latencies, errors = [], [0]
lock = threading.Lock()
deadline = time.monotonic() + seconds


def client():
    body = json.dumps({"url": query, "top_k": 5}).encode()
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            base + "/v1/search",
            data=body,
            headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.load(response)
                ok = response.status == 200 and answer["matches"]
        except Exception:
            ok = False
        elapsed = (time.monotonic() - started) * 1000
        with lock:
            if ok:
                latencies.append(elapsed)
            else:
                errors[0] += 1


workers = [threading.Thread(target=client) for _ in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(round((len(latencies) - 1) * p)))] if latencies else float("nan")


print(f"{label},{len(latencies)},{errors[0]},{pct(0.5):.1f},{pct(0.95):.1f}")
