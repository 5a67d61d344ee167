#!/usr/bin/env python3
"""Where the search statement's processor time goes, stage by stage
(issue 23, item 2). Opens a chDB data folder in this process (the chDB
Python binding that scripts/setup.sh puts in .deps/chdb) with the UDFs of
UDF_DIR, applies sql/clickhouse/schema.sql, ingests every *.jpg of
LIBRARY_DIR as tenant 1 (once: a folder already holding rows is reused),
then runs growing prefixes of sql/clickhouse/search.sql with QUERY given as
'fp:' and its packed fingerprint (as the service passes it):
  q           the query's extraction alone, as a scalar
  lookups     + the key list without stop-listed keys
  candidates  + the key lookup in fp_keys and the vote
  references  + the candidates' records from fp_media
  nearest     + a picture's rare-inlier table (clickprint_nearest; a
                search.sql without one has no such stage, "-")
  statement   the whole statement with the rerank replaced by a constant
              (and so, from session 37 on, without the table, which
              nothing then uses: it can cost less than `nearest`)
  with rerank the whole statement
Prints, per stage, the median processor time of this process (every chDB
thread, not the UDF processes) and the median wall time over ROUNDS runs.
Processor time is the figure to read on a shared machine: wall time moves
with other work, processor time far less.

With SEARCH_SQL files (other versions of search.sql, e.g. the one on main
saved with `git show main:sql/clickhouse/search.sql > before.sql`), every
stage of every version runs in turn within each round (A B A B, not A A B
B), so the versions are compared under the same load; a column per
version. TENANT (environment, default 1) searches another tenant of the
same folder, e.g. one given made-up rows beside the pictures.

usage: statement_stages.py DATA_DIR UDF_DIR LIBRARY_DIR QUERY [ROUNDS [SEARCH_SQL...]]
"""
import glob
import os
import re
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".deps", "chdb"))
import chdb  # noqa: E402

data, udf, library, query = sys.argv[1:5]
rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 21
versions = sys.argv[6:]
tenant = int(os.environ.get("TENANT", "1"))
config = os.path.join(ROOT, "clickhouse-config", "*_function.xml")
# The connection is kept: a cursor alone loses it to the garbage collector.
connection = chdb.connect(
    f"file:{data}?user_scripts_path={udf}&user_defined_executable_functions_config={config}"
)
cursor = connection.cursor()


def run(sql, params=None):
    """Runs one statement with {name:Type} parameters put in as literals."""
    def literal(m):
        value = (params or {})[m.group(1)]
        if m.group(2) == "String":
            return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
        return str(value)

    cursor.execute(re.sub(r"\{(\w+):([^}]+)\}", literal, sql))
    return cursor.fetchall()


def statements(text):
    body = "\n".join(l for l in text.splitlines() if not l.strip().startswith("--"))
    return [s for s in body.split(";") if s.strip()]


def sql(name):
    with open(os.path.join(ROOT, "sql", "clickhouse", name)) as f:
        return f.read()


for statement in statements(sql("schema.sql")):
    run(statement)
if run("SELECT count() FROM clickprint.fp_keys WHERE tenant_id = 1")[0][0] == 0:
    files = sorted(glob.glob(os.path.join(library, "*.jpg")))
    for i, f in enumerate(files):
        run(sql("ingest.sql"), {"tenant": 1, "media_id": i + 1, "source": f})
    print(f"ingested {len(files)} pictures", file=sys.stderr)

fingerprint = run("SELECT hex(clickprint_query({query:String}).fingerprint)", {"query": query})[0][0]
params = {"tenant": tenant, "query": "fp:" + fingerprint, "top_k": 10, "min_score": 0.3, "extractor_keys": "[]"}
no_rerank = (
    "CAST((0, 0, 0, 0, 0, '', 0, [], (0, 0, 0, 0)), 'Tuple(score Float32, query_start_ms UInt32, "
    "query_end_ms UInt32, reference_start_ms UInt32, reference_end_ms UInt32, evidence String, "
    "speed Float32, segments Array(Tuple(UInt32, UInt32, UInt32, UInt32, Float32, Float32)), "
    "query_box Tuple(x UInt32, y UInt32, width UInt32, height UInt32))')"
)
# The rerank's call: the query with the rare-inlier table appended
# (session 37 on), or the query alone (before).
rerank_calls = ["clickprint_rerank(query_records, r.reference, c.3)", "clickprint_rerank(q.fingerprint, r.reference, c.3)"]


def stages(search):
    """The stages' statements of one version of search.sql."""
    call = next((c for c in rerank_calls if c in search), None)
    assert call, "search.sql changed: update this script's stages"
    before = lambda marker: search[: search.index(marker)].rstrip().rstrip(",")  # noqa: E731
    # The references as one scalar beside the rare-inlier table (session
    # 37 on), or a CTE the rerank joins (before, and no `nearest` stage).
    table = ") AS query_records" in search
    return {
        "q": "WITH (SELECT clickprint_query({query:String})) AS q SELECT length(q.keys)",
        # A version without a `lookups` scalar has no such stage ("-").
        "lookups": before("    -- The candidates") + "\nSELECT length(lookups)" if ") AS lookups" in search else None,
        "candidates": before("    -- The candidates' records" if table else "    references AS") + "\nSELECT length(candidates)",
        "references": before("    -- A query picture's rare-inlier table") + "\nSELECT length(references), arraySum(r -> length(r.2), references)"
        if table
        else before("    reranked AS") + "\nSELECT count(), sum(length(reference)) FROM references",
        "nearest": before("    reranked AS") + "\nSELECT length(query_records)" if table else None,
        "statement": search.replace(call, no_rerank),
        "with rerank": search,
    }


if versions:
    texts = {os.path.basename(v): open(v).read() for v in versions}
else:
    texts = {"search.sql": sql("search.sql")}
plans = {name: stages(text) for name, text in texts.items()}
for name, plan in plans.items():
    answer = run(plan["with rerank"], params)
    print(f"{name}: {len(answer)} matches, first {answer[0][:2] if answer else None}", file=sys.stderr)
cpu = {(v, s): [] for v in plans for s in plans[v]}
wall = {(v, s): [] for v in plans for s in plans[v]}
for _ in range(rounds):
    for stage in next(iter(plans.values())):
        for version, plan in plans.items():
            if plan[stage] is None:
                continue
            r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            run(plan[stage], params)
            t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            cpu[version, stage].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
            wall[version, stage].append((t1 - t0) * 1000)
print("stage," + ",".join(f"{v} cpu_ms,{v} wall_ms" for v in plans))
for stage in next(iter(plans.values())):
    cells = [
        f"{statistics.median(cpu[v, stage]):.1f},{statistics.median(wall[v, stage]):.1f}" if cpu[v, stage] else "-,-"
        for v in plans
    ]
    print(f"{stage}," + ",".join(cells))
