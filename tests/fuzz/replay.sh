#!/bin/sh
# The fuzz harnesses' kept inputs, replayed once each through the fuzzers
# (build/fuzz/bin/NAME, ASan and UBSan; built by make check): every seed
# and every input that ever crashed a harness (tests/fuzz/regress/NAME).
# TAP, one test per harness.
top=$(cd "$(dirname "$0")/../.." && pwd)
i=0 status=0
for h in "$top"/tests/fuzz/*.c; do
	name=$(basename "$h" .c)
	i=$((i + 1))
	dirs= n=0
	for d in corpus regress; do
		dir=$top/tests/fuzz/$d/$name
		[ -d "$dir" ] || continue
		dirs="$dirs $dir"
		n=$((n + $(ls "$dir" | wc -l)))
	done
	if [ "$n" -eq 0 ]; then
		echo "not ok $i - fuzz replay $name: no kept inputs"
		status=1
		continue
	fi
	# -runs=0: each input once, no mutation; leaks inside libvips' and
	# GLib's one-time set-up are theirs (tests/lsan.supp)
	if out=$(LSAN_OPTIONS="suppressions=$top/tests/lsan.supp" \
	    "$top/build/fuzz/bin/$name" -runs=0 $dirs 2>&1); then
		echo "ok $i - fuzz replay $name: $n inputs"
	else
		echo "not ok $i - fuzz replay $name"
		echo "$out" | grep -v '^INFO\|^#' | tail -n 30 | sed 's/^/# /'
		status=1
	fi
done
echo "1..$i"
exit $status
