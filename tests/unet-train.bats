#!/usr/bin/env bats
# unet-train: training, its log, checkpoints, resume, signals, divergence
# (unet-train(1)). Tiny networks on 32x32 synthetic shards.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	PATH="$BIN:$PATH"
	synth_pairs 16
	head -12 list.tsv | mkshards -q -o 'tr-%d.tar' --size 32
	tail -4 list.tsv | mkshards -q -o 'va-%d.tar' --size 32
	tail -4 list.tsv | mkshards -q -o 'va64-%d.tar' --size 64
}

D() { printf '%s' "$BATS_FILE_TMPDIR"; }

# The tiny configuration every test starts from.
tiny() {
	unet-train --train "$(D)/tr-0.tar" --val "$(D)/va-0.tar" -f 4 --depth 2 \
	    -b 4 -j 1 "$@"
}

@test "--help prints usage and exits 0; --version" {
	run -0 unet-train --help
	assert_output --partial 'usage: unet-train --train PATTERN --val PATTERN'
	run -0 unet-train --version
	assert_output --partial 'unet-train (imatseg)'
}

@test "usage errors exit 2" {
	run -2 unet-train --val "$(D)/va-0.tar"
	assert_output --partial '--train and --val are required'
	run -2 tiny --lr 0
	assert_output --partial '--lr'
	run -2 tiny --augment flip,twirl=1
	assert_output --partial "--augment: unknown 'twirl'"
	run -2 tiny --class-weights inverse
	assert_output --partial "'none', 'median' or 'sqrt'"
	run -2 tiny --lr-schedule step
	assert_output --partial "--lr-schedule: 'constant', 'cosine' or 'onecycle'"
	run -2 tiny --loss focal
	assert_output --partial "--loss: 'ce', 'dice' or 'ce+dice'"
	run -2 tiny --ema 1
	assert_output --partial '--ema'
	run -2 tiny --warmup -1
	run -2 tiny --lr-schedule onecycle --warmup 10
	assert_output --partial '--warmup: onecycle warms up over its first 30% of the steps'
	run -2 tiny -o a --state a
	assert_output --partial '-o and --state must differ'
	run -2 tiny extra
	assert_output --partial "unexpected argument 'extra'"
	run -2 tiny --epochs 0
	run -2 tiny --patience x
	run -2 tiny --bogus
}

@test "IMATSEG_ISA naming nothing the engine has: exit 1, no checkpoint" {
	run -1 env IMATSEG_ISA=sse9 unet-train --train "$(D)/tr-0.tar" \
	    --val "$(D)/va-0.tar" -f 4 --depth 2 -e 1 -q -o isa.st
	assert_output --partial 'IMATSEG_ISA=sse9: not an instruction set of the engine'
	[ ! -e isa.st ]
}

@test "missing shards: the file is named, exit 1" {
	run -1 unet-train --train nothere.tar --val "$(D)/va-0.tar" -q
	assert_output --partial 'nothere.tar'
	run -1 unet-train --train 'none-*.tar' --val "$(D)/va-0.tar" -q
	assert_output --partial 'none-*.tar: no shard matches'
}

@test "--train takes a quoted glob; shards of different sizes are refused" {
	run -0 unet-train --train "$(D)/tr-*.tar" --val "$(D)/va-*.tar" \
	    -f 4 --depth 2 -b 4 -j 1 -q -e 1 --steps 1
	run -1 unet-train --train "$(D)/tr-0.tar" --val "$(D)/va64-0.tar" -q -e 1
	assert_output --partial 'the validation shards are 64x64, the training shards 32x32'
	# shards of one set must agree too
	run -1 tiny --val "$(D)/va64-0.tar" -q -e 1
	assert_output --partial 'va64-0.tar: samples are 64x64, earlier shards 32x32'
}

