#!/usr/bin/env bash
# Events from every process of the target's tree reach the report: a fork
# child, and a re-exec'd image that closed every inherited fd and then
# sandboxed itself (chroot into an empty directory when running as root).
. "$(dirname "$0")/lib.sh"
prog="$BUILD/tests/treeprog"
mkdir "$T/jail"
"$prog" "$T/jail" >"$T/plain" 2>&1
run_rc 1 "$SS" run --seed 1 --no-inject --no-cases --report "$T/r" -- "$prog" "$T/jail"
diff -u "$T/plain" "$T/out" || fail "treeprog output differs under the runtime"
jq_true "$T/r/report.json" '[.findings[] | select(.kind == "unsafe-call" and .handler == "on_usr1" and .callee == "malloc")] | length == 1' \
  "the fork child's unsafe call is missing"
jq_true "$T/r/report.json" '[.findings[] | select(.kind == "unsafe-call" and .handler == "on_usr2" and .callee == "printf")] | length == 1' \
  "the re-exec'd, fd-less, sandboxed image's unsafe call is missing"
jq_true "$T/r/report.json" '[.findings[] | .pid] | unique | length == 2' \
  "the findings should come from two processes"
echo "process_tree: ok"
