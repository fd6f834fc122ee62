#!/usr/bin/env bats
# synth-imat: the layout of the data set, determinism, the overlap
# structure of the rows, and that the other programs take it as it is.

load helpers

bin=$BIN
ref="$BATS_TEST_DIRNAME/ref"
py=/usr/bin/python3

@test "--help prints the usage on stdout and exits 0" {
	run -0 "$bin/synth-imat" --help
	assert_line --partial "usage: synth-imat -o dir"
}

@test "--version exits 0" {
	run -0 "$bin/synth-imat" --version
}

@test "-o is required" {
	run -2 "$bin/synth-imat" -n 1
	assert_output --partial "-o DIR is required"
}

@test "bad numbers and sizes are usage errors" {
	run -2 "$bin/synth-imat" -o "$BATS_TEST_TMPDIR/d" -n x
	assert_output --partial "--images"
	run -2 "$bin/synth-imat" -o "$BATS_TEST_TMPDIR/d" --min-side 8
	run -2 "$bin/synth-imat" -o "$BATS_TEST_TMPDIR/d" --min-side 900 --max-side 800
	assert_output --partial "larger than --max-side"
	run -2 "$bin/synth-imat" -o "$BATS_TEST_TMPDIR/d" --quality 0
	run -2 "$bin/synth-imat" -o "$BATS_TEST_TMPDIR/d" extra
	[ ! -e "$BATS_TEST_TMPDIR/d" ]
}

@test "an output path that is a file fails with exit 1" {
	touch "$BATS_TEST_TMPDIR/file"
	run -1 "$bin/synth-imat" -o "$BATS_TEST_TMPDIR/file" -n 1
	assert_output --partial "not a directory"
}

@test "the layout is the competition's: train.csv, train/ID.jpg, labels" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 6 --max-side 500 -j 2
	run -0 head -1 "$d/train.csv"
	assert_output "ImageId,EncodedPixels,Height,Width,ClassId"
	cmp "$d/label_descriptions.json" \
	    "$BATS_TEST_DIRNAME/../share/imatseg/label_descriptions.json"
	[ "$(ls "$d/train" | wc -l)" -eq 6 ]
	# Image ids: 32 hex digits and .jpg, one photo per image of the CSV.
	tail -n +2 "$d/train.csv" | cut -d, -f1 | sort -u > "$d/ids"
	ls "$d/train" > "$d/photos"
	diff "$d/ids" "$d/photos"
	[ "$(grep -cE '^[0-9a-f]{32}\.jpg$' "$d/ids")" -eq 6 ]
	[ ! -e "$d/test" ] && [ ! -e "$d/test-truth.csv" ]
}

@test "-n 0 writes the header alone" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 0
	run -0 cat "$d/train.csv"
	assert_output "ImageId,EncodedPixels,Height,Width,ClassId"
	[ -d "$d/train" ] && [ -z "$(ls "$d/train")" ]
}

@test "each photo is a JPEG of the Height and Width its rows give" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 6 --max-side 600
	run -0 $py -c '
import csv, sys
from PIL import Image
d = sys.argv[1]
for r in csv.DictReader(open(d + "/train.csv")):
    im = Image.open(d + "/train/" + r["ImageId"])
    assert im.format == "JPEG" and im.mode == "RGB", r["ImageId"]
    assert im.size == (int(r["Width"]), int(r["Height"])), r["ImageId"]
print("sizes ok")' "$d"
	assert_output "sizes ok"
}

@test "--test writes unannotated test photos and a hidden test-truth.csv" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 2 --test 3 --max-side 400
	[ "$(ls "$d/test" | wc -l)" -eq 3 ]
	run -0 head -1 "$d/test-truth.csv"
	assert_output "ImageId,EncodedPixels,Height,Width,ClassId"
	tail -n +2 "$d/test-truth.csv" | cut -d, -f1 | sort -u > "$d/ids"
	ls "$d/test" | diff "$d/ids" -
	# Test images are not training images.
	run -1 grep -Ff "$d/ids" "$d/train.csv"
}

@test "the seed and the counts decide every byte; -j does not" {
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b" c="$BATS_TEST_TMPDIR/c"
	run -0 "$bin/synth-imat" -o "$a" -n 5 --test 2 -s 42 --max-side 500 -j 1
	run -0 "$bin/synth-imat" -o "$b" -n 5 --test 2 -s 42 --max-side 500 -j 2
	run -0 diff -r "$a" "$b"
	run -0 "$bin/synth-imat" -o "$c" -n 5 -s 43 --max-side 500
	run -1 cmp -s "$a/train.csv" "$c/train.csv"
}

