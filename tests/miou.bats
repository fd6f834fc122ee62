#!/usr/bin/env bats
# miou(1): every promise of the man page.

load helpers

REF="$TOP/tests/ref/metrics.py"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	# Two named categories keep the tables short.
	printf '{"categories": [{"id": 0, "name": "shirt"}, {"id": 1, "name": "pants"}], "attributes": []}\n' > two.json
}

# The 4x4 example of the man page.
example4() {
	mkdir -p t p
	mkmask t/a.png 4 4 'm[:] = [[0,0,1,1],[0,0,1,1],[2,2,0,0],[2,2,0,255]]'
	mkmask p/a.png 4 4 'm[:] = [[0,1,1,1],[0,0,1,0],[2,0,0,0],[2,2,2,2]]'
}

@test "--help prints the usage on stdout and exits 0; --version" {
	run -0 miou --help
	assert_line --index 0 "usage: miou [--with-background] [--strict] [-j n] [--digits n]"
	assert_line --index 2 --partial "miou --kaggle [--match-attributes]"
	run -0 miou --version
	assert_output --partial "imatseg"
}

@test "usage errors exit 2" {
	run -2 miou
	assert_output --partial "expected two operands"
	run -2 miou a
	run -2 miou a b c
	run -2 miou - -
	assert_output --partial "only one operand can be '-'"
	run -2 miou -j 0 a b
	assert_output --partial "-j: 0 is out of range"
	run -2 miou --digits 18 a b
	assert_output --partial "--digits"
	run -2 miou --match-attributes a b
	assert_output --partial "--match-attributes needs --kaggle"
	run -2 miou --kaggle --with-background a b
	assert_output --partial "--with-background has no meaning with --kaggle"
	run -2 miou --bogus a b
}

@test "the 4x4 example: confusion counts, IoU, summaries" {
	example4
	run -0 miou --labels two.json t p
	assert_output "$(printf '%s\n' \
	    'id	name	truth	predicted	intersection	union	iou' \
	    '-1	background	7	7	5	9	0.555556' \
	    '0	shirt	4	4	3	5	0.600000' \
	    '1	pants	4	4	3	5	0.600000' \
	    'mean_iou	0.600000' \
	    'pixel_accuracy	0.733333' \
	    'fw_iou	0.600000' \
	    'classes	2' \
	    'images	1' \
	    'ignored_pixels	1')"
}

@test "--with-background averages the background too" {
	example4
	run -0 miou --labels two.json --with-background t p
	assert_line "mean_iou	0.585185"
	assert_line "fw_iou	0.579259"
	assert_line "classes	3"
}

@test "--digits sets the decimals" {
	example4
	run -0 miou --labels two.json --digits 12 t p
	assert_line "-1	background	7	7	5	9	0.555555555556"
	assert_line "pixel_accuracy	0.733333333333"
}

@test "a mask against itself scores 1; absent categories are nan" {
	example4
	run -0 miou --labels two.json t t
	assert_line "mean_iou	1.000000"
	assert_line "pixel_accuracy	1.000000"
	run -0 miou t t
	assert_line "2	sweater	0	0	0	0	nan"
	assert_line "mean_iou	1.000000"
}

@test "nothing to average: nan" {
	mkdir t
	mkmask t/a.png 2 2 'm[0,0] = 255'
	run -0 miou --labels two.json t t
	assert_line "mean_iou	nan"
	assert_line "pixel_accuracy	1.000000"
	assert_line "fw_iou	nan"
}

@test "operands may be files listing paths, or '-' for stdin" {
	example4
	miou --labels two.json t p > dirs.tsv
	echo t/a.png > truth.list
	echo p/a.png > pred.list
	run -0 miou --labels two.json truth.list pred.list
	assert_output "$(cat dirs.tsv)"
	run -0 sh -c 'printf "\np/a.png\n" | miou --labels two.json t -'
	assert_output "$(cat dirs.tsv)"
}

@test "a missing prediction counts as all background, warns, exits 1" {
	example4
	mkmask t/b.png 2 2 'm[:] = 1'
	run -1 --separate-stderr miou --labels two.json t p
	assert_equal "$stderr" "miou: t/b.png: no prediction named b.png in p: counted as all background"
	assert_line "0	shirt	8	4	3	9	0.333333"
	assert_line "images	2"
}

