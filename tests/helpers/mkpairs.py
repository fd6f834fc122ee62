"""Writes test photo/mask pairs: DIR/img/NAME.jpg (smooth colours, so JPEG
keeps them), DIR/mask/NAME.png (8-bit labels: rectangles of categories on
background, a strip of 255), and DIR/list.tsv with IMAGE<TAB>MASK lines.

usage: mkpairs.py DIR COUNT [HxW ...]   (sizes cycle; default 48x64)
"""
import os
import sys

import numpy as np
from PIL import Image


def make(d, name, h, w, rng):
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([(x * 255 // max(w - 1, 1)),
                    (y * 255 // max(h - 1, 1)),
                    np.full((h, w), rng.integers(0, 256))], -1).astype(np.uint8)
    Image.fromarray(img).save(f"{d}/img/{name}.jpg", quality=90)
    m = np.zeros((h, w), np.uint8)
    for _ in range(4):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        m[y0:y0 + h // 3, x0:x0 + w // 3] = rng.integers(1, 47)
    m[:, : max(1, w // 16)] = 255
    Image.fromarray(m, mode="L").save(f"{d}/mask/{name}.png")


def main():
    d, count = sys.argv[1], int(sys.argv[2])
    sizes = [tuple(map(int, s.split("x"))) for s in sys.argv[3:]] or [(48, 64)]
    os.makedirs(f"{d}/img", exist_ok=True)
    os.makedirs(f"{d}/mask", exist_ok=True)
    rng = np.random.default_rng(7)
    with open(f"{d}/list.tsv", "w") as f:
        for i in range(count):
            name = f"im{i:03d}"
            h, w = sizes[i % len(sizes)]
            make(d, name, h, w, rng)
            f.write(f"{d}/img/{name}.jpg\t{d}/mask/{name}.png\n")


main()
