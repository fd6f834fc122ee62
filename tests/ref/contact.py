#!/usr/bin/python3
"""contact.py — a contact sheet of photos beside their label masks, for
looking at a data set: each photo and its mask (categories coloured,
0 black) side by side, scaled to one row height.

usage: contact.py out.png photos_dir masks_dir [count] [height]
"""
import os
import sys

from PIL import Image


def colour(label):
    """A fixed, distinct colour for each label value."""
    if label == 0:
        return (0, 0, 0)
    if label == 255:
        return (255, 255, 255)
    h = (label * 2654435761) & 0xFFFFFF
    return (64 + (h & 0xBF), 64 + ((h >> 8) & 0xBF), 64 + ((h >> 16) & 0xBF))


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out, photos, masks = argv[1:4]
    count = int(argv[4]) if len(argv) > 4 else 8
    height = int(argv[5]) if len(argv) > 5 else 320
    lut = [c for v in range(256) for c in colour(v)]
    tiles = []
    for name in sorted(os.listdir(photos))[:count]:
        stem = os.path.splitext(name)[0]
        photo = Image.open(os.path.join(photos, name)).convert("RGB")
        mask = Image.open(os.path.join(masks, stem + ".png"))
        mask = mask.convert("L").convert("P")
        mask.putpalette(lut)
        width = max(1, photo.width * height // photo.height)
        tiles.append(photo.resize((width, height)))
        tiles.append(mask.convert("RGB").resize((width, height),
                                                Image.NEAREST))
    cols = 4
    rows = [tiles[i:i + cols] for i in range(0, len(tiles), cols)]
    sheet = Image.new("RGB", (max(sum(t.width + 4 for t in r) for r in rows),
                              len(rows) * (height + 4)), (255, 255, 255))
    for y, r in enumerate(rows):
        x = 0
        for t in r:
            sheet.paste(t, (x, y * (height + 4)))
            x += t.width + 4
    sheet.save(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
