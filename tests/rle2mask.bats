#!/usr/bin/env bats
# rle2mask(1): every promise of the man page.

load helpers

# A 4-row, 3-column image (12 pixels, column-major): a jacket (4) over
# most of it, a pocket (32) inside it, a shirt (0) at the right.
golden() {
	cat > g.csv <<'CSV'
ImageId,EncodedPixels,Height,Width,ClassId
img.jpg,5 2,4,3,32
img.jpg,1 8,4,3,4_3_14
img.jpg,7 6,4,3,0
CSV
}

@test "--help prints the usage on stdout and exits 0" {
	run -0 rle2mask --help
	assert_line --index 0 --partial "usage: rle2mask [-q] [-o dir]"
	run -0 rle2mask --version
	assert_output --partial "imatseg"
}

@test "without -o it is a usage error (exit 2)" {
	golden
	run -2 rle2mask g.csv
	assert_output --partial "-o DIR is required"
}

@test "bad option values are usage errors (exit 2)" {
	run -2 rle2mask -o . --overlap biggest
	assert_output --partial "--overlap: 'biggest' is not area, order or category"
	run -2 rle2mask -o . -j 0
	assert_output --partial "-j: 0 is out of range"
	run -2 rle2mask -o . --shard 2/2
	assert_output --partial "--shard: shard index"
	run -2 rle2mask -o . --compression 10
	run -2 rle2mask -o . --max-pixels 1x
	run -2 rle2mask -o . a.csv b.csv
	assert_output --partial "one input file at most"
	run -2 rle2mask --no-such-option
}

@test "writes exactly the pixels the rows say (default: larger masks first)" {
	golden
	mkdir out
	run -0 rle2mask -o out g.csv
	assert_output ""
	run -0 pixels out/img.png
	# column-major: jacket = pixels 1-8 (columns 0,1), pocket = 5,6
	# (column 1, rows 0-1), shirt = 7-12 (column 1 rows 2-3, column 2)
	assert_output "4 3 L
5 33 1
5 33 1
5 1 1
5 1 1"
}

@test "--overlap order: later rows win; --overlap category: higher id wins" {
	golden
	mkdir o c
	rle2mask -o o --overlap order g.csv
	run -0 pixels o/img.png
	assert_output "4 3 L
5 5 1
5 5 1
5 1 1
5 1 1"
	rle2mask -o c --overlap category g.csv
	run -0 pixels c/img.png
	assert_output "4 3 L
5 33 1
5 33 1
5 5 1
5 5 1"
}

@test "reads stdin when no file or - is given, with the same result" {
	golden
	mkdir a b
	rle2mask -o a g.csv
	rle2mask -o b < g.csv
	cmp a/img.png b/img.png
	rm b/img.png
	cat g.csv | rle2mask -o b -
	cmp a/img.png b/img.png
}

@test "the 2020 layout (no .jpg, AttributesIds column) gives the same mask" {
	golden
	cat > g20.csv <<'CSV'
ImageId,EncodedPixels,Height,Width,ClassId,AttributesIds
img,5 2,4,3,32,
img,1 8,4,3,4,"3,14"
img,7 6,4,3,0,
CSV
	mkdir a b
	rle2mask -o a g.csv
	run -0 rle2mask -o b g20.csv
	cmp a/img.png b/img.png
}

@test "an empty EncodedPixels is an empty mask" {
	printf 'ImageId,EncodedPixels,Height,Width,ClassId\ne.jpg,,2,3,5\n' > e.csv
	mkdir out
	run -0 rle2mask -o out e.csv
	run -0 pixels out/e.png
	assert_output "2 3 L
0 0 0
0 0 0"
}

@test "rows of one image that are not consecutive are all used (file and pipe)" {
	cat > split.csv <<'CSV'
ImageId,EncodedPixels,Height,Width,ClassId
a.jpg,1 2,2,2,1
b.jpg,1 1,2,2,2
a.jpg,3 2,2,2,3
CSV
	mkdir f p
	run -0 rle2mask -o f split.csv
	cat split.csv | rle2mask -o p
	run -0 pixels f/a.png
	assert_output "2 2 L
2 4
2 4"
	cmp f/a.png p/a.png
	cmp f/b.png p/b.png
}

@test "-j 1 and -j 2 write the same bytes" {
	mkdir one two
	rle2mask -j 1 -o one "$SAMPLE/train.csv"
	rle2mask -j 2 -o two "$SAMPLE/train.csv"
	run -0 ls one
	assert_output "000000009813.png
000000010223.png"
	cmp one/000000009813.png two/000000009813.png
	cmp one/000000010223.png two/000000010223.png
}

