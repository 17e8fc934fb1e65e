#!/usr/bin/env bash
# A long fuzzing campaign counted in CPU time: runs the targets one after another, each until its
# fuzzer has used CPU_SECONDS of CPU (utime + stime from /proc/PID/stat, polled every few seconds)
# or has executed FUZZ_MAX_EXECUTIONS inputs (default 10 million: the issue's other bound, passed to
# libFuzzer as -runs), then stops it with SIGINT so libFuzzer prints its final statistics. Every run
# of a target appends one row to .build/fuzz/work/campaign.tsv; a target whose rows for the current
# binary add up to CPU_SECONDS or FUZZ_MAX_EXECUTIONS (or hold a finding) is skipped, so a campaign
# that was stopped continues where it was, from the corpora it grew (.build/fuzz/work/corpus/<target>/).
# FUZZ_JOBS=N (default 1) runs N fuzzers at once, the targets dealt out in turn, one per core.
#
# The fuzzers run at nice 19. Pause and resume the whole campaign (script and fuzzer, one process
# group whose id is in .build/fuzz/work/campaign.pid) with
#     kill -STOP -- -$(cat .build/fuzz/work/campaign.pid)   and   kill -CONT -- -$(...)
# a paused fuzzer uses no CPU, so the pause never counts; per-input time is CPU time too (InputCPULimit).
# SIGTERM, SIGINT or SIGHUP to the script stop the fuzzer and record the CPU it used.
#
# Usage: Fuzz/run-campaign.sh BINARY CPU_SECONDS TARGET...   (from the repository root)
#        Fuzz/run-campaign.sh --status        (one line per target: the sums for the last campaign's binary)
set -u
work=${FUZZ_WORK:-.build/fuzz/work}
results=$work/campaign.tsv
header='target	binary	commit	cpu_seconds	wall_seconds	executions	edges	features	corpus	findings	ended	date'
poll=5                                 # seconds between two reads of the fuzzer's CPU time
max_executions=${FUZZ_MAX_EXECUTIONS:-10000000}
jobs=${FUZZ_JOBS:-1}
wall_limit=${FUZZ_WALL_LIMIT:-86400}   # per target, in unpaused polling time: bounds the loop if the fuzzer starves
blocked_limit=${FUZZ_BLOCKED_SECONDS:-120}  # asleep with no CPU for this long: a blocked input (deadlock)
ticks=$(getconf CLK_TCK)
declare -A dictionary=([gguf]=gguf [adapter]=json [safetensors]=json [jsonl]=json [chat-json]=json
                       [experiment]=yaml [sse]=sse [template]=jinja [report]=report)

# What libFuzzer saves for a crash (ASan report, trap, abort, InputCPULimit), a timeout, an oom or a leak.
finding_names='^(crash|timeout|oom|leak)-'
count_findings() { ls "$1" | grep -cE "$finding_names"; }

binary_hash() { sha256sum "$1" | cut -c1-16; }

# Sums of this binary's rows for one target: cpu seconds, executions, and findings (tab-separated).
target_totals() {
    awk -F'\t' -v t="$1" -v h="$2" '$1 == t && $2 == h { cpu += $4; runs += $6; found += $10 }
        END { printf "%d\t%d\t%d\n", cpu, runs, found }' "$results" 2>/dev/null
}

