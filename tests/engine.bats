#!/usr/bin/env bats
# The U-Net engine: our C forward, backward and Adam against the same
# network in PyTorch (tests/ref/unet.py), and the checkpoint loader's
# refusals of damaged files.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
bats_require_minimum_version 1.5.0

setup() {
	REF="$BATS_TEST_DIRNAME/../build/ref"
	PY=/usr/bin/python3
	UNETPY="$BATS_TEST_DIRNAME/ref/unet.py"
}

# case NAME ARGS...: our engine's results for a small network in a dir
mkcase() {
	d="$BATS_TEST_TMPDIR/$1"; shift
	mkdir -p "$d"
	"$REF/unet_case" "$d" "$@"
}

@test "PyTorch agrees: depth 2, filters 4, 16x16, batch 2" {
	mkcase a 2 4 5 16 2 5 1
	run -0 "$PY" "$UNETPY" check "$BATS_TEST_TMPDIR/a"
	refute_output --partial "not ok"
	assert_output --partial "ok: logits"
	assert_output --partial "ok: grad head.weight"
	assert_output --partial "ok: after 5 steps up.1.weight"
	assert_output --partial "ok: inference logits"
}

@test "PyTorch agrees: depth 3, filters 4, 47 classes, 32x32" {
	mkcase b 3 4 47 32 2 5 7
	run -0 "$PY" "$UNETPY" check "$BATS_TEST_TMPDIR/b"
	refute_output --partial "not ok"
}

# forced VAR=VALUE: both cross-checks above with the engine's choice of
# algorithm or instruction set forced through the environment; a CPU
# that lacks the instruction set skips, saying so.
forced() {
	for c in "2 4 5 16 2 5 1" "3 4 47 32 2 5 7"; do
		d="$BATS_TEST_TMPDIR/${c// /_}"
		mkdir -p "$d"
		run env "$1" "$REF/unet_case" "$d" $c
		if [ "$status" -ne 0 ] && [[ "$output" == *"this CPU cannot run"* ]]; then
			skip "$output"
		fi
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
		run -0 "$PY" "$UNETPY" check "$d"
		refute_output --partial "not ok"
		assert_output --partial "ok: after 5 steps"
	done
}

@test "PyTorch agrees with IMATSEG_CONV=im2col" {
	forced IMATSEG_CONV=im2col
}

@test "PyTorch agrees with IMATSEG_CONV=winograd" {
	forced IMATSEG_CONV=winograd
}

@test "PyTorch agrees with IMATSEG_ISA=scalar" {
	forced IMATSEG_ISA=scalar
}

@test "PyTorch agrees with IMATSEG_ISA=avx2" {
	forced IMATSEG_ISA=avx2
}

@test "PyTorch agrees with IMATSEG_ISA=avx512" {
	forced IMATSEG_ISA=avx512
}

@test "a checkpoint trained by one path is answered alike by every other" {
	paths="IMATSEG_CONV=im2col IMATSEG_CONV=winograd IMATSEG_CONV= IMATSEG_ISA=scalar"
	pairs=
	for t in $paths; do
		d="$BATS_TEST_TMPDIR/t$t"
		mkdir -p "$d"
		env "$t" "$REF/unet_case" "$d" 3 4 47 32 2 2 3
		for l in $paths; do
			run -0 env "$l" "$REF/ckpt_logits" "$d/final.safetensors" \
			    "$d/batch.safetensors" "$d/l$l.safetensors"
			pairs="$pairs $d/eval.safetensors $d/l$l.safetensors"
		done
	done
	# the trainer's own inference logits against the loader's, to the
	# cross-check's tolerance for logits
	run -0 "$PY" -c '
import sys
sys.path.insert(0, sys.argv[1])
from unet import read_safetensors
a = sys.argv[2:]
for i in range(0, len(a), 2):
    x = read_safetensors(a[i])[0]["logits"].double()
    y = read_safetensors(a[i + 1])[0]["logits"].double()
    err = ((x - y).abs().max() / x.abs().max()).item()
    print("ok" if err <= 1e-4 else "not ok", a[i + 1], err)
' "$BATS_TEST_DIRNAME/ref" $pairs
	refute_output --partial "not ok"
	assert_equal "$(grep -c '^ok' <<< "$output")" 16
}

@test "an unknown IMATSEG_ISA or IMATSEG_CONV is refused" {
	run -1 env IMATSEG_ISA=neon "$REF/unet_case" "$BATS_TEST_TMPDIR"
	assert_output "unet_case: IMATSEG_ISA=neon: not an instruction set of the engine (scalar, avx2, avx512)"
	run -1 env IMATSEG_CONV=fft "$REF/unet_case" "$BATS_TEST_TMPDIR"
	assert_output "unet_case: IMATSEG_CONV=fft: not an algorithm of the engine (im2col, winograd)"
}

@test "the cross-check fails loudly on a mismatch" {
	mkcase c 2 4 5 16 2 5 1
	# our gradient of the head's bias, scaled by 1.01
	"$PY" - "$BATS_TEST_TMPDIR/c/step0.safetensors" <<'PY'
import json, struct, sys
import numpy as np
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n = struct.unpack("<Q", b[:8])[0]
t = json.loads(b[8:8 + n])["grad.head.bias"]
o = 8 + n + t["data_offsets"][0]
a = np.frombuffer(bytes(b[o:o + 20]), dtype=np.float32) * 1.01
b[o:o + 20] = a.astype(np.float32).tobytes()
open(p, "wb").write(bytes(b))
PY
	run -1 "$PY" "$UNETPY" check "$BATS_TEST_TMPDIR/c"
	assert_output --partial "not ok: grad head.bias"
	assert_output --partial "FAILED"
}

