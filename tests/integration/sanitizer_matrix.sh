#!/usr/bin/env bash
# The sanitizer matrix: heap_corruption (its handler frees the list the main
# loop edits) under --sanitizer asan,ubsan,tsan,glibc gives one merged
# report (the same budget under each mode, the sanitized builds CMake makes
# beside the model) in which every finding lists the detectors that saw it,
# and findings seen by several are one: the handler's free() is one
# unsafe-call seen by sigstorm's runtime and TSan. The fixed twin is clean
# under all four. Bad --sanitizer values and a missing sanitized build are
# exit 2 with one line.
. "$(dirname "$0")/lib.sh"
m=heap_corruption
for san in asan ubsan tsan; do
  [ -x "$TARGETS/$m.$san" ] || {
    echo "sanitizer_matrix: no $TARGETS/$m.$san (gcc's $san runtime missing?): skipped"
    exit 0
  }
done
# --steps 3000: TSan reports every free() of the handler's loop, each with
# a symbolized stack; 3000 steps keep a run under a second
args=(--runs 12 --jobs 2 --seed 1 --timeout 5s --no-cases --sanitizer asan,ubsan,tsan,glibc)
run_rc 1 "$SS" stress "${args[@]}" --report "$T/bug" -- "$TARGETS/$m" --steps 3000
r="$T/bug/report.json"
jq_true "$r" '.sanitizers == ["asan","ubsan","tsan","glibc"] and .runs == 48' \
  "the four modes' runs are not in one report"
jq_true "$r" '[.findings[] | select((.detectors | length) == 0)] | length == 0' \
  "a finding without detectors"
jq_true "$r" '[.findings[] | select(.kind == "unsafe-call" and .handler == "on_usr1" and .callee == "free")] | length == 1' \
  "the handler's free() is not one unsafe-call finding"
jq_true "$r" '.findings[] | select(.kind == "unsafe-call" and .handler == "on_usr1" and .callee == "free") | (.detectors | index("sigstorm")) and (.detectors | index("tsan")) and (.details.tsan | test("signal-unsafe call"))' \
  "the unsafe call is not seen by both sigstorm and tsan"
# heap corruption, whoever saw it (glibc, ASan, TSan), is one finding per handler
jq_true "$r" '[.findings[] | select(.kind == "heap-corruption" and .handler == "on_usr1")] | length <= 1' \
  "heap-corruption of one handler split across detectors"
grep -q "seen by: sigstorm, tsan" "$T/bug/report.txt" || fail "no 'seen by' line in report.txt"
# each mode ran its own build: findings name the mode that found them first
jq_true "$r" '[.findings[].sanitizer] | unique | length >= 2' "findings do not name their modes"
echo "matrix on $m: $(jq -c '[.findings[] | "\(.kind):\(.detectors | join("+"))"]' "$r")"

run_rc 0 "$SS" stress "${args[@]}" --report "$T/fixed" -- "$TARGETS/${m}_fixed" --steps 3000
jq_true "$T/fixed/report.json" '.findings == [] and .runs == 48' "${m}_fixed: findings under the matrix"

# usage errors: exit 2, one line, nothing run
run_rc 2 "$SS" run --sanitizer msan -- "$TARGETS/$m"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "expected asan, ubsan, tsan, glibc, glibc-debug or none" "$T/err" ||
  fail "bad --sanitizer: $(cat "$T/err")"
run_rc 2 "$SS" stress --sanitizer asan,,glibc -- "$TARGETS/$m"
[ "$(wc -l <"$T/err")" = 1 ] || fail "empty mode: $(cat "$T/err")"
cp "$TARGETS/$m" "$T/plain"
run_rc 2 "$SS" stress --runs 1 --sanitizer glibc,tsan -- "$T/plain"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "plain.tsan' does not exist" "$T/err" &&
  grep -q "sigstorm-cc --sanitizer tsan" "$T/err" || fail "missing build: $(cat "$T/err")"
run_rc 2 "$SS" replay --sanitizer asan "$SRC/corpus/heap_corruption"
[ "$(wc -l <"$T/err")" = 1 ] || fail "replay --sanitizer asan: $(cat "$T/err")"
# a program given already built with the sanitizer runs as it is
run_rc 1 "$SS" run --seed 3 --schedule 'sig=SIGUSR1 every=1ms' --no-cases \
  --sanitizer tsan -- "$TARGETS/$m.tsan" --steps 20000
grep -q "seen by: sigstorm, tsan" "$T/err" || fail "run of $m.tsan: no finding seen by tsan"
echo "sanitizer_matrix: ok"