@test "--shard i/n: the shards are disjoint and together make the whole" {
	# 20 images, each with the rows of the first sample photo
	awk -F, 'NR == 1 { print; next } $1 == "000000009813.jpg" { rows[++n] = $0 }
	    END { for (i = 0; i < 20; i++) for (k = 1; k <= n; k++) {
	        r = rows[k]; sub(/^[^,]*/, "im" i ".jpg", r); print r } }' \
	    "$SAMPLE/train.csv" > many.csv
	mkdir all s0 s1 s2
	rle2mask -o all many.csv
	rle2mask -o s0 --shard 0/3 many.csv
	rle2mask -o s1 --shard 1/3 many.csv
	rle2mask -o s2 --shard 2/3 many.csv
	[ "$(ls all | wc -l)" -eq 20 ]
	[ "$(ls s0 s1 s2 | grep -c png)" -eq 20 ]
	[ "$(ls s0 s1 s2 | grep png | sort -u | wc -l)" -eq 20 ]
	[ "$(ls s0 | wc -l)" -gt 0 ] && [ "$(ls s1 | wc -l)" -gt 0 ]
}

@test "each malformed row is reported with file, line and reason; the rest is written; exit 1" {
	cat > bad.csv <<'CSV'
ImageId,EncodedPixels,Height,Width,ClassId
ok.jpg,1 2,4,4,1
odd.jpg,1 2 5,4,4,1
nan.jpg,1 x,4,4,1
big.jpg,99999999999999 2,4,4,1
zero.jpg,0 2,4,4,1
nolen.jpg,1 0,4,4,1
unsorted.jpg,9 2 1 2,4,4,1
overlap.jpg,1 5 3 2,4,4,1
past.jpg,15 3,4,4,1
huge.jpg,1 1,100000,100000,1
absurd.jpg,1 1,999999999999,2,1
cat.jpg,1 1,4,4,46
attr.jpg,1 1,4,4,3_x
cols.jpg,1 1,4,4
ok.jpg,5 1,4,5,2
../evil.jpg,1 1,4,4,1
ok.jpg,9 1,4,4,2
CSV
	mkdir out
	run -1 rle2mask -o out bad.csv
	assert_line "rle2mask: bad.csv:3: EncodedPixels: odd number of values (run 2 has no length)"
	assert_line "rle2mask: bad.csv:4: EncodedPixels: run 1: length is not a number"
	assert_line "rle2mask: bad.csv:5: EncodedPixels: run 1: start overflows"
	assert_line "rle2mask: bad.csv:6: EncodedPixels: run 1: start 0 (starts are 1-based)"
	assert_line "rle2mask: bad.csv:7: EncodedPixels: run 1: zero length"
	assert_line "rle2mask: bad.csv:8: EncodedPixels: run 2: start 1 overlaps or precedes the previous run"
	assert_line "rle2mask: bad.csv:9: EncodedPixels: run 2: start 3 overlaps or precedes the previous run"
	assert_line "rle2mask: bad.csv:10: EncodedPixels: run 1: 15+3 ends past the 16 pixels of the image"
	assert_line "rle2mask: bad.csv:11: Height x Width 100000x100000 is more than 100000000 pixels"
	assert_line "rle2mask: bad.csv:12: Height: 999999999999 is out of range [1, 100000]"
	assert_line "rle2mask: bad.csv:13: unknown category 46 (ids are 0-45)"
	assert_line "rle2mask: bad.csv:14: malformed ClassId '3_x'"
	assert_line "rle2mask: bad.csv:15: 4 fields, the header has 5"
	assert_line "rle2mask: bad.csv:16: Height x Width 4x5 differs from 4x4 of an earlier row of ok.jpg"
	assert_line "rle2mask: bad.csv:17: ImageId '../evil.jpg' cannot name a file"
	[ "${#lines[@]}" -eq 15 ]
	run -0 ls out
	assert_output "ok.png"
	run -0 pixels out/ok.png
	assert_output "4 4 L
2 0 3 0
2 0 0 0
0 0 0 0
0 0 0 0"
}

@test "--max-pixels lowers the size limit" {
	printf 'ImageId,EncodedPixels,Height,Width,ClassId\na.jpg,1 1,10,10,1\n' > a.csv
	mkdir out
	run -1 rle2mask -o out --max-pixels 99 a.csv
	assert_output "rle2mask: a.csv:2: Height x Width 10x10 is more than 99 pixels"
	run -0 rle2mask -o out --max-pixels 100 a.csv
}

