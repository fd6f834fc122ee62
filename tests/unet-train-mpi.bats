#!/usr/bin/env bats
# unet-train under mpirun (unet-train(1), TRAINING ON MANY PROCESSES):
# one model on many ranks, the same as one process of the global batch,
# the same bytes run to run, agreed stops and resumes, faults that end
# the job. Open MPI's mpirun, --oversubscribe: more ranks than this
# machine's cores. Tiny networks on 32x32 synthetic shards: 13 training
# samples, so that the last global batch is short.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	PATH="$BIN:$PATH"
	synth_pairs 17
	head -13 list.tsv | mkshards -q -o 'tr-%d.tar' --size 32
	tail -4 list.tsv | mkshards -q -o 'va-%d.tar' --size 32
	head -1 list.tsv | mkshards -q -o 'one-%d.tar' --size 32
}

# CI runs as root, which mpirun refuses unless told twice.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Under ASan (tests/run), what Open MPI keeps to the end is suppressed by
# the library it comes from (tests/lsan.supp): that needs whole stacks.
if [ -n "${IMATSEG_SANITIZED:-}" ]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
fi

D() { printf '%s' "$BATS_FILE_TMPDIR"; }

# np N ARGS...: unet-train on N ranks of the tiny configuration, on the
# training shard $TRAIN (default tr-0.tar).
np() {
	n=$1; shift
	mpirun --oversubscribe -np "$n" unet-train \
	    --train "$(D)/${TRAIN:-tr-0.tar}" --val "$(D)/va-0.tar" -f 4 \
	    --depth 2 -j 1 "$@"
}

# Alone, the same configuration.
alone() {
	unet-train --train "$(D)/${TRAIN:-tr-0.tar}" --val "$(D)/va-0.tar" \
	    -f 4 --depth 2 -j 1 "$@"
}

# close A B: every tensor of checkpoint A as B's up to float rounding.
close() { "$PY" "$TOP/tests/ref/unet.py" close "$1" "$2"; }

@test "only unet-train links libmpi" {
	for p in "$BIN"/*; do
		if ldd "$p" | grep -q libmpi; then echo "${p##*/}"; fi
	done > linked
	run -0 cat linked
	assert_output unet-train
}

@test "one rank under mpirun: the bytes of a plain run; no MPI word without mpirun" {
	opts="-e 2 -b 4 --class-weights median --seed 3"
	run -0 alone $opts -o a.st --log a.tsv
	assert_output --regexp '^epoch 1/2 '
	refute_output --partial -i mpi
	run -0 np 1 $opts -o b.st --log b.tsv
	cmp a.st b.st
	cmp a.st.last b.st.last
	diff <(cut -f 1-7,10- a.tsv) <(cut -f 1-7,10- b.tsv)
	# synchronised batch norm over one rank is batch norm
	run -0 alone $opts -q --sync-bn -o c.st
	run -0 np 1 $opts -q --sync-bn -o d.st
	cmp c.st.last d.st.last
	[ "$(meta a.st.last ranks)" = - ] && [ "$(meta c.st.last sync_bn)" = 1 ]
}

# same N B [ARGS...]: N ranks of batch B with --sync-bn against one of
# batch N*B, dropout 0 and no augmentation, after two epochs. Both on
# im2col's convolutions: four Adam steps take a weight whose gradient is
# near 0 (a batch norm's bias before ReLU, a convolution and its batch
# norm) lr a step in the direction its rounding picks, and Winograd's
# F(2x2,3x3) rounds a batch of 4 and one of 8 differently enough to send
# some of them opposite ways (one process on 1 thread and on 2 differs
# as much); im2col's products round too little for that. What is tested
# here, the ranks' sums, slices and synchronised batch norm, is the same
# code on every algorithm, and tests/engine.bats checks each algorithm
# against PyTorch.
same() {
	opts="-q -e 2 --dropout 0 --augment none --seed 5"
	n=$1 b=$2
	shift 2
	export IMATSEG_CONV=im2col
	np "$n" $opts "$@" -b "$b" --sync-bn -o n.st --log n.tsv
	alone $opts "$@" -b $((n * b)) -o one.st --log one.tsv
	run -0 close n.st.last one.st.last
	refute_output --partial 'not ok'
	# one process's losses and validation, to float rounding
	run -0 awk -F '\t' 'NR == FNR { l[FNR] = $3; v[FNR] = $5; next }
	    FNR > 1 { if ($3 != l[FNR]) print "train_loss", $3, l[FNR]
	    if (($5 - v[FNR]) ^ 2 > (1e-3 * v[FNR]) ^ 2) print "val_loss", $5, v[FNR] }' \
	    n.tsv one.tsv
	assert_output ''
	[ "$(meta n.st.last ranks)" = "$n" ] && [ "$(meta n.st.last batch)" = "$b" ]
}

