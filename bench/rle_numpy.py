"""The numpy RLE helpers Kaggle notebooks use, timed like bench/rle_codec.

    rle_numpy.py decode CSV REPEAT   decode every row (np.zeros + slices +
                                     reshape(order='F'))
    rle_numpy.py encode CSV REPEAT   encode each image's label mask, one
                                     category at a time (np.where on the
                                     flattened 'F' order)
    rle_numpy.py masks CSV OUTDIR    the whole rle2mask job: CSV rows ->
                                     label PNGs (PIL, zlib level 6)
    rle_numpy.py sub OUTCSV PNG...   the whole mask2rle job
"""
import csv
import sys
import time

import numpy as np
from PIL import Image


def rle_decode(encoded, height, width):
    s = encoded.split()
    starts = np.asarray(s[0::2], dtype=int) - 1
    lengths = np.asarray(s[1::2], dtype=int)
    mask = np.zeros(height * width, dtype=np.uint8)
    for lo, n in zip(starts, lengths):
        mask[lo:lo + n] = 1
    return mask.reshape((height, width), order='F')


def rle_encode(binary):
    pixels = binary.flatten(order='F')
    pixels = np.concatenate([[0], pixels, [0]])
    runs = np.where(pixels[1:] != pixels[:-1])[0] + 1
    runs[1::2] -= runs[::2]
    return ' '.join(str(x) for x in runs)


def read_rows(path):
    with open(path, newline='') as f:
        r = csv.DictReader(f)
        return [(row['ImageId'], row['EncodedPixels'], int(row['Height']),
                 int(row['Width']), int(row['ClassId'].split('_')[0]))
                for row in r]


def label_masks(rows):
    """Label mask per image, larger masks painted first (rle2mask's rule)."""
    images = {}
    for image_id, enc, h, w, c in rows:
        images.setdefault(image_id, (h, w, []))[2].append((enc, c))
    for image_id, (h, w, objs) in images.items():
        decoded = [(rle_decode(enc, h, w), c) for enc, c in objs]
        decoded.sort(key=lambda mc: -int(mc[0].sum()))
        label = np.zeros((h, w), dtype=np.uint8)
        for m, c in decoded:
            label[m == 1] = c + 1
        yield image_id, label


def main():
    mode = sys.argv[1]
    if mode == 'decode':
        rows = read_rows(sys.argv[2])
        repeat = int(sys.argv[3])
        t0 = time.perf_counter()
        for _ in range(repeat):
            for _, enc, h, w, _ in rows:
                rle_decode(enc, h, w)
        dt = time.perf_counter() - t0
        print('ms_per_row %.6f' % (dt * 1e3 / (len(rows) * repeat)))
    elif mode == 'encode':
        masks = [m for _, m in label_masks(read_rows(sys.argv[2]))]
        repeat = int(sys.argv[3])
        t0 = time.perf_counter()
        for _ in range(repeat):
            for m in masks:
                for v in np.unique(m):
                    if v != 0:
                        rle_encode((m == v).astype(np.uint8))
        dt = time.perf_counter() - t0
        print('ms_per_image %.6f' % (dt * 1e3 / (len(masks) * repeat)))
    elif mode == 'masks':
        for image_id, label in label_masks(read_rows(sys.argv[2])):
            stem = image_id.rsplit('.', 1)[0]
            Image.fromarray(label, 'L').save('%s/%s.png' % (sys.argv[3], stem),
                                             compress_level=6)
    elif mode == 'sub':
        with open(sys.argv[2], 'w') as out:
            out.write('ImageId,EncodedPixels,ClassId\n')
            for path in sys.argv[3:]:
                m = np.array(Image.open(path))
                stem = path.rsplit('/', 1)[-1].rsplit('.', 1)[0]
                for v in np.unique(m):
                    if v != 0 and v != 255:
                        out.write('%s.jpg,%s,%d\n' % (
                            stem, rle_encode((m == v).astype(np.uint8)), v - 1))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
