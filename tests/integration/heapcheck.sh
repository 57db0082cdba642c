#!/usr/bin/env bash
# --heap-check: after a handler that called the allocator returns, the
# thread's next allocator calls walk glibc's arenas first, so the corruption
# heap_corruption's handler causes is caught in the check (named as such,
# seen by "heapcheck"), not only when the program trips over it later.
. "$(dirname "$0")/lib.sh"
run_rc 1 "$SS" stress --runs 300 --jobs 2 --seed 1 --no-cases --sanitizer glibc --heap-check \
  --report "$T/hc" -- "$TARGETS/heap_corruption"
jq_true "$T/hc/report.json" '.heap_check and .heapchecks > 0' "no heap check ran"
jq_true "$T/hc/report.json" \
  '[.findings[] | select(.kind == "heap-corruption" and (.detectors | index("heapcheck") != null) and (.detail | test("in sigstorm.s heap check, after the SIGUSR1 handler returned")))] | length >= 1' \
  "the heap check caught nothing"
grep -q -- "--heap-check --seed" "$T/hc/report.txt" || fail "the reproduce line lacks --heap-check"
# the twin: clean (its handler never allocates, so nothing is checked)
run_rc 0 "$SS" stress --runs 100 --jobs 2 --seed 1 --no-cases --sanitizer glibc --heap-check \
  --report "$T/hcf" -- "$TARGETS/heap_corruption_fixed"
echo "heapcheck: ok"
