# A held-out check of the profile evidence: pictures of Debian packages the
# evaluation does not use (gnome-backgrounds, mypaint-data-extras,
# sway-backgrounds, lomiri-wallpapers), each brought to 1024 px, with five
# copies; writes lists for profile_pairs beside the full corpus's:
#   apt-get install gnome-backgrounds mypaint-data-extras sway-backgrounds lomiri-wallpapers
#   python3 heldout.py CORPUS OUT
# (a-*: the held-out pictures as unrelated queries; b-*: in the library
# with their copies searched).
import os, sys, glob
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../.deps/eval-python')))
from PIL import Image, ImageDraw, ImageEnhance, ImageOps
corpus, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
files = sorted(glob.glob('/usr/share/backgrounds/gnome/*.webp') + glob.glob('/usr/share/mypaint/backgrounds/*/*.png')
               + ['/usr/share/backgrounds/sway/Sway_Wallpaper_Blue_1920x1080.png', '/usr/share/backgrounds/warty-final-ubuntu.png',
                  '/usr/share/backgrounds/lomiri-default-background.png'])
Image.MAX_IMAGE_PIXELS = None
def flat(p):
    im = Image.open(p).convert('RGBA')
    bg = Image.new('RGBA', im.size, (40, 44, 52, 255)); bg.alpha_composite(im)
    im = bg.convert('RGB'); s = 1024 / max(im.size)
    return im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS) if s < 1 else im
def crop(im, f, x=0.5, y=0.5):
    w, h = im.size; cw, ch = int(w * f), int(h * f)
    l, t = int((w - cw) * x), int((h - ch) * y)
    return im.crop((l, t, l + cw, t + ch))
def caption(im):
    im = im.copy(); d = ImageDraw.Draw(im); w, h = im.size
    for top in (0, h * 4 // 5):
        d.rectangle((0, top, w, top + h // 5), fill='white')
        d.rectangle((w // 8, top + h // 20, w * 7 // 8, top + h * 3 // 20), fill='black')
    return im
copies = {
    'crop_15': lambda im: crop(im, 0.85),
    'crop_30_jpeg': lambda im: crop(im, 0.7, 0.2, 0.7),
    'crop_flip_brightness_jpeg': lambda im: ImageEnhance.Brightness(ImageOps.mirror(crop(im, 0.8, 0.8, 0.3))).enhance(1.2),
    'meme_caption': caption,
    'resize_0.5_jpeg': lambda im: im.resize((im.width // 2, im.height // 2)),
}
refs = [l.strip() for l in open(os.path.join(corpus, 'pictures-references.txt')) if l.strip()]
queries = [l.rstrip('\n') for l in open(os.path.join(corpus, 'pictures-queries.tsv')) if l.strip()]
new_refs, new_queries, unrelated = [], [], []
for p in files:
    name = os.path.splitext(os.path.basename(p))[0].replace(' ', '_')
    im = flat(p); path = os.path.join(out, name + '.png'); im.save(path)
    new_refs.append(path); unrelated.append(f'{path}\tunrelated_heldout\t-')
    for t, f in copies.items():
        c = f(im); jpeg = 'jpeg' in t
        cp = os.path.join(out, f'{name}.{t}.' + ('jpg' if jpeg else 'png'))
        c.save(cp, quality=75) if jpeg else c.save(cp)
        new_queries.append((cp, t, len(refs) + len(new_refs) - 1))
# (A) the held-out pictures searched as unrelated queries against the corpus's library
open(os.path.join(out, 'a-refs.txt'), 'w').write('\n'.join(refs) + '\n')
open(os.path.join(out, 'a-queries.tsv'), 'w').write('\n'.join(queries + unrelated) + '\n')
# (B) the held-out pictures in the library, their copies searched with every other query
open(os.path.join(out, 'b-refs.txt'), 'w').write('\n'.join(refs + new_refs) + '\n')
open(os.path.join(out, 'b-queries.tsv'), 'w').write('\n'.join(queries + [f'{c}\t{t}\t{i}' for c, t, i in new_queries]) + '\n')
print(len(files), 'held-out pictures,', len(new_queries), 'copies')
