#!/usr/bin/env bats
# mkshards: photo/mask pairs to tar shards (mkshards(1), imatseg-shard(5)).

load helpers

setup() {
	bin=$BIN
	check="$BATS_TEST_DIRNAME/../build/ref/shardcheck"
	py=/usr/bin/python3
	cd "$BATS_TEST_TMPDIR"
	# 6 pairs of two sizes: d/img/imNNN.jpg, d/mask/imNNN.png, d/list.tsv
	"$py" "$BATS_TEST_DIRNAME/helpers/mkpairs.py" d 6 48x64 100x30
}

@test "--help prints usage and exits 0; --version" {
	run -0 "$bin/mkshards" --help
	assert_output --partial 'usage: mkshards -o PATTERN'
	run -0 "$bin/mkshards" --version
	assert_output --partial 'mkshards (imatseg)'
}

@test "usage errors exit 2" {
	run -2 "$bin/mkshards" < d/list.tsv
	assert_output --partial '-o PATTERN is required'
	run -2 "$bin/mkshards" -o 'out.tar' < d/list.tsv
	assert_output --partial 'needs exactly one %d'
	run -2 "$bin/mkshards" -o 'o-%s.tar' < d/list.tsv
	run -2 "$bin/mkshards" -o 'o-%d.tar' --size 0 < d/list.tsv
	run -2 "$bin/mkshards" -o 'o-%d.tar' --images d/img < d/list.tsv
	assert_output --partial '--images and --masks go together'
}

@test "a field width in -o too large to mean anything is refused (exit 2)" {
	run -2 "$bin/mkshards" -o 's-%099999999999d.tar' < d/list.tsv
	assert_output --partial "-o: 's-%099999999999d.tar': the width of %d is at most 64"
	run -2 "$bin/mkshards" -o 's-%65d.tar' < d/list.tsv
	assert_output --partial 'the width of %d is at most 64'
	run -0 "$bin/mkshards" -q -o 's-%064d.tar' < d/list.tsv
	[ -f "s-$(printf '%064d' 0).tar" ]
}