@test "--strict makes a missing prediction fatal" {
	example4
	mkmask t/b.png 2 2 'm[:] = 1'
	run -1 --separate-stderr miou --strict --labels two.json t p
	assert_equal "$stderr" "miou: t/b.png: no prediction named b.png in p"
	assert_output ""
}

@test "a prediction without truth is warned about and not scored" {
	example4
	mkmask p/c.png 4 4 'm[:] = 2'
	run -0 --separate-stderr miou --labels two.json t p
	assert_equal "$stderr" "miou: p/c.png: no truth named c.png in t: not scored"
	assert_line "images	1"
	run -1 --separate-stderr miou --strict --labels two.json t p
	assert_equal "$stderr" "miou: p/c.png: no truth named c.png in t"
	assert_output ""
}

@test "masks of different sizes: an error naming both files, exit 1" {
	example4
	mkmask t/b.png 2 3 'm[:] = 1'
	mkmask p/b.png 3 2 'm[:] = 1'
	run -1 --separate-stderr miou --labels two.json t p
	assert_equal "$stderr" "miou: t/b.png is 2x3 but p/b.png is 3x2"
	assert_line "images	1"
}

@test "a value that is no category: an error naming the files, exit 1" {
	example4
	mkmask t/b.png 2 2 'm[0,0] = 3'
	mkmask p/b.png 2 2 'm[0,0] = 1'
	mkmask t/c.png 2 2 'm[0,0] = 1'
	mkmask p/c.png 2 2 'm[0,0] = 7'
	run -1 --separate-stderr miou --labels two.json t p
	assert_equal "${stderr_lines[0]}" "miou: t/b.png, p/b.png: truth pixel value 3 is no category (1-2, or 255 to ignore)"
	assert_equal "${stderr_lines[1]}" "miou: t/c.png, p/c.png: prediction pixel value 7 is no category (1-2, or 255 for none)"
	assert_line "images	1"
}

@test "a predicted 255 counts as background" {
	mkdir t p
	mkmask t/a.png 1 2 'm[0,:] = 1'
	mkmask p/a.png 1 2 'm[0,0] = 1; m[0,1] = 255'
	run -0 miou --labels two.json t p
	assert_line "-1	background	0	1	0	1	0.000000"
	assert_line "0	shirt	2	1	1	2	0.500000"
}

@test "unreadable inputs: exit 1" {
	example4
	run -1 miou nothere p
	assert_output "miou: nothere: No such file or directory"
	run -1 miou t nothere
	assert_output "miou: nothere: No such file or directory"
	printf 'not a png' > t/bad.png
	cp t/bad.png p/bad.png
	run -1 --separate-stderr miou --labels two.json t p
	assert_line "images	1"
	run -1 miou --labels nothere.json t p
	assert_output --partial "nothere.json"
}

@test "two predictions of one name: the first is used, the other warned about" {
	example4
	mkdir q
	mkmask q/a.png 4 4 'm[:] = 1'
	printf '%s\n' p/a.png q/a.png > pred.list
	miou --labels two.json t p > want.tsv
	run -0 --separate-stderr miou --labels two.json t pred.list
	assert_equal "$stderr" "miou: pred.list: q/a.png has the same name as p/a.png: ignored"
	assert_output "$(cat want.tsv)"
}

