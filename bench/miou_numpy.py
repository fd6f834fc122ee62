#!/usr/bin/python3
"""The numpy way of miou's mask mode, as notebooks write it: PIL decode,
then an np.bincount confusion matrix over the pixels not ignored.

  miou_numpy.py gen DIR N SEED      N pairs of 768x1024 masks (truth, pred)
  miou_numpy.py total TRUTH PRED    whole run: decode + count; prints mIoU
  miou_numpy.py count TRUTH PRED R  counting only, R rounds over decoded
                                    masks; prints "ms/image MS"
"""
import os
import sys
import time

import numpy as np
from PIL import Image

NCAT = 46


def gen(d, n, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(d, "truth"), exist_ok=True)
    os.makedirs(os.path.join(d, "pred"), exist_ok=True)
    h, w = 768, 1024
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(n):
        t = np.zeros((h, w), np.uint8)
        p = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(3, 9))):
            cy, cx = rng.integers(0, h), rng.integers(0, w)
            ry, rx = rng.integers(20, 250), rng.integers(20, 250)
            c = int(rng.integers(1, NCAT + 1))
            t[((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1] = c
            dy, dx = rng.integers(-15, 16, size=2)
            q = ((yy - cy - dy) / ry) ** 2 + ((xx - cx - dx) / rx) ** 2 < 1
            p[q] = c if rng.random() < 0.8 else int(rng.integers(1, NCAT + 1))
        edge = np.abs(np.diff(t.astype(np.int16), axis=1, prepend=0)) > 0
        t[edge] = 255
        name = "m%04d.png" % i
        Image.fromarray(t).save(os.path.join(d, "truth", name))
        Image.fromarray(p).save(os.path.join(d, "pred", name))


def names(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".png"))


def confusion(cm, t, p, n):
    p = np.where(p == 255, 0, p)
    keep = t != 255
    cm += np.bincount(n * t[keep].astype(np.int64) + p[keep],
                      minlength=n * n).reshape(n, n)


def miou(cm):
    inter = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - inter
    ok = union[1:] > 0
    return (inter[1:][ok] / union[1:][ok]).mean()


def total(td, pd):
    n = NCAT + 1
    cm = np.zeros((n, n), np.int64)
    for f in names(td):
        t = np.asarray(Image.open(os.path.join(td, f)))
        p = np.asarray(Image.open(os.path.join(pd, f)))
        confusion(cm, t, p, n)
    print("mean_iou %.6f" % miou(cm))


def count(td, pd, rounds):
    n = NCAT + 1
    pairs = [(np.asarray(Image.open(os.path.join(td, f))),
              np.asarray(Image.open(os.path.join(pd, f)))) for f in names(td)]
    best = None
    for _ in range(rounds):
        cm = np.zeros((n, n), np.int64)
        s = time.process_time()
        for t, p in pairs:
            confusion(cm, t, p, n)
        e = (time.process_time() - s) * 1000 / len(pairs)
        best = e if best is None else min(best, e)
    print("ms/image %.3f mean_iou %.6f" % (best, miou(cm)))


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 5 and a[1] == "gen":
        gen(a[2], int(a[3]), int(a[4]))
    elif len(a) == 4 and a[1] == "total":
        total(a[2], a[3])
    elif len(a) == 5 and a[1] == "count":
        count(a[2], a[3], int(a[4]))
    else:
        sys.exit(__doc__)
