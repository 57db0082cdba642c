#!/usr/bin/env bash
# The runtime is invisible to what a program asks of the signal API: the
# sigsem program prints the same thing with and without it.
. "$(dirname "$0")/lib.sh"
prog="$BUILD/tests/sigsem"
"$prog" >"$T/plain" 2>&1
# attached, detectors on, no injector (sigsem raises its own signals)
run_rc 1 "$SS" run --seed 1 --no-inject --report "$T/r" -- "$prog"
diff -u "$T/plain" "$T/out" || fail "sigsem output differs under the runtime"
# its one bug: a handler that leaves errno changed
jq_true "$T/r/report.json" '[.findings[] | select(.kind == "errno-clobber" and .handler == "h_errno")] | length == 1' \
  "errno-clobber of h_errno not reported"
jq_true "$T/r/report.json" '[.findings[] | select(.kind != "errno-clobber")] | length == 0' \
  "sigsem has safe handlers only, yet other findings were reported"
# plain LD_PRELOAD without sigstorm: a pure pass-through
ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$BUILD/lib/libsigstorm.so" "$prog" >"$T/pre" 2>&1
diff -u "$T/plain" "$T/pre" || fail "sigsem output differs with a bare LD_PRELOAD"
echo "transparency: ok"
