#!/usr/bin/env bash
# Runs libFuzzer on each target for FUZZ_SECONDS and prints one line per target: executions,
# coverage (edges and features), corpus size and findings. Exits 1 when any target had a finding.
# Usage: Fuzz/run-targets.sh BINARY SECONDS TARGET... (from the repository root; `make fuzz` calls it)
set -u
binary=$1 seconds=$2
shift 2
work=.build/fuzz/work
declare -A dictionary=([gguf]=gguf [adapter]=json [safetensors]=json [jsonl]=json [chat-json]=json
                       [experiment]=yaml [sse]=sse [template]=jinja [report]=report)
# Swift's crash reporter would symbolicate every finding for seconds; libFuzzer reports them itself.
# Leak checking is off: Foundation and the Swift runtime keep caches for the life of the process.
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
printf '%-14s %12s %8s %8s %8s %9s\n' target executions edges features corpus findings
status=0
for target in "$@"; do
    rm -rf "$work/findings/$target"
    mkdir -p "$work/corpus/$target" "$work/findings/$target"
    # An input over 1 s of CPU is a finding (InputCPULimit, in the binary); -timeout is only a wall-clock
    # backstop for an input that blocks without using CPU.
    options=(-max_total_time="$seconds" -timeout=60 -malloc_limit_mb=512 -rss_limit_mb=4096 -print_final_stats=1
             -artifact_prefix="$work/findings/$target/")
    [ -n "${dictionary[$target]:-}" ] && options+=(-dict="Fuzz/dictionaries/${dictionary[$target]}.dict")
    log="$work/$target.log"
    nice -n 10 "$binary" "$target" "${options[@]}" "$work/corpus/$target" "Fuzz/corpus/$target" >"$log" 2>&1
    code=$?
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    edges=$(echo "$coverage" | awk '{print $2}') features=$(echo "$coverage" | awk '{print $4}')
    corpus=$(ls "$work/corpus/$target" | wc -l)
    findings=$(ls "$work/findings/$target" | wc -l)
    printf '%-14s %12s %8s %8s %8s %9s\n' "$target" "${executions:-?}" "${edges:-?}" "${features:-?}" "$corpus" "$findings"
    if [ "$code" -ne 0 ] || [ "$findings" -ne 0 ]; then
        status=1
        echo "  $target: exit $code; log $log; inputs in $work/findings/$target/" >&2
        grep -m3 -E 'ERROR|SUMMARY|property broken|Fatal error' "$log" | sed 's/^/    /' >&2
    fi
done
exit $status
