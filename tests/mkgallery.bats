#!/usr/bin/env bats
# mkgallery(1): rows, sheet, page; the page loads in a browser.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	mkdir masks
	rle2mask -q -o masks "$SAMPLE/train.csv"
}

@test "--help prints the usage; bad options are usage errors" {
	run -0 mkgallery --help
	assert_line --index 0 --partial "usage: mkgallery -o dir"
	run -2 mkgallery a b c
	assert_output --partial "-o DIR is required"
	run -2 mkgallery -o . a b
	assert_output --partial "three operands"
	run -2 mkgallery -o . --alpha 2 a b c
	assert_output --partial "--alpha: 2 is out of range"
	run -2 mkgallery -o . -n 0 a b c
}

@test "a row per image, a contact sheet and a page" {
	mkdir g
	run -0 mkgallery -o g --height 100 "$SAMPLE/images" "$BATS_FILE_TMPDIR/masks" "$BATS_FILE_TMPDIR/masks"
	assert_output ""
	run -0 ls g
	assert_output "000000009813.png
000000010223.png
gallery.png
index.html"
	# the truth against itself: accuracy and IoU 1; rows are 100 high
	grep -q '<td>000000009813</td><td>1.000</td><td>1.000</td>' g/index.html
	run -0 "$PY" -c '
from PIL import Image
a = Image.open("g/000000009813.png"); s = Image.open("g/gallery.png")
print(a.mode, a.size[1], s.size[1])'
	assert_output "RGB 100 204"
}

@test "-n limits the images; a missing prediction is not shown" {
	mkdir g pred
	cp "$BATS_FILE_TMPDIR/masks/000000010223.png" pred/
	run -0 mkgallery -o g "$SAMPLE/images" "$BATS_FILE_TMPDIR/masks" pred
	run -0 ls g
	assert_output "000000010223.png
gallery.png
index.html"
	rm -r g && mkdir g
	run -0 mkgallery -o g -n 1 "$SAMPLE/images" "$BATS_FILE_TMPDIR/masks" "$BATS_FILE_TMPDIR/masks"
	[ "$(ls g | wc -l)" -eq 3 ]
}

@test "a missing photo or masks of different sizes: reported, the rest shown, exit 1" {
	mkdir g photos pred
	cp "$SAMPLE/images/000000010223.jpg" photos/
	cp "$BATS_FILE_TMPDIR/masks/000000009813.png" pred/000000010223.png
	cp "$BATS_FILE_TMPDIR/masks/000000009813.png" pred/
	run -1 mkgallery -o g photos "$BATS_FILE_TMPDIR/masks" pred
	assert_line --partial "000000009813.png: no photo 000000009813.jpg (or .jpeg, .png) in photos"
	assert_line --partial "000000010223.png is 1478x1000 but pred/000000010223.png is 1000x618"
	run -0 ls g
	assert_output "gallery.png
index.html"
	run -1 mkgallery -o nodir photos "$BATS_FILE_TMPDIR/masks" pred
	assert_output "mkgallery: nodir: not a directory"
}

@test "the page opens in a headless browser with all its pictures" {
	mkdir g
	mkgallery -o g "$SAMPLE/images" "$BATS_FILE_TMPDIR/masks" "$BATS_FILE_TMPDIR/masks"
	run -0 timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$BATS_TEST_TMPDIR/profile" \
	    --virtual-time-budget=5000 --dump-dom "file://$PWD/g/index.html"
	assert_output --partial 'data-loaded="2/2"'
	assert_output --partial "all 2 pictures loaded"
	# and a page whose picture is gone says so
	rm g/000000010223.png
	run -0 timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$BATS_TEST_TMPDIR/profile2" \
	    --virtual-time-budget=5000 --dump-dom "file://$PWD/g/index.html"
	assert_output --partial 'data-loaded="1/2"'
}

@test "--title names the page; --alpha 0 shows the photo unchanged in every panel" {
	mkdir g
	mkgallery -o g --title "run <7>" --alpha 0 --height 64 "$SAMPLE/images" \
	    "$BATS_FILE_TMPDIR/masks" "$BATS_FILE_TMPDIR/masks"
	grep -q '<title>run &lt;7&gt;</title>' g/index.html
	run -0 "$PY" -c '
import numpy as np
from PIL import Image
a = np.array(Image.open("g/000000009813.png")); w = (a.shape[1] - 8) // 3
print((a[:, :w] == a[:, w + 4:2 * w + 4]).all() and (a[:, :w] == a[:, 2 * w + 8:]).all())'
	assert_output "True"
}
