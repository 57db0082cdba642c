#!/usr/bin/env bash
# sigstorm benchmarks. Prints figures, medians and ratios against baselines
# measured in the same run (the machines are noisy). Needs a built tree
# (ci/build) and jq.
#   bench/run_bench.sh [--quick]        BUILD=build by default
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SS="$BUILD/bin/sigstorm"
B="$BUILD/bench"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
reps=$([ $quick = 1 ] && echo 3 || echo 5)
mreps=$([ $quick = 1 ] && echo 3 || echo 7)
sruns=$([ $quick = 1 ] && echo 60 || echo 200)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "sigstorm benchmarks, $(date -u +%Y-%m-%d)"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
echo

echo "1. stress runs/s (--runs $sruns --jobs 2)"
printf "   %-26s %8s %9s %9s\n" model "runs/s" findings "ms/run"
for m in regresshion malloc_in_handler stdio_in_handler; do
  for v in "$m" "${m}_fixed"; do
    "$SS" stress --runs "$sruns" --jobs 2 --seed 1 --report "$T/s" -- "$BUILD/targets/$v" >/dev/null 2>&1 || true
    read -r runs el nf < <(jq -r '"\(.runs) \(.elapsed_s) \(.findings | length)"' "$T/s/report.json")
    printf "   %-26s %8.1f %9d %9.1f\n" "$v" "$(echo "$runs / $el" | bc -l)" "$nf" \
      "$(echo "1000 * $el * 2 / $runs" | bc -l)"
  done
done
echo

echo "2. signals per second against a spinning target (1 s windows, medians of $reps)"
: >"$T/inj_f"; : >"$T/inj_h"; : >"$T/bare_s"; : >"$T/bare_h"; : >"$T/self_h"
for i in $(seq "$reps"); do
  "$SS" run --seed "$i" --schedule 'sig=SIGUSR1 every=0 until=1s' --report "$T/r" -- "$B/spin" --seconds 1.2 >"$T/o" 2>/dev/null || true
  jq -r '.signals_fired' "$T/r/report.json" >>"$T/inj_f"
  jq -r '.signals_handled' "$T/r/report.json" >>"$T/inj_h"
  "$B/tgkill_bare" --seconds 1 >"$T/o"
  field sent <"$T/o" >>"$T/bare_s"
  field handled <"$T/o" >>"$T/bare_h"
  "$B/tgkill_bare" --seconds 1 --self >"$T/o"
  field handled <"$T/o" >>"$T/self_h"
done
inj_f=$(median <"$T/inj_f"); inj_h=$(median <"$T/inj_h")
bare_s=$(median <"$T/bare_s"); bare_h=$(median <"$T/bare_h"); self_h=$(median <"$T/self_h")
ratio=$(echo "$inj_h / $bare_h" | bc -l)
printf "   %-44s %10s %10s\n" "" "sent/s" "handled/s"
printf "   %-44s %10.0f %10.0f\n" "sigstorm injector thread (every=0, 1 s)" "$inj_f" "$inj_h"
printf "   %-44s %10.0f %10.0f\n" "bare tgkill loop from a second thread" "$bare_s" "$bare_h"
printf "   %-44s %10s %10.0f\n" "bare tgkill to self (the kernel's ceiling)" "" "$self_h"
printf "   handled ratio sigstorm / bare cross-thread: %.2fx (goal >= 0.5x: %s)\n" "$ratio" \
  "$([ "$(echo "$ratio >= 0.5" | bc)" = 1 ] && echo met || echo "NOT met")"
echo "   (sigstorm counts 1 s of shots, until=1s; handled = the trampoline's count over the run)"
echo

echo "3. runtime overhead on a malloc-heavy program with no signals (ns/op, medians of $mreps)"
: >"$T/plain"; : >"$T/att"; : >"$T/pre"
for i in $(seq "$mreps"); do
  "$B/mallocbench" | field ns_per_op >>"$T/plain"
  "$SS" run --no-inject -- "$B/mallocbench" 2>/dev/null | field ns_per_op >>"$T/att"
  LD_PRELOAD="$BUILD/lib/libsigstorm.so" "$B/mallocbench" | field ns_per_op >>"$T/pre"
done
p=$(median <"$T/plain"); a=$(median <"$T/att"); q=$(median <"$T/pre")
printf "   %-52s %8.2f\n" "plain" "$p"
printf "   %-52s %8.2f  (%.3fx)\n" "under sigstorm run --no-inject (detectors on)" "$a" "$(echo "$a / $p" | bc -l)"
printf "   %-52s %8.2f  (%.3fx)\n" "bare LD_PRELOAD, no segment (pass-through)" "$q" "$(echo "$q / $p" | bc -l)"
over=$(echo "($a / $p - 1) * 100" | bc -l)
printf "   overhead with detectors: %.1f%% (goal < 10%%: %s)\n" "$over" \
  "$([ "$(echo "$over < 10" | bc)" = 1 ] && echo met || echo "NOT met")"
