"""A Python transcription of benchmarks/eval/src/drawing.rs (resize by
Pillow's bilinear filter, which widens with the reduction like the
`image` crate's triangle), for pairs listed as TSV: label, a, b."""
import sys, numpy as np
from PIL import Image
Image.MAX_IMAGE_PIXELS = None
N = 64
def edges(path):
    im = Image.open(path).convert("RGBA")
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255)); bg.alpha_composite(im)
    w, h = im.size; L = max(w, h)
    fw, fh = max(1, min(N, round(w * N / L))), max(1, min(N, round(h * N / L)))
    small = bg.convert("RGB").resize((fw, fh), Image.BILINEAR)
    c = np.ones((N, N, 3), np.float64)
    x0, y0 = (N - fw) // 2, (N - fh) // 2
    c[y0:y0 + fh, x0:x0 + fw] = np.asarray(small, np.float64) / 255
    p = np.pad(c, ((1, 1), (1, 1), (0, 0)), mode="edge")
    gx = p[1:-1, 2:] - p[1:-1, :-2]; gy = p[2:, 1:-1] - p[:-2, 1:-1]
    g = np.sqrt((gx ** 2 + gy ** 2).sum(-1))
    p = np.pad(g, 1, mode="edge")
    b = sum(p[i:i + N, j:j + N] for i in range(3) for j in range(3)) / 9
    b = b - b.mean(); n = np.linalg.norm(b)
    return b / n if n > 0 else b
def sim(a, b):
    best = -1
    for t in range(8):
        x = a.T if t & 1 else a
        x = x[:, ::-1] if t & 2 else x
        x = x[::-1] if t & 4 else x
        best = max(best, float((x * b).sum()))
    return best
for line in open(sys.argv[1]):
    label, a, b = line.rstrip("\n").split("\t")
    print(f"{label}\t{sim(edges(a), edges(b)):.3f}\t{a.rsplit('/', 1)[-1]}")
