#!/usr/bin/env python3
"""Where the picture search statement's engine time goes, against what the
engine costs for the statement's parts on their own (issue 23: the
statement's floor). Opens DATA (a chDB folder made by
benchmarks/tools/statement_stages.py: tenant 1 its 120 pictures, tenant 2
those plus 10 million made-up key rows; the commands are in this folder's
README) with the release UDFs of UDF_DIR, in this process, and prints the
median processor time (every chDB thread of this process; not the UDF
processes) and wall time of ROUNDS runs of each form, every form in turn
within a round:

  units       what the engine costs for one construct alone: a statement,
              a scalar subquery, a subquery level, an IN set, a point read
              of fp_keys, a FINAL read of a small table, a join
  candidates  the statement's candidate lookup grown step by step (the
              scalars q and lookups, the key read, its group, the rarity,
              the vote, the three filters, the order, the array)
  keys        the 360 lookup keys as a literal in several forms, and the
              lookup given each
  plan        where the large values stand: the candidate stage with the
              scalar q as it is and with q's fingerprint emptied (the
              UDF still called inside it); the whole statement without
              its rerank (a constant verdict) and with it (what any form
              of handing the rerank its input can save at most); the
              rerank given the query's fingerprint as a literal instead
              of q.fingerprint, and given OTHER's (a smaller picture's);
              the declined filter given the query's sha256 as a literal
  settings    the whole statement under settings that might fit point
              lookups
  loop        no timing: the statement run LOOP times (default 300), for a
              profiler (`perf record -F 999 -g python3 floor.py loop`)
  given       what is left of the statement when the candidates come
              from elsewhere (a key index outside the statement): the
              statement with its candidates written in as a literal (the
              array its own lookup, vote and filters make for this query;
              the answers checked to be the same), beside the statement
              as it is

usage: DATA=... UDF_DIR=target/release QUERY=PICTURE OTHER=PICTURE [TENANT=1] [ROUNDS=15]
       python3 floor.py PART [PART...]
Relative paths are the working directory's; the repository's own files
are found from this script's place.
"""
import json
import os
import re
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, ".deps", "chdb"))
import chdb  # noqa: E402

data, udf, query = os.environ["DATA"], os.environ["UDF_DIR"], os.environ["QUERY"]
T = os.environ.get("TENANT", "1")
rounds = int(os.environ.get("ROUNDS", "15"))
config = os.path.join(ROOT, "clickhouse-config", "*_function.xml")
# The connection is kept: a cursor alone loses it to the garbage collector.
connection = chdb.connect(f"file:{data}?user_scripts_path={udf}&user_defined_executable_functions_config={config}")
cursor = connection.cursor()


def run(sql):
    cursor.execute(sql)
    return cursor.fetchall()


def timed(forms):
    """Each form once (printing its answer's first row), then ROUNDS rounds
    of every form in turn; prints processor and wall medians."""
    for name, sql in forms.items():
        answer = run(sql)
        print(f"  {name}: {str(answer[:1])[:100]}", file=sys.stderr)
    cpu = {k: [] for k in forms}
    wall = {k: [] for k in forms}
    for _ in range(rounds):
        for name, sql in forms.items():
            r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            run(sql)
            t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            cpu[name].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
            wall[name].append((t1 - t0) * 1000)
    print("processor_ms,wall_ms,form")
    for name in forms:
        print(f"{statistics.median(cpu[name]):.1f},{statistics.median(wall[name]):.1f},{name}")


fingerprint = run(f"SELECT hex(clickprint_query('{query}').fingerprint)")[0][0]
sha = run(f"SELECT clickprint_query('{query}').sha256")[0][0]
keys = sorted({tuple(k[:2]) for k in json.loads(run(f"SELECT clickprint_query('{query}').keys")[0][0])})
# search.sql with its parameters written in, as the service passes them
# (the query as 'fp:' || hex || ':' || sha256), and without its comments.
params = {"tenant": T, "query": f"'fp:{fingerprint}:{sha}'", "top_k": "10", "min_score": "0.3", "extractor_keys": "[]"}
with open(os.path.join(ROOT, "sql", "clickhouse", "search.sql")) as f:
    search = re.sub(r"\{(\w+):([^}]+)\}", lambda m: params[m.group(1)], f.read())
search = "\n".join(line for line in search.splitlines() if not line.strip().startswith("--"))
print(f"query: {len(fingerprint) // 2} bytes of fingerprint, {len(keys)} distinct lookup keys")
# The statement up to its records: the scalars q, lookups and candidates.
up_to_records = search[: search.index("    references AS")].rstrip().rstrip(",")


