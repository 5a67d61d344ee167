#!/usr/bin/env python3
"""The noisy-neighbour figure (benchmarks/neighbour.sh, issue 18): one
tenant's search latency unloaded, then while another tenant saturates its
share of everything at once (searches with long sound queries, heavy
analyst SQL, and bulk ingest), on the same `clickprint serve`. Writes
summary.json (both phases' p50/p95, the ratio, and what the greedy tenant
got: requests by status) and requests.csv to an output folder.

Standard library only; the HTTP client and percentile are the soak's.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import threading
import time

from soak import call, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--patient", required=True, help="the measured tenant's key")
    parser.add_argument("--greedy", required=True, help="the saturating tenant's key")
    parser.add_argument("--files-url", required=True)
    parser.add_argument("--library", type=int, required=True, help="pictures p0001.. in the patient's library")
    parser.add_argument("--greedy-first", type=int, required=True, help="first picture the greedy tenant uploads")
    parser.add_argument("--long-sound", required=True, help="file name of a long sound under --files-url")
    parser.add_argument("--searches", type=int, default=40)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    lock = threading.Lock()
    requests = []  # (phase, kind, status, seconds)

    def record(phase, kind, status, seconds):
        with lock:
            requests.append((phase, kind, status, seconds))

    def patient_searches(phase):
        for i in range(args.searches):
            picture = 1 + (i * 7) % args.library
            status, seconds, _ = call(
                f"{args.url}/v1/search",
                args.patient,
                "POST",
                {"url": f"{args.files_url}/p{picture:04d}.jpg", "top_k": 5},
            )
            record(phase, "patient_search", status, seconds)

    patient_searches("warmup")
    patient_searches("unloaded")

    # The greedy tenant's clients run in a process of their own at nice 10:
    # in production they are other machines, and here they would otherwise
    # take the same two cores from the service at the priority of the
    # patient's client, measuring the load generator, not the service.
    stop = multiprocessing.Event()
    greedy_done = multiprocessing.Queue()
    load = multiprocessing.Process(target=greedy_load, args=(args, stop, greedy_done))
    load.start()
    time.sleep(10)  # the greedy tenant's work in flight before measuring
    patient_searches("loaded")
    stop.set()
    requests.extend(greedy_done.get())
    load.join()

    def latency(phase):
        times = [r[3] for r in requests if r[0] == phase and r[1] == "patient_search" and r[2] == 200]
        if not times:
            return {"n": 0}
        return {
            "n": len(times),
            "p50": round(statistics.median(times), 3),
            "p95": round(percentile(times, 95), 3),
        }

    unloaded, loaded = latency("unloaded"), latency("loaded")
    patient_failures = sum(1 for r in requests if r[1] == "patient_search" and r[2] != 200)
    greedy = {}
    for _, kind, status, _ in requests:
        if kind.startswith("greedy"):
            greedy.setdefault(kind, {}).setdefault(str(status), 0)
            greedy[kind][str(status)] += 1
    summary = {
        "patient_search_seconds": {"unloaded": unloaded, "loaded": loaded},
        "loaded_p95_over_unloaded_p95": (
            round(loaded["p95"] / unloaded["p95"], 2) if unloaded.get("p95") and loaded.get("p95") else None
        ),
        "patient_failures": patient_failures,
        "greedy_requests_by_status": greedy,
    }
    with open(f"{args.out}/summary.json", "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    with open(f"{args.out}/requests.csv", "w") as f:
        f.write("phase,kind,status,seconds\n")
        for r in requests:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]:.4f}\n")
    print(json.dumps(summary, indent=2))


def greedy_load(args, stop, done):
    """The greedy tenant saturating its share of everything: 8 clients
    searching with the long sound, 4 analysts running a self-join of its
    keys, 2 clients adding pictures one by one; until `stop`, then its
    requests go to `done`."""
    os.nice(10)
    lock = threading.Lock()
    requests = []

    def record(kind, status, seconds):
        with lock:
            requests.append(("loaded", kind, status, seconds))
        if status == 429:
            # Past its request quota (--greedy-rpm): back off as a client
            # that reads Retry-After would, instead of spinning on refusals.
            stop.wait(1)

    def greedy_search():
        while not stop.is_set():
            status, seconds, _ = call(
                f"{args.url}/v1/search",
                args.greedy,
                "POST",
                {"url": f"{args.files_url}/{args.long_sound}", "top_k": 5},
            )
            record("greedy_search", status, seconds)

    def greedy_sql():
        query = (
            "SELECT a.media_id, count() AS shared FROM fp_keys a INNER JOIN fp_keys b "
            "ON a.band = b.band AND a.key = b.key GROUP BY a.media_id "
            "ORDER BY shared DESC LIMIT 20"
        )
        while not stop.is_set():
            status, seconds, _ = call(f"{args.url}/v1/sql", args.greedy, "POST", {"query": query})
            record("greedy_sql", status, seconds)

    def greedy_ingest():
        picture = args.greedy_first
        while not stop.is_set():
            status, seconds, _ = call(
                f"{args.url}/v1/media",
                args.greedy,
                "POST",
                {"url": f"{args.files_url}/p{picture:04d}.jpg"},
            )
            record("greedy_ingest", status, seconds)
            picture += 1

    load = [threading.Thread(target=greedy_search) for _ in range(8)]
    load += [threading.Thread(target=greedy_sql) for _ in range(4)]
    load += [threading.Thread(target=greedy_ingest) for _ in range(2)]
    for t in load:
        t.start()
    for t in load:
        t.join()
    done.put(requests)


if __name__ == "__main__":
    main()
