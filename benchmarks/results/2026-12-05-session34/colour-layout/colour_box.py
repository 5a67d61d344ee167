# Session 34 (side test: chroma high-passed over a wider box, CBOX=coarse,fine)
# Session 34: would a colour layout lift the colour wheel's copies?
# A numpy port of udf/core/src/fingerprint/layout.rs's search (steps 2-6:
# high-pass, complexity, coarse search at 60-100% every offset mirrored,
# refinement of the best three, outliers left out for overlaid queries),
# generalised to several planes: the correlation at a placement is the
# Pearson correlation of the planes concatenated, each plane's mean taken
# out on its own, each plane weighted (w**2 on its products and
# variances). Grey alone ([1,0,0]) is the product's correlation.
#
# Input: dump.tsv/dump.bin from the colour_dump example (grey thumbnail
# as the product makes it, and R, G, B thumbnails made the same way).
# Usage: PYTHONPATH=/work/main/.deps/eval-python python3 colour_layout.py \
#   PART NPARTS OUT.tsv   (queries n with n % NPARTS == PART)
import sys, time
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows
from scipy import ndimage

SIDE, FINE_BOX, COARSE_BOX = 96, 9, 5
MIN_SCALE, SCALE_STEP = np.float32(0.6), np.float32(0.05)
MIN_COMPLEXITY, MIN_QUERY_COMPLEXITY = 0.2, 0.15
MATCH, COARSE_FLOOR, OUTLIER, MOST_LEFT_OUT = 0.9, 0.5, 3.0, 0.4
MASKED_MATCH, LEAST_TYPICAL, REFINED, MIN_WINDOW = 0.93, 1.0, 3, 8
# Variants: weights of (grey, Cb, Cr). "C" is chroma alone.
VARIANTS = {"G": (1, 0, 0), "J1": (1, 1, 1), "J2": (1, 2, 2), "C": (0, 1, 1)}
# (J1 left out of the full run for time)
VARIANTS.pop("J1")
# A thumbnail "has colour" when its chroma's high-passed RMS at the coarse
# level is at least this many levels; otherwise (a grayscale copy, a grey
# original) the pair is compared in grey alone (variant C: no evidence).
CHROMA_RMS = 1.0
# Chroma high-pass boxes (coarse, fine), from the environment: wider than
# grey keeps more of a hue gradient; 0 x 0 would be no high-pass.
import os
CBOX = tuple(int(x) for x in os.environ.get("CBOX", "5,9").split(","))


def rnd(x):  # Rust's f32 round (half away from zero)
    return int(np.floor(np.float32(x) + np.float32(0.5)))


def coverage(n_in, n_out):  # visual.rs coverage() as a matrix (n_out x n_in)
    m = np.zeros((n_out, n_in))
    scale = n_in / n_out
    for o in range(n_out):
        s, e = o * scale, (o + 1) * scale
        i = int(np.floor(s))
        while i < e and i < n_in:
            c = max(min(e, i + 1.0) - max(s, i), 0.0)
            if c > 0: m[o, i] = c / scale
            i += 1
    return m


_cov = {}
def resample(a, w, h):  # visual.rs area_resample
    H, W = a.shape
    for k in ((W, w), (H, h)):
        if k not in _cov: _cov[k] = coverage(*k)
    return _cov[(H, h)] @ a @ _cov[(W, w)].T


def high_pass(a, box):  # minus the box mean, edges repeated
    return a - ndimage.uniform_filter(a, box, mode='nearest')


def complexity(p):  # energy outside the two strongest singular components
    s = np.linalg.svd(p, compute_uv=False) ** 2
    return 0.0 if s.sum() <= 1e-9 else max(0.0, 1 - s[:2].sum() / s.sum())