def units():
    k = keys[0]
    return {
        "SELECT 1": "SELECT 1",
        "one scalar subquery": "WITH (SELECT 1) AS a SELECT a",
        "three scalar subqueries": "WITH (SELECT 1) AS a, (SELECT 2) AS b, (SELECT 3) AS c SELECT a + b + c",
        "one subquery level": "SELECT count() FROM (SELECT 1)",
        "four subquery levels": "SELECT count() FROM (SELECT * FROM (SELECT * FROM (SELECT * FROM (SELECT 1))))",
        "one IN subquery": "SELECT 1 IN (SELECT 1)",
        "three IN subqueries": "SELECT 1 IN (SELECT 1) AND 2 IN (SELECT 2) AND 3 IN (SELECT 3)",
        "a UDF call (clickprint_version)": "SELECT clickprint_version(1)",
        "one key read from fp_keys": f"SELECT count() FROM clickprint.fp_keys WHERE tenant_id = {T} AND band = {k[0]} AND key = {k[1]}",
        "a FINAL read of a small table": f"SELECT count() FROM clickprint.media_excluded FINAL WHERE tenant_id = {T} AND revoked = 0",
        "a join of two subqueries": "SELECT count() FROM (SELECT number AS a FROM numbers(10)) x "
        "LEFT JOIN (SELECT number AS a FROM numbers(10)) y ON x.a = y.a",
    }


def candidates():
    head = search[: search.index("    (\n        SELECT groupArray((media_id")].rstrip().rstrip(",")
    lookup = f"FROM clickprint.fp_keys WHERE tenant_id = {T} AND (band, key) IN (SELECT arrayJoin(lookups))"
    grouped = f"SELECT band, key, groupUniqArray((media_id, time_ms)) AS hits {lookup} GROUP BY band, key"
    rarity = f"SELECT band, key, hits, 1 / length(arrayDistinct(hits.1)) AS rarity FROM ({grouped})"
    vote = (
        "SELECT hit.1 AS media_id, count() AS votes, sum(rarity) AS weight, "
        "groupUniqArrayIf((key, hit.2), band = 128) AS audio_hits, groupUniqArrayIf(hit.2, band < 128) AS frame_times, "
        f"uniqExactIf(band, key, band > 128) AS extractor_hits FROM ({rarity}) ARRAY JOIN hits AS hit GROUP BY media_id"
    )
    having = (
        f"{vote} HAVING media_id NOT IN (SELECT media_id FROM clickprint.media_deleted WHERE tenant_id = {T}) "
        f"AND media_id NOT IN (SELECT media_id FROM clickprint.media_excluded FINAL WHERE tenant_id = {T} AND revoked = 0) "
        f"AND media_id NOT IN (SELECT media_id FROM clickprint.match_decisions FINAL WHERE tenant_id = {T} "
        "AND query_sha256 = q.sha256 AND decision = 'false_positive' AND revoked = 0)"
    )
    ordered = f"{having} ORDER BY weight DESC, media_id LIMIT 100"
    return {
        "the scalars q and lookups": f"{head}\nSELECT length(lookups)",
        "+ the key read": f"{head}\nSELECT count() {lookup}",
        "+ grouped by key": f"{head}\nSELECT count() FROM ({grouped})",
        "+ each key's rarity": f"{head}\nSELECT sum(rarity) FROM ({rarity})",
        "+ the vote": f"{head}\nSELECT count() FROM ({vote})",
        "+ the three filters": f"{head}\nSELECT count() FROM ({having})",
        "+ the order and limit": f"{head}\nSELECT count() FROM ({ordered})",
        "+ the candidates' array (the stage)": f"{head}\nSELECT length(groupArray((media_id, votes, audio_hits, frame_times, extractor_hits))) FROM ({ordered})",
    }


