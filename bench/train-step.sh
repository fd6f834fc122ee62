#!/bin/sh
# bench/train-step.sh — our U-Net training step and inference against
# PyTorch's (the same network, tests/ref/unet.py) on the same batch size,
# image size and thread count, side by side: images/s and peak RSS of
# each, and their ratios (ours / PyTorch's). Run after `make all`.
#
# usage: sh bench/train-step.sh [ITERS [THREADS [SIZE]]]
# Each number is the median of ITERS timed steps after one warm-up.
top=$(cd "$(dirname "$0")/.." && pwd)
iters=${1:-3}
threads=${2:-2}
size=${3:-256}
ours="$top/build/bench/train_step"
theirs="$top/bench/train_step.py"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

[ -x "$ours" ] || { echo "train-step: run make all first" >&2; exit 1; }

# measure NAME CMD...: leaves images/s in $NAME.ips and peak RSS (MB)
# in $NAME.rss
measure() {
	name=$1; shift
	if ! /usr/bin/time -f %M -o "$tmp/$name.time" "$@" > "$tmp/$name.out"; then
		echo "train-step: $* failed" >&2
		exit 1
	fi
	awk '{ print $NF }' "$tmp/$name.out" > "$tmp/$name.ips"
	awk '{ printf "%.0f\n", $1 / 1024 }' "$tmp/$name.time" > "$tmp/$name.rss"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "size ${size}x$size, $threads threads, median of $iters"
printf '%-6s %7s %5s | %9s %9s %6s | %7s %7s %6s\n' mode filters batch \
    "ours/s" "torch/s" ratio "ours MB" "torch MB" ratio
for c in "train 16 8" "train 32 8" "infer 16 1" "infer 16 8" \
    "infer 32 1" "infer 32 8"; do
	set -- $c
	measure ours "$ours" "$1" "$2" "$size" "$3" "$iters" "$threads"
	measure torch /usr/bin/python3 "$theirs" "$1" "$2" "$size" "$3" \
	    "$iters" "$threads"
	paste "$tmp/ours.ips" "$tmp/torch.ips" "$tmp/ours.rss" \
	    "$tmp/torch.rss" | awk -v m="$1" -v f="$2" -v b="$3" '{
		printf "%-6s %7d %5d | %9.3f %9.3f %5.2fx | %7d %7d %5.2fx\n",
		    m, f, b, $1, $2, $1 / $2, $3, $4, $3 / $4 }'
done
