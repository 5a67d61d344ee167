# Session 33: why the colour wheel's crops stay under the layout's match
# correlation. Usage, from the repository root: `B=0 PYTHONPATH=.deps/eval-python
# python3 colour_wheel_alignment.py .deps/eval-data/skimage/data/color.png 0.95`
# (the second argument: the share of each side a centred crop keeps; B: a
# border of B pixels left out of the correlation). The crop's 96-px layout,
# resampled to three widths around its true one and high-passed as the
# product does (box 9), against the original's high-passed layout sampled at
# the crop's exact place with sub-pixel shifts (and, for comparison, at
# every whole-pixel offset).
import sys
import numpy as np
from PIL import Image
from scipy import ndimage
def thumb(im, side):
    w, h = im.size; s = side / max(w, h)
    return im.resize((max(1, round(w*s)), max(1, round(h*s))), Image.BOX)
def hp(a, box):
    return a - ndimage.uniform_filter(a, box, mode='nearest')
B=int(__import__('os').environ.get('B','0'))
def corr(a, b):
    if B: a=a[B:-B,B:-B]; b=b[B:-B,B:-B]
    a = a - a.mean(); b = b - b.mean()
    return (a*b).sum() / np.sqrt((a*a).sum()*(b*b).sum())
orig = Image.open(sys.argv[1]).convert('L'); frac = float(sys.argv[2])
w, h = orig.size
cw, ch = int(w*frac), int(h*frac)
x0, y0 = (w-cw)//2, (h-ch)//2
crop = orig.crop((x0, y0, x0+cw, y0+ch))
O = np.asarray(thumb(thumb(orig,256),96), float); C = np.asarray(thumb(thumb(crop,256),96), float)
Ho = hp(O, 9)
s = O.shape[1] / w
# exact window: crop's pixel (i,j) of the thumb maps to original thumb coordinates
for qw in [None]:
    # query resampled to the window's size in the reference, as the product does: width = round(frac*96)
    for wq in [round(cw*s)-1, round(cw*s), round(cw*s)+1]:
        hq = round(wq * C.shape[0] / C.shape[1])
        Q = np.asarray(Image.fromarray(C.astype(np.float32), mode='F').resize((wq, hq), Image.BOX), float)
        Hq = hp(Q, 9)
        best = (-1, None)
        for dy in np.arange(-1, 1.01, 0.25):
            for dx in np.arange(-1, 1.01, 0.25):
                ys = y0*s + dy + (np.arange(hq)+0.5)*(ch*s/hq) - 0.5
                xs = x0*s + dx + (np.arange(wq)+0.5)*(cw*s/wq) - 0.5
                yy, xx = np.meshgrid(ys, xs, indexing='ij')
                R = ndimage.map_coordinates(Ho, [yy, xx], order=1, mode='nearest')
                c = corr(Hq, R)
                if c > best[0]: best = (c, (dx, dy))
        # integer-offset best
        bi = -1
        for oy in range(0, O.shape[0]-hq+1):
            for ox in range(0, O.shape[1]-wq+1):
                c = corr(Hq, Ho[oy:oy+hq, ox:ox+wq]); bi = max(bi, c)
        print(f"frac {frac} query width {wq}: sub-pixel best {best[0]:.3f} at {best[1]}, integer offsets best {bi:.3f}")
