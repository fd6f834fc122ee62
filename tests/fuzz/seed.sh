#!/bin/sh
# Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/NAME)
# from the real rows in ../shared/data (when there), the sample shipped
# in examples/, and small files made by our own programs. Run it after a
# format changes; the corpora are kept in the tree.
#
# usage: sh tests/fuzz/seed.sh   (after make)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
shared=${SHARED:-$top/../shared/data}
c=$top/tests/fuzz/corpus
bin=$top/bin
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$c"
mkdir -p "$c/rle" "$c/csvrows" "$c/labels" "$c/shard" "$c/ckpt" \
    "$c/pngmask" "$c/pngmask_crc"

# rle: 4 bytes of pixel count, then EncodedPixels; real rows first
csvs="$top/examples/sample/train.csv"
[ -d "$shared" ] && csvs="$csvs $shared/imat2019/train.csv $shared/fashionpedia/train.csv"
"$py" - "$c/rle" $csvs <<'PY'
import csv, struct, sys
out, n = sys.argv[1], 0
def put(npix, text):
    global n
    open("%s/%03d" % (out, n), "wb").write(struct.pack("<I", npix) + text)
    n += 1
for path in sys.argv[2:]:
    for row in csv.DictReader(open(path)):
        put(int(row["Height"]) * int(row["Width"]), row["EncodedPixels"].encode())
for npix, text in [(16, b""), (16, b"1 1"), (16, b"1 16"), (16, b"1 2 2 1"),
                   (16, b"3 4 9 2"), (16, b"16 1"), (4294967295, b"1 4294967295"),
                   (16, b"0 1"), (16, b"1 0"), (16, b"1"), (16, b" 1 1 "),
                   (16, b"99999999999999999999 1"), (16, b"1 1  3 1")]:
    put(npix, text)
PY

# csvrows: whole files of both layouts, a submission, a byte-order mark
for f in $csvs; do cp "$f" "$c/csvrows/$(basename "$(dirname "$f")")-$(basename "$f")"; done
[ -d "$shared" ] && cp "$shared/imat2019/train-2020format.csv" "$c/csvrows/2020.csv"
printf 'ImageId,EncodedPixels,ClassId\na.jpg,1 3,4\na.jpg,,0\nb.jpg,5 2 9 1,31\n' > "$c/csvrows/submission.csv"
printf '\357\273\277ImageId,EncodedPixels,Height,Width,ClassId\na.jpg,1 3,4,4,10_3_14\n' > "$c/csvrows/bom.csv"
printf 'ImageId,EncodedPixels,Height,Width,ClassId\n"a.jpg","1 3",4,4,1\na.jpg,5 2,4,4,1\nb.jpg,1 1,2,2,45_91\n' > "$c/csvrows/quoted.csv"

# labels: the real files and a small one
cp "$top/share/imatseg/label_descriptions.json" "$c/labels/2019.json"
[ -d "$shared" ] && cp "$shared/label_descriptions_2020.json" "$c/labels/2020.json"
printf '{"categories": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}], "attributes": [{"id": 0, "name": "x"}]}' > "$c/labels/small.json"

# shard: tiny shards of two sizes, plain and letterboxed
cd "$tmp"
"$py" "$top/tests/helpers/mkpairs.py" d 3 20x24 9x30 >/dev/null
"$bin/mkshards" -q --size 8 --per-shard 2 -o "$c/shard/s8-%d.tar" < d/list.tsv
"$bin/mkshards" -q --size 16 --letterbox -o "$c/shard/l16-%d.tar" < d/list.tsv

# ckpt: a tiny model and its resumable state
"$bin/mkshards" -q --size 8 -o t-%d.tar < d/list.tsv
"$bin/unet-train" -q --train t-0.tar --val t-0.tar -f 1 --depth 1 -b 2 \
    -j 1 -e 1 --steps 1 -o "$c/ckpt/model.safetensors" \
    --state "$c/ckpt/state.safetensors"

# pngmask, pngmask_crc: label PNGs of ours and of PIL (every filter),
# and raw scanlines for the PNG-building half of pngmask_crc
mkdir m
"$bin/rle2mask" -q -o m "$top/examples/sample/train.csv"
"$py" - "$c/pngmask" <<'PY'
import io, sys
import numpy as np
from PIL import Image
out = sys.argv[1]
r = np.random.default_rng(1)
for i, (h, w) in enumerate([(1, 1), (7, 5), (16, 16), (3, 40), (33, 2)]):
    m = (r.integers(0, 47, (h, w)) * (r.random((h, w)) < 0.5)).astype(np.uint8)
    for k, opt in enumerate([{}, {"optimize": True}, {"compress_level": 0}]):
        Image.fromarray(m, "L").save("%s/pil-%d-%d.png" % (out, i, k), **opt)
PY
"$bin/mask2rle" --sizes m/*.png > masks.csv
mkdir small
printf 'ImageId,EncodedPixels,Height,Width,ClassId\ns.jpg,3 5 20 7,8,6,4\ne.jpg,,4,4,1\n' > small.csv
"$bin/rle2mask" -q -o small small.csv
cp small/*.png "$c/pngmask/"
cp "$c/pngmask/"* "$c/pngmask_crc/"
printf '\003\002\000\001\002\003\004\001\005\005\005\005' > "$c/pngmask_crc/raw-sub"
printf '\007\007\004\010\020\030\040\050\060\070\002\001\001\001\001\001\001\001\001' > "$c/pngmask_crc/raw-paeth"
du -sh "$c"/*
