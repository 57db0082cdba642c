#!/usr/bin/env bash
# sigstorm benchmarks: prints figures, medians and ratios against baselines
# measured in the same run, interleaved (these machines are noisy). Needs a
# built tree (ci/build) and jq. See bench/README.md for how to read them.
#   bench/run_bench.sh [--quick]        BUILD=build by default
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SS="$BUILD/bin/sigstorm"
B="$BUILD/bench"
RT="$BUILD/lib/libsigstorm.so"

quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*)
  echo "usage: $0 [--quick]" >&2
  exit 2
  ;;
esac
if [ $quick = 1 ]; then
  sruns=60 ireps=3 mreps=3 msteps=2000000
else
  sruns=200 ireps=5 mreps=7 msteps=5000000
fi

for f in "$SS" "$RT" "$B/spin" "$B/tgkill_bare" "$B/mallocbench"; do
  [ -e "$f" ] || {
    echo "missing $f: build first (ci/build), or set BUILD" >&2
    exit 2
  }
done
command -v jq >/dev/null || {
  echo "needs jq" >&2
  exit 2
}

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# median of the numbers on stdin, one a line
median() {
  sort -g | awk '{a[NR] = $1}
    END {if (!NR) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
# min-max of the numbers on stdin, in printf format $1 (default %.0f)
spread() {
  sort -g | awk -v f="${1:-%.0f}" 'NR == 1 {lo = $1} {hi = $1}
    END {printf f "-" f, lo, hi}'
}
# arithmetic: calc 'EXPR'
calc() { awk "BEGIN {printf \"%.6g\\n\", $1}"; }
# is EXPR true: yes 'EXPR'
yes_if() { awk "BEGIN {exit !($1)}"; }
# the value of NAME=... on the line in FILE
field() {
  local v
  v=$(sed -nE "s/^(.* )?$1=([0-9.]+).*/\2/p" "$2")
  [ -n "$v" ] || {
    echo "no $1= in the output of the last command:" >&2
    cat "$2" >&2
    exit 3
  }
  echo "$v"
}
# sigstorm, where exit status 1 (findings) is a success; 2 or 3 stops here
ss() {
  local rc=0
  "$SS" "$@" 2>"$T/ss.err" || rc=$?
  if [ $rc -gt 1 ]; then
    echo "error: sigstorm $* exited with $rc:" >&2
    tail -5 "$T/ss.err" >&2
    return $rc
  fi
}
# a fresh report folder
fresh() { rm -rf "$T/r" && mkdir -p "$T/r"; }

rev=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
[ -z "$(git status --porcelain -- injector host cli reports 2>/dev/null)" ] ||
  rev="$rev+local changes"
echo "sigstorm benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $("$SS" version 2>/dev/null || echo sigstorm) ($rev)$([ $quick = 1 ] && echo ", --quick")"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo

# ---- 1 ---------------------------------------------------------------------
echo "1. stress runs/s (--runs $sruns --jobs 2 --seed 1)"
printf "   %-26s %8s %9s %13s\n" model "runs/s" findings "ms/run/job"
for m in regresshion malloc_in_handler stdio_in_handler; do
  for v in "$m" "${m}_fixed"; do
    fresh
    if ss stress --runs "$sruns" --jobs 2 --seed 1 --report "$T/r" \
      -- "$BUILD/targets/$v" >/dev/null && [ -s "$T/r/report.json" ]; then
      read -r runs el nf < <(jq -r '"\(.runs) \(.elapsed_s) \(.findings | length)"' "$T/r/report.json")
      printf "   %-26s %8.1f %9d %13.1f\n" "$v" "$(calc "$runs / $el")" "$nf" \
        "$(calc "1000 * $el * 2 / $runs")"
    else
      printf "   %-26s %8s\n" "$v" "error"
    fi
  done
done
echo

# ---- 2 ---------------------------------------------------------------------
echo "2. SIGUSR1 per second into a spinning main thread (medians of $ireps, interleaved)"
# sent/s and handled/s of a tgkill_bare output (or of spin under sigstorm)
# into $T/<key>_s and $T/<key>_h; handled/s over the interval in which the
# target saw signals arrive
rates() {
  local key=$1 w
  w=$(calc "$(field last "$T/o") - $(field first "$T/o")")
  if ! yes_if "$w > 0"; then # no signal arrived
    echo 0 >>"$T/${key}_s"
    echo 0 >>"$T/${key}_h"
    [ "$key" != a ] || echo 0 >>"$T/a_w"
    return
  fi
  if [ "$key" = a ]; then
    echo "$w" >>"$T/a_w"
    calc "$(jq -r .signals_fired "$T/r/report.json") / $w" >>"$T/a_s"
  else
    calc "$(field sent "$T/o") / $(field seconds "$T/o")" >>"$T/${key}_s"
  fi
  calc "$(field window_handled "$T/o") / $w" >>"$T/${key}_h"
}
for k in a b c d e; do : >"$T/${k}_s"; : >"$T/${k}_h"; done
: >"$T/a_w"
for i in $(seq "$ireps"); do
  fresh # a. sigstorm's injector thread, as fast as it goes, for 1 s
  ss run --seed "$i" --schedule 'sig=SIGUSR1 every=0 until=1s' --report "$T/r" \
    -- "$B/spin" --seconds 1.2 >"$T/o"
  rates a
  "$B/tgkill_bare" --seconds 1 >"$T/o" # b. bare tgkill loop, second thread
  rates b
  "$B/tgkill_bare" --seconds 1 --paced >"$T/o" # c. send, wait, send
  rates c
  "$B/tgkill_bare" --seconds 1 --self >"$T/o" # d. to itself
  rates d
  # e. b with the runtime's trampoline in the path, no injector thread
  ss run --no-inject -- "$B/tgkill_bare" --seconds 1 >"$T/o"
  rates e
done
printf "   %-52s %9s %10s %15s\n" "" "sent/s" "handled/s" "handled range"
row() {
  printf "   %-52s %9.0f %10.0f %15s\n" "$2" "$(median <"$T/$1_s")" \
    "$(median <"$T/$1_h")" "$(spread <"$T/$1_h")"
}
row a "a. sigstorm run, injector thread, every=0 until=1s"
row b "b. bare tgkill loop from a second thread"
row c "c. bare, second thread, paced (waits for the handler)"
row d "d. bare tgkill to self (no cross-CPU wake-up)"
row e "e. b under sigstorm run --no-inject (trampoline)"
h_a=$(median <"$T/a_h"); h_b=$(median <"$T/b_h")
h_c=$(median <"$T/c_h"); h_e=$(median <"$T/e_h")
ratio=$(calc "$h_a / $h_b")
printf "   handled ratio a/b (sigstorm / bare cross-thread): %.2fx (goal >= 0.5x: %s)\n" \
  "$ratio" "$(yes_if "$ratio >= 0.5" && echo met || echo "NOT met")"
printf "   a/c (vs the paced sender): %.2fx; trampoline alone e/b: %.2fx\n" \
  "$(calc "$h_a / $h_c")" "$(calc "$h_e / $h_b")"
a_w=$(median <"$T/a_w")
printf "   signals reached spin for %.3f s (median) with until=1s" "$a_w"
if yes_if "$a_w > 1.05"; then
  echo ": until= NOT honoured"
else
  echo
fi
echo "   (handled/s: the handler's count over the interval in which the target saw"
echo "   signals arrive; sent/s for a: report.json's signals_fired over that interval)"
echo

# ---- 3 ---------------------------------------------------------------------
echo "3. mallocbench, no signals: ns per malloc/free/realloc (medians of $mreps, interleaved)"
: >"$T/m0"; : >"$T/m1"; : >"$T/m2"
for i in $(seq "$mreps"); do
  for j in 0 1 2; do # rotate the order, so no variant always goes first
    case $(((i + j) % 3)) in
    0) "$B/mallocbench" --steps "$msteps" >"$T/o"
      field ns_per_op "$T/o" >>"$T/m0" ;;
    1) ss run --no-inject -- "$B/mallocbench" --steps "$msteps" >"$T/o"
      field ns_per_op "$T/o" >>"$T/m1" ;;
    2) LD_PRELOAD="$RT" "$B/mallocbench" --steps "$msteps" >"$T/o"
      field ns_per_op "$T/o" >>"$T/m2" ;;
    esac
  done
done
m0=$(median <"$T/m0"); m1=$(median <"$T/m1"); m2=$(median <"$T/m2")
printf "   %-10s %12s %22s %22s\n" "" "plain" "sigstorm --no-inject" "LD_PRELOAD only"
printf "   %-10s %12.2f %22.2f %22.2f\n" "ns/op" "$m0" "$m1" "$m2"
printf "   %-10s %12.3f %22.3f %22.3f\n" "ratio" 1 "$(calc "$m1 / $m0")" "$(calc "$m2 / $m0")"
printf "   %-10s %12s %22s %22s\n" "range" "$(spread %.2f <"$T/m0")" \
  "$(spread %.2f <"$T/m1")" "$(spread %.2f <"$T/m2")"
over=$(calc "($m1 / $m0 - 1) * 100")
printf "   overhead under sigstorm run --no-inject: %.1f%% (goal < 10%%: %s)\n" "$over" \
  "$(yes_if "$over < 10" && echo met || echo "NOT met")"
echo
echo "total $SECONDS s"
