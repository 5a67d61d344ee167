"""Session 38: a contact sheet of pairs for a look by eye, each pair the
first picture beside the second, laid over white; the pairs from a TSV
whose 2nd and 3rd columns are the two files (a header line first), e.g.
the evaluation's `clipart_set_aside.tsv`, or from an answers list.

    PYTHONPATH=.deps/eval-python python3 sheet.py OUT/clipart_set_aside.tsv sheet.png
"""
import sys
from PIL import Image, ImageDraw

Image.MAX_IMAGE_PIXELS = None
SIDE = 120
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
per_line = 4
sheet = Image.new("RGB", (per_line * (2 * SIDE + 24), ((len(rows) + per_line - 1) // per_line) * (SIDE + 16)), "white")
draw = ImageDraw.Draw(sheet)
for i, row in enumerate(rows):
    x, y = (i % per_line) * (2 * SIDE + 24), (i // per_line) * (SIDE + 16)
    for j, path in enumerate(row[1:3]):
        picture = Image.open(path).convert("RGBA")
        picture.thumbnail((SIDE, SIDE))
        page = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        page.alpha_composite(picture)
        sheet.paste(page.convert("RGB"), (x + j * (SIDE + 4), y))
    draw.text((x, y + SIDE + 2), f"{row[0]} {row[1].rsplit('/', 1)[-1][:26]}", fill="black")
sheet.save(sys.argv[2])