@test "more images extend the set: the first rows stay the same" {
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b"
	run -0 "$bin/synth-imat" -o "$a" -n 3 --csv-only
	run -0 "$bin/synth-imat" -o "$b" -n 7 --csv-only
	n=$(wc -l < "$a/train.csv")
	head -n "$n" "$b/train.csv" | cmp - "$a/train.csv"
}

@test "--csv-only writes the same train.csv and no photos" {
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b"
	run -0 "$bin/synth-imat" -o "$a" -n 4 --max-side 500
	run -0 "$bin/synth-imat" -o "$b" -n 4 --max-side 500 --csv-only
	cmp "$a/train.csv" "$b/train.csv"
	[ ! -e "$b/train" ]
	[ -f "$b/label_descriptions.json" ]
}

@test "--csv-only draws sides up to 6000 by default, photos up to 1500" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 60 --csv-only
	run -0 $py -c '
import csv, sys
sides = [max(int(r["Height"]), int(r["Width"])) for r in csv.DictReader(open(sys.argv[1]))]
assert max(sides) > 1500 and max(sides) <= 6000 and min(sides) >= 300, max(sides)' "$d/train.csv"
	run -0 "$bin/synth-imat" -o "$d" -n 60 --csv-only --max-side 1500
	run -0 $py -c '
import csv, sys
sides = [max(int(r["Height"]), int(r["Width"])) for r in csv.DictReader(open(sys.argv[1]))]
assert max(sides) <= 1500' "$d/train.csv"
}

@test "every part row lies inside a garment row of its image" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 150 --csv-only
	run -0 $py "$ref/check_parts.py" "$d/train.csv"
	assert_output --partial "150 images"
	assert_output --partial " 0 problems"
	# The check itself catches a part outside its garment.
	awk -F, -v OFS=, 'NR > 1 && $5 == 31 && !done { $2 = "1 1"; done = 1 } 1' \
	    "$d/train.csv" > "$d/bad.csv"
	run -1 $py "$ref/check_parts.py" "$d/bad.csv"
	assert_output --partial "lies in no garment row"
}

@test "rows look like the real ones: parts, attributes, sizes, shapes" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 300 --csv-only --min-side 100 --max-side 700
	run -0 $py -c '
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
cats = collections.Counter(int(r["ClassId"].split("_")[0]) for r in rows)
for c in (0, 1, 4, 6, 8, 10, 23, 28, 29, 31, 32, 33, 35):
    assert cats[c] > 0, c
assert all(0 <= c <= 45 for c in cats)
attrs = [r["ClassId"] for r in rows if "_" in r["ClassId"]]
assert len(attrs) > 0.02 * len(rows)
for a in attrs:
    v = [int(x) for x in a.split("_")[1:]]
    assert v == sorted(set(v)) and all(0 <= x <= 91 for x in v), a
sizes = {(int(r["Height"]), int(r["Width"])) for r in rows}
assert all(100 <= s <= 700 for hw in sizes for s in hw)
assert any(h > w for h, w in sizes) and any(w > h for h, w in sizes)
print(len(rows) / 300)' "$d/train.csv"
}

@test "rle2mask accepts every row" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 12 --test 3 --max-side 600
	mkdir "$d/masks" "$d/truth"
	run -0 "$bin/rle2mask" -o "$d/masks" "$d/train.csv"
	assert_output ""
	[ "$(ls "$d/masks" | wc -l)" -eq 12 ]
	run -0 "$bin/rle2mask" -o "$d/truth" "$d/test-truth.csv"
	[ "$(ls "$d/truth" | wc -l)" -eq 3 ]
}

@test "the contact sheet helper draws photos beside their masks" {
	d="$BATS_TEST_TMPDIR/d"
	run -0 "$bin/synth-imat" -o "$d" -n 4 --max-side 400
	mkdir "$d/masks"
	run -0 "$bin/rle2mask" -o "$d/masks" "$d/train.csv"
	run -0 $py "$ref/contact.py" "$d/sheet.png" "$d/train" "$d/masks" 4 100
	run -0 $py -c '
import sys
from PIL import Image
im = Image.open(sys.argv[1])
assert im.format == "PNG" and im.height == 2 * 104, im.size' "$d/sheet.png"
}
