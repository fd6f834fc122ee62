#!/usr/bin/env bats
# unet-infer: photos to label masks at their own size, stdin to stdout,
# overlays, bad photos, and the chain to mask2rle and miou
# (unet-infer(1)). A tiny model trained on 32x32 synthetic shards.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	synth-imat -o syn -n 12 --test 4 --min-side 48 --max-side 120 -j 1 \
	    >/dev/null
	mkdir syn/masks
	rle2mask -o syn/masks syn/train.csv
	mkshards -q -o 'tr-%d.tar' --size 32 --images syn/train --masks syn/masks
	unet-train -q --train tr-0.tar --val tr-0.tar -f 4 --depth 2 -b 4 \
	    -j 1 -e 2 --steps 3 -o model.st
}

D() { printf '%s' "$BATS_FILE_TMPDIR"; }

# size FILE: "HEIGHT WIDTH MODE" as PIL reads it.
size() {
	"$PY" -c '
import sys
from PIL import Image
i = Image.open(sys.argv[1])
print(i.size[1], i.size[0], i.mode)
' "$1"
}

@test "--help prints usage and exits 0; --version" {
	run -0 unet-infer --help
	assert_output --partial 'usage: unet-infer -m model'
	run -0 unet-infer --version
	assert_output --partial 'unet-infer (imatseg)'
}

@test "usage errors exit 2" {
	run -2 unet-infer x.jpg
	assert_output --partial '-m model is required'
	run -2 unet-infer -m "$(D)/model.st" --size 0 x.jpg
	run -2 unet-infer -m "$(D)/model.st" --size 30 x.jpg
	assert_output --partial 'size 30 is not a multiple of 2^depth = 4'
	run -2 unet-infer -m "$(D)/model.st" -b 0 x.jpg
	run -2 unet-infer -m "$(D)/model.st" --bogus x.jpg
	run -2 unet-infer -m "$(D)/model.st" -o . --overlay ./ x.jpg
	assert_output --partial '-o and --overlay must be different directories'
}

