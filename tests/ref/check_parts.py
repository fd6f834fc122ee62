#!/usr/bin/python3
"""check_parts.py — checks the overlap structure of a train.csv (2019
layout): every row of a garment part (category 27 and up: hood, collar,
lapel, sleeve, pocket, neckline, closures, decorations) lies inside some
garment row (category below 27) of its image; runs are sorted, do not
overlap and stay inside Height*Width; an image's rows are consecutive
and agree on its size. Prints the first problems; exits 1 if any.

usage: check_parts.py train.csv
"""
import csv
import sys

FIRST_PART = 27


def runs_of(text, npix):
    v = [int(t) for t in text.split()]
    runs = [(v[i] - 1, v[i + 1]) for i in range(0, len(v), 2)]
    end = 0
    for s, n in runs:
        if s < end or n <= 0 or s + n > npix:
            raise ValueError("bad run %d %d" % (s + 1, n))
        end = s + n
    return runs


def inside(part, whole):
    """Is every pixel of one sorted run list in the other?"""
    j = 0
    for s, n in part:
        e = s + n
        while j < len(whole) and whole[j][0] + whole[j][1] <= s:
            j += 1
        if j == len(whole) or whole[j][0] > s or whole[j][0] + whole[j][1] < e:
            return False
    return True


def check_image(image, rows, problems):
    garments = [r for r in rows if r[0] < FIRST_PART]
    for cat, runs, line in rows:
        if cat >= FIRST_PART and not any(inside(runs, g[1]) for g in garments):
            problems.append("%s: line %d: part %d lies in no garment row"
                            % (image, line, cat))


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    problems, seen, images, nrows = [], set(), 0, 0
    cur, rows, size = None, [], None
    with open(argv[1], newline="") as fp:
        for line, r in enumerate(csv.DictReader(fp), start=2):
            image = r["ImageId"]
            h, w = int(r["Height"]), int(r["Width"])
            if image != cur:
                if cur is not None:
                    check_image(cur, rows, problems)
                if image in seen:
                    problems.append("%s: rows not consecutive" % image)
                seen.add(image)
                cur, rows, size = image, [], (h, w)
                images += 1
            if (h, w) != size:
                problems.append("%s: line %d: size differs" % (image, line))
            try:
                runs = runs_of(r["EncodedPixels"], h * w)
            except ValueError as e:
                problems.append("%s: line %d: %s" % (image, line, e))
                continue
            rows.append((int(r["ClassId"].split("_")[0]), runs, line))
            nrows += 1
    if cur is not None:
        check_image(cur, rows, problems)
    for p in problems[:10]:
        print(p)
    print("%d images, %d rows, %d problems" % (images, nrows, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
