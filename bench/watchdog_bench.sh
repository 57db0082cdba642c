#!/usr/bin/env bash
# Watchdog benchmarks (the detectors issue):
#  1. false-hang rate: a slow but healthy program (tests/integration/
#     slowhealthy.c: a tight compute loop, deep computing, a spin-wait on a
#     computing worker, sleeps, timed waits in every thread, a join of a
#     sleeper, a late pipe; each phase longer than --hang) and gzip -9 on a
#     30 MB file, under random signal schedules: runs the watchdog stopped
#     (the goal is 0), next to runs that only ran past the wall-clock
#     timeout (a signal storm can slow a program that much; not the
#     watchdog's doing);
#  2. time to diagnosis without any finding before: a hang (nonatomic_flag)
#     and an ABBA deadlock between two threads (no signal involved), wall
#     time of the run minus the --hang / --stall wait.
# Medians; needs a built tree (ci/build).
#   bench/watchdog_bench.sh [--quick]        BUILD=build by default
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SS="$BUILD/bin/sigstorm"
case "${1:-}" in
--quick) runs=4 reps=5 ;;
"") runs=20 reps=11 ;;
*)
  echo "usage: $0 [--quick]" >&2
  exit 2
  ;;
esac
[ -x "$SS" ] && [ -x "$BUILD/tests/slowhealthy" ] || {
  echo "missing $SS or $BUILD/tests/slowhealthy: build first (ci/build), or set BUILD" >&2
  exit 2
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

. bench/lib.sh # cwd: the repository

echo "sigstorm watchdog benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "1. false hangs on slow but healthy programs ($runs runs each, random schedules, --jobs 2)"
# 30 MB of text gzip needs a few seconds for
seq 1 1300000 | awk '{print $1 * 7919 % 1000003, "lorem ipsum dolor"}' >"$T/big"
printf "   %-34s %6s %10s %12s %10s\n" program runs "stopped" "past timeout" "clean"
for prog in slowhealthy gzip; do
  if [ $prog = slowhealthy ]; then
    cmd=("$BUILD/tests/slowhealthy")
  else
    cmd=(gzip -9 -c "$T/big")
  fi
  "$SS" stress --runs "$runs" --jobs 2 --seed 11 --timeout 120s --no-cases \
    --report "$T/$prog" -- "${cmd[@]}" >/dev/null 2>&1 || true
  r="$T/$prog/report.json"
  stopped=$(jq '[.findings[] | select((.kind == "hang" or .kind == "deadlock") and (.detail | startswith("did not finish") | not)) | .runs] | add // 0' "$r")
  past=$(jq '[.findings[] | select(.kind == "hang" and (.detail | startswith("did not finish"))) | .runs] | add // 0' "$r")
  clean=$(jq '.runs' "$r")
  printf "   %-34s %6s %10s %12s %10s\n" "$prog" "$runs" "$stopped" "$past" "$((clean - stopped - past))"
done
echo "   (stopped: runs the watchdog called a hang or deadlock: false hangs, goal 0)"
echo

echo "2. time to diagnosis with no finding before (medians of $reps)"
printf "   %-44s %10s %12s\n" "" "wall ms" "minus wait"
for _ in $(seq 1 "$reps"); do ms "$SS" run --no-cases --hang 1s --schedule 'sig=SIGALRM after=1ms' -- "$BUILD/targets/nonatomic_flag"; done | median >"$T/h"
printf "   %-44s %10.0f %12.0f\n" "hang (nonatomic_flag), --hang 1s" "$(cat "$T/h")" "$(awk -v a="$(cat "$T/h")" 'BEGIN {print a - 1000}')"
for _ in $(seq 1 "$reps"); do ms "$SS" run --no-cases --stall 200ms -- "$BUILD/tests/abba"; done | median >"$T/d"
printf "   %-44s %10.0f %12.0f\n" "ABBA deadlock, --stall 200ms (+50 ms sleep)" "$(cat "$T/d")" "$(awk -v a="$(cat "$T/d")" 'BEGIN {print a - 250}')"
for _ in $(seq 1 "$reps"); do ms "$SS" run --no-cases --no-inject -- "$BUILD/targets/nonatomic_flag_fixed"; done | median >"$T/b"
printf "   %-44s %10.0f\n" "baseline: a run that ends by itself" "$(cat "$T/b")"
echo "   (minus wait: sampling, unwinding every thread, naming, killing, reporting)"
