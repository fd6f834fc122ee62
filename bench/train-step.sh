#!/bin/sh
# bench/train-step.sh — our U-Net training step and inference against
# PyTorch's (the same network, tests/ref/unet.py) on the same batch size,
# image size and thread count, side by side: images/s and peak RSS of
# each, and their ratios (ours / PyTorch's). Run after `make all`.
#
# usage: sh bench/train-step.sh [ITERS [THREADS [SIZE [ROUNDS]]]]
# Each run times ITERS steps after one warm-up and reports their median;
# the two programs run in turn ROUNDS times, and the table shows the
# median run of each (and the largest peak RSS), so that a neighbour's
# burst of load does not fall on one side only. Lines starting with #
# say what ran: the CPU, our instruction set, OpenBLAS's kernels, each
# 3x3 layer's algorithm (IMATSEG_ISA and IMATSEG_CONV force them), and
# PyTorch's version, so that two hosts' tables can be told apart.
top=$(cd "$(dirname "$0")/.." && pwd)
iters=${1:-3}
threads=${2:-2}
size=${3:-256}
rounds=${4:-3}
ours="$top/build/bench/train_step"
theirs="$top/bench/train_step.py"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

[ -x "$ours" ] || { echo "train-step: run make all first" >&2; exit 1; }

# measure NAME CMD...: appends images/s to $NAME.ips and peak RSS (MB)
# to $NAME.rss
measure() {
	name=$1; shift
	if ! /usr/bin/time -f %M -o "$tmp/time" "$@" > "$tmp/out"; then
		echo "train-step: $* failed" >&2
		exit 1
	fi
	awk '{ print $NF }' "$tmp/out" >> "$tmp/$name.ips"
	awk '{ printf "%.0f\n", $1 / 1024 }' "$tmp/time" >> "$tmp/$name.rss"
}

# median FILE, max FILE
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
max() { sort -g "$1" | tail -n 1; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "size ${size}x$size, $threads threads, median of $iters steps," \
    "median of $rounds alternating runs"
# what ran: the CPU, our instruction set, OpenBLAS's kernels, each 3x3
# layer's algorithm; PyTorch's version and its oneDNN
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
    "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o 'avx512f\|avx2\|fma' | sort -u | tr '\n' ' ')"
"$ours" plan 16 "$size" && "$ours" plan 32 "$size" || exit 1
/usr/bin/python3 -c 'import torch; print("# torch", torch.__version__,
    "mkldnn", torch.backends.mkldnn.is_available())'
printf '%-6s %7s %5s | %9s %9s %6s | %7s %7s %6s\n' mode filters batch \
    "ours/s" "torch/s" ratio "ours MB" "torch MB" ratio
for c in "train 16 8" "train 32 8" "infer 16 1" "infer 16 8" \
    "infer 32 1" "infer 32 8"; do
	set -- $c
	rm -f "$tmp"/*.ips "$tmp"/*.rss
	r=0
	while [ "$r" -lt "$rounds" ]; do
		measure ours "$ours" "$1" "$2" "$size" "$3" "$iters" "$threads"
		measure torch /usr/bin/python3 "$theirs" "$1" "$2" "$size" \
		    "$3" "$iters" "$threads"
		r=$((r + 1))
	done
	echo "$(median "$tmp/ours.ips") $(median "$tmp/torch.ips")" \
	    "$(max "$tmp/ours.rss") $(max "$tmp/torch.rss")" |
	    awk -v m="$1" -v f="$2" -v b="$3" '{
		printf "%-6s %7d %5d | %9.3f %9.3f %5.2fx | %7d %7d %5.2fx\n",
		    m, f, b, $1, $2, $1 / $2, $3, $4, $3 / $4 }'
done
