#!/bin/sh
# make train-synth: does the U-Net learn? A synthetic data set
# (synth-imat), its masks and 128-pixel shards, some minutes of
# unet-train on the CPU, then predictions for the held-out test photos,
# their overlays and their scores against the all-background baseline.
# Settings from the environment: N (images), EPOCHS, FILTERS, LR, JOBS.
# Measured on 2 shared cores (2026-11-29): 20 epochs in 11.5 minutes took
# the validation mean IoU of the categories from 0 (all background) to
# 0.053; 20 more (unet-train --resume -e 40) to 0.100 at epoch 35.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${TRAIN_OUT:-$top/train-out}
bin=$top/bin
n=${N:-400}
epochs=${EPOCHS:-20}
filters=${FILTERS:-8}
lr=${LR:-0.005}
jobs=${JOBS:-2}

mkdir -p "$out"
cd "$out"
if [ ! -f shards/val-0.tar ]; then
	echo "== synth-imat: $n training photos, 20 test photos"
	rm -rf syn shards
	"$bin/synth-imat" -o syn -n "$n" --test 20 --min-side 160 --max-side 256
	mkdir -p syn/masks shards
	"$bin/rle2mask" -o syn/masks syn/train.csv
	for f in syn/train/*.jpg; do
		k=$(basename "$f" .jpg)
		printf '%s\t%s\n' "$f" "syn/masks/$k.png"
	done > pairs.tsv
	# mkshards shuffles: 90% to train, 10% to validate
	nval=$((n / 10))
	head -n $((n - nval)) pairs.tsv |
	    "$bin/mkshards" -q -o 'shards/train-%d.tar' --size 128
	tail -n "$nval" pairs.tsv |
	    "$bin/mkshards" -q -o 'shards/val-%d.tar' --size 128
fi

echo "== unet-train: filters $filters, lr $lr, $epochs epochs, -j $jobs"
rm -f model.safetensors model.safetensors.last train.tsv
"$bin/unet-train" --train 'shards/train-*.tar' --val 'shards/val-*.tar' \
    -f "$filters" --lr "$lr" --dropout 0 -e "$epochs" -j "$jobs" \
    -o model.safetensors --log train.tsv

echo
echo "== the curve (epoch, train loss, val loss, val mean IoU)"
cut -f 1,3,5,6 train.tsv

echo
echo "== unet-infer on the test photos, then mask2rle and miou"
rm -rf pred overlay truth blank
mkdir -p pred overlay truth blank
"$bin/unet-infer" -m model.safetensors -o pred --overlay overlay \
    -j "$jobs" syn/test/*.jpg |
    "$bin/mask2rle" --all-images > submission.csv
"$bin/rle2mask" -o truth syn/test-truth.csv
echo "-- the model, categories only, then with the background:"
"$bin/miou" truth pred | grep -E '^(mean_iou|pixel_accuracy)'
"$bin/miou" --with-background truth pred | grep '^mean_iou'
# the baseline: an empty prediction directory counts as all background
echo "-- all background, categories only, then with the background:"
"$bin/miou" truth blank 2>/dev/null | grep -E '^(mean_iou|pixel_accuracy)' || :
"$bin/miou" --with-background truth blank 2>/dev/null | grep '^mean_iou' || :
echo "-- the competition's score:"
"$bin/miou" --kaggle syn/test-truth.csv submission.csv | tail -2
echo
echo "Look at: $out/overlay/*.png (photos blended with predicted labels)"
echo "         $out/train.tsv (one row per epoch)"
