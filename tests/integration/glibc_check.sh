#!/usr/bin/env bash
# glibc_check.sh: under `--sanitizer glibc-debug`, glibc's malloc_check
# engages in the target (libc_malloc_debug.so's checked allocator, reached
# through the runtime's wrappers), and the wrappers still see the program's
# mallocs; `--sanitizer glibc` keeps the real allocator (no malloc_check).
. "$(dirname "$0")/lib.sh"
fix="$BUILD/tests/heap_overflow"

# 1. A 2-byte overflow is caught at free() by malloc_check's magic byte:
#    "free(): invalid pointer". Without malloc_check glibc notices later, or
#    not at all, with its ordinary checks ("malloc(): corrupted top size").
run_rc 1 "$SS" run --sanitizer glibc-debug --no-inject --no-cases --report "$T/a" -- "$fix"
jq_true "$T/a/report.json" \
  '[.findings[] | select(.kind == "heap-corruption" and .detail == "free(): invalid pointer")] | length == 1' \
  "heap_overflow: no heap-corruption finding with malloc_check's message"

# 2. The same program without the mode, and under plain glibc mode: no
#    malloc_check message.
for mode in none glibc; do
  set +e
  "$SS" run --sanitizer $mode --no-inject --no-cases --report "$T/b$mode" -- "$fix" >/dev/null 2>&1
  set -e
  jq_true "$T/b$mode/report.json" \
    '[.findings[] | select(.detail == "free(): invalid pointer")] | length == 0' \
    "heap_overflow: malloc_check's message under --sanitizer $mode"
done

# 3. The runtime still sees the program's malloc in the mode: the
#    handler's malloc is an unsafe call.
run_rc 1 "$SS" run --sanitizer glibc-debug --no-cases --seed 1 --timeout 5s \
  --schedule 'sig=SIGUSR1 every=2ms count=5' --report "$T/c" -- "$TARGETS/malloc_in_handler"
jq_true "$T/c/report.json" \
  '[.findings[] | select(.kind == "unsafe-call" and .callee == "malloc")] | length > 0' \
  "malloc_in_handler: no unsafe-call to malloc under --sanitizer glibc-debug"
# 4. regreSSHion's race in glibc's own allocator: under --sanitizer glibc
#    (the real allocator, no malloc_check) the handler's malloc re-entering
#    _int_malloc 133-135 instructions into the first call corrupts it and
#    glibc aborts: heap-corruption seen by glibc; the twin reaches the same
#    windows and stays clean.
run_rc 1 "$SS" sweep --signal SIGALRM --function malloc --calls 1-1 --offsets 133-135 \
  --sanitizer glibc --report "$T/sw" -- "$TARGETS/regresshion"
jq_true "$T/sw/report.json" \
  '[.findings[] | select(.kind == "heap-corruption" and (.detectors | index("glibc") != null))] | length >= 1' \
  "regresshion: no heap-corruption from glibc's allocator in the sweep"
run_rc 0 "$SS" sweep --signal SIGALRM --function malloc --calls 1-1 --offsets 133-135 \
  --sanitizer glibc --report "$T/swf" -- "$TARGETS/regresshion_fixed"
grep -q "^3 windows" "$T/out" || fail "regresshion_fixed: the windows were not all reached"
echo "glibc_check: ok"
