#!/usr/bin/env bash
# Executions per second of each model's fuzz binaries with the schedule
# armed against the same binary with injection off (issue 5, goal: ratio
# armed/off >= 0.5). Binaries: <model>[_fixed].fuzz (libFuzzer), .afl
# (AFL++), .sfuzz (sigstorm's builtin engine), whichever the build has.
# Modes, same binary, seed and corpus:
#   off          SIGSTORM_FUZZ_INJECT=0 (nothing armed: plain engine speed)
#   armed        SIGSTORM_FUZZ_ORACLE=window (interruption coverage on)
#   armed-nocov  the same with SIGSTORM_FUZZ_ICOV=0
# Each run starts from a fresh copy of one generated corpus (bench/
# gen_corpus.c: 64 inputs, random schedule prefixes and workloads);
# repetitions are interleaved mode by mode, medians printed.
#
#   bench/fuzz_exec_bench.sh [--build DIR] [--seconds S] [--reps N]
#                            [--models LIST] [--engines LIST] [--fixed-only]
#                            [--replay [--replay-runs R]]
#
# --replay: no campaign. Each binary runs the same 64 inputs R times each
# in one process, no mutation, no corpus growth (libFuzzer and builtin:
# -runs=R FILE...; AFL++: its driver runs each file argument once, outside
# afl-fuzz, so the 64 files are given R times, R at most 1024): the cost
# of arming per input, on identical inputs. R (default: about --seconds of work, from
# two short off runs of the binary) is the same for every mode. The off mode gets the inputs
# without their 32-byte prefix (with injection off the runtime hands the
# whole input to the target), so every mode runs the same workload bytes.
#
# A buggy binary's libFuzzer or builtin campaign stops at its first crash
# when armed: its exec/s is then over that shorter run, marked "stopped
# after X s" (the run is dominated by start-up and loading the corpus; read
# the fixed twins' figures for the cost of arming). AFL++ goes on after
# crashes. --fixed-only measures the twins alone. Nothing is asserted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

build="$root/build"
seconds=10
reps=3
models=""
engines="libfuzzer,afl,builtin"
fixed_only=0
replay=0
replay_runs=auto
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
  --build) build=$2; shift 2 ;;
  --seconds) seconds=$2; shift 2 ;;
  --reps) reps=$2; shift 2 ;;
  --models) models=$2; shift 2 ;;
  --engines) engines=$2; shift 2 ;;
  --fixed-only) fixed_only=1; shift ;;
  --replay) replay=1; shift ;;
  --replay-runs) replay_runs=$2; shift 2 ;;
  -h | --help) usage ;;
  *) echo "fuzz_exec_bench: unknown option '$1'" >&2; usage ;;
  esac
done
[ "$replay_runs" = auto ] || [ "$replay" -eq 1 ] || { echo "fuzz_exec_bench: --replay-runs needs --replay" >&2; exit 2; }
for v in "$seconds" "$reps" "${replay_runs/auto/1}"; do
  case "$v" in '' | *[!0-9]* | 0) echo "fuzz_exec_bench: '$v' is not a positive whole number" >&2; exit 2 ;; esac
done
build=$(cd "$build" && pwd) || { echo "fuzz_exec_bench: no build folder (run ci/build)" >&2; exit 2; }
T="$build/targets"
if [ -z "$models" ]; then
  models=$(grep -o '^SS_MODEL([a-z_]*' "$root/targets/models.def" | sed 's/SS_MODEL(//' | paste -sd, -)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_exec_bench.XXXXXX")
mkdir -p "$tmp/pg" # one file per live process group of ours
cleanup() {
  local p
  trap - EXIT INT TERM
  for p in "$tmp"/pg/*; do [ -e "$p" ] && kill -KILL -- "-${p##*/}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CC=${CC:-cc}
"$CC" -std=c11 -O2 -o "$tmp/gen_corpus" "$here/gen_corpus.c"
mkdir -p "$tmp/corpus"
"$tmp/gen_corpus" "$tmp/corpus" 64 1
mkdir -p "$tmp/workload" # the same inputs without their schedule prefix
for f in "$tmp"/corpus/*; do tail -c +33 "$f" >"$tmp/workload/${f##*/}"; done
# AFL++'s replay names every file R times on one command line: short
# names, and R at most AFL_MAX_RUNS (the argument list's size)
AFL_MAX_RUNS=1024
mapfile -t AFL_NAMES < <(seq -f '%02g' 0 63)
mkdir -p "$tmp/rc" "$tmp/rw"
i=0
for f in "$tmp"/corpus/*; do
  n=$(printf '%02d' "$i")
  cp "$f" "$tmp/rc/$n"
  cp "$tmp/workload/${f##*/}" "$tmp/rw/$n"
  i=$((i + 1))
done

