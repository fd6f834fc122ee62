#!/usr/bin/env bats
# examples/Makefile: the whole experiment graph on a tiny synthetic set.

load helpers

setup_file() {
	export OUT="$BATS_FILE_TMPDIR/out"
	export VARS="BIN=$BIN OUT=$OUT SYNTH_IMAGES=24 SYNTH_TEST=4 SYNTH_SIDES=120-200 SIZE=32 FILTERS=4 EPOCHS=1 BATCH=4 VAL=4 J=2"
	make -s -C "$TOP/examples" $VARS > "$BATS_FILE_TMPDIR/first.log" 2>&1
	echo $? > "$BATS_FILE_TMPDIR/first.status"
}

run_dir() {
	ls -d "$OUT"/run-*
}

@test "the graph runs end to end and prints the scores" {
	run cat "$BATS_FILE_TMPDIR/first.status"
	assert_output 0
	run cat "$BATS_FILE_TMPDIR/first.log"
	assert_output --partial "validation, masks against masks (miou):"
	assert_output --partial "test, competition score (miou --kaggle):"
}

@test "every artefact exists and is valid" {
	r=$(run_dir)
	[ -f "$OUT"/synth-*/train.csv ]
	ls "$OUT"/masks-v4/train/*.png > /dev/null
	ls "$OUT"/masks-v4/val/*.png > /dev/null
	tar tf "$(ls "$OUT"/shards-v4-s32/train/*.tar | head -1)" | grep -q '\.ppm$'
	[ -s "$r/model.safetensors" ]
	"$PY" "$TOP/tests/ref/tfevents.py" "$r"/tensorboard/events.out.tfevents.* | grep -q '"val/miou"'
	run -0 awk -F'\t' 'NR == 1 { print $1, $6 } END { print NR }' "$r/train.tsv"
	assert_line --index 0 "epoch val_miou"
	assert_line --index 1 "2"
	head -1 "$r/test-submission.csv" | grep -qx 'ImageId,EncodedPixels,ClassId'
	grep -q '^score' "$r/scores/kaggle-test.tsv"
	grep -q '^mean_iou' "$r/scores/miou-val.tsv"
	for png in "$r/curves.png" "$r/iou.png" "$r/gallery/gallery.png"; do
		"$PY" -c 'import sys; from PIL import Image; Image.open(sys.argv[1]).verify()' "$png"
	done
	grep -q '<img src=' "$r/gallery/index.html"
}

@test "a second make has nothing to do; changing EPOCHS rebuilds only the model and after" {
	run -0 make -C "$TOP/examples" $VARS -n
	refute_output --partial "synth-imat"
	refute_output --partial "unet-train"
	refute_output --partial "rle2mask"
	run -0 make -C "$TOP/examples" $VARS EPOCHS=2 -n
	assert_output --partial "unet-train"
	refute_output --partial "mkshards"
	refute_output --partial "rle2mask"
}

@test "the predictions are unet-infer --tta flip's; another TTA predicts again, without training" {
	r=$(run_dir)
	differ=0
	for f in "$r"/pred-val/*.png; do
		k=$(basename "$f" .png)
		photo=$(ls "$OUT"/synth-*/train/"$k.jpg")
		"$BIN/unet-infer" -m "$r/model.safetensors" --tta flip < "$photo" > flip.png
		cmp "$f" flip.png
		"$BIN/unet-infer" -m "$r/model.safetensors" < "$photo" > none.png
		cmp -s "$f" none.png || differ=1
	done
	[ "$differ" = 1 ]	# the flip is not the plain prediction here
	run -0 make -C "$TOP/examples" $VARS TTA=none -n
	assert_output --partial -- "--tta none"
	refute_output --partial "unet-train"
	refute_output --partial "mkshards"
}

