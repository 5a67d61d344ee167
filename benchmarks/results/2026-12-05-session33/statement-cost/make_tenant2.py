# Gives tenant 2 tenant 1's rows plus 10 million made-up key rows (bands 0-23),
# as benchmarks/results/2026-12-03-search-statement-vote23/README.md shows; then merges.
import os, sys, glob
ROOT = "/work/main"
sys.path.insert(0, os.path.join(ROOT, ".deps", "chdb"))
import chdb
data, udf = sys.argv[1:3]
config = os.path.join(ROOT, "clickhouse-config", "*_function.xml")
conn = chdb.connect(f"file:{data}?user_scripts_path={udf}&user_defined_executable_functions_config={config}")
cur = conn.cursor()
def q(s):
    cur.execute(s); return cur.fetchall()
print("before", q("SELECT tenant_id, count() FROM clickprint.fp_keys GROUP BY tenant_id ORDER BY tenant_id"))
assert q("SELECT count() FROM clickprint.fp_keys WHERE tenant_id = 2")[0][0] == 0
for s in [
    """INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item)
       SELECT 2, band, key, media_id, time_ms, item FROM clickprint.fp_keys WHERE tenant_id = 1""",
    """INSERT INTO clickprint.fp_media SELECT 2, media_id, time_ms, item, kind, record
       FROM clickprint.fp_media WHERE tenant_id = 1""",
    """INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item)
       SELECT 2, if(number % 1288 < 16, number % 1288, 16 + (number % 1288 - 16) % 8),
              cityHash64(number) % 4294967296, 1000000 + intDiv(number, 1288), 0, number % 1288
       FROM numbers(0, 10000000)""",
    "OPTIMIZE TABLE clickprint.fp_keys FINAL",
]:
    print(s.split()[0], s.split()[2]); q(s)
print("after", q("SELECT tenant_id, count() FROM clickprint.fp_keys GROUP BY tenant_id ORDER BY tenant_id"))
print("fp_media", q("SELECT tenant_id, count() FROM clickprint.fp_media GROUP BY tenant_id ORDER BY tenant_id"))
print("bands t1", q("SELECT band, count() FROM clickprint.fp_keys WHERE tenant_id = 1 GROUP BY band ORDER BY band"))
print("band26 by media t1", q("SELECT media_id, count() FROM clickprint.fp_keys WHERE tenant_id = 1 AND band = 26 GROUP BY media_id ORDER BY media_id"))
print("parts", q("SELECT count(), sum(rows), sum(marks) FROM system.parts WHERE database = 'clickprint' AND table = 'fp_keys' AND active"))
