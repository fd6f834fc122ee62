#!/usr/bin/python3
"""Independent reference of miou(1): the two metrics written the numpy way,
plus generators of random cases and a tolerant comparison of outputs.

  metrics.py masks TRUTHDIR PREDDIR [--with-background] [--ncat N]
  metrics.py kaggle TRUTH.csv SUB.csv [--match-attributes] [--ncat N]
  metrics.py gen-masks DIR SEED       (DIR/truth/*.png, DIR/pred/*.png)
  metrics.py gen-csv DIR SEED         (DIR/truth.csv, DIR/sub.csv)
  metrics.py compare A.tsv B.tsv [TOL]

Outputs the same TSV as miou (numbers with 12 decimals). Decodes every
mask to a full image (no runs arithmetic): a different route to the same
numbers. Run with Debian's /usr/bin/python3 (numpy, PIL)."""
import csv
import os
import sys
from fractions import Fraction

import numpy as np
from PIL import Image

DIGITS = 12


def fmt(v):
    return "nan" if v is None else "%.*f" % (DIGITS, v)


def masks(tdir, pdir, with_bg, ncat):
    n = ncat + 1
    cm = np.zeros((n, n), dtype=np.int64)
    ignored = 0
    images = 0
    for name in sorted(os.listdir(tdir)):
        if not name.endswith(".png") or name.startswith("."):
            continue
        t = np.asarray(Image.open(os.path.join(tdir, name))).astype(np.int64)
        ppath = os.path.join(pdir, name)
        if os.path.exists(ppath):
            p = np.asarray(Image.open(ppath)).astype(np.int64)
        else:
            p = np.zeros_like(t)
        p = np.where(p == 255, 0, p)
        keep = t != 255
        ignored += int((~keep).sum())
        cm += np.bincount(n * t[keep] + p[keep], minlength=n * n).reshape(n, n)
        images += 1
    print("id\tname\ttruth\tpredicted\tintersection\tunion\tiou")
    truth = cm.sum(axis=1)
    pred = cm.sum(axis=0)
    inter = np.diag(cm)
    union = truth + pred - inter
    ious = []
    for l in range(n):
        iou = float(inter[l]) / float(union[l]) if union[l] else None
        ious.append(iou)
        print("%d\t%s\t%d\t%d\t%d\t%d\t%s" % (l - 1, "background" if l == 0
              else "", truth[l], pred[l], inter[l], union[l], fmt(iou)))
    cls = [l for l in range(0 if with_bg else 1, n) if union[l] > 0]
    miou = sum(ious[l] for l in cls) / len(cls) if cls else None
    scored = int(truth.sum())
    acc = float(inter.sum()) / scored if scored else None
    w = sum(int(truth[l]) for l in cls)
    fw = sum(float(truth[l]) * ious[l] for l in cls) / w if w else None
    print("mean_iou\t%s\npixel_accuracy\t%s\nfw_iou\t%s" % (fmt(miou),
          fmt(acc), fmt(fw)))
    print("classes\t%d\nimages\t%d\nignored_pixels\t%d" % (len(cls), images,
          ignored))


def decode(text, h, w):
    flat = np.zeros(h * w, dtype=bool)
    nums = [int(x) for x in text.split()]
    for s, l in zip(nums[0::2], nums[1::2]):
        flat[s - 1:s - 1 + l] = True
    return flat.reshape(w, h).T  # column-major numbering


def stem(image_id):
    i = image_id.rfind(".")
    return image_id[:i] if 0 < i < len(image_id) - 1 else image_id


def class_key(row, match_attributes):
    parts = row["ClassId"].split("_")
    cat = int(parts[0])
    attrs = [int(a) for a in parts[1:]]
    if row.get("AttributesIds"):
        attrs += [int(a) for a in row["AttributesIds"].split(",")]
    if not match_attributes:
        return (cat,), cat
    return tuple([cat] + sorted(attrs)), cat


