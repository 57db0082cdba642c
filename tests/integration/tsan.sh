#!/usr/bin/env bash
# The models built with ThreadSanitizer (as the tsan preset builds them):
# TSan's own signal checks agree with sigstorm's on the bugs, find nothing
# in the fixed twins, and the runtime itself raises nothing under TSan.
. "$(dirname "$0")/lib.sh"
command -v clang >/dev/null || fail "clang is needed"
export TSAN_OPTIONS="report_signal_unsafe=1:halt_on_error=0:exitcode=0"
for m in regresshion malloc_in_handler stdio_in_handler; do
  for fixed in 0 1; do
    name=$m
    [ $fixed = 1 ] && name=${m}_fixed
    clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -DSS_MODEL_FIXED=$fixed \
      -o "$T/$name" "$SRC/targets/$m.c"
    set +e
    "$SS" stress --runs 20 --jobs 2 --seed 3 --timeout 30s --report "$T/r-$name" -- "$T/$name" >/dev/null 2>"$T/err"
    rc=$?
    set -e
    r="$T/r-$name/report.json"
    [ -f "$r" ] || { cat "$T/err" >&2; fail "$name: no report (exit $rc)"; }
    jq_true "$r" '.runtime_violations == 0 and .signals_handled > 0' "$name: runtime violation or no signal"
    if [ $fixed = 1 ]; then
      [ "$rc" = 0 ] || { jq '.findings' "$r" >&2; fail "$name: findings under TSan (exit $rc)"; }
    else
      [ "$rc" = 1 ] || fail "$name: expected findings (exit $rc)"
      jq_true "$r" '[.findings[] | select(.kind == "sanitizer" and (.detail | test("signal-unsafe call inside of a signal")))] | length > 0' \
        "$name: TSan did not report the signal-unsafe call"
      jq_true "$r" '[.findings[] | select(.kind == "unsafe-call")] | length > 0' "$name: sigstorm missed it under TSan"
    fi
    echo "$name under TSan: ok"
  done
done
echo "tsan: ok"
