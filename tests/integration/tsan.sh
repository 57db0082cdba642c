#!/usr/bin/env bash
# The models built with ThreadSanitizer, as the tsan preset builds them
# (gcc: its libtsan is a shared library, so the preloaded runtime sits in
# front of TSan's interceptors; clang links TSan into the executable, where
# it would shadow the runtime): TSan's own signal checks agree with
# sigstorm's on the bugs, find nothing in the fixed twins, and TSan reports
# nothing against the runtime itself.
. "$(dirname "$0")/lib.sh"
command -v gcc >/dev/null || fail "gcc is needed"
export TSAN_OPTIONS="report_signal_unsafe=1:halt_on_error=0:exitcode=0"
for m in regresshion malloc_in_handler stdio_in_handler; do
  for fixed in 0 1; do
    name=$m
    [ $fixed = 1 ] && name=${m}_fixed
    gcc -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -DSS_MODEL_FIXED=$fixed \
      -o "$T/$name" "$SRC/targets/$m.c"
    set +e
    "$SS" stress --runs 10 --jobs 2 --seed 3 --timeout 60s \
      --schedule 'sig=handled after=2ms' --no-cases --report "$T/r-$name" -- "$T/$name" >/dev/null 2>"$T/err"
    rc=$?
    set -e
    r="$T/r-$name/report.json"
    [ -f "$r" ] || { cat "$T/err" >&2; fail "$name: no report (exit $rc)"; }
    jq_true "$r" '.runtime_violations == 0 and .signals_handled > 0' "$name: runtime violation or no signal"
    if [ $fixed = 1 ]; then
      [ "$rc" = 0 ] || { jq '.findings' "$r" >&2; fail "$name: findings under TSan (exit $rc)"; }
    else
      [ "$rc" = 1 ] || fail "$name: expected findings (exit $rc)"
      if [ "$m" != stdio_in_handler ]; then
        # TSan's report is parsed into the same unsafe-call finding as the
        # runtime's own: one finding seen by both
        jq_true "$r" '[.findings[] | select(.kind == "unsafe-call" and (.detectors | index("tsan")) and (.detectors | index("sigstorm")) and (.details.tsan | test("signal-unsafe call inside of a signal")))] | length > 0' \
          "$name: TSan's signal-unsafe call did not merge with sigstorm's"
      fi
      jq_true "$r" '[.findings[] | select(.kind == "unsafe-call")] | length > 0' "$name: sigstorm missed it under TSan"
      # every TSan report is the program's call: no stack has the runtime's
      # recorder, injector or start-up code calling an unsafe function, and
      # the trampoline appears only as the handler's caller
      set +e
      "$SS" run --seed 3 --schedule 'sig=handled after=2ms' \
        -- "$T/$name" >/dev/null 2>"$T/tsan-$name.err"
      set -e
      # TSan flags the allocator family: a printf into an existing stdout
      # buffer may not allocate, so only the allocating models must report
      if [ "$m" != stdio_in_handler ]; then
        grep -q "signal-unsafe call inside of a signal" "$T/tsan-$name.err" || fail "$name: no TSan report in a single run"
      fi
      if grep -E "rt_(record|inject|core)\.c" "$T/tsan-$name.err" >&2; then
        fail "$name: TSan names the runtime's own code"
      fi
      if grep "rt_signal\.c" "$T/tsan-$name.err" | grep -v sigstorm_trampoline >&2; then
        fail "$name: TSan names the runtime's signal code"
      fi
    fi
    echo "$name under TSan: ok"
  done
done
echo "tsan: ok"
