#!/bin/bash
# alternating: before (main d3f9c01's binaries), after (branch text21), each in a fresh data dir
cd /work/wt/text21
S=/work/scratch/text21
for i in 1 2; do
  rm -rf $S/svc-before-$i; uptime > $S/svc/before-$i.log; /work/scratch/text21/before/text_search_latency $S/svc-before-$i 1000000 21 > $S/svc/before-$i.csv 2>> $S/svc/before-$i.log; uptime >> $S/svc/before-$i.log; rm -rf $S/svc-before-$i
  rm -rf $S/svc-after-$i; uptime > $S/svc/after-$i.log; target/debug/text_search_latency $S/svc-after-$i 1000000 21 > $S/svc/after-$i.csv 2>> $S/svc/after-$i.log; uptime >> $S/svc/after-$i.log; rm -rf $S/svc-after-$i
done
cd /work/wt/text21/benchmarks/results/2026-12-03-text-search-one-word && UDF_DIR=$S/udf CONFIG="$S/cfg/*_function.xml" CHILDREN=1 DATA=$S/data python3 compare.py 11 3 before.sql ../../../sql/clickhouse/text_search.sql > $S/svc/cpu-1M.txt 2>&1
uptime >> $S/svc/cpu-1M.txt
