#!/usr/bin/env bash
# Replay benchmarks (precise instruction windows): for each corpus case,
# the median time of one replay; the reproduction rate of its finding under
# plain random `stress` (the baseline) next to the rate under `replay`; and
# sweep windows per second. Needs a built tree (ci/build) and jq.
#   bench/replay_bench.sh [--quick]        BUILD=build by default
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SS="$BUILD/bin/sigstorm"
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
  times=10 sruns=100 offsets=0-39
else
  times=30 sruns=400 offsets=0-149
fi
[ -x "$SS" ] || {
  echo "missing $SS: build first (ci/build), or set BUILD" >&2
  exit 2
}
command -v jq >/dev/null || {
  echo "needs jq" >&2
  exit 2
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# sigstorm, where exit status 0 or 1 is a success; 2 or 3 stops here
ss() {
  local rc=0
  "$SS" "$@" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "sigstorm $* failed with exit $rc" >&2
    exit 1
  fi
}

echo "sigstorm replay benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?')$([ $quick = 1 ] && echo ", --quick")"
echo
echo "1. each corpus case: one replay (median of $times), and how often its"
echo "   finding shows up: under replay, and in plain random stress runs"
echo "   (--runs $sruns --jobs 2 --seed 1, the baseline)"
printf "   %-48s %10s %12s %16s\n" case "replay ms" "replay rate" "stress rate"
for c in corpus/*/*.case; do
  name=${c#corpus/}
  out=$("$SS" replay --times "$times" "$c" 2>"$T/err") || true
  rate=$(sed -n 's/^reproduced \([0-9]*\)\/\([0-9]*\)$/\1 \2/p' <<<"$out")
  [ -n "$rate" ] || {
    echo "   $name: replay failed: $(tail -1 "$T/err")"
    continue
  }
  # median wall time of one replay, measured around single replays
  for _ in $(seq 1 "$times"); do
    s=$(date +%s%N)
    "$SS" replay "$c" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    echo $(((e - s) / 1000))
  done | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)] / 1000}' >"$T/med"
  # the finding the case expects, under random stress
  target=$(sed -n 's/^target //p' "$c")
  args=$(sed -n 's/^args //p' "$c")
  kind=$(sed -n 's/^expect \([a-z-]*\).*/\1/p' "$c" | head -1)
  handler=$(sed -n 's/^expect .*handler=\([^ ]*\).*/\1/p' "$c" | head -1)
  intr=$(sed -n 's/^expect .*interrupted=\([^ ]*\).*/\1/p' "$c" | head -1)
  prog="$BUILD/$target"
  [ -x "$prog" ] || prog="$target"
  rm -rf "$T/s"
  # shellcheck disable=SC2086
  ss stress --runs "$sruns" --jobs 2 --seed 1 --no-cases --report "$T/s" -- "$prog" $args >/dev/null 2>&1
  sruns_hit=$(jq --arg k "$kind" --arg h "$handler" --arg i "$intr" \
    '[.findings[] | select(.kind == $k and ($h == "" or .handler == $h) and ($i == "" or .interrupted == $i)) | .runs] | add // 0' "$T/s/report.json")
  printf "   %-48s %10.1f %12s %16s\n" "$name" "$(cat "$T/med")" \
    "$(awk -v a="${rate% *}" -v b="${rate#* }" 'BEGIN {printf "%d/%d", a, b}')" \
    "$(awk -v a="$sruns_hit" -v b="$sruns" 'BEGIN {printf "%d/%d (%.1f%%)", a, b, 100 * a / b}')"
done
echo

echo "2. sweep windows per second (malloc, calls 1-3, offsets $offsets)"
for m in malloc_in_handler regresshion; do
  sig=SIGUSR1
  [ $m = regresshion ] && sig=SIGALRM
  s=$(date +%s%N)
  ss sweep --signal $sig --function malloc --calls 1-3 --offsets "$offsets" \
    -- "$BUILD/targets/$m" >"$T/sweep" 2>&1
  e=$(date +%s%N)
  n=$(grep -c '^malloc#' "$T/sweep" || true)
  printf "   %-24s %6d windows in %6.1fs: %6.1f windows/s; windows with heap-corruption: %d, reentrancy: %d\n" \
    $m "$n" "$(awk -v d=$((e - s)) 'BEGIN {print d / 1e9}')" \
    "$(awk -v n="$n" -v d=$((e - s)) 'BEGIN {print n / (d / 1e9)}')" \
    "$(grep -c 'heap-corruption' "$T/sweep" || true)" "$(grep -c 'reentrancy' "$T/sweep" || true)"
done
