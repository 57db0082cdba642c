# Shared helpers for the integration tests (sourced). CTest sets BUILD and
# SRC; each test gets a scratch directory $T, removed at exit.
set -euo pipefail
: "${BUILD:?BUILD must name the build directory}"
: "${SRC:?SRC must name the source directory}"
SS="$BUILD/bin/sigstorm"
TARGETS="$BUILD/targets"
T=$(mktemp -d "${TMPDIR:-/tmp}/sigstorm-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run_rc WANT CMD...: runs CMD, output to $T/out and $T/err, checks status.
run_rc() {
  local want=$1
  shift
  set +e
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  set -e
  if [ "$rc" -ne "$want" ]; then
    echo "--- stdout" >&2; tail -n 30 "$T/out" >&2
    echo "--- stderr" >&2; tail -n 30 "$T/err" >&2
    fail "expected exit $want, got $rc: $*"
  fi
}

# jq_true FILE EXPR MESSAGE: the jq expression must be true on FILE.
jq_true() {
  jq -e "$2" "$1" >/dev/null || {
    jq . "$1" | head -n 80 >&2
    fail "$3"
  }
}