@test "a header without a needed column, a missing file, a missing directory: exit 1" {
	printf 'ImageId,EncodedPixels,Width,ClassId\n' > h.csv
	mkdir out
	run -1 rle2mask -o out h.csv
	assert_output "rle2mask: h.csv:1: the header has no Height column"
	run -1 rle2mask -o out nonexistent.csv
	assert_output "rle2mask: nonexistent.csv: No such file or directory"
	run -1 rle2mask -o nodir "$SAMPLE/train.csv"
	assert_output "rle2mask: nodir: not a directory"
	: > empty.csv
	run -1 rle2mask -o out empty.csv
	assert_output "rle2mask: empty.csv: empty file (no header line)"
}

@test "an unterminated quote stops the file with its line; earlier masks are kept" {
	printf 'ImageId,EncodedPixels,Height,Width,ClassId\na.jpg,1 1,2,2,1\nb.jpg,"1 1,2,2,1\n' > q.csv
	mkdir out
	run -1 rle2mask -o out q.csv
	assert_output "rle2mask: q.csv:3: unterminated quoted field"
	[ -f out/a.png ]
}

@test "no temporary file is left beside the masks" {
	mkdir out
	rle2mask -o out "$SAMPLE/train.csv"
	run -0 ls -A out
	assert_output "000000009813.png
000000010223.png"
}

@test "a killed run's temporary files are removed by the next run; a live one's are kept" {
	golden
	mkdir masks
	# a run still writing: its file must stay
	mkfifo hold
	"$TOP/build/ref/atomic_kill" hold masks/live.png < hold &
	exec 5> hold
	while [ "$(ls -A masks | wc -l)" != 1 ]; do sleep 0.1; done
	run -137 "$TOP/build/ref/atomic_kill" kill masks/img.png
	[ "$(ls -A masks | wc -l)" = 2 ]
	run -0 rle2mask -o masks g.csv
	assert_equal "$(ls -A masks | sed 's/imatseg\..*/imatseg.../')" \
	    "$(printf '%s\n' .live.png.imatseg... img.png)"
	exec 5>&-
	wait
	assert_equal "$(ls -A masks)" "img.png"
}

@test "a mask that cannot be written is reported and the run exits 1" {
	mkdir out
	# the final name is taken by a directory: rename must fail
	mkdir out/000000009813.png
	run -1 rle2mask -o out "$SAMPLE/train.csv"
	assert_output --partial "rle2mask: out/000000009813.png:"
	[ -f out/000000010223.png ]
	run -0 ls -A out
	assert_output "000000009813.png
000000010223.png"
}

@test "--stats: rows, images, pixels and area share per category and attribute" {
	golden
	run -0 rle2mask --stats g.csv
	assert_line --index 0 "kind	id	name	rows	images	pixels	share"
	# share: the mean over the rows of mask area / image area (4x3)
	assert_line "category	0	shirt, blouse	1	1	6	0.5"
	assert_line "category	4	jacket	1	1	8	0.666667"
	assert_line "category	32	pocket	1	1	2	0.166667"
	assert_line "category	1	top, t-shirt, sweatshirt	0	0	0	nan"
	assert_line "attribute	3	mini (length)	1	1	8	0.666667"
	assert_line "attribute	14	zip-up	1	1	8	0.666667"
	assert_line "total			3	1	16	0.444444"
	[ "$(grep -c '^category' <<< "$output")" -eq 46 ]
}

@test "--stats: histograms of objects per image and attributes per object" {
	golden
	printf 'two.jpg,1 1,2,2,5_3\ntwo.jpg,2 1,2,2,5_1_2_3\n' >> g.csv
	run -0 rle2mask --stats g.csv
	# every count from 1 (objects) or 0 (attributes) to the largest
	run -0 grep -E '^(objects_per_image|attributes_per_object)' <<< "$output"
	assert_output "objects_per_image	1		0	0	0	nan
objects_per_image	2		2	1	2	0.25
objects_per_image	3		3	1	16	0.444444
attributes_per_object	0		2	1	8	0.333333
attributes_per_object	1		1	1	1	0.25
attributes_per_object	2		1	1	8	0.666667
attributes_per_object	3		1	1	1	0.25"
}

@test "--stats counts images once per category across non-consecutive rows" {
	run -0 rle2mask --stats "$SAMPLE/train.csv"
	assert_line "category	31	sleeve	4	2	108782	0.0212785"
	assert_line "category	23	shoe	2	1	1529	0.00123706"
	assert_line "total			12	2	775182	0.0542973"
}

@test "--labels: categories and names come from the given file" {
	cat > labels.json <<'JSON'
{"categories": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}],
 "attributes": [{"id": 0, "name": "striped"}]}
