#!/bin/sh
# make fuzz: runs each harness with libFuzzer for SECONDS, over its kept
# corpus, and prints per harness the executions, the coverage (edges,
# features) and the corpus size; exits 1 when one found a crash.
#
# usage: tests/fuzz/run.sh SECONDS NAME...
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=$1
shift
status=0
mkdir -p "$top/build/fuzz/crashes" "$top/build/fuzz/log"
printf '%-14s %10s %8s %8s %7s %s\n' harness execs cov ft corpus result
for name in "$@"; do
	work="$top/build/fuzz/corpus/$name"
	seeds="$top/tests/fuzz/corpus/$name"
	log="$top/build/fuzz/log/$name.log"
	mkdir -p "$work" "$seeds"
	"$top/build/fuzz/bin/$name" -max_total_time="$secs" \
	    -print_final_stats=1 -rss_limit_mb=2048 -timeout=25 \
	    -artifact_prefix="$top/build/fuzz/crashes/$name-" \
	    "$work" "$seeds" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then result=ok; else result="FOUND (see $log)"; status=1; fi
	printf '%-14s %10s %8s %8s %7s %s\n' "$name" "${execs:-?}" "${cov:-?}" \
	    "${ft:-?}" "${corp:-?}" "$result"
done
exit $status