def outliers(v, reach):  # layout.rs outliers(): a mask, or None
    c = np.sort(v.ravel())[v.size // 2]
    d = np.sort(np.abs(v.ravel() - c)); n = d.size
    dev = d[n * 9 // 10] / 1.645
    if d[n // 2] < LEAST_TYPICAL or dev <= 1e-6: return None
    far = np.abs(v - c) > OUTLIER * dev
    if not far.any(): return None
    out = ndimage.binary_dilation(far, np.ones((2 * reach + 1,) * 2, bool))
    return out if out.sum() <= MOST_LEFT_OUT * v.size else None


class Layout:
    def __init__(self, planes):  # planes: grey, Cb, Cr (h x w floats)
        self.planes = planes
        h, w = planes[0].shape
        cw, ch = max(w // 2, 1), max(h // 2, 1)
        self.coarse = [high_pass(resample(p, cw, ch), COARSE_BOX if i == 0 else CBOX[0]) for i, p in enumerate(planes)]
        self.fine = [high_pass(p, FINE_BOX if i == 0 else CBOX[1]) for i, p in enumerate(planes)]
        self.complexity = complexity(self.coarse[0])
        cc = [high_pass(resample(p, cw, ch), COARSE_BOX) for p in planes[1:]]  # as colour_layout.py
        self.colour = np.sqrt(np.mean(cc[0] ** 2 + cc[1] ** 2)) >= CHROMA_RMS
        out = outliers(self.coarse[0], COARSE_BOX // 2)
        self.masking = out is not None and complexity(np.where(out, 0, self.coarse[0])) >= MIN_QUERY_COMPLEXITY
        self.cache = {}

    def sized(self, w, box, masked):
        """The query at w columns high-passed: per plane its values minus
        their mean over those kept (0 where left out), the kept mask, and
        each plane's variance over the kept values."""
        key = (w, box, masked)
        if key in self.cache: return self.cache[key]
        H, W = self.planes[0].shape
        h = rnd(np.float32(w) * np.float32(H) / np.float32(W))
        r = None
        if w >= MIN_WINDOW and h >= MIN_WINDOW:
            high = [high_pass(resample(p, w, h), box if i == 0 else CBOX[0 if box == COARSE_BOX else 1]) for i, p in enumerate(self.planes)]
            out = outliers(high[0], box // 2) if masked else None
            keep = np.ones((h, w)) if out is None else (~out).astype(float)
            n = keep.sum()
            qs, var = [], []
            for v in high:
                m = (v * keep).sum() / n
                q = (v - m) * keep
                qs.append(q); var.append((q * q).sum() / n)
            r = (h, w, np.array(qs), keep, n, np.array(var), {})
        self.cache[key] = r
        return r


def ref_fft(r, level):
    """The reference planes' and their squares' 2-D FFTs at a level (kept)."""
    key = ('fft', level)
    if key not in r.cache:
        P = np.array(r.coarse if level == 0 else r.fine)
        r.cache[key] = (P.shape[1:], np.fft.rfft2(np.concatenate([P, P * P])))
    return r.cache[key]


def maps(sz, r, level, mir):
    """For the query sz (mirrored or not) at every offset of the reference
    r's level (0 coarse, 1 fine): products per plane and the window's
    variance per plane over the query's kept pixels, by FFT (circular
    cross-correlation, only the offsets where the window fits are kept)."""
    h, w, qs, keep, n, var, ffts = sz
    (H, W), FR = ref_fft(r, level)
    key = (H, W, mir)
    if key not in ffts:
        q = np.concatenate([qs, keep[None]])
        if mir: q = q[:, :, ::-1]
        ffts[key] = np.conj(np.fft.rfft2(q, s=(H, W)))
    FQ = ffts[key]
    m = np.fft.irfft2(np.concatenate([FR[:3] * FQ[:3], FR * FQ[3]]), s=(H, W))[:, :H - h + 1, :W - w + 1]
    prod, one, two = m[:3], m[3:6], m[6:9]
    varr = np.maximum(two / n - (one / n) ** 2, 0)
    return prod, varr, var, n


def corr_map(prod, varr, varq, n, wts):
    w2 = np.asarray(wts, float)[:, None, None] ** 2
    dr = np.sqrt((w2 * varr).sum(0))
    dq = np.sqrt((w2[:, 0, 0] * varq).sum())
    with np.errstate(invalid='ignore', divide='ignore'):
        c = (w2 * prod).sum(0) / n / (dq * dr)
    c[(dr <= 1e-3) | ~np.isfinite(c)] = np.nan
    return c


def coarse_stack(q, H, W, masked):
    """The query at every coarse scale of an H x W reference, both mirrors:
    (scale, mirror) keys, conjugate FFTs of [3 planes, kept mask], plane
    variances, kept counts and the offsets where each fits (kept)."""
    key = ('stack', H, W, masked)
    if key in q.cache: return q.cache[key]
    keys, fq, var, n, valid = [], [], [], [], []
    for i in range(int(round((1 - 0.6) / 0.05)) + 1):
        scale = np.float32(MIN_SCALE + np.float32(i) * SCALE_STEP)
        sz = q.sized(rnd(scale * np.float32(W)), COARSE_BOX, masked)
        if sz is None or sz[0] > H or sz[1] > W: continue
        h, w, qs, keep, k, v, _ = sz
        for mir in (False, True):
            a = np.concatenate([qs, keep[None]])
            if mir: a = a[:, :, ::-1]
            fq.append(np.conj(np.fft.rfft2(a, s=(H, W))).astype(np.complex64))
            ok = np.zeros((H, W), bool); ok[:H - h + 1, :W - w + 1] = True
            keys.append((scale, mir)); var.append(v); n.append(k); valid.append(ok)
    r = None if not keys else (keys, np.array(fq), np.array(var), np.array(n, float), np.array(valid))
    q.cache[key] = r
    return r


def search(q, r, planes_w, masked):
    """Best correlation of query q inside reference r for each variant."""
    W, H = r.coarse[0].shape[1], r.coarse[0].shape[0]
    found = {v: [] for v in planes_w}
    st = coarse_stack(q, H, W, masked)
    if st is not None:
        keys, FQ, varq, n, valid = st
        (_, _), FR = ref_fft(r, 0)
        FR = FR.astype(np.complex64)
        # planes compared: grey alone when no variant weighs chroma
        k = 3 if any(w[1] or w[2] for w in planes_w.values()) else 1
        sel = list(range(k)) + list(range(3, 3 + k))
        # every scale and mirror at once: (S, 3k, H, W) products, sums, squares
        A = np.concatenate([FR[None, :k] * FQ[:, :k], FR[None, sel] * FQ[:, 3:4]], axis=1)
        m = np.fft.irfft2(A, s=(H, W)).astype(np.float64)
        prod, one, two = m[:, :k], m[:, k:2 * k], m[:, 2 * k:3 * k]
        varq = varq[:, :k]
        nn = n[:, None, None, None]
        varr = np.maximum(two / nn - (one / nn) ** 2, 0)
        names = list(planes_w)
        w2 = np.array([planes_w[v][:k] for v in names], float) ** 2  # (V, k)
        num = np.einsum('vp,spyx->vsyx', w2, prod)
        dr = np.sqrt(np.einsum('vp,spyx->vsyx', w2, varr))
        dq = np.sqrt(w2 @ varq.T)  # (V, S)
        with np.errstate(invalid='ignore', divide='ignore'):
            c = num / n[None, :, None, None] / (dq[:, :, None, None] * dr)
        c[(dr <= 1e-3) | ~np.isfinite(c) | ~valid[None]] = -np.inf
        flat = c.reshape(len(names), len(keys), -1)
        arg = flat.argmax(-1)
        for vi, v in enumerate(names):
            for si, (scale, mir) in enumerate(keys):
                best = flat[vi, si, arg[vi, si]]
                if np.isfinite(best):
                    y, x = divmod(int(arg[vi, si]), W)
                    found[v].append((best, scale, mir, x, y))
    res, fine = {}, {}
    for v, wts in planes_w.items():
        f = sorted(found[v], key=lambda t: -t[0])
        if not f: res[v] = None; continue
        if f[0][0] < COARSE_FLOOR: res[v] = f[0][0]; continue
        best = None
        FW, FH = r.fine[0].shape[1], r.fine[0].shape[0]
        for c0, scale, mir, sx, sy in f[:REFINED]:
            widths = []
            for k in range(-3, 4):
                s = np.float32(scale + np.float32(k) * np.float32(0.01))
                if s <= 1 + 1e-6:
                    wd = rnd(s * np.float32(FW))
                    if not widths or widths[-1] != wd: widths.append(wd)
            for wd in widths:
                sz = q.sized(wd, FINE_BOX, masked)
                if sz is None: continue
                h, w = sz[0], sz[1]
                x0, x1 = max(0, 2 * sx - 4), min(2 * sx + 4, FW - w)
                y0, y1 = max(0, 2 * sy - 4), min(2 * sy + 4, FH - h)
                if x1 < x0 or y1 < y0: continue
                k = (wd, mir)
                if k not in fine: fine[k] = maps(sz, r, 1, mir)
                prod, varr, varq, n = fine[k]
                c = corr_map(prod[:, y0:y1 + 1, x0:x1 + 1], varr[:, y0:y1 + 1, x0:x1 + 1], varq, n, wts)
                if np.all(np.isnan(c)): continue
                m = np.nanmax(c)
                best = m if best is None else max(best, m)
        res[v] = best
    return res


def correlation(q, r):
    """layout.rs Prepared::correlation for every variant; None when not
    comparable. Without colour on either side, grey alone (C: None)."""
    if q.complexity < MIN_QUERY_COMPLEXITY or r.complexity < MIN_COMPLEXITY:
        return {v: None for v in VARIANTS}
    both = q.colour and r.colour
    if not both:  # grey alone: as in colour_layout.py's run (merged there)
        return {v: None for v in VARIANTS}
    pw = {v: (w if both else (1, 0, 0)) for v, w in VARIANTS.items() if both or v != "C"}
    whole = search(q, r, pw, False)
    res = {}
    redo = {v: w for v, w in pw.items() if q.masking and not (whole[v] is not None and whole[v] >= MATCH)}
    masked = search(q, r, redo, True) if redo else {}
    for v in VARIANTS:
        a = whole.get(v)
        b = masked.get(v)
        if b is not None: b = 1 - (1 - b) * (1 - MATCH) / (1 - MASKED_MATCH)
        res[v] = max(a, b) if a is not None and b is not None else (a if a is not None else b)
    return res


def load(prefix):
    """Entries of the dump: (list, index, kept, path, Layout or None)."""
    raw = np.fromfile(prefix + ".bin", np.uint8)
    out = []
    for line in open(prefix + ".tsv"):
        lst, n, kept, w, h, off, path = line.rstrip("\n").split("\t")
        w, h, off = int(w), int(h), int(off)
        if kept == "-": out.append((lst, int(n), False, path, None)); continue
        g, R, G, B = (raw[off + i * w * h: off + (i + 1) * w * h].reshape(h, w).astype(float) for i in range(4))
        # BT.601 full-range chroma, rounded to bytes as it would be stored
        cb = np.clip(np.round(128 - 0.168736 * R - 0.331264 * G + 0.5 * B), 0, 255)
        cr = np.clip(np.round(128 + 0.5 * R - 0.418688 * G - 0.081312 * B), 0, 255)
        out.append((lst, int(n), kept == "1", path, Layout([g, cb, cr])))
    return out


if __name__ == "__main__":
    part, parts, outp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    only = sys.argv[4] if len(sys.argv) > 4 else None  # a substring of query paths
    entries = load("/work/scratch/s34/colour/dump")
    refs = [(e[1], e[4]) for e in entries if e[0] == "ref" and e[2]]
    queries = [e for e in entries if e[0] == "query" and e[2]]
    with open(outp, "w") as f:
        t0, pairs = time.process_time(), 0
        for k, (_, qn, _, path, q) in enumerate(queries):
            if k % parts != part or (only and only not in path): continue
            for rn, r in refs:
                c = correlation(q, r); pairs += 1
                f.write("\t".join([str(qn), str(rn), str(int(q.colour)), str(int(r.colour))] +
                                  ["-" if c[v] is None else f"{c[v]:.4f}" for v in VARIANTS]) + "\n"); f.flush()
            q.cache.clear()
        print(f"pairs {pairs}, {1000 * (time.process_time() - t0) / max(pairs, 1):.2f} ms each", file=sys.stderr)
