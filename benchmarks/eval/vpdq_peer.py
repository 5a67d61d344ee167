"""vPDQ (Meta's video PDQ, PyPI vpdq) hashes for clickprint-eval.

Reads video paths, one per line, on standard input; prints one JSON line
per file: its features, one a second, as [hex, quality, seconds]. The
matching (a linear scan; vPDQ has no search and no temporal alignment) is
done by clickprint-eval.
"""

import json
import sys

import vpdq

for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        continue
    features = vpdq.computeHash(path, seconds_per_hash=1)
    print(json.dumps({
        "path": path,
        "features": [[f.hex, f.quality, f.timestamp] for f in features],
    }), flush=True)