@test "--sync-bn: 2 ranks of batch 4 train as one process of batch 8 (a short last batch split 3+2)" {
	same 2 4
}

@test "the recipe's options on 2 ranks: Dice's sums are the global batch's, the average and schedule one process's" {
	# A recipe whose run one process repeats on another thread count
	# within the tolerance: with onecycle, Dice and sqrt weights together
	# it does not (after the first step's rate of lr/25, 66 tensors of
	# one process on 1 and on 2 threads differ), so that comparison could
	# not tell the ranks' sums from the rounding.
	r="--loss ce+dice --lr-schedule cosine --ema 0.5 --class-weights sqrt"
	same 2 4 $r
	IMATSEG_CONV=im2col alone -q -e 2 --dropout 0 --augment none --seed 5 \
	    $r -b 8 -j 2 -o two.st
	run -0 close two.st.last one.st.last
	refute_output --partial 'not ok'
	[ "$(meta n.st.last loss)" = ce+dice ] && [ "$(meta n.st.last ema)" = 0.5 ]
	[ "$(meta n.st.last lr_schedule)" = cosine ]
}

@test "a rank with an empty slice adds nothing: one sample on 3 ranks is one process's model, to the byte" {
	# every step's batch is rank 0's one sample: the sums add zeros
	TRAIN=one-0.tar
	np 3 -q -e 2 --dropout 0 -b 2 --sync-bn -o n.st --log n.tsv
	alone -q -e 2 --dropout 0 -b 6 -o one.st --log one.tsv
	# (the dropout stream differs: many ranks draw theirs by the step)
	"$PY" "$TOP/tests/ref/unet.py" same n.st.last one.st.last
	diff <(cut -f 1-4,6,7,10- n.tsv) <(cut -f 1-4,6,7,10- one.tsv)
}

@test "without --sync-bn each rank normalises with its own batch: not one process's weights" {
	opts="-q -e 2 --dropout 0 --augment none --seed 5"
	np 2 $opts -b 4 -o n.st
	alone $opts -b 8 -o one.st
	run -1 close n.st.last one.st.last
	assert_output --regexp 'not ok: down\.0\.conv1\.weight: max difference'
}

@test "the same ranks twice: the same bytes (dropout, augmentation, class weights)" {
	opts="-q -e 2 -b 3 --class-weights median --seed 9"
	np 2 $opts -o a.st --log a.tsv
	np 2 $opts -o b.st --log b.tsv
	cmp a.st b.st
	cmp a.st.last b.st.last
	diff <(cut -f 1-7,10- a.tsv) <(cut -f 1-7,10- b.tsv)
}