def key_forms():
    tuples = "(" + ",".join(f"({b},{k})" for b, k in keys) + ")"
    array = "[" + ",".join(f"({b},{k})" for b, k in keys) + "]"
    numbers = "[" + ",".join(str(b << 32 | k) for b, k in keys) + "]"
    read = f"SELECT count() FROM clickprint.fp_keys WHERE tenant_id = {T} AND (band, key) IN"
    return {
        "length of the keys as an array of tuples": f"SELECT length({array})",
        "length of the keys as an array of UInt64": f"SELECT length({numbers})",
        "(1, 2) IN the keys as a tuple literal": f"SELECT (1, 2) IN {tuples}",
        "(1, 2) IN (SELECT arrayJoin(the array))": f"SELECT (1, 2) IN (SELECT arrayJoin({array}))",
        "5 IN the keys as UInt64": f"SELECT 5 IN {numbers.replace('[', '(').replace(']', ')')}",
        "EXPLAIN indexes of the key read, tuple literal": f"EXPLAIN indexes = 1 {read} {tuples}",
        "the key read, tuple literal": f"{read} {tuples}",
        "the key read, set from the UDF's keys": f"{read} (SELECT k.1, k.2 FROM (SELECT arrayJoin(clickprint_query('fp:{fingerprint}').keys) AS k))",
        "the key read, set from a scalar q (as the statement)": f"WITH (SELECT clickprint_query('fp:{fingerprint}')) AS q {read} (SELECT arrayJoin(arrayMap(k -> (k.1, k.2), q.keys)))",
    }


def plan():
    call = "clickprint_rerank(q.fingerprint, r.reference, c.3)"
    scalar = f"(SELECT clickprint_query({params['query']})) AS q"
    assert call in search and scalar in search, "search.sql changed: update this script"
    emptied = (
        "(SELECT CAST((c.keys, '', c.sha256), 'Tuple(keys Array(Tuple(UInt8, UInt32, UInt32)), "
        f"fingerprint String, sha256 String)') FROM (SELECT clickprint_query({params['query']}) AS c)) AS q"
    )
    stage = up_to_records + "\nSELECT length(candidates)"
    verdict = (
        "CAST((0, 0, 0, 0, 0, '', 0, [], (0, 0, 0, 0)), 'Tuple(score Float32, query_start_ms UInt32, "
        "query_end_ms UInt32, reference_start_ms UInt32, reference_end_ms UInt32, evidence String, "
        "speed Float32, segments Array(Tuple(UInt32, UInt32, UInt32, UInt32, Float32, Float32)), "
        "query_box Tuple(x UInt32, y UInt32, width UInt32, height UInt32))')"
    )
    other = run(f"SELECT hex(clickprint_query('{os.environ['OTHER']}').fingerprint)")[0][0]
    return {
        "the candidate stage, q as it is": stage,
        "the candidate stage, q's fingerprint emptied": stage.replace(scalar, emptied),
        "the statement, a constant verdict for the rerank": search.replace(call, verdict),
        "the statement": search,
        "the rerank given the query's fingerprint as a literal": search.replace(call, f"clickprint_rerank(unhex('{fingerprint}'), r.reference, c.3)"),
        f"the rerank given OTHER's fingerprint ({len(other) // 2} bytes)": search.replace(call, f"clickprint_rerank(unhex('{other}'), r.reference, c.3)"),
        "the declined filter given the sha256 as a literal": search.replace("query_sha256 = q.sha256", f"query_sha256 = '{sha}'"),
    }


def settings():
    forms = {"as it is": search}
    for s in (
        "local_filesystem_read_method = 'pread'",
        "local_filesystem_read_method = 'mmap', min_bytes_to_use_mmap_io = 1",
        "max_threads = 1",
        "merge_tree_coarse_index_granularity = 4",
        "query_plan_enable_optimizations = 0",
        "compile_expressions = 0",
        "use_uncompressed_cache = 1",
    ):
        forms[s] = f"{search}\nSETTINGS {s}"
    return forms


def given():
    array = run(f"{up_to_records}\nSELECT toString(candidates)")[0][0]
    start = search.index("    (\n        SELECT groupArray((media_id")
    end = search.index(") AS candidates,") + len(") AS candidates,")
    typed = run(f"{up_to_records}\nSELECT toTypeName(candidates)")[0][0]
    count = run(f"{up_to_records}\nSELECT length(candidates)")[0][0]
    # The array's text as a string literal: it holds numbers only, so
    # Python's repr quotes it with single quotes, as SQL wants.
    given_sql = search[:start] + f"    CAST({array!r}, '{typed}') AS candidates," + search[end:]
    assert run(given_sql) == run(search), "the statement given its candidates answers otherwise"
    return {
        "the statement": search,
        f"the statement given its {count} candidates": given_sql,
    }


parts = {"given": given, "units": units, "candidates": candidates, "keys": key_forms, "plan": plan, "settings": settings}
for part in sys.argv[1:]:
    if part == "loop":
        for _ in range(int(os.environ.get("LOOP", "300"))):
            run(search)
        continue
    print(f"\n== {part} (tenant {T}, {rounds} rounds)")
    timed(parts[part]())
