#!/usr/bin/env python3
"""Processor seconds a process and its descendants used so far: its own
utime + stime, its waited-for children's (cutime + cstime), and every live
descendant's (the warm UDF processes ClickHouse starts). Reads /proc.
Sampled before and after a load run, the difference over the searches
made is the processor time a search costs (benchmarks/search_concurrency.sh).

usage: tree_cpu.py PID
"""
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        # The command name may hold spaces: fields start after its ')'.
        fields = f.read().rsplit(")", 1)[1].split()
    return fields


def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def tree(pid, root=True):
    try:
        fields = stat(pid)
    except OSError:
        return 0
    # utime, stime, cutime, cstime are fields 14-17 of stat (11-14 here).
    ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ticks + sum(tree(c, False) for c in children(pid))


print(f"{tree(int(sys.argv[1])) / TICK:.2f}")
