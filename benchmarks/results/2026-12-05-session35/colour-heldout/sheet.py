# Session 35: contact sheet of pairs for checking by eye (RGB layout thumbnails
# from the dumps, query left, reference right, row number top left).
# Usage: python3 sheet.py PAIRS.txt OUT.png   (PAIRS: lines "qdump qn rdump rn" tab-separated)
import sys, numpy as np
from PIL import Image, ImageDraw
def index(name):
    raw = np.fromfile(f"dump-{name}.bin", np.uint8); out = {}
    for l in open(f"dump-{name}.tsv"):
        lst, n, kept, w, h, off, path = l.rstrip("\n").split("\t")
        if kept == "-": continue
        out[(lst, n)] = (raw, int(w), int(h), int(off))
    return out
I = {n: index(n) for n in ("corpus", "heldout")}
def rgb(d, lst, n):
    raw, w, h, off = I[d][(lst, n)]
    p = [raw[off + i * w * h: off + (i + 1) * w * h].reshape(h, w) for i in (1, 2, 3)]
    return Image.fromarray(np.dstack(p)).resize((w * 2, h * 2), Image.NEAREST)
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
S = 200
COLS = 4
CW, RH = 2 * S + 40, S + 8
sheet = Image.new("RGB", (COLS * CW, (len(rows) + COLS - 1) // COLS * RH), (128, 128, 128))
dr = ImageDraw.Draw(sheet)
for k, (qd, qn, rd, rn, *_) in enumerate(rows):
    x, y = k % COLS * CW, k // COLS * RH
    a, b = rgb(qd, "query", qn), rgb(rd, "ref", rn)
    a.thumbnail((S, S)); b.thumbnail((S, S))
    sheet.paste(a, (x + 18, y)); sheet.paste(b, (x + S + 24, y))
    dr.text((x + 2, y), str(k), fill=(255, 0, 0))
sheet.save(sys.argv[2])