@test "on a full disk: exit 1, and the summary counts only the shards that landed" {
	[ "$(id -u)" = 0 ] || fail "needs root, as CI runs, for a small file system"
	# 6 samples of ~17 kB, 2 a shard; disks from 40 to 100 kB fill up in
	# the first, second or third shard, at its first or its second sample
	for kb in 40 50 60 70 80 90 100; do
		run -1 on_full_disk $kb full "$bin/mkshards" --size 64 \
		    --per-shard 2 -o 'full/s-%d.tar' < d/list.tsv
		assert_output --partial 'No space left on device'
		set -- $(echo "$output" | sed -n 's/.*: \([0-9]*\) samples in \([0-9]*\) shards$/\1 \2/p')
		[ $# = 2 ] || fail "no summary at $kb kB: $output"
		[ "$1" = $(($2 * 2)) ] || fail "at $kb kB: $output"
	done
}

@test "shards list with tar tf: KEY.ppm, KEY.pgm, KEY.json per sample" {
	run -0 "$bin/mkshards" -q -o 'out-%04d.tar' --per-shard 4 --size 32 < d/list.tsv
	[ -f out-0000.tar ] && [ -f out-0001.tar ] && [ ! -e out-0002.tar ]
	run -0 tar tf out-0000.tar
	[ "${#lines[@]}" -eq 12 ]
	for i in 0 3 6 9; do
		k=${lines[$i]%.ppm}
		[ "${lines[$i]}" = "$k.ppm" ]
		[ "${lines[$((i + 1))]}" = "$k.pgm" ]
		[ "${lines[$((i + 2))]}" = "$k.json" ]
	done
	run -0 tar tf out-0001.tar
	[ "${#lines[@]}" -eq 6 ]
	# every key once, and no temporary files left behind
	run -0 sh -c 'tar tf out-0000.tar; tar tf out-0001.tar'
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 18 ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
}

@test "Python's tarfile reads every member; json checksum is FNV-1a of ppm+pgm" {
	run -0 "$bin/mkshards" -q -o 'out-%d.tar' --size 16 --list d/list.tsv
	run -0 "$py" - out-0.tar <<'PY'
import json, sys, tarfile
def fnv(b, h=0xcbf29ce484222325):
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h
t = tarfile.open(sys.argv[1])
ms = t.getmembers()
assert len(ms) == 18 and all(m.isfile() for m in ms)
for i in range(0, 18, 3):
    ppm, pgm, js = (t.extractfile(m).read() for m in ms[i:i + 3])
    meta = json.loads(js)
    assert ms[i].name == meta["id"] + ".ppm"
    assert ppm.startswith(b"P6\n16 16\n255\n") and len(ppm) == 13 + 768
    assert pgm.startswith(b"P5\n16 16\n255\n") and len(pgm) == 13 + 256
    assert meta["fnv1a64"] == "%016x" % fnv(ppm + pgm), meta
    assert (meta["height"], meta["width"]) in [(48, 64), (100, 30)]
print("ok")
PY
	assert_output ok
}

@test "read as WebDataset does: a tar stream, keys before the first dot" {
	run -0 "$bin/mkshards" -q -o 'out-%d.tar' --size 16 < d/list.tsv
	# WebDataset's rule (tariterators.py): regular members of a streamed
	# tar, split at the first dot of the base name, grouped while the key
	# stays the same.
	run -0 "$py" - out-0.tar <<'PY'
import re, sys, tarfile
samples = []
for ti in tarfile.open(sys.argv[1], mode="r|*"):
    assert ti.isreg()
    key, ext = re.match(r"^((?:.*/|)[^.]+)[.]([^/]*)$", ti.name).groups()
    if not samples or samples[-1]["__key__"] != key:
        samples.append({"__key__": key})
    assert ext not in samples[-1]
    samples[-1][ext] = True
assert all(sorted(s) == ["__key__", "json", "pgm", "ppm"] for s in samples)
print(len(samples), len({s["__key__"] for s in samples}))
PY
	assert_output '6 6'
}

@test "the pgm of a sample equals the nearest-resized mask" {
	run -0 "$bin/mkshards" -q -o 'out-%d.tar' --size 40 < d/list.tsv
	run -0 "$py" - out-0.tar d/mask <<'PY'
import io, sys, tarfile
import numpy as np
from PIL import Image
t = tarfile.open(sys.argv[1])
n = 0
for m in t.getmembers():
    if not m.name.endswith(".pgm"):
        continue
    got = np.array(Image.open(io.BytesIO(t.extractfile(m).read())))
    src = np.array(Image.open(f"{sys.argv[2]}/{m.name[:-4]}.png"))
    h, w = src.shape
    ys = (2 * np.arange(40) + 1) * h // 80
    xs = (2 * np.arange(40) + 1) * w // 80
    assert (got == src[ys][:, xs]).all(), m.name
    assert set(np.unique(got)) <= set(np.unique(src))
    n += 1
print(n)
PY
	assert_output 6
}

@test "output bytes do not depend on -j; the seed sets the order" {
	"$bin/mkshards" -q -j 1 -o 'a-%d.tar' --per-shard 4 --seed 3 < d/list.tsv
	"$bin/mkshards" -q -j 2 -o 'b-%d.tar' --per-shard 4 --seed 3 < d/list.tsv
	"$bin/mkshards" -q -j 2 -o 'c-%d.tar' --per-shard 4 --seed 4 < d/list.tsv
	cmp a-0.tar b-0.tar
	cmp a-1.tar b-1.tar
	[ "$(tar tf a-0.tar)" != "$(tar tf c-0.tar)" ]
	[ "$(cat a-0.tar a-1.tar | tar tif - | sort)" = "$(cat c-0.tar c-1.tar | tar tif - | sort)" ]
	[ "$(cat a-0.tar a-1.tar | tar tif - | wc -l)" -eq 18 ]
}

@test "--size 512 and --letterbox pad the mask with 255" {
	run -0 "$bin/mkshards" -q -o 'o-%d.tar' --size 512 --letterbox < d/list.tsv
	run -0 "$check" o-0.tar
	assert_output '6 samples 512x512'
	run -0 "$py" - o-0.tar <<'PY'
import io, json, sys, tarfile
import numpy as np
from PIL import Image
t = tarfile.open(sys.argv[1])
ms = t.getmembers()
for i in range(0, len(ms), 3):
    meta = json.loads(t.extractfile(ms[i + 2]).read())
    assert meta["letterbox"] is True and meta["size"] == 512
    lab = np.array(Image.open(io.BytesIO(t.extractfile(ms[i + 1]).read())))
    img = np.array(Image.open(io.BytesIO(t.extractfile(ms[i]).read())))
    if meta["height"] == 48:      # 48x64 -> 384x512, rows 64..447
        assert (lab[:64] == 255).all() and (lab[448:] == 255).all()
        assert (img[:64] == 0).all() and (lab[64:448, 100:] != 255).any()
    else:                         # 100x30 -> 512x154, columns 179..332
        assert (lab[:, :179] == 255).all() and (lab[:, 333:] == 255).all()
print("ok")
PY
	assert_output ok
}

@test "--images DIR --masks DIR match pairs by file name" {
	rm d/mask/im002.png
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' --images d/img --masks d/mask
	assert_output 'mkshards: d/img/im002.jpg: no mask for this photo'
	run -0 "$check" o-0.tar
	assert_output '5 samples 256x256'
}

@test "a truncated JPEG is refused, the rest written, exit 1" {
	head -c 600 d/img/im001.jpg > d/img/cut.jpg
	printf 'd/img/cut.jpg\td/mask/im001.png\n' >> d/list.tsv
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' < d/list.tsv
	assert_output --regexp '^mkshards: stdin:7: d/img/cut.jpg: .*(JPEG|jpeg|end of|truncat)'
	run -0 "$check" o-0.tar
	assert_output '6 samples 256x256'
}

@test "a photo and mask of different sizes are refused" {
	printf 'd/img/im000.jpg\td/mask/im001.png\n' > l.tsv
	sed -n 2,6p d/list.tsv >> l.tsv
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' --list l.tsv
	assert_output 'mkshards: l.tsv:1: d/mask/im001.png: mask is 100x30 but the photo d/img/im000.jpg is 48x64'
	run -0 "$check" o-0.tar
	assert_output '5 samples 256x256'
}

@test "mask values that are no category and not 255 are refused" {
	"$py" -c '
import numpy as np; from PIL import Image
m = np.zeros((48, 64), np.uint8); m[5, 7] = 47
Image.fromarray(m, mode="L").save("d/mask/im000.png")'
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' < d/list.tsv
	assert_output 'mkshards: stdin:1: d/mask/im000.png: value 47 at row 5, column 7 is no category (0-46) and not 255'
}

@test "a photo larger than --max-pixels is refused before decoding" {
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' --max-pixels 3000 < d/list.tsv
	assert_line 'mkshards: stdin:1: d/img/im000.jpg: 48x64 is more than 3000 pixels (--max-pixels)'
	run -0 "$check" o-0.tar
	assert_output '3 samples 256x256'
}

@test "a decompression bomb's header is refused under the default limit" {
	# 20000x20000 = 400 Mpixel of 1-bit grey in a 50 kB PNG
	"$py" -c '
import struct, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
idat = zlib.compress(bytes(20000 * 2501), 9)
open("bomb.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 1, 0, 0, 0, 0)) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))'
	[ "$(stat -c %s bomb.png)" -lt 200000 ]
	printf 'bomb.png\td/mask/im000.png\n' > l.tsv
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' --list l.tsv
	assert_output 'mkshards: l.tsv:1: bomb.png: 20000x20000 is more than 100000000 pixels (--max-pixels)'
	[ ! -e o-0.tar ]
}

@test "duplicate keys and unsafe keys are refused" {
	mkdir other && cp d/img/im003.jpg other/ && cp d/img/im003.jpg 'd/img/a b.jpg'
	{ cat d/list.tsv; printf 'other/im003.jpg\td/mask/im003.png\n'; \
	  printf 'd/img/a b.jpg\td/mask/im003.png\n'; } > l.tsv
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' --list l.tsv
	assert_line "mkshards: l.tsv:7: duplicate key 'im003' (first at l.tsv:4)"
	assert_line --partial "mkshards: l.tsv:8: d/img/a b.jpg: image id 'a b' is not a safe shard key"
	run -0 "$check" o-0.tar
	assert_output '6 samples 256x256'
}

@test "missing files and bad lines are reported with their line" {
	printf 'nope.jpg\td/mask/im000.png\nno tab here\n' > l.tsv
	run -1 "$bin/mkshards" -q -o 'o-%d.tar' --list l.tsv
	assert_line 'mkshards: l.tsv:1: nope.jpg: No such file or directory'
	assert_line 'mkshards: l.tsv:2: expected IMAGE<TAB>MASK'
	[ ! -e o-0.tar ]
}

@test "a shard is never left half-written under its final name" {
	mkdir ro && chmod 555 ro
	if [ "$(id -u)" = 0 ]; then	# root writes anywhere: use a missing dir
		run -1 "$bin/mkshards" -q -o 'missing/o-%d.tar' < d/list.tsv
	else
		run -1 "$bin/mkshards" -q -o 'ro/o-%d.tar' < d/list.tsv
	fi
	[ -z "$(ls -A ro)" ]
	[ ! -e missing ]
}

@test "a shard flipped in one byte is detected by name and sample" {
	"$bin/mkshards" -q -o 'o-%d.tar' --size 16 < d/list.tsv
	run -0 "$check" o-0.tar
	key=$(tar tf o-0.tar | sed -n 7p)
	key=${key%.ppm}
	# sample 2 begins at 2 * (3 members of 1536 + 512 + 1024 bytes)
	off=$((2 * 3584 + 512 + 100))
	"$py" -c "
f = open('o-0.tar', 'r+b'); f.seek($off); b = f.read(1); f.seek($off)
f.write(bytes([b[0] ^ 1]))"
	run -1 "$check" o-0.tar
	assert_output "shardcheck: o-0.tar: sample 2 ($key): checksum mismatch: corrupt shard"
	run -1 "$check" --lazy o-0.tar
	assert_output "shardcheck: o-0.tar: sample 2 ($key): checksum mismatch: corrupt shard"
}

@test "a truncated shard is detected by name and sample" {
	"$bin/mkshards" -q -o 'o-%d.tar' --size 16 < d/list.tsv
	truncate -s 9000 o-0.tar
	run -1 "$check" o-0.tar
	assert_output --regexp '^shardcheck: o-0.tar: sample 2: .*truncated'
	"$bin/mkshards" -q -o 'o-%d.tar' --size 16 < d/list.tsv
	truncate -s $((6 * 3584)) o-0.tar
	run -1 "$check" o-0.tar
	assert_output --regexp '^shardcheck: o-0.tar: sample 6: truncated'
}

@test "photos are resized with a good filter: close to PIL's Lanczos" {
	"$py" -c '
import numpy as np; from PIL import Image
y, x = np.mgrid[0:600, 0:800]
img = np.stack([128 + 100 * np.sin(x / 9.0), 128 + 100 * np.cos(y / 13.0),
                (x + y) % 256], -1).astype(np.uint8)
Image.fromarray(img).save("d/img/big.jpg", quality=95)
Image.fromarray(np.zeros((600, 800), np.uint8)).save("d/mask/big.png")'
	printf 'd/img/big.jpg\td/mask/big.png\n' > l.tsv
	run -0 "$bin/mkshards" -q -o 'o-%d.tar' --size 64 --list l.tsv
	run -0 "$py" - <<'PY'
import io, tarfile
import numpy as np
from PIL import Image
t = tarfile.open("o-0.tar")
got = np.asarray(Image.open(io.BytesIO(t.extractfile("big.ppm").read())), float)
ref = np.asarray(Image.open("d/img/big.jpg").convert("RGB").resize((64, 64), Image.LANCZOS), float)
d = abs(got - ref)
print("mean %.2f" % d.mean())
assert d.mean() < 2.0, d.mean()
PY
}

@test "grey, alpha and EXIF-rotated photos become 3-band sRGB, unrotated" {
	"$py" -c '
import numpy as np; from PIL import Image
g = (np.arange(48 * 64).reshape(48, 64) % 256).astype(np.uint8)
Image.fromarray(g).save("d/img/grey.jpg")
a = np.zeros((48, 64, 4), np.uint8); a[..., 0] = 200; a[..., 3] = 255
Image.fromarray(a, "RGBA").save("d/img/alpha.png")
ex = Image.Exif(); ex[0x0112] = 6
Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save("d/img/rot.jpg", exif=ex)'
	for k in grey alpha rot; do
		printf 'd/img/%s.%s\td/mask/im000.png\n' $k \
			"$( [ $k = alpha ] && echo png || echo jpg )"
	done > l.tsv
	run -0 "$bin/mkshards" -q -o 'o-%d.tar' --size 32 --list l.tsv
	run -0 "$py" - <<'PY'
import io, json, tarfile
import numpy as np
from PIL import Image
t = tarfile.open("o-0.tar")
for k in ("grey", "alpha", "rot"):
    im = Image.open(io.BytesIO(t.extractfile(k + ".ppm").read()))
    meta = json.loads(t.extractfile(k + ".json").read())
    assert im.mode == "RGB" and im.size == (32, 32)
    assert (meta["height"], meta["width"]) == (48, 64), meta
a = np.asarray(Image.open(io.BytesIO(t.extractfile("alpha.ppm").read())))
assert abs(int(a[..., 0].mean()) - 200) <= 1
print("ok")
PY
	assert_output ok
}

@test "no pairs: nothing written, exit 0" {
	run -0 "$bin/mkshards" -o 'o-%d.tar' < /dev/null
	assert_output 'mkshards: 0 samples in 0 shards'
	[ ! -e o-0.tar ]
}