@test "a missing or bad model: exit 1 naming it" {
	run -1 unet-infer -m nothere.st "$(D)"/syn/test/*.jpg
	assert_output --partial 'nothere.st'
	echo junk > bad.st
	run -1 unet-infer -m bad.st "$(D)"/syn/test/*.jpg
	assert_output --partial 'bad.st'
}

@test "IMATSEG_ISA or IMATSEG_CONV naming nothing the engine has: exit 1" {
	run -1 env IMATSEG_ISA=sse9 unet-infer -m "$(D)/model.st" -o . \
	    "$(D)"/syn/test/*.jpg
	assert_output --partial 'IMATSEG_ISA=sse9: not an instruction set of the engine'
	run -1 env IMATSEG_CONV=direct unet-infer -m "$(D)/model.st" -o . \
	    "$(D)"/syn/test/*.jpg
	assert_output --partial 'IMATSEG_CONV=direct: not an algorithm of the engine'
	refute_output --partial '.png'
}

@test "one label PNG per photo, at the photo's own size, paths on stdout" {
	mkdir out
	run -0 unet-infer -m "$(D)/model.st" -o out "$(D)"/syn/test/*.jpg
	[ "${#lines[@]}" -eq 4 ]
	for f in "$(D)"/syn/test/*.jpg; do
		k=$(basename "$f" .jpg)
		assert_line "out/$k.png"
		[ "$(size "out/$k.png")" = "$(size "$f" | sed 's/RGB/L/')" ]
	done
}

@test "labels are classes of the model: 0..46, nothing else" {
	run -0 unet-infer -m "$(D)/model.st" "$(D)"/syn/test/*.jpg
	run -0 "$PY" -c '
import glob, numpy as np
from PIL import Image
v = set()
for f in glob.glob("*.png"): v |= set(np.unique(np.array(Image.open(f))).tolist())
print(max(v) <= 46)
'
	assert_output True
}

@test "no IMAGE: one photo on stdin, its mask on stdout, same bytes as a file" {
	f=$(ls "$(D)"/syn/test/*.jpg | head -1)
	unet-infer -m "$(D)/model.st" < "$f" > stdin.png
	mkdir out
	run -0 unet-infer -m "$(D)/model.st" -o out "$f"
	cmp stdin.png "out/$(basename "$f" .jpg).png"
}

@test "a bad photo on stdin is reported as stdin, exit 1" {
	echo "not a photo" > junk.txt
	run -1 --separate-stderr unet-infer -m "$(D)/model.st" < junk.txt
	[ -z "$output" ]
	[[ "$stderr" == "unet-infer: stdin: "* ]]
	[[ "$stderr" != *"/tmp"* ]]
}

@test "-b batches and -j threads give the same masks" {
	mkdir a b
	run -0 unet-infer -m "$(D)/model.st" -o a -b 1 -j 1 "$(D)"/syn/test/*.jpg
	run -0 unet-infer -m "$(D)/model.st" -o b -b 3 -j 1 "$(D)"/syn/test/*.jpg
	diff -r a b
	mkdir c
	run -0 unet-infer -m "$(D)/model.st" -o c -b 4 -j 2 "$(D)"/syn/test/*.jpg
	diff -r a c
}

@test "--overlay: RGB at the photo's size, background pixels untouched" {
	mkdir out ov
	f=$(ls "$(D)"/syn/test/*.jpg | head -1)
	k=$(basename "$f" .jpg)
	run -0 unet-infer -m "$(D)/model.st" -o out --overlay ov "$f"
	[ "$(size "ov/$k.png")" = "$(size "$f")" ]
	run -0 "$PY" - "$f" "out/$k.png" "ov/$k.png" <<'PY'
import sys, numpy as np
from PIL import Image
photo = np.array(Image.open(sys.argv[1]).convert("RGB")).astype(int)
m = np.array(Image.open(sys.argv[2]))
ov = np.array(Image.open(sys.argv[3])).astype(int)
bg = m == 0
# libvips and PIL may decode a JPEG a level or two apart
print(np.abs(ov[bg] - photo[bg]).max() <= 3, (m > 0).sum() == 0 or
      np.abs(ov[~bg] - photo[~bg]).max() > 0)
PY
	assert_output 'True True'
}

@test "--size runs the network at another size; masks stay at the photo's" {
	mkdir out
	f=$(ls "$(D)"/syn/test/*.jpg | head -1)
	run -0 unet-infer -m "$(D)/model.st" -o out --size 64 "$f"
	[ "$(size "out/$(basename "$f" .jpg).png")" = "$(size "$f" | sed 's/RGB/L/')" ]
}

@test "a bad photo is reported and skipped, the rest written, exit 1" {
	mkdir out
	head -c 300 "$(ls "$(D)"/syn/test/*.jpg | head -1)" > trunc.jpg
	echo 'not a photo' > text.jpg
	run -1 unet-infer -m "$(D)/model.st" -o out trunc.jpg text.jpg \
	    "$(D)"/syn/test/*.jpg
	assert_output --partial 'unet-infer: trunc.jpg'
	assert_output --partial 'unet-infer: text.jpg'
	[ "$(ls out | wc -l)" -eq 4 ]
	run -1 unet-infer -m "$(D)/model.st" -o out missing.jpg
	assert_output --partial 'missing.jpg: No such file or directory'
}

@test "--max-pixels refuses a large photo before decoding it" {
	mkdir out
	run -1 unet-infer -m "$(D)/model.st" -o out --max-pixels 100 \
	    "$(D)"/syn/test/*.jpg
	assert_output --partial 'is more than 100 pixels (--max-pixels)'
	[ "$(ls out | wc -l)" -eq 0 ]
}

@test "a PNG photo is never overwritten by its own mask" {
	cp "$(D)/syn/masks/$(ls "$(D)/syn/masks" | head -1)" photo.png
	cp photo.png before.png
	run -1 unet-infer -m "$(D)/model.st" -o . photo.png
	assert_output --partial 'would overwrite the photo itself'
	cmp photo.png before.png
}

@test "a model without a training size needs --size" {
	"$PY" - "$(D)/model.st" nosize.st <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
del h["__metadata__"]["size"]
s = json.dumps(h).encode()
s += b" " * (-len(s) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(s)) + s + b[8 + n:])
PY
	f=$(ls "$(D)"/syn/test/*.jpg | head -1)
	run -1 unet-infer -m nosize.st "$f"
	assert_output --partial 'nosize.st: no training size recorded; give --size'
	run -0 unet-infer -m nosize.st --size 32 "$f"
}

@test "the chain: unet-infer | mask2rle | miou --kaggle" {
	mkdir pred
	run -0 sh -c "unet-infer -m '$(D)/model.st' -o pred '$(D)'/syn/test/*.jpg |
	    mask2rle --all-images | miou --kaggle '$(D)/syn/test-truth.csv' -"
	assert_line --regexp '^score	[0-9.]+$'
	assert_line 'images	4'
}
