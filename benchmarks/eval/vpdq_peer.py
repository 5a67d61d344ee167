"""vPDQ (Meta's video PDQ, PyPI vpdq) hashes for clickprint-eval.

Reads video paths, one per line, on standard input; prints one JSON line
per file: its features, one a second, as [hex, quality, seconds], and
the seconds hashing took (decoding included, as vPDQ decodes itself). The
matching (a linear scan; vPDQ has no search and no temporal alignment) is
done by clickprint-eval.
"""

import json
import sys
import time

import vpdq

for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        continue
    started = time.perf_counter()
    # One hashing thread, as clickprint decodes and hashes a file on one
    # core: the speed table compares work per core.
    features = vpdq.computeHash(path, seconds_per_hash=1, thread_count=1)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "path": path,
        "features": [[f.hex, f.quality, f.timestamp] for f in features],
        "seconds": {"vPDQ": seconds},
    }), flush=True)
