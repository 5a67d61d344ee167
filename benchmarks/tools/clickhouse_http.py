#!/usr/bin/env python3
"""One analyst's 100,000-row SELECT through ClickHouse's HTTP interface
(`serve --clickhouse-http`) and the same through `POST /v1/sql`, in turn
(A B A B ...), on one `clickprint serve` (benchmarks/clickhouse_http.sh):
seconds per answer, rows per second, answer bytes, and the service's
resident memory (VmRSS from /proc, sampled every 20 ms) above what it held
before each request. Writes summary.json to --out.

Standard library only.
"""

import argparse
import base64
import json
import statistics
import threading
import time
import urllib.request

from soak import rss


def timed(request, pid):
    """(seconds, body bytes, peak VmRSS over the start) of one request."""
    start_rss = rss(pid)
    peak = [start_rss]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=600) as response:
        body = response.read()
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    return seconds, len(body), peak[0] - start_rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True, help="the service's URL")
    parser.add_argument("--clickhouse", required=True, help="its ClickHouse interface's URL")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    sql = f"SELECT tenant_id, band, key, media_id, time_ms, item FROM fp_keys LIMIT {args.rows}"
    basic = base64.b64encode(f"{args.tenant}:{args.key}".encode()).decode()

    def clickhouse(fmt):
        request = urllib.request.Request(
            f"{args.clickhouse}/?default_format={fmt}", data=sql.encode(), method="POST"
        )
        request.add_header("Authorization", f"Basic {basic}")
        return request

    def v1_sql():
        request = urllib.request.Request(
            f"{args.api}/v1/sql", data=json.dumps({"query": sql}).encode(), method="POST"
        )
        request.add_header("Authorization", f"Bearer {args.key}")
        request.add_header("Content-Type", "application/json")
        return request

    doors = {
        "v1_sql_json": v1_sql,
        "clickhouse_JSONEachRow": lambda: clickhouse("JSONEachRow"),
        "clickhouse_Native": lambda: clickhouse("Native"),
        "clickhouse_ArrowStream": lambda: clickhouse("ArrowStream"),
    }
    runs = {name: [] for name in doors}
    for name, make in doors.items():  # warm-up
        timed(make(), args.pid)
    for _ in range(args.runs):
        for name, make in doors.items():
            runs[name].append(timed(make(), args.pid))
    summary = {"rows": args.rows, "runs": args.runs, "doors": {}}
    base = statistics.median(r[0] for r in runs["v1_sql_json"])
    for name, results in runs.items():
        seconds = statistics.median(r[0] for r in results)
        summary["doors"][name] = {
            "seconds_median": round(seconds, 3),
            "seconds_min_max": [round(min(r[0] for r in results), 3), round(max(r[0] for r in results), 3)],
            "rows_per_second": round(args.rows / seconds),
            "answer_bytes": results[-1][1],
            "rss_growth_bytes_max": max(r[2] for r in results),
            "seconds_over_v1_sql": round(seconds / base, 2),
        }
    with open(f"{args.out}/summary.json", "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
