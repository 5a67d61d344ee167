#!/usr/bin/env python3
"""The picture search statement run N times in one chDB process, for a
profiler (`perf record -F 999 -g python3 loop.py 300`): DATA, UDF_DIR,
QUERY and TENANT as floor.py takes them, and the statement as floor.py
runs it (its parameters written in, its comment lines dropped)."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, ".deps", "chdb"))
import chdb  # noqa: E402

data, udf, query = os.environ["DATA"], os.environ["UDF_DIR"], os.environ["QUERY"]
config = os.path.join(ROOT, "clickhouse-config", "*_function.xml")
connection = chdb.connect(f"file:{data}?user_scripts_path={udf}&user_defined_executable_functions_config={config}")
cursor = connection.cursor()


def run(sql):
    cursor.execute(sql)
    return cursor.fetchall()


fingerprint = run(f"SELECT hex(clickprint_query('{query}').fingerprint)")[0][0]
sha = run(f"SELECT clickprint_query('{query}').sha256")[0][0]
params = {"tenant": os.environ.get("TENANT", "1"), "query": f"'fp:{fingerprint}:{sha}'", "top_k": "10", "min_score": "0.3", "extractor_keys": "[]"}
with open(os.path.join(ROOT, "sql", "clickhouse", "search.sql")) as f:
    search = re.sub(r"\{(\w+):([^}]+)\}", lambda m: params[m.group(1)], f.read())
search = "\n".join(line for line in search.splitlines() if not line.strip().startswith("--"))
for _ in range(int(sys.argv[1])):
    run(search)
