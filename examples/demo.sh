#!/bin/sh
# make demo: first the bundled sample of real rows (two Fashionpedia
# photos): masks out of the CSV, a submission back out of the masks, a
# check that they agree, plots of what the rows hold; then the whole
# experiment graph
# (examples/Makefile) on a synthetic data set: masks, shards, a U-Net
# trained for some minutes, predictions, a submission, scores, pictures.
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
echo "== the data at a glance: rle2mask --stats, plotted (make -C examples eda)"
make --no-print-directory -s -C "$top/examples" OUT="$out" DATA="$sample" eda
echo "plots and a page: $out/eda-sample/index.html"
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
echo "== the experiment graph on synthetic data (make -C examples)"
# DEMO_VARS: other settings of examples/Makefile, e.g. "EPOCHS=5"
make --no-print-directory -s -C "$top/examples" OUT="$out/experiment" \
    ${DEMO_VARS:-}
echo
echo "Look at: $out/masks/*.png (label masks of the sample: value = category + 1)"
echo "         $out/submission.csv (the sample's objects as a submission)"
echo "         $out/eda-sample/index.html (the sample's rows at a glance)"
echo "         $out/experiment/ (every step of the experiment, as named above)"