@test "PyTorch agrees on soft Dice and ce+dice: depth 3, filters 4, 47 classes, 32x32" {
	for loss in dice ce+dice; do
		mkcase "$loss" 3 4 47 32 2 5 7 "$loss"
		run -0 "$PY" "$UNETPY" check "$BATS_TEST_TMPDIR/$loss"
		refute_output --partial "not ok"
		assert_output --partial "ok: loss"
		assert_output --partial "ok: grad down.0.conv1.weight"
		assert_output --partial "ok: after 5 steps head.weight"
	done
}

@test "the Dice cross-check fails loudly when PyTorch trains another loss" {
	mkcase dice 2 4 5 16 2 5 1 dice
	# the batch's metadata names the loss: "dice" becomes "ce", padded
	f="$BATS_TEST_TMPDIR/dice/batch.safetensors"
	sed -i 's/"loss":"dice"/"loss":"ce"  /' "$f"
	run -1 "$PY" "$UNETPY" check "$BATS_TEST_TMPDIR/dice"
	assert_output --partial "not ok: loss"
	assert_output --partial "not ok: grad head.bias"
	assert_output --partial "FAILED"
}

@test "a checkpoint loads into PyTorch's module" {
	mkcase d 2 4 5 16 2 1 1
	run -0 "$PY" "$UNETPY" load "$BATS_TEST_TMPDIR/d/final.safetensors"
	assert_output --regexp '^[0-9]+ parameters$'
	run -0 "$REF/ckpt_info" "$BATS_TEST_TMPDIR/d/final.safetensors"
	assert_output --partial "depth 2 filters 4 classes 5"
	assert_output --partial "batches 1"
}

@test "a truncated checkpoint is refused" {
	mkcase e 2 4 5 16 2 1 1
	f="$BATS_TEST_TMPDIR/e/init.safetensors"
	head -c $(($(wc -c < "$f") - 100)) "$f" > "$BATS_TEST_TMPDIR/t.safetensors"
	run -1 "$REF/ckpt_info" "$BATS_TEST_TMPDIR/t.safetensors"
	assert_output --regexp "^ckpt_info: .*t.safetensors: .*past the [0-9]+ bytes of data"
	head -c 6 "$f" > "$BATS_TEST_TMPDIR/t.safetensors"
	run -1 "$REF/ckpt_info" "$BATS_TEST_TMPDIR/t.safetensors"
	assert_output --partial "shorter than the header length"
}

@test "a checkpoint with a lying header length is refused" {
	mkcase f 2 4 5 16 2 1 1
	f="$BATS_TEST_TMPDIR/f/init.safetensors"
	{ printf '\377\377\377\377\0\0\0\0'; tail -c +9 "$f"; } \
	    > "$BATS_TEST_TMPDIR/l.safetensors"
	run -1 "$REF/ckpt_info" "$BATS_TEST_TMPDIR/l.safetensors"
	assert_output --partial "header length 4294967295 does not fit"
}

@test "a checkpoint with a wrong shape is refused" {
	mkcase g 2 4 5 16 2 1 1
	f="$BATS_TEST_TMPDIR/g/init.safetensors"
	sed 's/"shape":\[4,3,3,3\]/"shape":[3,4,3,3]/' "$f" \
	    > "$BATS_TEST_TMPDIR/s.safetensors"
	run -1 "$REF/ckpt_info" "$BATS_TEST_TMPDIR/s.safetensors"
	assert_output --partial "down.0.conv1.weight: F32 [3,4,3,3], the architecture needs F32 [4,3,3,3]"
}

@test "a checkpoint whose offsets leave a hole is refused" {
	mkcase h 2 4 5 16 2 1 1
	f="$BATS_TEST_TMPDIR/h/init.safetensors"
	{ cat "$f"; printf 'xxxx'; } > "$BATS_TEST_TMPDIR/h.safetensors"
	run -1 "$REF/ckpt_info" "$BATS_TEST_TMPDIR/h.safetensors"
	assert_output --partial "the tensors cover"
}

@test "bench/time_to_accuracy.py trains unet-train's recipe on the trainer's very stream: the same losses" {
	TOP="$BATS_TEST_DIRNAME/.."
	BIN=${IMATSEG_BIN:-$TOP/bin}
	cd "$BATS_TEST_TMPDIR"
	"$BIN/synth-imat" -o syn -n 12 --min-side 48 --max-side 64 -j 1 > /dev/null
	mkdir syn/masks
	"$BIN/rle2mask" -o syn/masks syn/train.csv
	"$BIN/mkshards" -q -o 'tr-%d.tar' --size 32 --images syn/train --masks syn/masks
	"$BIN/unet-train" -q -j 1 --train tr-0.tar --val tr-0.tar -f 2 \
	    --dropout 0 -b 4 --steps 3 -e 2 --lr 0.01 --lr-schedule onecycle \
	    --loss ce+dice --ema 0.9 -o m.st --log ours.tsv
	run -0 "$PY" "$TOP/bench/time_to_accuracy.py" m.st.last 1e9 \
	    "$TOP/build/bench/batches" tr-0.tar tr-0.tar
	echo "$output" > theirs.tsv
	run -0 "$PY" - <<'PY'
import csv, math
ours = list(csv.DictReader(open("ours.tsv"), delimiter="\t"))
theirs = list(csv.DictReader(open("theirs.tsv"), delimiter="\t"))
print(len(ours), len(theirs), [r["step"] for r in theirs],
      all(math.isclose(float(a["train_loss"]), float(b["train_loss"]),
                       rel_tol=1e-3) for a, b in zip(ours, theirs)))
PY
	assert_output "2 2 ['3', '6'] True"
}
