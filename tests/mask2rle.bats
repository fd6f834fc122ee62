#!/usr/bin/env bats
# mask2rle(1): every promise of the man page.

load helpers

@test "--help prints the usage on stdout and exits 0" {
	run -0 mask2rle --help
	assert_line --index 0 --partial "usage: mask2rle [--instances]"
	run -0 mask2rle --version
	assert_output --partial "imatseg"
}

@test "bad option values are usage errors (exit 2)" {
	run -2 mask2rle --connectivity 6
	assert_output --partial "--connectivity: '6' is not 4 or 8"
	run -2 mask2rle --min-area 0
	assert_output --partial "--min-area: 0 is out of range"
	run -2 mask2rle --ext .a,b
	assert_output --partial "cannot end an ImageId"
	run -2 mask2rle --bogus
}

@test "one row per category, canonical runs, 1-based and column-major" {
	# 3x4: category 0 (value 1) in column 0 rows 1-2 and column 3 row 0;
	# category 45 (value 46) at the bottom of column 1 and top of column 2,
	# a run that wraps; 255 is ignored
	mkmask m.png 3 4 'm[1:3,0] = 1; m[0,3] = 1; m[2,1] = 46; m[0:2,2] = 46; m[1,3] = 255'
	run -0 mask2rle m.png
	assert_output "ImageId,EncodedPixels,ClassId
m.jpg,2 2 10 1,0
m.jpg,6 3,45"
}

@test "--sizes writes the train.csv layout; --ext names the ImageId" {
	mkmask m.png 3 4 'm[1:3,0] = 1'
	run -0 mask2rle --sizes --ext .png m.png
	assert_output "ImageId,EncodedPixels,Height,Width,ClassId
m.png,2 2,3,4,0"
}

@test "reads the paths from stdin, one a line, when given none" {
	mkmask a.png 2 2 'm[0,0] = 3'
	mkmask b.png 2 2 'm[1,1] = 4'
	run -0 sh -c 'printf "a.png\n\nb.png\n" | mask2rle'
	assert_output "ImageId,EncodedPixels,ClassId
a.jpg,1 1,2
b.jpg,4 1,3"
}

