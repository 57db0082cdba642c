#!/usr/bin/env bash
# Programs not written here, run under the runtime with signals they ignore
# or handle safely: identical output and exit code, no findings.
. "$(dirname "$0")/lib.sh"

check() { # NAME SCHEDULE CMD...
  local name=$1 sched=$2
  shift 2
  set +e
  "$@" >"$T/plain.out" 2>"$T/plain.err"
  local want=$?
  set -e
  rm -rf "$T/r"
  run_rc 0 "$SS" run --seed 7 --schedule "$sched" --no-cases --report "$T/r" -- "$@"
  cmp -s "$T/plain.out" "$T/out" || fail "$name: stdout differs under the runtime"
  jq_true "$T/r/report.json" ".exit.code == $want" "$name: exit code differs (want $want)"
  jq_true "$T/r/report.json" '.findings == []' "$name: false positive"
  jq_true "$T/r/report.json" '.signals_fired > 10' "$name: too few signals fired to mean anything"
  echo "$name: ok ($(jq -r '"\(.signals_fired) fired, \(.signals_handled) handled"' "$T/r/report.json"))"
}

seq 400000 -1 1 >"$T/numbers"
head -c 4000000 /dev/urandom | od -An -tx1 >"$T/text"
PY=$(command -v /usr/bin/python3 || command -v python3)
cat >"$T/prog.py" <<'PYEOF'
import signal
n = 0
def on_usr1(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGUSR1, on_usr1)
s = 0
for i in range(2000000):
    s = (s * 31 + i) % 1000003
print("result", s)
PYEOF

# SIGURG, SIGWINCH, SIGCHLD: ignored by default; 'force' fires them anyway
check ls 'sig=SIGURG rate=5kHz force' ls -laR /usr/share/doc
check ls-missing 'sig=SIGWINCH rate=5kHz force' ls -laR /usr/share/doc /no/such/dir
check sort 'sig=SIGCHLD rate=5kHz force' sort -n "$T/numbers"
check gzip 'sig=SIGURG rate=5kHz force' gzip -c "$T/text"
check python3 'sig=SIGUSR1 rate=2kHz' "$PY" "$T/prog.py"
jq_true "$T/r/report.json" '.signals_handled > 10' "python3: its handler never ran"
echo "unmodified: ok"