@test "rank 0 alone talks and writes: one line per epoch, one log, one TensorBoard file" {
	run -0 np 3 -e 2 -b 2 -o m.st --log m.tsv --tensorboard tb
	[ "$(grep -c '^epoch ' <<< "$output")" -eq 2 ]
	[ "$(grep -c 'best validation mean IoU' <<< "$output")" -eq 1 ]
	[ "$(wc -l < m.tsv)" -eq 3 ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
	[ "$(ls tb | wc -l)" -eq 1 ]
	# the scalars at the log's steps, a preview with each
	"$PY" "$TOP/tests/ref/tfevents.py" tb/events.out.tfevents.* > ev.json
	run -0 "$PY" -c '
import json
ev = [json.loads(l) for l in open("ev.json")]
print([e["step"] for e in ev if e.get("scalars")],
      [e["step"] for e in ev if e.get("images")])'
	assert_output '[3, 6] [3, 6]'
}

# start RANKS ARGS...: unet-train in the background on RANKS ranks, $pid
# mpirun's, once the first epoch's row is in s.tsv.
start() {
	n=$1; shift
	mpirun --oversubscribe -np "$n" unet-train --train "$(D)/tr-0.tar" \
	    --val "$(D)/va-0.tar" -f 4 --depth 2 -j 1 -q -b 2 --log s.tsv \
	    "$@" 2> err &
	pid=$!
	while [ "$(cat s.tsv 2>/dev/null | wc -l)" -lt 2 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
}

@test "SIGTERM to one rank: every rank stops at the same step, rank 0 saves; resuming gives the uninterrupted bytes" {
	opts="-e 3 --steps 300"
	start 2 $opts -o s.st
	kill -TERM "$(pgrep -P "$pid" unet-train | tail -n 1)"
	wait "$pid" && st=0 || st=$?
	[ "$st" -eq 143 ]
	run -0 grep -c 'stopped by signal 15; state saved in s.st.last' err
	assert_output 1
	[ "$(meta s.st.last step)" -lt 900 ]
	np 2 -q -e 3 -o s.st --log s.tsv --resume
	np 2 -q -b 2 $opts -o u.st --log u.tsv
	cmp s.st u.st
	cmp s.st.last u.st.last
	diff <(cut -f 1-7,10- s.tsv) <(cut -f 1-7,10- u.tsv)
}

@test "SIGINT to mpirun: it sends the ranks SIGTERM, they save the state" {
	# mpirun passes it on a second later: long enough epochs
	start 2 -e 3 --steps 1000 -o s.st
	kill -INT "$pid"
	wait "$pid" || true
	grep -q 'stopped by signal 15; state saved in s.st.last' err
	[ "$(meta s.st.last resumable)" = 1 ]
	[ "$(meta s.st.last step)" -lt 3000 ]
}

@test "--resume on another number of ranks is refused, naming the right one" {
	np 2 -q -e 1 --steps 1 -b 2 -o m.st
	run -1 alone -q -e 2 -o m.st --resume
	assert_output --partial 'm.st.last: trained on 2 ranks, this run has 1: resume it with mpirun -np 2'
	run -1 np 3 -q -e 2 -o m.st --resume
	[ "$(grep -c 'trained on 2 ranks, this run has 3' <<< "$output")" -eq 1 ]
	alone -q -e 1 --steps 1 -b 2 -o p.st
	run -1 np 2 -q -e 2 -o p.st --resume
	assert_output --partial 'p.st.last: trained on 1 rank, this run has 2'
}

@test "a set-up failure on every rank: exit 1, said once" {
	run -1 mpirun --oversubscribe -np 2 unet-train --train nothere.tar \
	    --val "$(D)/va-0.tar" -q
	[ "$(grep -c '^unet-train: nothere.tar' <<< "$output")" -eq 1 ]
}

@test "a corrupt sample one rank reads ends the job: its rank and the sample named, exit 1" {
	cp "$(D)/tr-0.tar" bad.tar
	# flip a byte in the pixels of the sixth photo
	"$PY" - <<'PY'
import tarfile
m = [x for x in tarfile.open("bad.tar").getmembers() if x.name.endswith(".ppm")][5]
with open("bad.tar", "r+b") as f:
    f.seek(m.offset_data + 100)
    b = f.read(1)[0]
    f.seek(m.offset_data + 100)
    f.write(bytes([b ^ 0xff]))
PY
	run -1 mpirun --oversubscribe -np 2 unet-train --train bad.tar \
	    --val "$(D)/va-0.tar" -f 4 --depth 2 -j 1 -b 2 -q -e 2 -o m.st
	assert_output --regexp 'unet-train: rank [01]: bad.tar: sample 5 \([0-9a-f]+\): checksum mismatch: corrupt shard'
	[ ! -e m.st ] && [ ! -e m.st.last ]
}

@test "a rank killed with -9 ends the job, non-zero, never a half-written checkpoint" {
	start 2 -e 3 --steps 300 -o k.st
	kill -9 "$(pgrep -P "$pid" unet-train | tail -n 1)"
	wait "$pid" && st=0 || st=$?
	[ "$st" -ne 0 ]
	grep -q 'exited on signal 9' err
	# what is there under the final names is whole
	run -0 "$TOP/build/ref/ckpt_info" k.st
	run -0 "$TOP/build/ref/ckpt_info" k.st.last
	[ "$(meta k.st.last epoch)" -ge 1 ]
}

@test "examples/Makefile NP=2: the training step under mpirun, its own run directory" {
	vars="OUT=$BATS_TEST_TMPDIR/o SYNTH_IMAGES=12 SYNTH_TEST=2 SYNTH_SIDES=64-96 SIZE=32 FILTERS=4 EPOCHS=1 BATCH=2 VAL=4 J=1"
	run -0 make -s -C "$TOP/examples" BIN="$BIN" $vars NP=2 MPIFLAGS=--oversubscribe model
	r=$(ls -d "$BATS_TEST_TMPDIR"/o/run-*)
	[[ "$r" == *-n2 ]]
	[ "$(meta "$r/state.safetensors" ranks)" = 2 ]
	[ "$(meta "$r/state.safetensors" batch)" = 2 ]
	run -0 make -s -n -C "$TOP/examples" $vars NP=4 HOSTFILE=hosts model
	assert_output --regexp 'mpirun -np 4 --hostfile hosts --bind-to none +[^ ]*/unet-train -q --train'
}
