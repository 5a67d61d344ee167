#!/bin/sh
# The four runs, one after another, from /work/main (relative paths in the script resolve there).
S=/work/scratch/s33/stmt
cd /work/main
for Q in p7 softcrop; do
  for T in 2 1; do
    echo "== $Q tenant $T $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
    TENANT=$T python3 benchmarks/tools/statement_stages.py $S/data /work/main/target/release $S/lib $S/q/$Q.jpg 15 $S/blob.sql $S/noblob.sql \
      > $S/stages-$Q-t$T.txt 2> $S/stages-$Q-t$T.err
    echo "rc=$?"; cat $S/stages-$Q-t$T.err $S/stages-$Q-t$T.txt
  done
done
echo "== end $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
