#!/usr/bin/env bats
# examples/Makefile: the whole experiment graph on a tiny synthetic set.

load helpers

setup_file() {
	export OUT="$BATS_FILE_TMPDIR/out"
	export VARS="OUT=$OUT SYNTH_IMAGES=24 SYNTH_TEST=4 SYNTH_SIDES=120-200 SIZE=32 FILTERS=4 EPOCHS=1 BATCH=4 VAL=4 J=2"
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
