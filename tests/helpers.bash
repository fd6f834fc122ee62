# Shared by every tests/*.bats: the libraries, the programs under test,
# a per-test directory, and Debian's Python (numpy, PIL, torch).
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# IMATSEG_BIN: the programs under test (build/asan/bin for the run of
# the whole suite under ASan and UBSan)
BIN=${IMATSEG_BIN:-$TOP/bin}
PATH="$BIN:$PATH"

# not_sanitized: skips a test of memory use when the programs run under
# ASan, whose quarantine keeps freed memory (tests/run sets
# IMATSEG_SANITIZED for that pass; the plain pass runs the test).
not_sanitized() {
	if [ -n "${IMATSEG_SANITIZED:-}" ]; then
		skip "measures memory: not under ASan (the plain run measures it)"
	fi
}
SAMPLE="$TOP/examples/sample"
PY=/usr/bin/python3

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# pixels FILE.png: the mask's rows, one line each, values space-separated.
pixels() {
	"$PY" -c '
import sys
from PIL import Image
import numpy as np
a = np.array(Image.open(sys.argv[1]))
print(a.shape[0], a.shape[1], Image.open(sys.argv[1]).mode)
for row in a: print(" ".join(str(v) for v in row))
' "$1"
}

# mkmask FILE.png H W 'python expression over numpy array m': writes an
# 8-bit grey PNG (with PIL, not with imatseg).
mkmask() {
	"$PY" -c '
import sys
from PIL import Image
import numpy as np
m = np.zeros((int(sys.argv[2]), int(sys.argv[3])), np.uint8)
exec(sys.argv[4])
Image.fromarray(m, "L").save(sys.argv[1])
' "$@"
}

# on_full_disk KB DIR CMD...: runs CMD with DIR a fresh file system of KB
# kilobytes (a tmpfs in a mount namespace of its own, so nothing stays
# mounted): a full disk for real, as root.
on_full_disk() {
	kb=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	unshare -m sh -c 'mount -t tmpfs -o size="$1"k tmpfs "$2" && shift 2 && exec "$@"' \
	    sh "$kb" "$dir" "$@"
}

# tiny_model: in the current directory, a tiny U-Net (model.st) trained
# on 32x32 shards of a 12-photo synthetic set (syn/, with syn/masks and
# 4 test photos), for the tests of the programs that use a model.
tiny_model() {
	synth-imat -o syn -n 12 --test 4 --min-side 48 --max-side 120 -j 1 \
	    >/dev/null
	mkdir syn/masks
	rle2mask -o syn/masks syn/train.csv
	mkshards -q -o 'tr-%d.tar' --size 32 --images syn/train --masks syn/masks
	unet-train -q --train tr-0.tar --val tr-0.tar -f 4 --depth 2 -b 4 \
	    -j 1 -e 2 --steps 3 -o model.st
}

# wait_listening LOG PID: waits for unet-serve's "listening on" line in
# LOG, or for PID to end (a server that cannot start says why and
# exits), and prints the URL. No time limit: a loaded machine is slow.
wait_listening() {
	while ! grep -q 'listening on http://.*/$' "$1" 2> /dev/null; do
		kill -0 "$2" 2> /dev/null || break
		sleep 0.1
	done
	sed -n 's|^unet-serve: listening on \(http://[^ ]*/\)$|\1|p' "$1"
}

# synth_pairs N: N synthetic photos of 64 to 96 pixels and their masks in
# syn/, and list.tsv pairing them, a photo and its mask a line (the
# unet-train tests cut their shards from it).
synth_pairs() {
	synth-imat -o syn -n "$1" --min-side 64 --max-side 96 -j 1 >/dev/null
	mkdir syn/masks
	rle2mask -o syn/masks syn/train.csv
	for f in syn/train/*.jpg; do
		k=$(basename "$f" .jpg)
		printf '%s\t%s\n' "$f" "syn/masks/$k.png"
	done > list.tsv
}

# meta FILE KEY: a __metadata__ value of a safetensors file (- if none).
meta() {
	"$PY" -c '
import json, struct, sys
f = open(sys.argv[1], "rb")
n = struct.unpack("<Q", f.read(8))[0]
print(json.loads(f.read(n))["__metadata__"].get(sys.argv[2], "-"))
' "$1" "$2"
}
