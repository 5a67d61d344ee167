import sys
from PIL import Image, ImageDraw
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
fams = []
for f, p in rows:
    if not fams or fams[-1][0] != f: fams.append((f, []))
    fams[-1][1].append(p)
S = 160
W = max(len(m) for _, m in fams)
sheet = Image.new('RGB', (W * S, len(fams) * (S + 14)), 'white')
d = ImageDraw.Draw(sheet)
for y, (f, ms) in enumerate(fams):
    for x, p in enumerate(ms):
        im = Image.open(p).convert('RGBA')
        im.thumbnail((S - 4, S - 4))
        bg = Image.new('RGBA', im.size, (0x33, 0x47, 0x5b, 255)); bg.alpha_composite(im)
        sheet.paste(bg.convert('RGB'), (x * S + 2, y * (S + 14) + 14))
        d.text((x * S + 2, y * (S + 14)), p.rsplit('/', 1)[-1][:26], fill='black')
sheet.save(sys.argv[2])
