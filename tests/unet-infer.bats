#!/usr/bin/env bats
# unet-infer: photos to label masks at their own size, stdin to stdout,
# overlays, bad photos, and the chain to mask2rle and miou
# (unet-infer(1)). A tiny model trained on 32x32 synthetic shards.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	PATH="$BIN:$PATH"
	tiny_model
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

@test "stdin with --overlay: DIR/stdin.png, the same bytes as from the file" {
	f=$(ls "$(D)"/syn/test/*.jpg | head -1)
	mkdir ov1 ov2 out
	unet-infer -m "$(D)/model.st" --overlay ov1 < "$f" > stdin.png
	run -0 unet-infer -m "$(D)/model.st" -o out --overlay ov2 "$f"
	cmp ov1/stdin.png "ov2/$(basename "$f" .jpg).png"
}

@test "a bad photo on stdin is reported as stdin, exit 1" {
	echo "not a photo" > junk.txt
	run -1 --separate-stderr unet-infer -m "$(D)/model.st" < junk.txt
	[ -z "$output" ]
	[[ "$stderr" == "unet-infer: stdin: "* ]]
	[[ "$stderr" != *"/tmp"* ]]
	run -1 --separate-stderr unet-infer -m "$(D)/model.st" < /dev/null
	[ "$stderr" = "unet-infer: stdin: empty" ]
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

@test "a model whose recorded size the network cannot take: exit 1 naming it" {
	"$PY" - "$(D)/model.st" size30.st <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
h["__metadata__"]["size"] = "30"
s = json.dumps(h).encode()
s += b" " * (-len(s) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(s)) + s + b[8 + n:])
PY
	f=$(ls "$(D)"/syn/test/*.jpg | head -1)
	run -1 unet-infer -m size30.st "$f"
	assert_output --partial 'size30.st: trained at size 30, which is not a multiple of 2^depth = 4'
	run -2 unet-infer -m "$(D)/model.st" --size 30 "$f"
	assert_output --partial '--size 30 is not a multiple of 2^depth = 4'
}

@test "the chain: unet-infer | mask2rle | miou --kaggle" {
	mkdir pred
	run -0 sh -c "unet-infer -m '$(D)/model.st' -o pred '$(D)'/syn/test/*.jpg |
	    mask2rle --all-images | miou --kaggle '$(D)/syn/test-truth.csv' -"
	assert_line --regexp '^score	[0-9.]+$'
	assert_line 'images	4'
}

@test "a truncated photo gets one message of ours, no libvips warnings" {
	f=$(ls "$(D)"/syn/test/*.jpg | head -1)
	head -c $(($(wc -c < "$f") / 2)) "$f" > half.jpg
	run -1 --separate-stderr unet-infer -m "$(D)/model.st" -o . half.jpg
	assert_equal "$stderr" "unet-infer: half.jpg: VipsJpeg: Premature end of input file"
}

@test "--letterbox: a model trained on letterboxed shards sees what its validation saw" {
	# 32x16 photos and masks: in a letterboxed 32x32 square they fill
	# columns 8-23 unscaled, so shards and unet-infer --letterbox see the
	# very same pixels, and the padding (255 in the shards) is not scored
	synth-imat -o s -n 8 --min-side 32 --max-side 32 -j 1 >/dev/null
	mkdir s/masks s/photos s/truth p q
	rle2mask -o s/masks s/train.csv
	"$PY" -c '
import glob, os
from PIL import Image
for f in glob.glob("s/train/*.jpg"):
    k = os.path.basename(f)[:-4]
    Image.open(f).crop((8, 0, 24, 32)).save("s/photos/%s.png" % k)
    Image.open("s/masks/%s.png" % k).crop((8, 0, 24, 32)).save("s/truth/%s.png" % k)'
	mkshards -q -o 'lb-%d.tar' --size 32 --letterbox --images s/photos --masks s/truth
	run -0 unet-train -q --train lb-0.tar --val lb-0.tar -f 4 --depth 2 \
	    -b 4 -j 1 -e 1 --steps 3 --lr 1e-2 -o lb.st --log log.tsv
	unet-infer --letterbox -m lb.st -o p s/photos/*.png > /dev/null
	unet-infer -m lb.st -o q s/photos/*.png > /dev/null
	run -0 size "$(ls p/*.png | head -1)"
	assert_output "32 16 L"
	miou --digits 9 --with-background s/truth p > all.tsv
	run -0 "$PY" - <<'PY'
import csv, math
log = list(csv.DictReader(open("log.tsv"), delimiter="\t"))[0]
rows = {r[0]: r for r in csv.reader(open("all.tsv"), delimiter="\t")}
def same(a, b):
    return (a == "nan") == (b == "nan") and (a == "nan" or
        math.isclose(float(a), float(b), rel_tol=1e-5, abs_tol=1e-9))
print([l for l in range(47) if not same(log["iou_%d" % l], rows[str(l - 1)][6])])
PY
	assert_output '[]'
	# stretched to the square, the same photos give other masks
	! diff -r p q > /dev/null
}

@test "--letterbox: masks at the photo's size, whatever its shape" {
	mkdir out
	run -0 unet-infer --letterbox -m "$(D)/model.st" -o out "$(D)"/syn/test/*.jpg
	for f in "$(D)"/syn/test/*.jpg; do
		k=$(basename "$f" .jpg)
		[ "$(size "$f" | cut -d' ' -f1-2)" = "$(size "out/$k.png" | cut -d' ' -f1-2)" ]
	done
}

@test "--tta: 'none' or 'flip', anything else a usage error" {
	run -2 unet-infer -m "$(D)/model.st" --tta rotate x.jpg
	assert_output --partial "--tta: 'none' or 'flip'"
	mkdir a b
	unet-infer -m "$(D)/model.st" -o a "$(D)"/syn/test/*.jpg > /dev/null
	unet-infer -m "$(D)/model.st" -o b --tta none "$(D)"/syn/test/*.jpg \
	    > /dev/null
	diff -r a b
}

@test "--tta flip: the argmax of the logits of the photo and of its mirror, mirrored back, as PyTorch computes them" {
	# 32x32 PNG photos: the network sees their very pixels, and a
	# mirrored photo is exactly the mirror of its photo
	"$PY" - <<'PY'
import numpy as np
from PIL import Image
r = np.random.RandomState(3)
for i in range(3):
    a = (r.rand(32, 32, 3) * 255).astype(np.uint8)
    Image.fromarray(a).save(f"p{i}.png")
    Image.fromarray(a[:, ::-1]).save(f"m{i}.png")
PY
	mkdir plain flip
	unet-infer -m "$(D)/model.st" -o plain p?.png m?.png > /dev/null
	unet-infer -m "$(D)/model.st" -o flip --tta flip p?.png m?.png > /dev/null
	run -0 "$PY" - "$(D)/model.st" "$TOP/tests/ref" <<'PY'
import sys
import numpy as np
import torch
from PIL import Image
sys.path.insert(0, sys.argv[2])
from unet import UNet
m = UNet.from_checkpoint(sys.argv[1]).eval()
mean = np.array([0.485, 0.456, 0.406]); std = np.array([0.229, 0.224, 0.225])
same_plain = same_flip = agree = 0
for i in range(3):
    a = np.array(Image.open(f"p{i}.png")) / 255.0
    x = torch.tensor(((a - mean) / std).transpose(2, 0, 1)[None], dtype=torch.float32)
    with torch.no_grad():
        z = m(x) + m(x.flip(3)).flip(3)
    want = z.argmax(1)[0].numpy()
    got = np.array(Image.open(f"flip/p{i}.png"))
    agree += (want == got).mean() > 0.999
    mirror = np.array(Image.open(f"flip/m{i}.png"))
    same_flip += (mirror == got[:, ::-1]).all()
    same_plain += (np.array(Image.open(f"plain/m{i}.png")) ==
                   np.array(Image.open(f"plain/p{i}.png"))[:, ::-1]).all()
print(agree, same_flip, same_plain)
PY
	# PyTorch's argmax on all three; the mirror's mask is the mirrored
	# mask with --tta flip, never without
	assert_output "3 3 0"
}
