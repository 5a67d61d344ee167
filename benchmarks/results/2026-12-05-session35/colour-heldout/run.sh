#!/bin/bash
# Driver: each set on 2 processes (queries k % 2), in order of priority, with
# wall-clock limits (a stopped set has done a random subsample of its queries).
cd /work/scratch/s35/heldout
export CBOX=15,31 PYTHONPATH=/work/main/.deps/eval-python
run() {  # SET LIMIT
  timeout $2 nice -n 5 python3 heldout_pairs.py $1 0 2 pairs-$1-0.tsv 2> pairs-$1-0.log &
  timeout $2 nice -n 5 python3 heldout_pairs.py $1 1 2 pairs-$1-1.tsv 2> pairs-$1-1.log &
  wait
  date >> run.log; echo "$1 done" >> run.log
}
while pgrep -f "heldout_pairs.py corpus-copies" > /dev/null; do sleep 5; done
date >> run.log
run i ${LIM_I:-18m}
run ii ${LIM_II:-18m}
run iii ${LIM_III:-10m}