mode_env() {
  case "$1" in
  off) echo "SIGSTORM_FUZZ_INJECT=0" ;;
  armed) echo "SIGSTORM_FUZZ_ORACLE=window" ;;
  armed-nocov) echo "SIGSTORM_FUZZ_ORACLE=window SIGSTORM_FUZZ_ICOV=0" ;;
  esac
}
ext_of() { case "$1" in libfuzzer) echo fuzz ;; afl) echo afl ;; builtin) echo sfuzz ;; esac; }

# Runs in a session of its own, killed when done: $1 seconds at most, log $2.
run_group() {
  local t=$1 log=$2 pid rc=0
  shift 2
  setsid timeout -k 5 "$t" "$@" >"$log" 2>&1 &
  pid=$!
  : >"$tmp/pg/$pid"
  wait "$pid" || rc=$?
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$tmp/pg/$pid"
  return "$rc"
}

# One replay: every input --replay-runs times in one process; prints
# "execs_per_s wall_s crashed(0/1)" or "n/a" (a crash ends the process: no
# figure).
measure_replay() {
  local engine=$1 bin=$2 mode=$3 d="$tmp/run" s e rc=0 dir="$tmp/corpus" runs=${4:-$runs_now}
  [ "$mode" != off ] || dir="$tmp/workload"
  rm -rf "$d"
  mkdir -p "$d/art"
  local cwd=. cmd=("$bin" -runs="$runs" -timeout=0 -handle_usr1=0 -handle_usr2=0 "$dir"/*) k
  if [ "$engine" = afl ]; then # the files, R times, from their folder
    cwd="$tmp/rc"
    [ "$mode" != off ] || cwd="$tmp/rw"
    [ "$runs" -le "$AFL_MAX_RUNS" ] || runs=$AFL_MAX_RUNS
    cmd=("$bin")
    for ((k = 0; k < runs; k++)); do cmd+=("${AFL_NAMES[@]}"); done
  fi
  s=$(date +%s%N)
  # shellcheck disable=SC2046
  (cd "$cwd" && run_group $((seconds + 120)) "$d/log" env $(mode_env "$mode") \
    SIGSTORM_FUZZ_ARTIFACTS="$d/art" "${cmd[@]}") || rc=$?
  e=$(date +%s%N)
  if [ "$rc" -ne 0 ]; then
    cp "$d/log" "$tmp/last_failed.log"
    echo "n/a"
    return
  fi
  awk -v n=$((64 * runs)) -v s="$s" -v e="$e" \
    'BEGIN { w = (e - s) / 1e9; printf "%.0f %.3f 0\n", (w > 0 ? n / w : 0), w }'
}

# One run: prints "execs_per_s wall_s crashed(0/1)" or "n/a".
measure() {
  [ "$replay" -eq 0 ] || { measure_replay "$@"; return; }
  local engine=$1 bin=$2 mode=$3 d="$tmp/run" s e execs wall crashed=0
  rm -rf "$d"
  mkdir -p "$d/art"
  cp -r "$tmp/corpus" "$d/corpus"
  s=$(date +%s%N)
  case "$engine" in
  libfuzzer)
    # shellcheck disable=SC2046
    run_group $((seconds + 60)) "$d/log" env $(mode_env "$mode") SIGSTORM_FUZZ_ARTIFACTS="$d/art" \
      "$bin" -timeout=0 -handle_usr1=0 -handle_usr2=0 -seed=1 -max_total_time="$seconds" \
      -print_final_stats=1 -artifact_prefix="$d/art/" "$d/corpus" || true
    e=$(date +%s%N)
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$d/log" | tail -1)
    ;;
  builtin)
    # shellcheck disable=SC2046
    run_group $((seconds + 60)) "$d/log" env $(mode_env "$mode") SIGSTORM_FUZZ_ARTIFACTS="$d/art" \
      "$bin" -seed=1 -max_total_time="$seconds" -timeout=5 -artifact_prefix="$d/art/" "$d/corpus" || true
    e=$(date +%s%N)
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$d/log" | tail -1)
    [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$d/log" | tail -1)
    [ -n "$execs" ] || execs=$(grep -ao '^#[0-9]*' "$d/log" | tr -d '#' | sort -n | tail -1)
    ;;
  afl)
    # shellcheck disable=SC2046
    run_group $((seconds + 60)) "$d/log" env $(mode_env "$mode") SIGSTORM_FUZZ_ARTIFACTS="$d/art" \
      AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
      AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1 \
      afl-fuzz -i "$d/corpus" -o "$d/afl" -s 1 -V "$seconds" -t 3000 -- "$bin" || true
    e=$(date +%s%N)
    execs=""
    if [ -s "$d/afl/default/fuzzer_stats" ]; then
      local st lu
      execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$d/afl/default/fuzzer_stats")
      st=$(awk -F' *: *' '$1 == "start_time" { print $2 }' "$d/afl/default/fuzzer_stats")
      lu=$(awk -F' *: *' '$1 == "last_update" { print $2 }' "$d/afl/default/fuzzer_stats")
      # afl-fuzz's own clock: from its start to its last stats update
      [ "$lu" -gt "$st" ] && s=$((st * 1000000000)) && e=$((lu * 1000000000))
    fi
    ;;
  esac
  if [ -z "${execs:-}" ]; then
    cp "$d/log" "$tmp/last_failed.log"
    echo "n/a"
    return
  fi
  if [ "$engine" != afl ] && { [ -n "$(ls -A "$d/art")" ] || grep -aq 'deadly signal' "$d/log"; }; then
    crashed=1
  fi
  wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
  awk -v x="$execs" -v w="$wall" -v c="$crashed" 'BEGIN { printf "%.0f %s %d\n", (w > 0 ? x / w : 0), w, c }'
}

echo "sigstorm fuzz exec/s bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) CPUs; build: $build"
if [ "$replay" -eq 1 ]; then
  echo "replay: 64 generated inputs x $replay_runs runs each per process, medians of $reps (modes interleaved); off without the prefix"
else
  echo "${seconds}s per run, medians of $reps (modes interleaved), seed 1, 64-input generated corpus copied per run"
fi
echo
printf '   %-26s %-9s %10s %10s %7s %12s %7s   %s\n' binary engine "off" armed ratio armed-nocov ratio notes
for m in ${models//,/ }; do
  variants="${m}_fixed"
  [ "$fixed_only" -eq 1 ] || variants="$variants $m"
  for engine in ${engines//,/ }; do
    for v in $variants; do
      bin="$T/$v.$(ext_of "$engine")"
      if [ ! -x "$bin" ]; then
        echo "   n/a: ${bin#"$build"/} not built"
        continue
      fi
      if [ "$engine" = afl ] && [ "$replay" -eq 0 ] && ! command -v afl-fuzz >/dev/null; then
        echo "   n/a: afl-fuzz not installed (Debian package afl++)"
        continue
      fi
      runs_now=$replay_runs
      if [ "$replay" -eq 1 ] && [ "$runs_now" = auto ]; then
        # the off mode's seconds per pass over the 64 inputs, start-up
        # apart: 1 pass, then 2, 4, ... until the run is clearly longer
        read -r _ w1 _ <<<"$(measure_replay "$engine" "$bin" off 1)"
        r=1 wr=${w1:-0}
        rmax=4096
        [ "$engine" != afl ] || rmax=$AFL_MAX_RUNS
        while [ "$r" -lt "$rmax" ] && awk -v a="${w1:-0}" -v b="$wr" 'BEGIN { exit !(b < 2 * a + 0.3) }'; do
          r=$((r * 2))
          read -r _ wr _ <<<"$(measure_replay "$engine" "$bin" off "$r")"
          wr=${wr:-0}
        done
        runs_now=$(awk -v a="${w1:-0}" -v b="$wr" -v r="$r" -v t="$seconds" \
          'BEGIN { p = (r > 1 ? (b - a) / (r - 1) : b); if (p < 1e-5) p = 1e-5; n = int(t / p); print (n < 1 ? 1 : (n > 100000 ? 100000 : n)) }')
        [ "$engine" != afl ] || [ "$runs_now" -le "$AFL_MAX_RUNS" ] || runs_now=$AFL_MAX_RUNS
      fi
      declare -A R=() W=() C=()
      for _ in $(seq 1 "$reps"); do
        for mode in off armed armed-nocov; do
          read -r x w c <<<"$(measure "$engine" "$bin" "$mode")"
          [ "$x" != n/a ] || { echo "   ($v $engine $mode: no figure; log: $(tail -c 200 "$tmp/last_failed.log" | tr '\n' ' '))" >&2; continue; }
          R[$mode]="${R[$mode]:-}$x"$'\n'
          W[$mode]="${W[$mode]:-}$w"$'\n'
          C[$mode]=$(( ${C[$mode]:-0} + c ))
        done
      done
      med_of() { [ -n "${R[$1]:-}" ] && printf '%s' "${R[$1]}" | median || echo -; }
      off=$(med_of off)
      arm=$(med_of armed)
      noc=$(med_of armed-nocov)
      ratio() { [ "$1" != - ] && [ "$off" != - ] && awk -v a="$1" -v b="$off" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }' || echo -; }
      notes=""
      for mode in off armed armed-nocov; do
        if [ "${C[$mode]:-0}" -gt 0 ]; then
          notes="$notes $mode: ${C[$mode]}/$reps stopped at a crash after $(printf '%s' "${W[$mode]}" | median)s;"
        fi
      done
      [ "$replay" -eq 0 ] || notes="$notes runs=$runs_now;"
      printf '   %-26s %-9s %10s %10s %7s %12s %7s  %s\n' "$v" "$engine" "$off" "$arm" "$(ratio "$arm")" "$noc" "$(ratio "$noc")" "$notes"
      unset R W C
    done
  done
done
echo
echo "   (exec/s: executions over the run's wall time; ratio: mode / off, goal >= 0.5)"
