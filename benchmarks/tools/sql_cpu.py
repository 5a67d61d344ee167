#!/usr/bin/env python3
"""Processor time of SQL statements in a chDB data folder, compared side by
side: each NAME=SQL runs once (its answer printed, cut short), then all of
them in turn ROUNDS times (A B C A B C, so each meets the same load), and
the median processor time of this process (every chDB thread; not the UDF
processes) and wall time per statement are printed as CSV. The folder is
opened with the UDFs of UDF_DIR, as benchmarks/tools/statement_stages.py
opens it; a SQL argument that names a file reads the statement from it.
Used for the fp_keys variants of issue 23 (benchmarks/README.md, "Search
statement by stage").

usage: sql_cpu.py DATA_DIR UDF_DIR ROUNDS NAME=SQL|FILE...
"""
import os
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".deps", "chdb"))
import chdb  # noqa: E402

data, udf, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = os.path.join(ROOT, "clickhouse-config", "*_function.xml")
connection = chdb.connect(
    f"file:{data}?user_scripts_path={udf}&user_defined_executable_functions_config={config}"
)
cursor = connection.cursor()
statements = []
for argument in sys.argv[4:]:
    name, text = argument.split("=", 1)
    if os.path.isfile(text):
        with open(text) as f:
            text = f.read()
    statements.append((name, text))


def run(sql):
    cursor.execute(sql)
    return cursor.fetchall()


for name, sql in statements:
    print(f"{name}: {str(run(sql))[:200]}", file=sys.stderr)
cpu = {name: [] for name, _ in statements}
wall = {name: [] for name, _ in statements}
for _ in range(rounds):
    for name, sql in statements:
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        run(sql)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        cpu[name].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
        wall[name].append((t1 - t0) * 1000)
print("statement,cpu_ms,wall_ms")
for name, _ in statements:
    print(f"{name},{statistics.median(cpu[name]):.1f},{statistics.median(wall[name]):.1f}")