JSON
	printf 'ImageId,EncodedPixels,Height,Width,ClassId\nx.jpg,1 1,2,2,1_0\ny.jpg,1 1,2,2,2\n' > l.csv
	run -1 rle2mask --labels labels.json --stats l.csv
	assert_line "rle2mask: l.csv:3: unknown category 2 (ids are 0-1)"
	assert_line "category	1	b	1	1	1	0.25"
	assert_line "attribute	0	striped	1	1	1	0.25"
	echo '{"categories": [' > broken.json
	run -1 rle2mask --labels broken.json --stats l.csv
	assert_output --partial "rle2mask: broken.json:"
}

@test "a label file without categories is refused when it is loaded" {
	echo '{"categories": [], "attributes": []}' > empty.json
	printf 'ImageId,EncodedPixels,Height,Width,ClassId\nx.jpg,1 1,2,2,1\n' > l.csv
	run -1 rle2mask --labels empty.json --stats l.csv
	assert_output "rle2mask: empty.json: no categories"
	run -1 miou --labels empty.json a b
	assert_output --partial "empty.json: no categories"
}

@test "a UTF-8 byte-order mark before the header is accepted" {
	golden
	printf '\357\273\277' | cat - g.csv > bom.csv
	mkdir a b
	run -0 rle2mask -o a g.csv
	run -0 rle2mask -o b bom.csv
	cmp a/img.png b/img.png
	run -0 rle2mask --stats bom.csv
	assert_line --partial "category	32	"
	printf '\357\273\277' | cat - g.csv | rle2mask -o b -
	cmp a/img.png b/img.png
	run -0 miou --kaggle bom.csv bom.csv
	assert_line "score	1.000000"
	run -0 "$TOP/build/ref/csvfield" bom.csv
	assert_line "first ImageId"
}

@test "a long field grows its buffer geometrically, not 128 bytes at a time" {
	# a 256 kB EncodedPixels: 2048 reallocations in libcsv's 128-byte
	# steps (quadratic copying where realloc cannot grow in place: a
	# 4 MB field took 88 s under ASan); a few dozen when it doubles
	"$PY" -c '
import sys
runs = " ".join("%d 1" % (2 * i + 1) for i in range(1 << 15))
sys.stdout.write("ImageId,EncodedPixels,Height,Width,ClassId\n")
sys.stdout.write("big.jpg,%s,65536,1,3\n" % runs)
' > big.csv
	run -0 valgrind "$TOP/build/ref/csvfield" big.csv
	assert_line "rows 2 longest $(($(sed -n 2p big.csv | cut -d, -f2 | wc -c) - 1))"
	allocs=$(echo "$output" | sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' | tr -d ,)
	echo "allocations: $allocs"
	[ "$allocs" -lt 300 ]
}

@test "progress on a terminal's stderr only, and -q silences it" {
	mkdir a b c
	run -0 script -qec "rle2mask -o a $SAMPLE/train.csv" /dev/null
	assert_output --partial " images, "
	run -0 script -qec "rle2mask -q -o b $SAMPLE/train.csv" /dev/null
	assert_output ""
	run -0 rle2mask -o c "$SAMPLE/train.csv"
	assert_output ""
	cmp a/000000009813.png b/000000009813.png
}

@test "a warning during a progress line starts on a line of its own" {
	# the first image draws the progress line, the row after it is bad
	{ head -2 "$SAMPLE/train.csv"; echo 'bad.jpg,1 2,10,10,99'
	  tail -n +3 "$SAMPLE/train.csv"; } > bad.csv
	mkdir a
	run -1 script -qec "rle2mask -o a bad.csv" /dev/null
	printf '%s' "$output" > typescript
	# what the terminal shows: \r returns, ESC [ K erases to the end
	run -0 "$PY" - <<'PY'
import re
raw = open("typescript", encoding="utf-8", newline="").read()
msg = "rle2mask: bad.csv:3: unknown category 99 (ids are 0-45)"
assert "%" in raw[:raw.index(msg)], "no progress line before the message"
lines, line, col = [], [], 0
for tok in re.findall(r"\x1b\[K|.", raw, re.S):
    if tok == "\x1b[K":
        del line[col:]
    elif tok == "\r":
        col = 0
    elif tok == "\n":
        lines.append("".join(line)); line, col = [], 0
    else:
        line[col:col + 1] = [tok]; col += 1
lines.append("".join(line))
print([l for l in lines if "rle2mask:" in l])
PY
	assert_output "['rle2mask: bad.csv:3: unknown category 99 (ids are 0-45)']"
}
