#!/bin/sh
# make demo: the pipeline as far as it exists, on the bundled sample
# (two Fashionpedia photos and their rows): masks out of the CSV, a
# submission back out of the masks, and a check that they agree.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${DEMO_OUT:-$top/demo-out}
bin=$top/bin
sample=$top/examples/sample

rm -rf "$out"
mkdir -p "$out/masks"
echo "== rle2mask: rows of $sample/train.csv -> $out/masks/"
"$bin/rle2mask" -o "$out/masks" "$sample/train.csv"
ls -l "$out/masks"
echo
echo "== rle2mask --stats: what the sample holds"
"$bin/rle2mask" --stats "$sample/train.csv" | awk -F'\t' 'NR == 1 || $4 > 0'
echo
echo "== mask2rle --instances: the masks back as a submission -> $out/submission.csv"
"$bin/mask2rle" --instances --min-area 20 "$out"/masks/*.png > "$out/submission.csv"
cut -c1-70 "$out/submission.csv"
echo
echo "== round trip: masks -> train.csv layout -> masks, byte for byte"
mkdir -p "$out/again"
"$bin/mask2rle" --sizes "$out"/masks/*.png > "$out/masks.csv"
"$bin/rle2mask" -o "$out/again" "$out/masks.csv"
for f in "$out"/masks/*.png; do
	cmp "$f" "$out/again/$(basename "$f")"
done
echo "identical: $(ls "$out/again" | wc -l) masks"
echo
echo "Look at: $out/masks/*.png (label masks: value = category + 1)"
echo "         $out/submission.csv (one row per object)"