@test "--log: header, one row per epoch, %.6g numbers, iou_0..iou_46" {
	run -0 tiny -q -e 3 --steps 2 --log log.tsv
	run -0 head -1 log.tsv
	hdr="epoch	step	train_loss	train_pixel_acc	val_loss	val_miou	lr	seconds	images_per_s"
	for c in $(seq 0 46); do hdr="$hdr	iou_$c"; done
	assert_output "$hdr"
	[ "$(wc -l < log.tsv)" -eq 4 ]
	run -0 awk -F '\t' 'NR > 1 { print NF, $1, $2, $7 }' log.tsv
	assert_output "$(printf '56 1 2 0.001\n56 2 4 0.001\n56 3 6 0.001')"
	# every field a number or nan, nothing longer than %.6g prints
	run -0 awk -F '\t' 'NR > 1 { for (i = 1; i <= NF; i++)
		if ($i !~ /^(nan|-?[0-9.]+(e[-+][0-9]+)?)$/ || length($i) > 12)
			print "bad", i, $i }' log.tsv
	assert_output ''
}

@test "stderr: a terse line per epoch; -q silences it" {
	run -0 tiny -e 2 --steps 2
	assert_line --index 0 --regexp '^epoch 1/2 loss [0-9.]+ acc [0-9.]+ val_loss [0-9.]+ val_miou [0-9.]+ \* [0-9.]+s [0-9.]+ img/s$'
	assert_line --index 1 --regexp '^epoch 2/2 '
	assert_output --partial 'unet-train: best validation mean IoU'
	run -0 tiny -e 2 --steps 2 -q
	assert_output ''
}

@test "a progress bar within the epoch only when stderr is a terminal" {
	cmd="unet-train --train $(D)/tr-0.tar --val $(D)/va-0.tar -f 4 --depth 2 -b 4 -j 1 -e 1 --steps 3"
	run -0 script -qec "$cmd" /dev/null
	assert_output --partial 'steps'
	assert_output --partial '%'
	run -0 $cmd
	refute_output --partial '%'
}