if [ "${1:-}" = "--status" ]; then
    copy=$(ls "$work"/campaign-bin/tollgate-fuzz-* 2>/dev/null | head -1)
    [ -n "$copy" ] || { echo "no campaign has run yet (no $work/campaign-bin)"; exit 0; }
    hash=${copy##*-}
    echo "binary $hash; the campaign's rows are in $results"
    printf '%-14s %9s %12s %7s %8s %7s %8s  %s\n' target cpu_s executions edges features corpus findings ended
    for target in $(awk -F'\t' -v h="$hash" 'NR > 1 && $2 == h && !seen[$1]++ { print $1 }' "$results" 2>/dev/null); do
        IFS=$'\t' read -r cpu runs found < <(target_totals "$target" "$hash")
        last=$(awk -F'\t' -v t="$target" -v h="$hash" '$1 == t && $2 == h { line = $0 } END { print line }' "$results")
        IFS=$'\t' read -r _ _ _ _ _ _ edges features corpus _ ended _ <<<"$last"
        printf '%-14s %9s %12s %7s %8s %7s %8s  %s\n' "$target" "$cpu" "$runs" "$edges" "$features" "$corpus" "$found" "$ended"
    done
    exit 0
fi

binary=$1 budget=$2
shift 2
[ -x "$binary" ] || { echo "no fuzz binary at $binary; run make fuzz-build first" >&2; exit 3; }
mkdir -p "$work"
if [ -f "$work/campaign.pid" ] && kill -0 -- "-$(cat "$work/campaign.pid")" 2>/dev/null; then
    echo "a campaign is running already (process group $(cat "$work/campaign.pid")); stop it first" >&2
    exit 3
fi
ps -o pgid= $$ | tr -d ' ' >"$work/campaign.pid"
[ -f "$results" ] || echo "$header" >"$results"
hash=$(binary_hash "$binary")
# The campaign runs its own copy, so a rebuild while it runs changes neither the binary nor its rows.
copy=$work/campaign-bin/tollgate-fuzz-$hash
if [ ! -x "$copy" ]; then rm -rf "$work/campaign-bin"; mkdir -p "$work/campaign-bin"; cp "$binary" "$copy"; fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- Sources Fuzz 2>/dev/null || commit="$commit+changes"
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1

# CPU time in clock ticks (utime + stime, fields 14 and 15) and state (field 3) of one process,
# nothing once it is gone.
ticks_and_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }                   # the command name may hold spaces; the fields after it do not
    set -- $stat
    echo "$(( ${12} + ${13} )) $1"
}

