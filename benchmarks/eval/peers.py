"""The picture peers' own hashes for clickprint-eval (benchmarks/eval).

Reads file paths, one per line, on standard input; prints one JSON line per
file: PDQ (pdqhash, Meta's reference algorithm, 256 bits), pHash and dHash
(imagehash, 64 bits), each as hex. The matching (a linear scan by Hamming
distance, since the peers have no search) is done by clickprint-eval.
"""

import json
import sys

import imagehash
import numpy as np
import pdqhash
from PIL import Image


def hex_bits(bits):
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        continue
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    pdq, _quality = pdqhash.compute(np.asarray(rgb))
    print(json.dumps({
        "path": path,
        "pdq": hex_bits(pdq),
        "phash": str(imagehash.phash(rgb)),
        "dhash": str(imagehash.dhash(rgb)),
    }), flush=True)
