#!/usr/bin/env bash
# Deadlock findings carry every thread's symbolized stack and name the
# cycle in one sentence; nothing of a deadlocked target is left running.
. "$(dirname "$0")/lib.sh"
# private copies of the models: the check that nothing is left running
# must not see other tests' processes
mkdir -p "$T/targets"
for p in mutex_in_handler malloc_lock_deadlock stdio_in_handler; do
  cp "$TARGETS/$p" "$TARGETS/${p}_fixed" "$T/targets/"
done
TARGETS="$T/targets"

# a self-deadlock on a pthread mutex, replayed: stacks through the handler
run_rc 1 "$SS" replay --target-dir "$TARGETS" --report "$T/r" "$SRC/corpus/mutex_in_handler/deadlock-log-lock.case"
d='[.findings[] | select(.kind == "deadlock")][0]'
jq_true "$T/r/report.json" "$d.threads | length >= 1" "replay: no thread stacks"
jq_true "$T/r/report.json" \
  "[$d.threads[].frames[].function] | (index(\"sigstorm_trampoline\") != null) and (index(\"log_append\") != null) and (index(\"main\") != null)" \
  "replay: the stack does not go through the handler into main"
jq_true "$T/r/report.json" "$d.cycle | test(\"SIGUSR1 handler on_usr1 on thread [0-9]+ waits\") and test(\"interrupted frame of the same thread holds\")" \
  "replay: no cycle sentence"
grep -q '    cycle: ' "$T/err" || fail "the text report does not show the cycle"

# the same under stress: the runtime's lock table names the mutex and where
# it was taken (a signal that lands between the real lock and the table's
# update: glibc's owner field names the holder, "(glibc's owner field)")
run_rc 1 "$SS" stress --runs 40 --jobs 2 --seed 1 --no-cases --report "$T/s" -- "$TARGETS/mutex_in_handler"
jq_true "$T/s/report.json" \
  "[.findings[] | select(.kind == \"deadlock\") | .cycle | test(\"(waits \\\\(in log_append\\\\) for mutex 0x[0-9a-f]+(, taken in log_append)?|waits for a lock).*, which the interrupted frame of the same thread holds\")] | any" \
  "stress: the cycle does not name the lock and who holds it"
# the replay lands inside pthread_mutex_unlock: the table still says held
jq_true "$T/r/report.json" "$d.cycle | test(\"for mutex 0x[0-9a-f]+, taken in log_append\")" \
  "replay: the cycle does not name the mutex"

# glibc's own locks: the malloc arena lock and stdio's lock
run_rc 1 "$SS" stress --runs 200 --jobs 2 --seed 1 --no-cases --report "$T/m" -- "$TARGETS/malloc_lock_deadlock"
jq_true "$T/m/report.json" \
  '[.findings[] | select(.kind == "deadlock") | .cycle | test("waits for the malloc arena lock")] | any' \
  "malloc_lock_deadlock: the cycle does not name the arena lock"
run_rc 1 "$SS" replay --target-dir "$TARGETS" --report "$T/f" "$SRC/corpus/stdio_in_handler/deadlock-fwrite-lock.case"
jq_true "$T/f/report.json" \
  '[.findings[] | select(.kind == "deadlock") | .cycle | test("stdio stream.s lock")] | any' \
  "stdio: the cycle does not name the stream lock"

# nothing left running
sleep 0.2
for p in mutex_in_handler malloc_lock_deadlock stdio_in_handler; do
  ! pgrep -f "^$TARGETS/$p\$" >/dev/null || fail "a $p process is still running"
done
echo "deadlock: ok"