# Fuzzes the given targets one after another (one lane of the campaign; a subshell when FUZZ_JOBS > 1).
run_targets() {
    local fuzzer=0 stop_reason="" target
    trap 'stop_reason=signal; [ "$fuzzer" -gt 0 ] && kill -INT "$fuzzer" 2>/dev/null' TERM INT HUP
    for target in "$@"; do
        [ -n "$stop_reason" ] && break
        IFS=$'\t' read -r used executed found < <(target_totals "$target" "$hash")
        if [ "$found" -gt 0 ]; then echo "$target: skipped, it has a finding with this binary (fix it and rebuild)"; continue; fi
        if [ "$used" -ge "$budget" ]; then echo "$target: skipped, done ($used CPU seconds with this binary)"; continue; fi
        if [ "$executed" -ge "$max_executions" ]; then echo "$target: skipped, done ($executed executions with this binary)"; continue; fi
        remaining=$((budget - used)) remaining_runs=$((max_executions - executed))
        findings=$work/findings/$target log=$work/campaign-$target.log
        mkdir -p "$work/corpus/$target" "$findings"
        before=$(count_findings "$findings")
        # Both time limits of libFuzzer count wall time, which a pause or a busy machine inflates: -timeout
        # is off (InputCPULimit aborts an input over 1 s of CPU) and slow units are never reported.
        options=(-timeout=0 -report_slow_units=1000000000 -malloc_limit_mb=512 -rss_limit_mb=4096 -print_final_stats=1 -runs="$remaining_runs"
                 -artifact_prefix="$findings/")
        [ -n "${dictionary[$target]:-}" ] && options+=(-dict="Fuzz/dictionaries/${dictionary[$target]}.dict")
        echo "$target: fuzzing for $remaining CPU seconds or $remaining_runs executions ($(date -u +%H:%M:%S) UTC; log $log)"
        started=$(date +%s)
        nice -n 19 "$copy" "$target" "${options[@]}" "$work/corpus/$target" "Fuzz/corpus/$target" >"$log" 2>&1 &
        fuzzer=$!
        used_ticks=0 ended=budget polls=0 idle=0
        while :; do
            sleep "$poll" & wait $!         # wait returns at once on a trapped signal
            now="" state=""
            read -r now state < <(ticks_and_state "$fuzzer")
            if [ -n "$stop_reason" ]; then ended=$stop_reason; break; fi
            if [ -z "$now" ] || [ "$state" = Z ]; then ended=exit; break; fi
            # Asleep and no CPU since the last poll: libFuzzer's loop never sleeps, so an input is blocked.
            # (A stopped fuzzer is in state T and a starved one in R: neither is counted.)
            if [ "$now" -eq "$used_ticks" ] && { [ "$state" = S ] || [ "$state" = D ]; }; then idle=$((idle + poll)); else idle=0; fi
            used_ticks=$now polls=$((polls + 1))
            [ $((used_ticks / ticks)) -ge "$remaining" ] && break
            if [ $((polls * poll)) -ge "$wall_limit" ]; then ended=wall-limit; break; fi
            if [ "$idle" -ge "$blocked_limit" ]; then
                ended=blocked   # SIGABRT goes through libFuzzer's crash handler, which saves the input
                kill -ABRT "$fuzzer"; break
            fi
        done
        case $ended in exit|blocked) ;; *) kill -INT "$fuzzer" 2>/dev/null ;; esac
        # libFuzzer prints its final statistics and exits; its last CPU reading is taken just before.
        # A zombie's /proc stat still holds its final times; the loop ends there (or after a minute).
        for _ in $(seq 60); do
            now="" state=""
            read -r now state < <(ticks_and_state "$fuzzer")
            [ -z "$now" ] && break
            used_ticks=$now
            [ "$state" = Z ] && break
            sleep 1
        done
        wait "$fuzzer"
        code=$?
        rm -rf "/dev/shm/tollgate-fuzz-$fuzzer"
        fuzzer=0 cpu=$((used_ticks / ticks))
        executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
        coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
        edges=$(echo "$coverage" | awk '{print $2}') features=$(echo "$coverage" | awk '{print $4}')
        corpus=$(ls "$work/corpus/$target" | wc -l)
        new_findings=$(( $(count_findings "$findings") - before ))
        [ "$ended" = exit ] && [ "$code" -ne 0 ] && [ "$new_findings" -eq 0 ] && ended="exit-$code"
        [ "$ended" = exit ] && [ "$code" -eq 0 ] && [ "${executions:-0}" -ge "$remaining_runs" ] && ended=executions
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$hash" "$commit" "$cpu" $(( $(date +%s) - started )) \
            "${executions:-0}" "${edges:-?}" "${features:-?}" "$corpus" "$new_findings" "$ended" "$(date -u +%FT%TZ)" >>"$results"
        echo "$target: $cpu CPU s, ${executions:-?} executions, ${edges:-?} edges, $new_findings findings ($ended)"
        if [ "$new_findings" -gt 0 ]; then
            grep -m3 -E 'ERROR|SUMMARY|property broken|CPU time|Fatal error' "$log" | sed 's/^/    /'
            for input in $(ls -t "$findings" | grep -E "$finding_names" | head -"$new_findings"); do
                nice -n 19 "$copy" "$target" -minimize_crash=1 -runs=20000 -max_total_time=300 \
                    -exact_artifact_path="$findings/minimized-$input" "$findings/$input" >"$log.minimize" 2>&1
                echo "    $findings/$input (minimised: $findings/minimized-$input)"
            done
        fi
    done
}

if [ "$jobs" -le 1 ]; then
    run_targets "$@"
else
    # Deal the targets out to the lanes in turn (the list runs cheapest first, so each lane gets a mix).
    lanes=() index=0
    for target in "$@"; do lanes[index % jobs]+="$target "; index=$((index + 1)); done
    pids=()
    for lane in "${lanes[@]}"; do
        # shellcheck disable=SC2086  # a lane is a space-separated list of target names
        run_targets $lane &
        pids+=($!)
    done
    # A signal to the process group reaches every lane and fuzzer; here it only ends one wait early.
    trap ':' TERM INT HUP
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
    done
fi
rm -f "$work/campaign.pid"
