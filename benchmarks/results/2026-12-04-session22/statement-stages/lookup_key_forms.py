"""The vote's key lookup alone, in two physical forms: `fp_keys` as
shipped (`(band, key) IN`) and a copy with `bk = band << 32 | key` as one
UInt64 primary-key column (`bk IN`).

    python3 lookup_key_forms.py DATA UDF_DIR QUERY make
    python3 lookup_key_forms.py DATA UDF_DIR QUERY time TENANT

`make` fills `default.qk` with QUERY's distinct lookup keys (a MergeTree
table: a Memory table does not outlive the chDB connection) and
`default.fk_bk` with every `fp_keys` row; `time` runs each form's lookup
and count per item 21 times in turn and prints the processor and wall
medians of the last 20, and each form's first answer.
"""
import os
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.abspath(__file__))
for _ in range(4):
    ROOT = os.path.dirname(ROOT)
sys.path.insert(0, os.path.join(ROOT, ".deps", "chdb"))
import chdb  # noqa: E402

data, udf, query, step = sys.argv[1:5]
config = os.path.join(ROOT, "clickhouse-config", "*_function.xml")
connection = chdb.connect(
    f"file:{data}?user_scripts_path={udf}&user_defined_executable_functions_config={config}"
)
cursor = connection.cursor()


def run(sql):
    cursor.execute(sql)
    return cursor.fetchall()


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


if step == "make":
    run("DROP TABLE IF EXISTS default.qk")
    run("CREATE TABLE default.qk (band UInt8, key UInt32) ENGINE = MergeTree ORDER BY (band, key)")
    run(
        "INSERT INTO default.qk SELECT DISTINCT k.1, k.2 FROM "
        f"(SELECT arrayJoin(clickprint_query('{query}').keys) AS k)"
    )
    print("keys", run("SELECT count() FROM default.qk")[0][0])
    run("DROP TABLE IF EXISTS default.fk_bk")
    run(
        """CREATE TABLE default.fk_bk (tenant_id UInt32, bk UInt64 CODEC(Delta(8), ZSTD(1)),
        media_id UInt64 CODEC(ZSTD(1)), time_ms UInt32 CODEC(ZSTD(1)), item UInt32 CODEC(T64, ZSTD(1)))
        ENGINE = ReplacingMergeTree PRIMARY KEY (tenant_id, bk) ORDER BY (tenant_id, bk, media_id, time_ms, item)
        SETTINGS index_granularity = 128, min_compress_block_size = 4096, max_compress_block_size = 16384"""
    )
    started = time.time()
    run(
        "INSERT INTO default.fk_bk SELECT tenant_id, bitShiftLeft(toUInt64(band), 32) + key, "
        "media_id, time_ms, item FROM clickprint.fp_keys"
    )
    run("OPTIMIZE TABLE default.fk_bk FINAL")
    print("made in", round(time.time() - started, 1), "s")
else:
    tenant = int(sys.argv[5])
    forms = {
        "(band, key) IN": "SELECT media_id, count() AS v FROM clickprint.fp_keys "
        f"WHERE tenant_id = {tenant} AND (band, key) IN (SELECT band, key FROM default.qk) "
        "GROUP BY media_id ORDER BY v DESC LIMIT 100",
        "bk IN": "SELECT media_id, count() AS v FROM default.fk_bk "
        f"WHERE tenant_id = {tenant} AND bk IN (SELECT bitShiftLeft(toUInt64(band), 32) + key FROM default.qk) "
        "GROUP BY media_id ORDER BY v DESC LIMIT 100",
    }
    times = {form: [] for form in forms}
    first = {}
    for _ in range(21):
        for form, sql in forms.items():
            c, w = cpu(), time.time()
            answer = run(sql)
            times[form].append(((cpu() - c) * 1000, (time.time() - w) * 1000))
            first[form] = answer[:1]
    for form, runs in times.items():
        runs = runs[1:]
        print(
            form,
            "cpu",
            round(statistics.median(r[0] for r in runs), 1),
            "wall",
            round(statistics.median(r[1] for r in runs), 1),
            "first",
            first[form],
        )