@test "round trip: mask2rle then rle2mask gives back every mask byte for byte" {
	"$PY" - <<'PY'
import numpy as np
from PIL import Image
rng = np.random.RandomState(3)
shapes = [(1, 1), (1, 7), (9, 1), (17, 23), (64, 48), (5, 5)]
for i, (h, w) in enumerate(shapes):
    for kind in range(4):
        if kind == 0:
            m = rng.randint(0, 47, (h, w))          # every category, speckled
        elif kind == 1:
            m = np.full((h, w), 46)                  # full mask, last category
        elif kind == 2:
            m = np.zeros((h, w))                     # empty
        else:                                        # runs wrapping columns
            m = (np.arange(h * w) // 3 % 47).reshape((w, h)).T
        Image.fromarray(m.astype(np.uint8), "L").save("m%d_%d.png" % (i, kind))
PY
	mkdir back
	ls m*.png | mask2rle --sizes > sub.csv
	run -0 rle2mask -o back sub.csv
	for f in m*.png; do
		"$PY" -c '
import os, sys
import numpy as np
from PIL import Image
a = np.array(Image.open(sys.argv[1]))
if not a.any():     # an empty mask has no row, so no file comes back
    sys.exit(1 if os.path.exists(sys.argv[2]) else 0)
b = np.array(Image.open(sys.argv[2]))
sys.exit(0 if a.shape == b.shape and (a == b).all() else 1)' "$f" "back/$f"
	done
}

@test "round trip with --all-images: empty masks come back empty" {
	mkmask e.png 3 2 'pass'
	mkdir back
	mask2rle --sizes --all-images e.png > sub.csv
	run -0 cat sub.csv
	assert_output "ImageId,EncodedPixels,Height,Width,ClassId
e.jpg,,3,2,0"
	rle2mask -o back sub.csv
	run -0 pixels back/e.png
	assert_output "3 2 L
0 0
0 0
0 0"
}

@test "real rows: each row alone decodes and re-encodes to the same string" {
	tail -n +2 "$SAMPLE/train.csv" | while IFS= read -r row; do
		rm -rf one && mkdir one
		{ head -1 "$SAMPLE/train.csv"; echo "$row"; } > one.csv
		rle2mask -o one one.csv
		got=$(mask2rle --sizes one/*.png | tail -n +2 | cut -d, -f2)
		want=$(echo "$row" | cut -d, -f2)
		[ "$got" = "$want" ]
	done
}

@test "--instances: one row per connected component; --connectivity 4 or 8" {
	# two blobs of category 2 (value 3) touching only at a corner, and a
	# separate speck
	mkmask m.png 4 4 'm[0:2,0:2] = 3; m[2:4,2:4] = 3; m[0,3] = 3'
	run -0 mask2rle m.png
	assert_output "ImageId,EncodedPixels,ClassId
m.jpg,1 2 5 2 11 3 15 2,2"
	run -0 mask2rle --instances m.png
	assert_output "ImageId,EncodedPixels,ClassId
m.jpg,1 2 5 2 11 2 15 2,2
m.jpg,13 1,2"
	run -0 mask2rle --instances --connectivity 4 m.png
	assert_output "ImageId,EncodedPixels,ClassId
m.jpg,1 2 5 2,2
m.jpg,11 2 15 2,2
m.jpg,13 1,2"
	run -0 mask2rle --instances --min-area 2 m.png
	assert_output "ImageId,EncodedPixels,ClassId
m.jpg,1 2 5 2 11 2 15 2,2"
}

@test "--min-area drops small masks without --instances too" {
	mkmask m.png 4 4 'm[0:2,0:2] = 3; m[3,3] = 5'
	run -0 mask2rle --min-area 2 m.png
	assert_output "ImageId,EncodedPixels,ClassId
m.jpg,1 2 5 2,2"
}

@test "--all-images: an image without objects still gets a row" {
	mkmask a.png 2 2 'm[0,0] = 1'
	mkmask e.png 2 2 'pass'
	run -0 mask2rle a.png e.png
	assert_output "ImageId,EncodedPixels,ClassId
a.jpg,1 1,0"
	run -0 mask2rle --all-images a.png e.png
	assert_output "ImageId,EncodedPixels,ClassId
a.jpg,1 1,0
e.jpg,,0"
}

@test "a value that is no category: the file is reported and skipped; exit 1" {
	mkmask bad.png 2 2 'm[0,0] = 60'
	mkmask good.png 2 2 'm[1,0] = 2'
	run -1 mask2rle bad.png good.png
	assert_line "mask2rle: bad.png: pixel value 60 is no category (1-46, or 255 to ignore)"
	assert_line "good.jpg,2 1,1"
	run -1 --separate-stderr mask2rle bad.png good.png
	assert_output "ImageId,EncodedPixels,ClassId
good.jpg,2 1,1"
}

@test "not a label PNG (JPEG, RGB, missing, junk): reported, the rest goes on; exit 1" {
	"$PY" -c '
from PIL import Image
Image.new("L", (4, 4)).save("photo.jpg")
Image.new("RGB", (4, 4)).save("rgb.png")'
	echo junk > junk.png
	mkmask good.png 2 2 'm[1,0] = 2'
	run -1 mask2rle photo.jpg rgb.png missing.png junk.png good.png
	assert_line "mask2rle: photo.jpg: not a PNG file (label masks are PNG)"
	assert_line "mask2rle: rgb.png: not an 8-bit single-channel PNG (3 bands, uchar)"
	assert_line --partial "mask2rle: missing.png: "
	assert_line --partial "mask2rle: junk.png: "
	assert_line "good.jpg,2 1,1"
}

@test "--max-pixels refuses larger masks before decoding them" {
	mkmask m.png 10 10 'm[0,0] = 1'
	run -1 mask2rle --max-pixels 99 m.png
	assert_line "mask2rle: m.png: 10x10 is more than 99 pixels"
	run -0 mask2rle --max-pixels 100 m.png
}

@test "a write error on stdout is an error (exit 1)" {
	mkmask m.png 2 2 'm[0,0] = 1'
	run -1 sh -c 'mask2rle m.png > /dev/full'
	assert_output --partial "mask2rle: write error on stdout"
}

@test "--labels: the file's categories are the valid values" {
	printf '{"categories": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}], "attributes": []}\n' > two.json
	mkmask m.png 2 2 'm[0,0] = 2; m[1,1] = 3'
	run -1 mask2rle --labels two.json m.png
	assert_line "mask2rle: m.png: pixel value 3 is no category (1-2, or 255 to ignore)"
	mkmask ok.png 2 2 'm[0,0] = 2'
	run -0 mask2rle --labels two.json ok.png
	assert_line "ok.jpg,1 1,1"
	run -1 mask2rle --labels missing.json ok.png
	assert_output --partial "mask2rle: missing.json"
}

@test "--instances --connectivity 4 on a 2000x2000 checkerboard: 4 million objects in under 300 MB" {
	mkmask cb.png 2000 2000 '
y, x = np.indices(m.shape)
m[:] = np.where((x + y) % 2 == 0, 1, 2)'
	/usr/bin/time -f %M -o rss mask2rle --instances --connectivity 4 cb.png > cb.csv
	rows=$(($(wc -l < cb.csv) - 1))
	assert_equal "$rows" 4000000
	# every object is one pixel: "start 1"
	run -0 awk -F, 'NR > 1 && $2 !~ / 1$/ { bad++ } END { print bad + 0 }' cb.csv
	assert_output 0
	# the 4-connected pixels of category 0 (value 1) are (x + y) even
	run -0 awk -F, 'NR == 2 || NR == 3 { print }' cb.csv
	assert_line --index 0 "cb.jpg,1 1,0"
	assert_line --index 1 "cb.jpg,3 1,0"
	not_sanitized
	echo "peak RSS $(cat rss) kB"
	[ "$(cat rss)" -lt 300000 ]
}
