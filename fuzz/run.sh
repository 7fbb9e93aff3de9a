#!/usr/bin/env bash
# Builds the fuzz targets once (nightly, the product stays on stable), runs
# each, and prints what each did from libFuzzer's final stats: executions,
# exec/s, seconds and findings (crash, timeout and OOM inputs). Exits non-zero
# on any finding or on a run that ended without its stats.
#
#   fuzz/run.sh [--smoke] [TARGET...]      (every target when none is named)
#
# FUZZ_SECS   seconds per target (default 120)
# FUZZ_RUNS   stop a target after this many executions too (default: no limit)
# FUZZ_JOBS   targets run at the same time, one process each (default 1)
# --smoke     start from the committed seeds only and keep nothing; otherwise
#             the corpus grown in fuzz/target/corpus/ is kept for the next run.
set -euo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz_dir/.."

smoke=false
if [[ ${1:-} == --smoke ]]; then
    smoke=true
    shift
fi
secs=${FUZZ_SECS:-120}
runs=${FUZZ_RUNS:-}
jobs=${FUZZ_JOBS:-1}

cargo +nightly fuzz build
targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir="$fuzz_dir/target/$host/release"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# cargo fuzz runs its targets with this; a direct run needs it too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}

# Runs one target and writes "target executions exec/s seconds findings" to $results.
run_one() {
    local target=$1 work log stamp start end
    if $smoke; then
        work="$results/$target.corpus"
    else
        work="$fuzz_dir/target/corpus/$target"
    fi
    mkdir -p "$work" "$fuzz_dir/artifacts/$target"
    log="$results/$target.log"
    stamp="$results/$target.stamp"
    touch "$stamp"
    start=$(date +%s.%N)
    local status=0
    nice -n 10 "$bin_dir/$target" "$work" "$fuzz_dir/corpus/$target" \
        -max_total_time="$secs" ${runs:+-runs="$runs"} -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$fuzz_dir/artifacts/$target/" >"$log" 2>&1 || status=$?
    end=$(date +%s.%N)
    local execs rate findings
    execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
    rate=$(awk '/^stat::average_exec_per_sec:/ { print $2 }' "$log")
    findings=$(find "$fuzz_dir/artifacts/$target" -type f -newer "$stamp" | wc -l)
    if [[ -z $execs ]] || { ((status != 0)) && ((findings == 0)); }; then
        findings="$findings (run failed, exit $status)"
    fi
    if [[ $findings != 0 ]]; then
        grep -E -m 5 -A 2 "panicked at|ERROR: libFuzzer|Test unit written" "$log" >&2 || tail -n 20 "$log" >&2
    fi
    local seconds
    seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
    printf '%s\t%s\t%s\t%s\t%s\n' "$target" "${execs:-0}" "${rate:-0}" "$seconds" "$findings" \
        | tee "$results/$target.result" | awk -F'\t' '{ printf "%-22s %12s execs %9s exec/s %6s s  findings: %s\n", $1, $2, $3, $4, $5 }'
}

# 12345678 -> 12,345,678, whatever the locale.
thousands() {
    sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"
}

for target in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do
        wait -n || true
    done
    run_one "$target" &
done
wait

echo
echo "| target | executions | exec/s | seconds | findings |"
echo "|---|---:|---:|---:|---:|"
failed=0
for target in "${targets[@]}"; do
    IFS=$'\t' read -r name execs rate seconds findings <"$results/$target.result"
    printf '| `%s` | %s | %s | %s | %s |\n' "$name" "$(thousands "$execs")" "$(thousands "$rate")" "$seconds" "$findings"
    [[ $findings == 0 ]] || failed=1
done
exit "$failed"
