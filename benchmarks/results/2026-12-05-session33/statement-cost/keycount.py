# Keys each query looks up: the query's keys, distinct (band, key), all and band 26, and
# the `lookups` scalar of blob.sql / noblob.sql for each tenant (stop_keys applied).
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
    r = q(f"""WITH (SELECT clickprint_query('{path}')) AS q
        SELECT length(q.keys), countIf(k.1 = 26), uniqExact(k.1, k.2), uniqExactIf((k.1, k.2), k.1 = 26)
        FROM (SELECT arrayJoin(arrayMap(k -> (k.1, k.2), q.keys)) AS k)""")[0]
    print(f"{path}: keys {r[0]}, band-26 keys {r[1]}; distinct (band,key) {r[2]}, of band 26 {r[3]}, without band 26 {r[2]-r[3]}")
    fp = q(f"SELECT hex(clickprint_query('{path}').fingerprint)")[0][0]
    for tenant in (1, 2):
        for f in ("blob.sql", "noblob.sql"):
            text = open(f).read()
            body = "\n".join(l for l in text.splitlines() if not l.strip().startswith("--"))
            part = body[: body.index("    (\n        SELECT groupArray((media_id")].rstrip().rstrip(",")
            part = part.replace("{query:String}", f"'fp:{fp}'").replace("{tenant:UInt32}", str(tenant)).replace(
                "{extractor_keys:Array(Tuple(UInt8, UInt32))}", "[]")
            n = q(part + "\nSELECT length(lookups), length(arrayFilter(x -> x.1 = 26, lookups))")[0]
            print(f"  tenant {tenant} {f}: lookups {n[0]} (band 26: {n[1]})")
    print("  stop_keys rows:", q("SELECT tenant_id, count() FROM clickprint.stop_keys GROUP BY tenant_id"))
