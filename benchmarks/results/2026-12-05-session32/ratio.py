# How spread a query's layout values are, as `layout::outliers` reads them
# (approximately: Pillow's box resampling to 256 px, then 48 px, in place of
# the fingerprint's): for each query of a list (`path, transformation,
# reference` lines), the median and 90th-percentile distances of its
# high-passed 48-px values (box of 5) from their median, their ratio, and
# the share further than 6 deviations read from the 90th percentile.
# Usage: `PYTHONPATH=.deps/eval-python:PIL python3 ratio.py QUERIES.tsv`.
# `ratio.tsv`: the full corpus's overlaid and unrelated queries.
import sys

import numpy as np
from PIL import Image


def high_passed(a, size):
    h = size // 2
    p = np.pad(a, h, mode='edge')
    c = np.cumsum(np.cumsum(np.pad(p, ((1, 0), (1, 0))), 0), 1)
    rows, cols = a.shape
    s = c[size:size + rows, size:size + cols] - c[0:rows, size:size + cols] \
        - c[size:size + rows, 0:cols] + c[0:rows, 0:cols]
    return a - s / (size * size)


def longer_side(im, side):
    w, h = im.size
    s = side / max(w, h)
    return im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BOX)


for line in open(sys.argv[1]):
    path, transform, _ = line.rstrip('\n').split('\t')
    im = longer_side(longer_side(Image.open(path).convert('L'), 256), 48)
    v = high_passed(np.asarray(im, dtype=np.float64), 5).ravel()
    d = np.sort(np.abs(v - np.median(v)))
    d50, d90 = d[len(d) // 2], d[int(len(d) * 0.9)]
    far = (d > 6 * d90 / 1.645).mean()
    name = path.rsplit('/', 1)[-1]
    print(f"{transform}\t{name}\t{d50:.3f}\t{d90:.3f}\t{d50 / max(d90, 1e-9):.3f}\t{far:.3f}")