def class_score(ts, ps):
    if not ts and not ps:
        return 1.0
    if not ts or not ps:
        return 0.0
    pairs = []
    for i, t in enumerate(ts):
        for j, p in enumerate(ps):
            inter = int(np.logical_and(t, p).sum())
            union = int(np.logical_or(t, p).sum())
            if union and Fraction(inter, union) > Fraction(1, 2):
                pairs.append((-Fraction(inter, union), i, j))
    pairs.sort()
    total = 0.0
    for k in range(10):
        thr = Fraction(10 + k, 20)
        ut, up, tp = set(), set(), 0
        for negiou, i, j in pairs:
            if -negiou <= thr:
                break
            if i in ut or j in up:
                continue
            ut.add(i)
            up.add(j)
            tp += 1
        total += tp / (len(ts) + len(ps) - tp)
    return total / 10


def kaggle(tpath, spath, match_attributes, ncat):
    truth, order, size = {}, [], {}
    with open(tpath, newline="") as f:
        for row in csv.DictReader(f):
            s = stem(row["ImageId"])
            if s not in truth:
                truth[s] = []
                order.append(s)
                size[s] = (int(row["Height"]), int(row["Width"]))
            if row["EncodedPixels"]:
                truth[s].append((class_key(row, match_attributes),
                                 row["EncodedPixels"]))
    pred = {s: [] for s in order}
    with open(spath, newline="") as f:
        for row in csv.DictReader(f):
            s = stem(row["ImageId"])
            if s in pred and row["EncodedPixels"]:
                pred[s].append((class_key(row, match_attributes),
                                row["EncodedPixels"]))
    cat_n = [0] * ncat
    cat_sum = [0.0] * ncat
    total = 0.0
    for s in order:
        h, w = size[s]
        keys = sorted(set(k for k, _ in truth[s]) | set(k for k, _ in pred[s]))
        scores = []
        for key, cat in keys:
            ts = [decode(e, h, w) for k, e in truth[s] if k == (key, cat)]
            ps = [decode(e, h, w) for k, e in pred[s] if k == (key, cat)]
            sc = class_score(ts, ps)
            cat_n[cat] += 1
            cat_sum[cat] += sc
            scores.append(sc)
        total += sum(scores) / len(scores) if scores else 1.0
    print("id\tname\timages\tscore")
    for c in range(ncat):
        print("%d\t\t%d\t%s" % (c, cat_n[c],
              fmt(cat_sum[c] / cat_n[c] if cat_n[c] else None)))
    print("score\t%s\nimages\t%d" % (fmt(total / len(order) if order else
          None), len(order)))