@test "an interrupted training resumes where it stopped" {
	vars="$VARS EPOCHS=40 PATIENCE=100 OUT=$BATS_TEST_TMPDIR/o"
	make -s -C "$TOP/examples" $vars shards
	make -s -C "$TOP/examples" $vars model > log 2>&1 &
	pid=$!
	# wait for the first epoch's state, then interrupt the trainer
	for i in $(seq 1 600); do
		ls "$BATS_TEST_TMPDIR"/o/run-*/state.safetensors > /dev/null 2>&1 && break
		sleep 0.1
	done
	pkill -INT -f "unet-train .*$BATS_TEST_TMPDIR/o/" || true
	wait $pid || true
	r=$(ls -d "$BATS_TEST_TMPDIR"/o/run-*)
	[ ! -e "$r/.trained" ]
	[ -f "$r/state.safetensors" ]
	done_before=$(($(wc -l < "$r/train.tsv") - 1))
	[ "$done_before" -lt 40 ]
	run -0 make -C "$TOP/examples" $vars model
	assert_output --partial -- "--resume"
	[ -e "$r/.trained" ]
	# one header, one row per epoch: the resumed run appended the rest
	[ "$(grep -c '^epoch' "$r/train.tsv")" -eq 1 ]
	[ "$(($(wc -l < "$r/train.tsv") - 1))" -eq 40 ]
}

# pngs DIR: "NAME MODE WIDTH HEIGHT" of the four figures, as PIL opens them.
pngs() {
	"$PY" -c '
import sys
from PIL import Image
for n in ("categories", "share", "objects", "attributes"):
    i = Image.open("%s/%s.png" % (sys.argv[1], n)); i.load()
    print(n, i.mode, *i.size)' "$1"
}

# browse DIR: the page's DOM after a headless Chromium loaded it.
browse() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$BATS_TEST_TMPDIR/profile$2" \
	    --virtual-time-budget=5000 --dump-dom "file://$1/index.html"
}

@test "make eda on the bundled sample: four figures and a page that shows them" {
	run -0 make -s -C "$TOP/examples" OUT="$BATS_TEST_TMPDIR/o" DATA="$SAMPLE" eda
	d="$BATS_TEST_TMPDIR/o/eda-sample"
	run -0 pngs "$d"
	assert_output "categories RGB 1100 520
share RGB 1100 520
objects RGB 1100 520
attributes RGB 1100 520"
	# the table: every category, the 8 the sample has first in the plot
	[ "$(grep -c '^<tr><td>[0-9]' "$d/index.html")" -eq 46 ]
	grep -q '<p>12 objects (annotation rows) in 2 images; 8 of 46 categories present.</p>' "$d/index.html"
	# nothing else left behind (the temporary directory is gone)
	run -0 ls -A "$d"
	assert_output "attributes.png
categories.png
index.html
objects.png
share.png
stats.tsv"
	run -0 browse "$d" 1
	assert_output --partial 'data-loaded="4/4"'
	assert_output --partial 'all 4 figures loaded'
	rm "$d/share.png"
	run -0 browse "$d" 2
	assert_output --partial 'data-loaded="3/4"'
}

@test "make eda on synthetic data: the histograms add up to the table's totals" {
	d=$(ls -d "$OUT"/eda-synth-*)
	run -0 pngs "$d"
	[ "${#lines[@]}" -eq 4 ]
	run -0 browse "$d" 3
	assert_output --partial 'data-loaded="4/4"'
	# objects per image sum to the images, attributes per object to the rows
	run -0 awk -F'\t' '$1 == "objects_per_image" { i += $5; r += $4 }
	    $1 == "attributes_per_object" { a += $4 }
	    $1 == "total" { print (i == $5 && r == $4 && a == $4) ? "ok" : "bad", ($4 > 100) }' "$d/stats.tsv"
	assert_output "ok 1"
}

@test "eda.sh refuses what is no --stats table, and a data set without rows" {
	printf 'ImageId,EncodedPixels,Height,Width,ClassId\n' | rle2mask --stats > empty.tsv
	run -1 sh "$TOP/examples/eda.sh" empty.tsv out
	assert_output "eda.sh: empty.tsv: no annotation rows to plot"
	echo hello > junk.tsv
	run -1 sh "$TOP/examples/eda.sh" junk.tsv out
	assert_output "eda.sh: junk.tsv: not a table of rle2mask --stats"
	[ ! -e out/index.html ]
	run -2 sh "$TOP/examples/eda.sh" empty.tsv
}

@test "make serve: the demo's model served, until stopped" {
	make -C "$TOP/examples" $VARS LISTEN=127.0.0.1:0 serve > serve.log 2>&1 &
	mk=$!
	url=$(wait_listening serve.log "$mk")
	server=$(pgrep -P "$mk" || :)
	run curl -s "${url}v1/model"
	[ -n "$server" ] && kill "$server"
	wait "$mk" || :
	assert_output --partial '"size":32,"filters":4'
}
