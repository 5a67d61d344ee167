import sys, time, resource, statistics, os
sys.path.insert(0, '/work/main/.deps/chdb')
import chdb
udf='/work/scratch/s22/udf-release'
config='/work/main/clickhouse-config/*_function.xml'
c = chdb.connect(f"file:/work/scratch/s22/stages/data?user_scripts_path={udf}&user_defined_executable_functions_config={config}")
cur = c.cursor()
def run(q):
    cur.execute(q); return cur.fetchall()
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
step=sys.argv[1]
if step=='make':
    run("DROP TABLE IF EXISTS default.qk")
    run("CREATE TABLE default.qk (band UInt8, key UInt32) ENGINE = MergeTree ORDER BY (band, key)")
    run("INSERT INTO default.qk SELECT DISTINCT k.1, k.2 FROM (SELECT arrayJoin(clickprint_query('/work/scratch/s22/stages/q/p7.jpg').keys) AS k)")
    print(run("SELECT count() FROM default.qk"))
    run("DROP TABLE IF EXISTS default.fk_bk")
    run("""CREATE TABLE default.fk_bk (tenant_id UInt32, bk UInt64 CODEC(Delta(8), ZSTD(1)), media_id UInt64 CODEC(ZSTD(1)),
        time_ms UInt32 CODEC(ZSTD(1)), item UInt32 CODEC(T64, ZSTD(1)))
        ENGINE = ReplacingMergeTree PRIMARY KEY (tenant_id, bk) ORDER BY (tenant_id, bk, media_id, time_ms, item)
        SETTINGS index_granularity = 128, min_compress_block_size = 4096, max_compress_block_size = 16384""")
    t=time.time()
    run("INSERT INTO default.fk_bk SELECT tenant_id, bitShiftLeft(toUInt64(band), 32) + key, media_id, time_ms, item FROM clickprint.fp_keys")
    run("OPTIMIZE TABLE default.fk_bk FINAL")
    print('made', time.time()-t)
else:
    tenant=int(sys.argv[2])
    qs={
     'tuple': f"SELECT media_id, count() AS v FROM clickprint.fp_keys WHERE tenant_id={tenant} AND (band,key) IN (SELECT band,key FROM default.qk) GROUP BY media_id ORDER BY v DESC LIMIT 100",
     'bk': f"SELECT media_id, count() AS v FROM default.fk_bk WHERE tenant_id={tenant} AND bk IN (SELECT bitShiftLeft(toUInt64(band), 32) + key FROM default.qk) GROUP BY media_id ORDER BY v DESC LIMIT 100",
    }
    res={k:[] for k in qs}
    for i in range(21):
        for k,q in qs.items():
            a=cpu(); t=time.time(); r=run(q); res[k].append(((cpu()-a)*1000,(time.time()-t)*1000))
    for k,v in res.items():
        v=v[1:]
        print(k, 'cpu', round(statistics.median(x[0] for x in v),1), 'wall', round(statistics.median(x[1] for x in v),1), 'first', r[:1] if k=='bk' else '')