def encode(mask):
    flat = np.concatenate([[0], mask.T.reshape(-1).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(flat))
    starts, ends = edges[0::2], edges[1::2]
    return " ".join("%d %d" % (s + 1, e - s) for s, e in zip(starts, ends))


def rect(rng, h, w, near=None):
    if near is None:
        y0, x0 = rng.integers(0, h - 2), rng.integers(0, w - 2)
        y1, x1 = rng.integers(y0 + 1, h + 1), rng.integers(x0 + 1, w + 1)
    else:
        y0, y1, x0, x1 = [int(v + rng.integers(-2, 3)) for v in near]
        y0, x0 = max(0, min(y0, h - 1)), max(0, min(x0, w - 1))
        y1, x1 = max(y0 + 1, min(y1, h)), max(x0 + 1, min(x1, w))
    return (int(y0), int(y1), int(x0), int(x1))


def paint(h, w, r):
    m = np.zeros((h, w), dtype=bool)
    m[r[0]:r[1], r[2]:r[3]] = True
    return m


def gen_masks(d, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(d, "truth"), exist_ok=True)
    os.makedirs(os.path.join(d, "pred"), exist_ok=True)
    for i in range(int(rng.integers(3, 8))):
        h, w = int(rng.integers(8, 70)), int(rng.integers(8, 70))
        t = np.zeros((h, w), dtype=np.uint8)
        p = np.zeros((h, w), dtype=np.uint8)
        for _ in range(int(rng.integers(0, 6))):
            r = rect(rng, h, w)
            c = int(rng.integers(1, 12))
            t[paint(h, w, r)] = c
            q = paint(h, w, rect(rng, h, w, r))
            p[q] = c if rng.random() < 0.7 else int(rng.integers(1, 47))
        t[rng.random((h, w)) < 0.02] = 255
        noise = rng.random((h, w)) < 0.05
        p[noise] = rng.integers(0, 47, size=int(noise.sum()))
        p[rng.random((h, w)) < 0.01] = 255
        Image.fromarray(t).save(os.path.join(d, "truth", "im%02d.png" % i))
        Image.fromarray(p).save(os.path.join(d, "pred", "im%02d.png" % i))


def gen_csv(d, seed):
    rng = np.random.default_rng(seed)
    y2020 = seed % 2 == 1
    trows, srows = [], []
    for i in range(int(rng.integers(4, 10))):
        h, w = int(rng.integers(6, 40)), int(rng.integers(6, 40))
        iid = "img%03d" % i + ("" if y2020 else ".jpg")
        objs = []
        for _ in range(int(rng.integers(0, 7))):
            r = rect(rng, h, w)
            cat = int(rng.integers(0, 5))
            attrs = sorted(set(int(a) for a in rng.integers(0, 4, size=int(
                rng.integers(0, 3)))))
            objs.append((r, cat, attrs))
            trows.append((iid, encode(paint(h, w, r)), h, w, cat, attrs))
        if not objs:
            trows.append((iid, "", h, w, 0, []))
        preds = 0
        for r, cat, attrs in objs:
            if rng.random() < 0.8:
                if rng.random() < 0.3:
                    attrs = [int(rng.integers(0, 4))]
                srows.append((iid, encode(paint(h, w, rect(rng, h, w, r))),
                              cat, attrs))
                preds += 1
        for _ in range(int(rng.integers(0, 3))):
            srows.append((iid, encode(paint(h, w, rect(rng, h, w))),
                          int(rng.integers(0, 5)), []))
            preds += 1
        if preds == 0:
            srows.append((iid, "", 0, []))
    rng.shuffle(trows)
    rng.shuffle(srows)
    with open(os.path.join(d, "truth.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        if y2020:
            wr.writerow(["ImageId", "EncodedPixels", "Height", "Width",
                         "ClassId", "AttributesIds"])
            for iid, e, h, w, c, a in trows:
                wr.writerow([iid, e, h, w, c, ",".join(map(str, a))])
        else:
            wr.writerow(["ImageId", "EncodedPixels", "Height", "Width",
                         "ClassId"])
            for iid, e, h, w, c, a in trows:
                wr.writerow([iid, e, h, w, "_".join(map(str, [c] + a))])
    with open(os.path.join(d, "sub.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["ImageId", "EncodedPixels", "ClassId"])
        for iid, e, c, a in srows:
            wr.writerow([iid, e, "_".join(map(str, [c] + a))])


def compare(a, b, tol):
    la = open(a).read().splitlines()
    lb = open(b).read().splitlines()
    if len(la) != len(lb):
        sys.exit("compare: %d lines against %d" % (len(la), len(lb)))
    worst = 0.0
    for n, (x, y) in enumerate(zip(la, lb), 1):
        fx, fy = x.split("\t"), y.split("\t")
        if len(fx) != len(fy):
            sys.exit("compare: line %d: %r against %r" % (n, x, y))
        for k, (u, v) in enumerate(zip(fx, fy)):
            if k == 1 and len(fx) > 2 and n > 1:
                continue  # category names
            if u == v:
                continue
            try:
                du, dv = float(u), float(v)
            except ValueError:
                sys.exit("compare: line %d: %r against %r" % (n, x, y))
            worst = max(worst, abs(du - dv))
            if not abs(du - dv) <= tol:
                sys.exit("compare: line %d: %r against %r" % (n, x, y))
    print("largest difference %.3g" % worst)


def main(argv):
    def opt(name):
        if name in argv:
            argv.remove(name)
            return True
        return False

    ncat = 46
    if "--ncat" in argv:
        i = argv.index("--ncat")
        ncat = int(argv[i + 1])
        del argv[i:i + 2]
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "masks":
        bg = opt("--with-background")
        masks(argv[2], argv[3], bg, ncat)
    elif cmd == "kaggle":
        ma = opt("--match-attributes")
        kaggle(argv[2], argv[3], ma, ncat)
    elif cmd == "gen-masks":
        gen_masks(argv[2], int(argv[3]))
    elif cmd == "gen-csv":
        gen_csv(argv[2], int(argv[3]))
    elif cmd == "compare":
        compare(argv[2], argv[3], float(argv[4]) if len(argv) > 4 else 1e-9)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