@test "memory does not grow with the number of images" {
	"$PY" - <<'PY'
import os
import numpy as np
from PIL import Image
rng = np.random.default_rng(1)
for d in ("t", "p"):
    os.makedirs(d)
for i in range(120):
    m = (rng.random((400, 400)) < 0.5).astype(np.uint8)
    Image.fromarray(m).save("t/%03d.png" % i)
    Image.fromarray(m).save("p/%03d.png" % i)
PY
	not_sanitized
	ls t/*.png | head -3 > few.list
	ls t/*.png > all.list
	run -0 "$PY" -c '
import resource, subprocess, sys
def peak(lst):
    subprocess.run(["miou", "-j", "1", lst, "p"], check=False,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
few = peak("few.list")
many = peak("all.list")
print(few, many)
sys.exit(0 if many - few < 4000 else 1)'
}

@test "-j N gives the same bytes as -j 1" {
	"$PY" "$REF" gen-masks r 5
	miou -j 1 --digits 12 r/truth r/pred > one.tsv
	run -0 miou -j 3 --digits 12 r/truth r/pred
	assert_output "$(cat one.tsv)"
	run -0 miou --jobs 2 --digits 12 r/truth r/pred
	assert_output "$(cat one.tsv)"
}

@test "masks: the numpy reference agrees to 1e-9 on random cases" {
	for seed in 1 2 3 4 5 6 7 8; do
		rm -rf r && "$PY" "$REF" gen-masks r $seed
		miou --digits 12 r/truth r/pred > c.tsv
		"$PY" "$REF" masks r/truth r/pred > p.tsv
		run -0 "$PY" "$REF" compare c.tsv p.tsv 1e-9
		miou --with-background --digits 12 r/truth r/pred > c.tsv
		"$PY" "$REF" masks --with-background r/truth r/pred > p.tsv
		run -0 "$PY" "$REF" compare c.tsv p.tsv 1e-9
	done
}

# Image a: two shirts (10 pixels each); one predicted at IoU exactly 0.7.
hand_case() {
	printf '%s\n' 'ImageId,EncodedPixels,Height,Width,ClassId' \
	    'a.jpg,1 10,10,10,0' 'a.jpg,51 10,10,10,0' > truth.csv
	printf '%s\n' 'ImageId,EncodedPixels,ClassId' 'a.jpg,1 7,0' > sub.csv
}

@test "--kaggle: two objects of one class, one hit at IoU 0.7, scores 0.2" {
	hand_case
	run -0 miou --kaggle --labels two.json truth.csv sub.csv
	assert_output "$(printf '%s\n' 'id	name	images	score' \
	    '0	shirt	1	0.200000' '1	pants	0	nan' 'score	0.200000' 'images	1')"
}

@test "--kaggle: the truth against itself scores 1" {
	run -0 miou --kaggle "$TOP/examples/sample/train.csv" "$TOP/examples/sample/train.csv"
	assert_line "score	1.000000"
	assert_line "images	2"
	assert_line "31	sleeve	2	1.000000"
}

@test "--kaggle: a submission made by mask2rle from the truth masks scores 1" {
	mkdir masks
	rle2mask -o masks "$TOP/examples/sample/train.csv"
	mask2rle --sizes --instances masks/*.png > truth.csv
	mask2rle --instances --all-images masks/*.png > sub.csv
	run -0 miou --kaggle truth.csv sub.csv
	assert_line "score	1.000000"
	mask2rle --sizes masks/*.png > truth.csv
	mask2rle masks/*.png > sub.csv
	run -0 miou --kaggle truth.csv sub.csv
	assert_line "score	1.000000"
}

@test "--kaggle: a predicted class absent from the truth, and a true class not predicted, score 0" {
	printf '%s\n' 'ImageId,EncodedPixels,Height,Width,ClassId' \
	    'a.jpg,1 4,2,2,0' 'b.jpg,1 4,2,2,0' > truth.csv
	printf '%s\n' 'ImageId,EncodedPixels,ClassId' 'a.jpg,1 4,0' \
	    'a.jpg,1 2,1' 'b.jpg,,0' > sub.csv
	run -0 miou --kaggle --labels two.json truth.csv sub.csv
	assert_line "0	shirt	2	0.500000"
	assert_line "1	pants	1	0.000000"
	assert_line "score	0.250000"
}

@test "--kaggle: empty EncodedPixels is no object; an image with nothing scores 1" {
	printf '%s\n' 'ImageId,EncodedPixels,Height,Width,ClassId' 'a.jpg,,2,2,0' > truth.csv
	printf '%s\n' 'ImageId,EncodedPixels,ClassId' 'a.jpg,,0' > sub.csv
	run -0 miou --kaggle --labels two.json truth.csv sub.csv
	assert_line "0	shirt	0	nan"
	assert_line "score	1.000000"
}

@test "--kaggle --match-attributes: the whole ClassId must match; 2020 truth, 2019 submission" {
	printf '%s\n' 'ImageId,EncodedPixels,Height,Width,ClassId,AttributesIds' \
	    'a,1 4,2,2,0,"3,1"' 'b,1 4,2,2,1,2' > truth.csv
	printf '%s\n' 'ImageId,EncodedPixels,ClassId' 'a.jpg,1 4,0_1_3' \
	    'b.jpg,1 4,1_5' > sub.csv
	run -0 miou --kaggle --labels two.json truth.csv sub.csv
	assert_line "score	1.000000"
	run -0 miou --kaggle --match-attributes --labels two.json truth.csv sub.csv
	assert_line "0	shirt	1	1.000000"
	assert_line "1	pants	2	0.000000"
	assert_line "score	0.500000"
}

@test "--kaggle: an image without prediction rows scores 0 per true class, warns, exits 1" {
	hand_case
	echo 'b.jpg,1 3,10,10,1' >> truth.csv
	run -1 --separate-stderr miou --kaggle --labels two.json truth.csv sub.csv
	assert_equal "$stderr" "miou: truth.csv:4: image b has no rows in sub.csv: each of its true classes scores 0"
	assert_line "1	pants	1	0.000000"
	assert_line "score	0.100000"
	run -1 --separate-stderr miou --kaggle --strict --labels two.json truth.csv sub.csv
	assert_equal "$stderr" "miou: truth.csv:4: image b has no rows in sub.csv"
	assert_output ""
}

@test "--kaggle: predictions for images not in the truth are warned about and ignored" {
	hand_case
	printf '%s\n' 'z.jpg,1 3,1' 'z.jpg,5 3,1' >> sub.csv
	run -0 --separate-stderr miou --kaggle --labels two.json truth.csv sub.csv
	assert_equal "$stderr" "miou: sub.csv:3: image z is not in truth.csv: ignored"
	assert_line "score	0.200000"
	run -1 --separate-stderr miou --kaggle --strict --labels two.json truth.csv sub.csv
	assert_equal "$stderr" "miou: sub.csv:3: image z is not in truth.csv"
}

@test "--kaggle: bad rows are reported with file and line, skipped, exit 1" {
	hand_case
	echo 'a.jpg,1 3,10,11,0' >> truth.csv
	echo 'a.jpg,3 2 1 1,0' >> sub.csv
	echo 'a.jpg,99 5,0' >> sub.csv
	echo 'a.jpg,1 3,7' >> sub.csv
	run -1 --separate-stderr miou --kaggle --labels two.json truth.csv sub.csv
	assert_equal "${stderr_lines[0]}" "miou: truth.csv:4: Height x Width 10x11 differs from 10x10 on line 2, the image's first row"
	assert_regex "${stderr_lines[1]}" '^miou: sub.csv:3: '
	assert_equal "${stderr_lines[2]}" "miou: sub.csv:4: runs past the 10x10 pixels of image a"
	assert_equal "${stderr_lines[3]}" "miou: sub.csv:5: unknown category 7 (ids are 0-1)"
	assert_line "score	0.200000"
}

@test "--kaggle: either file may come from a pipe" {
	hand_case
	miou --kaggle --labels two.json truth.csv sub.csv > want.tsv
	run -0 sh -c 'cat truth.csv | miou --kaggle --labels two.json - sub.csv'
	assert_output "$(cat want.tsv)"
	run -0 sh -c 'cat sub.csv | miou --kaggle --labels two.json truth.csv -'
	assert_output "$(cat want.tsv)"
}

@test "--kaggle: files that cannot be read exit 1" {
	hand_case
	run -1 miou --kaggle truth.csv nothere.csv
	assert_output "miou: nothere.csv: No such file or directory"
	printf 'ImageId,ClassId\n' > nopix.csv
	run -1 miou --kaggle nopix.csv sub.csv
	assert_output --partial "nopix.csv:1: the header has no EncodedPixels column"
}

@test "--kaggle: the numpy reference agrees to 1e-9 on random cases" {
	for seed in 1 2 3 4 5 6 7 8; do
		rm -rf r && mkdir r && "$PY" "$REF" gen-csv r $seed
		miou --kaggle --digits 12 r/truth.csv r/sub.csv > c.tsv
		"$PY" "$REF" kaggle r/truth.csv r/sub.csv > p.tsv
		run -0 "$PY" "$REF" compare c.tsv p.tsv 1e-9
		miou --kaggle --match-attributes --digits 12 r/truth.csv r/sub.csv > c.tsv
		"$PY" "$REF" kaggle --match-attributes r/truth.csv r/sub.csv > p.tsv
		run -0 "$PY" "$REF" compare c.tsv p.tsv 1e-9
	done
}
