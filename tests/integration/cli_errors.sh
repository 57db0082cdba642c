#!/usr/bin/env bash
# Bad input: one line naming what was wrong, exit 2, nothing written.
. "$(dirname "$0")/lib.sh"

one_line_error() { # EXPECTED-SUBSTRING
  [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "want one line of error"; }
  grep -qF -- "$1" "$T/err" || { cat "$T/err" >&2; fail "error should mention '$1'"; }
}

prog="$TARGETS/regresshion_fixed"
run_rc 2 "$SS" run --schedule 'sig=SIGALRM evry=40us' -- "$prog"
one_line_error "evry=40us"
run_rc 2 "$SS" run --schedule 'sig=SIGNOPE after=1ms' -- "$prog"
one_line_error "sig=SIGNOPE"
run_rc 2 "$SS" run --schedule 'sig=SIGALRM after=12parsecs' -- "$prog"
one_line_error "after=12parsecs"
run_rc 2 "$SS" run --schedule 'sig=SIGALRM on=not_a_function#3' -- "$prog"
one_line_error "on=not_a_function#3"
run_rc 2 "$SS" run --schedule 'sig=SIGALRM on=malloc#0' -- "$prog"
one_line_error "on=malloc#0"
run_rc 2 "$SS" run --schedule 'sig=SIGALRM every=1ms rate=2kHz' -- "$prog"
one_line_error "one trigger"
run_rc 2 "$SS" run --schedule 'sig=SIGALRM after=1ms; sig=SIGUSR1 jitter=5%' -- "$prog"
one_line_error "window 2"
printf 'sig=SIGALRM after=1ms\n# a comment\nsig=SIGUSR1 every=1ms jitter=200%%\n' >"$T/sched"
run_rc 2 "$SS" run --schedule "@$T/sched" -- "$prog"
one_line_error "$T/sched"
run_rc 2 "$SS" run --schedule "@$T/missing" -- "$prog"
one_line_error "$T/missing"
run_rc 2 "$SS" run --bogus -- "$prog"
one_line_error "--bogus"
run_rc 2 "$SS" stress --runs 0 -- "$prog"
one_line_error "--runs '0'"
run_rc 2 "$SS" stress --runs 5 --duration 1s -- "$prog"
one_line_error "not both"
run_rc 2 "$SS" run -- "$T/does-not-exist"
one_line_error "does-not-exist"
printf '#!/bin/sh\n' >"$T/notexec"
run_rc 2 "$SS" run -- "$T/notexec"
one_line_error "not executable"
run_rc 2 "$SS" run -- no-such-program-in-path-xyz
one_line_error "not found in PATH"
run_rc 2 "$SS" run
one_line_error "no program"
run_rc 2 "$SS" frobnicate
one_line_error "frobnicate"

# --report pointing at a file: refused before anything runs or is written
echo precious >"$T/file"
run_rc 2 "$SS" run --report "$T/file" -- "$prog"
one_line_error "$T/file"
[ "$(cat "$T/file")" = precious ] || fail "--report clobbered a file"
run_rc 2 "$SS" run --report "$T/no/such/parent/dir" -- "$prog"
[ ! -e "$T/no" ] || fail "a bad --report created directories"

# a statically linked program cannot take the runtime: said, exit 2
if command -v busybox >/dev/null 2>&1 && ! ldd "$(command -v busybox)" >/dev/null 2>&1; then
  run_rc 2 "$SS" run -- busybox true
  one_line_error "did not load"
fi

# help works for each command, exit 0
run_rc 0 "$SS" run --help
grep -q -- "--schedule" "$T/out" || fail "run --help lacks --schedule"
run_rc 0 "$SS" stress --help
grep -q -- "--jobs" "$T/out" || fail "stress --help lacks --jobs"
run_rc 0 "$SS" help schedule
grep -q "on=FUNC#K" "$T/out" || fail "help schedule lacks on="
echo "cli_errors: ok"
