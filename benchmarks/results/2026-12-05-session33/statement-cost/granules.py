# Granules the key lookup of each version selects (EXPLAIN indexes = 1 of the
# lookup part of the `candidates` scalar: fp_keys rows of the tenant in `lookups`).
import os, sys
ROOT = "/work/main"
sys.path.insert(0, os.path.join(ROOT, ".deps", "chdb"))
import chdb
data, udf = sys.argv[1:3]
config = os.path.join(ROOT, "clickhouse-config", "*_function.xml")
conn = chdb.connect(f"file:{data}?user_scripts_path={udf}&user_defined_executable_functions_config={config}")
cur = conn.cursor()
def q(s):
    cur.execute(s); return cur.fetchall()
for path in sys.argv[3:]:
    fp = q(f"SELECT hex(clickprint_query('{path}').fingerprint)")[0][0]
    for tenant in (2, 1):
        for f in ("blob.sql", "noblob.sql"):
            body = "\n".join(l for l in open(f).read().splitlines() if not l.strip().startswith("--"))
            part = body[: body.index("    (\n        SELECT groupArray((media_id")].rstrip().rstrip(",")
            part = part.replace("{query:String}", f"'fp:{fp}'").replace("{tenant:UInt32}", str(tenant)).replace(
                "{extractor_keys:Array(Tuple(UInt8, UInt32))}", "[]")
            look = part + f"\nSELECT band, key, media_id FROM clickprint.fp_keys WHERE tenant_id = {tenant} AND (band, key) IN (SELECT arrayJoin(lookups))"
            rows = q(f"SELECT count(), countIf(band = 26), uniqExact(media_id) FROM ({look})")[0]
            plan = [r[0] for r in q("EXPLAIN indexes = 1 " + look)]
            gran = [l.strip() for l in plan if "Granules" in l or "Ranges" in l]
            print(f"{os.path.basename(path)} tenant {tenant} {f}: rows hit {rows[0]} (band 26: {rows[1]}), media {rows[2]}; {' | '.join(gran)}")
