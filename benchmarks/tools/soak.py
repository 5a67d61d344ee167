#!/usr/bin/env python3
"""The soak's load (benchmarks/soak.sh): against one `clickprint serve`,
8 searching clients, 2 uploading clients and one analyst running heavy SQL,
across three tenants, for a number of minutes; then waits for every item
to settle and writes what it saw to an output folder:

- summary.json: requests and 5xx answers per client kind, the service's
  resident memory (VmRSS from /proc, sampled every 5 s) at the start, peak
  and end, every item's final status per tenant, search p50/p95 per tenant;
- rss.csv: the memory samples; requests.csv: every request (kind, tenant,
  status, seconds).

Standard library only.
"""

import argparse
import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.request


def call(url, key, method="GET", body=None, timeout=300):
    """One request: (status, seconds, parsed JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            status = response.status
    except urllib.error.HTTPError as e:
        text = e.read()
        status = e.code
    except Exception:  # a dropped connection counts as a server failure
        return 599, time.monotonic() - started, None
    seconds = time.monotonic() - started
    try:
        return status, seconds, json.loads(text) if text else None
    except ValueError:
        return status, seconds, None


def rss(pid):
    """The process's resident memory, bytes."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--keys", required=True, help="name=key,name=key,name=key")
    parser.add_argument("--files-url", required=True)
    parser.add_argument("--pictures", type=int, required=True)
    parser.add_argument("--first-new", type=int, required=True)
    parser.add_argument("--minutes", type=float, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    tenants = [pair.split("=", 1) for pair in args.keys.split(",")]
    deadline = time.monotonic() + args.minutes * 60
    lock = threading.Lock()
    requests = []  # (kind, tenant, status, seconds)
    samples = []  # (seconds since start, rss)
    started = time.monotonic()
    next_picture = [args.first_new]

    def record(kind, tenant, status, seconds):
        with lock:
            requests.append((kind, tenant, status, seconds))

    def searcher(i):
        name, key = tenants[i % len(tenants)]
        rng = random.Random(i)
        while time.monotonic() < deadline:
            picture = rng.randint(1, args.first_new - 1)
            status, seconds, _ = call(
                f"{args.url}/v1/search",
                key,
                "POST",
                {"url": f"{args.files_url}/p{picture:04d}.jpg", "top_k": 5},
            )
            record("search", name, status, seconds)

    def uploader(i):
        name, key = tenants[i % len(tenants)]
        while time.monotonic() < deadline:
            with lock:
                picture = next_picture[0]
                next_picture[0] += 1
            if picture > args.pictures:
                time.sleep(1)
                continue
            status, seconds, _ = call(
                f"{args.url}/v1/media",
                key,
                "POST",
                {"url": f"{args.files_url}/p{picture:04d}.jpg", "external_id": f"p{picture}"},
            )
            record("upload", name, status, seconds)
            time.sleep(1)

    def analyst():
        name, key = tenants[2]
        queries = [
            "SELECT band, count() AS n, uniqExact(media_id) AS media FROM fp_keys "
            "GROUP BY band ORDER BY band",
            "SELECT a.media_id, count() AS shared FROM fp_keys a INNER JOIN fp_keys b "
            "ON a.band = b.band AND a.key = b.key WHERE a.media_id < b.media_id "
            "GROUP BY a.media_id ORDER BY shared DESC LIMIT 20",
            "SELECT kind, count() AS n, sum(length(record)) AS bytes FROM fp_media GROUP BY kind",
        ]
        i = 0
        while time.monotonic() < deadline:
            status, seconds, _ = call(f"{args.url}/v1/sql", key, "POST", {"query": queries[i % 3]})
            record("sql", name, status, seconds)
            i += 1

    def sampler():
        while time.monotonic() < deadline:
            samples.append((round(time.monotonic() - started, 1), rss(args.pid)))
            time.sleep(5)

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=uploader, args=(i,)) for i in range(2)]
    threads += [threading.Thread(target=analyst), threading.Thread(target=sampler)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    samples.append((round(time.monotonic() - started, 1), rss(args.pid)))

    # Every item ready or failed: wait for the queue to drain (10 minutes at most).
    statuses = {}
    settle_deadline = time.monotonic() + 600
    while True:
        statuses = {}
        for name, key in tenants:
            _, _, stats = call(f"{args.url}/v1/stats", key)
            statuses[name] = (stats or {}).get("by_status", {})
        unsettled = sum(
            s.get("pending", 0) + s.get("processing", 0) for s in statuses.values()
        )
        if unsettled == 0 or time.monotonic() > settle_deadline:
            break
        time.sleep(2)
    samples.append((round(time.monotonic() - started, 1), rss(args.pid)))

    kinds = sorted({r[0] for r in requests})
    summary = {
        "minutes": args.minutes,
        "requests": {k: sum(1 for r in requests if r[0] == k) for k in kinds},
        "server_errors_5xx": {k: sum(1 for r in requests if r[0] == k and r[2] >= 500) for k in kinds},
        "client_errors_4xx": {k: sum(1 for r in requests if r[0] == k and 400 <= r[2] < 500) for k in kinds},
        "rss_bytes": {
            "start": samples[0][1],
            "peak": max(s[1] for s in samples),
            "end": samples[-1][1],
            "end_over_start": round(samples[-1][1] / samples[0][1], 3),
        },
        "items_by_status": statuses,
        "every_item_ready_or_failed": all(
            set(s) <= {"ready", "failed", "deleted", "cancelled"} for s in statuses.values()
        ),
        "search_seconds": {},
        "sql_seconds": {},
    }
    for name, _ in tenants:
        for kind, field in [("search", "search_seconds"), ("sql", "sql_seconds")]:
            times = [r[3] for r in requests if r[0] == kind and r[1] == name and r[2] == 200]
            if times:
                summary[field][name] = {
                    "n": len(times),
                    "p50": round(statistics.median(times), 3),
                    "p95": round(percentile(times, 95), 3),
                }
    with open(f"{args.out}/summary.json", "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    with open(f"{args.out}/rss.csv", "w") as f:
        f.write("seconds,rss_bytes\n")
        for s in samples:
            f.write(f"{s[0]},{s[1]}\n")
    with open(f"{args.out}/requests.csv", "w") as f:
        f.write("kind,tenant,status,seconds\n")
        for r in requests:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]:.4f}\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