@test "-o is weights only with the training size; the state beside it is resumable" {
	run -0 tiny -q -e 1 --steps 2 -o m.safetensors
	[ "$(meta m.safetensors resumable)" = 0 ]
	[ "$(meta m.safetensors size)" = 32 ]
	[ "$(meta m.safetensors filters)" = 4 ]
	[ "$(meta m.safetensors.last resumable)" = 1 ]
	[ "$(meta m.safetensors.last step)" = 2 ]
	run -0 tiny -q -e 1 --steps 2 -o m2.safetensors --state s.st
	[ -f s.st ] && [ ! -e m2.safetensors.last ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
}

@test "it learns: the training loss falls by a factor of 4 in 120 steps" {
	run -0 tiny -q -f 8 --lr 1e-2 --augment none --dropout 0 -e 6 --steps 20 --log log.tsv
	run -0 awk -F '\t' 'NR == 2 { a = $3 } END { print (a / $3 > 4) ? "ok" : a " " $3 }' log.tsv
	assert_output ok
}

@test "--resume: 4 epochs straight and 2 + resume 2 give the same bytes" {
	opts="-q --steps 3 --class-weights median --seed 7"
	run -0 tiny $opts -e 4 -o a.st --log a.tsv
	run -0 tiny $opts -e 2 -o b.st --log b.tsv
	run -0 tiny -q -e 4 -o b.st --log b.tsv --resume
	cmp a.st b.st
	cmp a.st.last b.st.last
	# the log was appended to: one header, four rows, same numbers but
	# the times
	[ "$(wc -l < b.tsv)" -eq 5 ]
	diff <(cut -f 1-7,10- a.tsv) <(cut -f 1-7,10- b.tsv)
}

@test "--resume without a state fails naming it; a finished run resumes to nothing" {
	run -1 tiny -q -e 2 -o none.st --resume
	assert_output --partial 'none.st.last'
	run -0 tiny -q -e 1 --steps 1 -o m.st
	cp m.st.last before
	run -0 tiny -q -e 1 -o m.st --resume
	cmp m.st.last before
}

@test "seeds: same seed same bytes, another seed other weights" {
	run -0 tiny -q -e 1 --steps 2 -o a.st --seed 3
	run -0 tiny -q -e 1 --steps 2 -o b.st --seed 3
	run -0 tiny -q -e 1 --steps 2 -o c.st --seed 4
	cmp a.st b.st
	! cmp -s a.st c.st
}

# interrupt SIG STATUS [OPTION...]: stops a long run after its first
# epoch with SIG.
interrupt() {
	sig=$1 want=$2
	shift 2
	# not through tiny: $! must be unet-train itself, not a subshell
	unet-train --train "$(D)/tr-0.tar" --val "$(D)/va-0.tar" -f 4 \
	    --depth 2 -j 1 -q -e 3 --steps 400 -b 2 -o s.st --log s.tsv "$@" \
	    2>err &
	pid=$!
	while [ "$(cat s.tsv 2>/dev/null | wc -l)" -lt 2 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -"$sig" "$pid"
	wait "$pid" && st=0 || st=$?
	[ "$st" -eq "$want" ]
}

@test "SIGINT: the step finishes, the state is saved, exit 130; resume is exact" {
	interrupt INT 130
	grep -q 'stopped by signal 2; state saved in s.st.last' err
	[ "$(meta s.st.last epoch)" = 1 ]
	run -0 tiny -q -e 3 -o s.st --log s.tsv --resume
	run -0 tiny -q -e 3 --steps 400 -b 2 -o t.st --log t.tsv
	cmp s.st t.st
	cmp s.st.last t.st.last
	[ "$(wc -l < s.tsv)" -eq 4 ]
}

@test "SIGTERM: exit 143 with a resumable state" {
	interrupt TERM 143
	grep -q 'stopped by signal 15' err
	[ "$(meta s.st.last resumable)" = 1 ]
}

@test "a diverging loss stops with exit 3 and keeps the last checkpoints" {
	run -0 tiny -q -e 1 --steps 2 -o m.st
	cp m.st m.before && cp m.st.last last.before
	run -3 tiny -q -e 2 --steps 6 --lr 1e30 -o m.st
	assert_output --regexp 'the training loss is (NaN|infinite) at epoch 1, step [0-9]+ \(learning rate too high\?\); stopped, m.st and m.st.last kept as they were'
	cmp m.st m.before
	cmp m.st.last last.before
}

@test "labels outside the model's classes are refused with the shard and sample" {
	run -1 tiny -q -e 1 --classes 3
	assert_output --regexp "tr-0.tar: sample [0-9]+ \([0-9a-f]+\): label [0-9]+ is outside the model's 3 classes"
}

@test "--patience: stops when the validation mean IoU stops improving" {
	run -0 tiny -e 5 --steps 1 --lr 1e-30 --patience 1 --log log.tsv
	assert_output --partial 'no better validation mean IoU in 1 epochs: stopping'
	[ "$(wc -l < log.tsv)" -eq 3 ]
}

@test "--class-weights median and --augment none are recorded in the state" {
	run -0 tiny -q -e 1 --steps 1 --class-weights median --augment none -o m.st
	[ "$(meta m.st.last class_weights)" = median ]
	[ "$(meta m.st.last augment)" = '0 0 0 0' ]
	run -0 tiny -q -e 1 --steps 1 -o d.st
	[ "$(meta d.st.last augment)" = '1 0.800000012 0.100000001 0.100000001' ]
	[ "$(meta d.st.last batch)" = 4 ]
}

@test "validation IoU is computed as miou computes it" {
	# 32x32 photos: shards and unet-infer see the very same pixels
	synth-imat -o s -n 8 --min-side 32 --max-side 32 -j 1 >/dev/null
	mkdir s/masks p
	rle2mask -o s/masks s/train.csv
	mkshards -q -o 'v-%d.tar' --size 32 --images s/train --masks s/masks
	run -0 unet-train -q --train v-0.tar --val v-0.tar -f 4 --depth 2 \
	    -b 4 -j 1 -e 1 --steps 3 --lr 1e-2 -o m.st --log log.tsv
	unet-infer -m m.st -o p s/train/*.jpg > /dev/null
	miou --digits 9 s/masks p > cats.tsv
	miou --digits 9 --with-background s/masks p > all.tsv
	run -0 "$PY" - <<'PY'
import csv, math
log = list(csv.DictReader(open("log.tsv"), delimiter="\t"))[0]
rows = {r[0]: r for r in csv.reader(open("all.tsv"), delimiter="\t")}
cats = {r[0]: r for r in csv.reader(open("cats.tsv"), delimiter="\t")}
def same(a, b):
    return (a == "nan") == (b == "nan") and (a == "nan" or
        math.isclose(float(a), float(b), rel_tol=1e-5, abs_tol=1e-9))
bad = [l for l in range(47) if not same(log["iou_%d" % l], rows[str(l - 1)][6])]
print(bad, same(log["val_miou"], cats["mean_iou"][1]))
PY
	assert_output '[] True'
}

@test "--resume refuses a weights-only model and shards of another size" {
	run -0 tiny -q -e 1 --steps 1 -o m.st
	run -1 tiny -q -e 2 -o x.st --state m.st --resume
	assert_output --partial 'm.st'
	run -1 unet-train -q --train "$(D)/va64-0.tar" --val "$(D)/va64-0.tar" \
	    -e 2 -o m.st --resume
	assert_output --partial 'the state was trained at 32x32, the shards are 64x64'
}

# events DIR [--images DIR]: every event of the event files in DIR, one
# JSON a line, as the independent reader tests/ref/tfevents.py decodes
# them.
events() {
	d=$1
	shift
	"$PY" "$TOP/tests/ref/tfevents.py" "$@" "$d"/events.out.tfevents.*
}

@test "--tensorboard: the records' CRCs, the tags, the steps and the TSV log's values" {
	before=$(date +%s)
	run -0 tiny -q -e 3 --steps 2 --log log.tsv --tensorboard tb/run1
	after=$(date +%s)
	run -0 ls tb/run1
	assert_output --regexp "^events\.out\.tfevents\.[0-9]{10}\.$(hostname)"'$'
	events tb/run1 > ev.json
	run -0 "$PY" - "$before" "$after" "$TOP/share/imatseg/label_descriptions.json" <<'PY'
import csv, json, math, sys
lo, hi = float(sys.argv[1]), float(sys.argv[2]) + 1
names = {c["id"]: c["name"] for c in json.load(open(sys.argv[3]))["categories"]}
ev = [json.loads(l) for l in open("ev.json")]
log = list(csv.DictReader(open("log.tsv"), delimiter="\t"))
assert ev[0]["file_version"] == "brain.Event:2", ev[0]
assert all(lo <= e["wall_time"] <= hi for e in ev), "wall_time"
scal = [e for e in ev if e.get("scalars")]
assert [e["step"] for e in scal] == [int(r["step"]) for r in log] == [2, 4, 6]
cols = {"train/loss": "train_loss", "train/pixel_acc": "train_pixel_acc",
        "val/loss": "val_loss", "val/miou": "val_miou", "lr": "lr",
        "images_per_s": "images_per_s", "val/iou/background": "iou_0"}
cols.update({"val/iou/" + names[c]: "iou_%d" % (c + 1) for c in range(46)})
for e, r in zip(scal, log):
    assert set(e["scalars"]) <= set(cols), set(e["scalars"]) - set(cols)
    for tag, col in cols.items():
        if r[col] == "nan":
            assert tag not in e["scalars"], tag
        else:
            assert math.isclose(e["scalars"][tag], float(r[col]),
                                rel_tol=2e-5, abs_tol=1e-7), (tag, col)
print(len(scal), sum(len(e["scalars"]) for e in scal) > 3 * 7)
PY
	assert_output "3 True"
}

@test "--tensorboard: previews every epoch, photo | truth | prediction as PNG" {
	run -0 tiny -q -e 2 --steps 1 --tensorboard tb
	mkdir img
	events tb --images img > ev.json
	run -0 "$PY" - "$(D)/va-0.tar" <<'PY'
import json, sys
from PIL import Image
ev = [json.loads(l) for l in open("ev.json")]
img = [e for e in ev if e.get("images")]
print([e["step"] for e in img], sorted(img[0]["images"]))
import io, tarfile, numpy as np
tar = tarfile.open(sys.argv[1])
photos = [np.array(Image.open(io.BytesIO(tar.extractfile(m).read())))
          for m in tar.getmembers() if m.name.endswith(".ppm")]
for e in img:
    for tag, (h, w, cs, png) in e["images"].items():
        i = Image.open(png)
        assert (i.mode, i.size, h, w, cs) == ("RGB", (3 * 32 + 8, 32), 32, 104, 3), tag
        # the first panel is a validation photo, byte for byte
        a = np.array(i)[:, :32]
        assert any((a == p).all() for p in photos), tag
PY
	assert_output "[1, 2] ['val/prediction/0', 'val/prediction/1', 'val/prediction/2', 'val/prediction/3']"
}

@test "--tb-images N: previews every N epochs; 0: none" {
	run -0 tiny -q -e 4 --steps 1 --tensorboard a --tb-images 2
	run -0 tiny -q -e 2 --steps 1 --tensorboard b --tb-images 0
	events a > a.json
	events b > b.json
	run -0 "$PY" -c '
import json
for f in ("a.json", "b.json"):
    print([e["step"] for e in map(json.loads, open(f)) if e.get("images")])'
	assert_output "$(printf '[2, 4]\n[]')"
}

@test "--tensorboard changes no other byte: model, state and log" {
	opts="-q -e 2 --steps 3 --class-weights median"
	run -0 tiny $opts -o a.st --log a.tsv
	run -0 tiny $opts -o b.st --log b.tsv --tensorboard tb --tb-images 1
	cmp a.st b.st
	cmp a.st.last b.st.last
	# the log but for its times (seconds, images_per_s)
	diff <(cut -f 1-7,10- a.tsv) <(cut -f 1-7,10- b.tsv)
}

@test "--resume: a new event file in the same directory, the steps going on" {
	run -0 tiny -q -e 2 --steps 2 -o m.st --tensorboard tb
	run -0 tiny -q -e 4 -o m.st --tensorboard tb --resume
	[ "$(ls tb | wc -l)" -eq 2 ]
	# TensorBoard reads a directory's files in name order: the resumed
	# run's must come second
	run -0 "$PY" -c '
import json, subprocess, sys, glob
for f in sorted(glob.glob("tb/events.out.tfevents.*")):
    out = subprocess.run([sys.executable, sys.argv[1], f], check=True,
        capture_output=True, text=True).stdout
    print([e["step"] for e in map(json.loads, out.splitlines()) if e.get("scalars")])' \
	    "$TOP/tests/ref/tfevents.py"
	assert_output "$(printf '[2, 4]\n[6, 8]')"
}

@test "a killed run leaves a readable event file; a cut last record is tolerated, a bad CRC is not" {
	unet-train --train "$(D)/tr-0.tar" --val "$(D)/va-0.tar" -f 4 \
	    --depth 2 -j 1 -q -e 1000 --steps 2 -b 2 -o s.st --log s.tsv \
	    --tensorboard tb 2>err &
	pid=$!
	while [ "$(cat s.tsv 2>/dev/null | wc -l)" -lt 3 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || :
	f=$(ls tb/events.out.tfevents.*)
	run -0 "$PY" "$TOP/tests/ref/tfevents.py" "$f"
	[ "$(grep -c '"train/loss"' <<< "$output")" -ge 2 ]
	# cut the last record short: the reader stops there, as TensorBoard
	cp "$f" cut
	size=$(stat -c %s cut)
	truncate -s $((size - 7)) cut
	run -0 "$PY" "$TOP/tests/ref/tfevents.py" cut
	assert_line --index 0 --partial '"file_version": "brain.Event:2"'
	assert_line --regexp '"truncated": [0-9]+}$'
	# a changed byte inside a record is caught by its CRC
	cp "$f" bad
	printf 'X' | dd of=bad bs=1 seek=40 conv=notrunc 2>/dev/null
	run -1 "$PY" "$TOP/tests/ref/tfevents.py" bad
	assert_output --regexp 'bad (data|length) CRC'
}

@test "--tensorboard and --tb-images: usage errors and a directory that cannot be made" {
	run -2 tiny -q -e 1 --tb-images 2
	assert_output --partial -- '--tb-images needs --tensorboard'
	run -2 tiny -q -e 1 --labels x.json
	assert_output --partial -- '--labels needs --tensorboard'
	run -2 tiny -q -e 1 --tensorboard tb --tb-images -1
	touch file
	run -1 tiny -q -e 1 --steps 1 --tensorboard file/tb
	assert_output --partial 'file: not a directory'
	run -1 tiny -q -e 1 --steps 1 --tensorboard tb --labels nothere.json
	assert_output --partial 'nothere.json'
}

@test "--resume warns naming each option it ignores, and only those" {
	run -0 tiny -q -e 1 --steps 1 -o m.st
	run -0 tiny -q -e 2 -o m.st --resume --lr 0.1 -b 2 --seed 5 --augment none \
	    --steps 3 -f 8 --depth 3 --classes 5 --dropout 0.1 --class-weights median \
	    --lr-schedule cosine --warmup 3 --loss dice --ema 0.9
	for opt in --lr --batch --seed --augment --steps --filters --depth \
	    --classes --dropout --class-weights --lr-schedule --warmup --loss \
	    --ema; do
		assert_line "unet-train: --resume: $opt ignored: the state m.st.last decides it"
	done
	[ "${#lines[@]}" -eq 14 ]
	# what may change does not warn
	run -0 unet-train --train "$(D)/tr-0.tar" --val "$(D)/va-0.tar" -q -e 3 \
	    -o m.st --resume --patience 4 -j 1 --log l.tsv --tensorboard tb
	assert_output ''
}

# keys FILE: the __metadata__ keys of a safetensors file and the names
# of its tensors that are not the model's or Adam's, one a line, sorted.
keys() {
	"$PY" -c '
import json, struct, sys
f = open(sys.argv[1], "rb")
h = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
print("\n".join(sorted(h.pop("__metadata__"))))
print("\n".join(sorted(n for n in h if n.startswith("ema."))))
' "$1"
}

@test "the recipe options at their defaults change no byte, and the state holds none of their keys" {
	run -0 tiny -q -e 2 --steps 3 -o a.st --log a.tsv
	run -0 tiny -q -e 2 --steps 3 -o b.st --log b.tsv --lr-schedule constant \
	    --warmup 0 --loss ce --ema 0 --class-weights none
	cmp a.st b.st
	cmp a.st.last b.st.last
	diff <(cut -f 1-7,10- a.tsv) <(cut -f 1-7,10- b.tsv)
	# the keys of a state before these options existed, exactly
	run -0 keys a.st.last
	assert_output "$(printf '%s\n' acc_correct acc_images acc_loss acc_seconds \
	    acc_valid adam_beta1 adam_beta2 adam_eps adam_lr adam_t \
	    adam_weight_decay augment bad_epochs batch best_epoch best_miou \
	    class_weights classes depth dropout dropout_rng epoch filters format \
	    format_version in_channels position resumable rng seed size step \
	    steps_per_epoch)"
}

@test "--lr-schedule: the log's lr column is PyTorch's OneCycleLR, LinearLR then CosineAnnealingLR, LinearLR" {
	# one step an epoch: each row is the rate of one step
	run -0 tiny -q -e 10 --steps 1 --lr 0.01 --lr-schedule onecycle --log one.tsv
	run -0 tiny -q -e 10 --steps 1 --lr 0.01 --lr-schedule cosine --warmup 3 \
	    --log cos.tsv
	run -0 tiny -q -e 10 --steps 1 --lr 0.01 --warmup 4 --log con.tsv
	run -0 "$PY" - <<'PY'
import csv, math, warnings
import torch
warnings.simplefilter("ignore")
S = torch.optim.lr_scheduler
def torch_rates(make):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=0.01)
    sched, out = make(opt), []
    for _ in range(10):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out
want = {
    "one.tsv": lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=10,
                                      cycle_momentum=False),
    "cos.tsv": lambda o: S.SequentialLR(o, [S.LinearLR(o, 1 / 3, 1, 2),
                                            S.CosineAnnealingLR(o, 7)], [3]),
    "con.tsv": lambda o: S.LinearLR(o, 1 / 4, 1, 3),
}
for f, make in want.items():
    ours = [float(r["lr"]) for r in csv.DictReader(open(f), delimiter="\t")]
    theirs = torch_rates(make)
    print(f, len(ours), all(math.isclose(a, b, rel_tol=1e-5)
                            for a, b in zip(ours, theirs)))
PY
	assert_output "$(printf 'one.tsv 10 True\ncos.tsv 10 True\ncon.tsv 10 True')"
}

@test "a resumed run keeps its schedule's length: -e given again changes nothing of it" {
	run -0 tiny -q -e 4 --steps 1 --lr 0.01 --lr-schedule cosine -o c.st --log c.tsv
	[ "$(meta c.st.last schedule_steps)" = 4 ]
	[ "$(meta c.st.last lr)" = 0.00999999978 ]
	run -0 tiny -q -e 6 -o c.st --log c.tsv --resume
	# the last step of the schedule is its smallest rate, kept after it
	run -0 cut -f 7 c.tsv
	assert_output "$(printf 'lr\n0.01\n0.00853553\n0.005\n0.00146447\n0.00146447\n0.00146447')"
}

@test "the new recipe in the state: SIGINT, then --resume gives the bytes of the run never stopped" {
	opts="--lr 0.01 --lr-schedule onecycle --loss ce+dice --ema 0.9 --class-weights sqrt"
	interrupt INT 130 $opts
	[ "$(meta s.st.last lr_schedule)" = onecycle ]
	[ "$(meta s.st.last loss)" = ce+dice ]
	[ "$(meta s.st.last ema)" = 0.899999976 ]
	[ "$(meta s.st.last class_weights)" = sqrt ]
	[ "$(meta s.st.last schedule_steps)" = 1200 ]
	run -0 tiny -q -e 3 -o s.st --log s.tsv --resume
	run -0 tiny -q -e 3 --steps 400 -b 2 -o t.st --log t.tsv $opts
	cmp s.st t.st
	cmp s.st.last t.st.last
	diff <(cut -f 1-7,10- s.tsv) <(cut -f 1-7,10- t.tsv)
}

@test "--warmup on a cosine run is recorded; a warm-up longer than the run is a constant rise" {
	run -0 tiny -q -e 2 --steps 2 --lr 0.01 --lr-schedule cosine --warmup 8 \
	    -o w.st --log w.tsv
	[ "$(meta w.st.last warmup)" = 8 ]
	run -0 cut -f 7 w.tsv
	assert_output "$(printf 'lr\n0.0025\n0.005')"
}

@test "--ema: the model validated and saved is the average, the state keeps both" {
	# 32x32 photos: shards and unet-infer see the very same pixels
	synth-imat -o s -n 8 --min-side 32 --max-side 32 -j 1 >/dev/null
	mkdir s/masks p
	rle2mask -o s/masks s/train.csv
	mkshards -q -o 'v-%d.tar' --size 32 --images s/train --masks s/masks
	run -0 unet-train -q --train v-0.tar --val v-0.tar -f 4 --depth 2 \
	    -b 4 -j 1 -e 1 --steps 6 --lr 1e-2 --ema 0.5 -o m.st --log log.tsv
	[ "$(meta m.st.last ema_t)" = 6 ]
	run -0 "$PY" - <<'PY'
import json, struct
import numpy as np
def tensors(path):
    buf = open(path, "rb").read()
    n = struct.unpack("<Q", buf[:8])[0]
    h = json.loads(buf[8:8 + n])
    h.pop("__metadata__")
    return {k: np.frombuffer(buf[8 + n + v["data_offsets"][0]:
                                 8 + n + v["data_offsets"][1]],
                             np.float32 if v["dtype"] == "F32" else np.int64)
            for k, v in h.items()}
model, state = tensors("m.st"), tensors("m.st.last")
avg = [k for k in model if "num_batches" not in k]
# the model is the state's average, not its live weights
print(all((model[k] == state["ema." + k]).all() for k in avg),
      any((model[k] != state[k]).any() for k in avg),
      sorted(k[4:] for k in state if k.startswith("ema.")) == sorted(avg))
PY
	assert_output "True True True"
	# and the log's validation IoU is that model's, as miou computes it
	unet-infer -m m.st -o p s/train/*.jpg > /dev/null
	miou --digits 9 s/masks p > cats.tsv
	run -0 "$PY" - <<'PY'
import csv, math
log = list(csv.DictReader(open("log.tsv"), delimiter="\t"))[0]
cats = {r[0]: r for r in csv.reader(open("cats.tsv"), delimiter="\t")}
print(math.isclose(float(log["val_miou"]), float(cats["mean_iou"][1]),
                   rel_tol=1e-5, abs_tol=1e-9))
PY
	assert_output True
}

@test "--loss dice, ce+dice: train_loss and val_loss are the loss trained, val_loss as PyTorch computes it" {
	run -0 tiny -q -e 1 --steps 3 --loss dice -o d.st --log d.tsv
	run -0 awk -F '\t' 'NR == 2 { print ($3 > 0 && $3 < 1 && $5 > 0 && $5 < 1) }' d.tsv
	assert_output 1
	[ "$(meta d.st.last loss)" = dice ]
	run -0 tiny -q -e 1 --steps 3 --loss ce+dice -o c.st --log c.tsv
	run -0 "$PY" - "$(D)/va-0.tar" "$TOP/tests/ref" <<'PY'
import csv, io, math, sys, tarfile
import numpy as np
import torch
from PIL import Image
sys.path.insert(0, sys.argv[2])
from unet import UNet, dice_loss
m = UNet.from_checkpoint("c.st").eval()
tar = tarfile.open(sys.argv[1])
keys = [n[:-4] for n in tar.getnames() if n.endswith(".ppm")]
img = lambda n: np.array(Image.open(io.BytesIO(tar.extractfile(n).read())))
mean = np.array([0.485, 0.456, 0.406]); std = np.array([0.229, 0.224, 0.225])
x = torch.tensor(np.stack([((img(k + ".ppm") / 255 - mean) / std).transpose(2, 0, 1)
                           for k in keys]), dtype=torch.float32)
y = torch.tensor(np.stack([img(k + ".pgm") for k in keys]).astype(np.int64))
with torch.no_grad():
    z = m(x)
    ce = torch.nn.functional.cross_entropy(z.double(), y, ignore_index=255)
    # Dice batch by batch (-b 4), weighted by the batches' sizes
    d = sum(len(y[i:i + 4]) * dice_loss(z[i:i + 4].double(), y[i:i + 4])
            for i in range(0, len(y), 4)) / len(y)
log = list(csv.DictReader(open("c.tsv"), delimiter="\t"))[0]
print(math.isclose(float(log["val_loss"]), float(ce + d), rel_tol=1e-5))
PY
	assert_output True
}
