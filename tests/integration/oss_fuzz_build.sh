#!/usr/bin/env bash
# .clusterfuzzlite/build.sh (docs/fuzzing.md, "OSS-Fuzz and
# ClusterFuzzLite"), run as OSS-Fuzz runs it: once for libFuzzer, once for
# AFL++ (afl-clang-fast, libAFLDriver.a), once with OSS-Fuzz's default
# AddressSanitizer flags (which the script must drop, saying why). Each
# build's regresshion target must turn a hand-made input (SIGALRM at once,
# then packets) into sigstorm's report and an abort, its fixed twin must
# run it clean; every target has its .options. Skipped (77) without clang
# or afl-clang-fast.
. "$(dirname "$0")/lib.sh"
for c in clang clang++ afl-clang-fast afl-clang-fast++; do
  command -v "$c" >/dev/null 2>&1 || { echo "SKIP: no $c" >&2; exit 77; }
done
DRIVER=/usr/lib/afl/libAFLDriver.a
[ -f "$DRIVER" ] || { echo "SKIP: no $DRIVER" >&2; exit 77; }
BUILD_SH="$SRC/.clusterfuzzlite/build.sh"
[ -x "$BUILD_SH" ] || fail "no executable $BUILD_SH"

# record 0: after (1), the first handled signal (SIGALRM), main thread, at
# 0 ns; records 1-3 none; then 1000 packets of 200 bytes
python3 - "$T/alarm.in" <<'PY'
import sys
pre = bytes([1, 0, 0, 0, 0, 0, 0, 0]) + bytes(24)
pkt = bytes([199]) + bytes((i * 7) & 255 for i in range(200))
open(sys.argv[1], "wb").write(pre + pkt * 1000)
PY

OSS_CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only"

# oss_build NAME VAR=VALUE...: runs build.sh in the source tree with a
# fresh $OUT and $WORK, as the OSS-Fuzz image does (cwd $SRC/<project>).
oss_build() {
  local name=$1
  shift
  mkdir -p "$T/$name/out" "$T/$name/work"
  set +e
  (cd "$SRC" && env "$@" SRC="$(dirname "$SRC")" OUT="$T/$name/out" \
    WORK="$T/$name/work" bash "$BUILD_SH") >"$T/$name.log" 2>&1
  local rc=$?
  set -e
  [ "$rc" -eq 0 ] || { tail -n 30 "$T/$name.log" >&2; fail "build.sh ($name) exited $rc"; }
  [ -x "$T/$name/out/regresshion" ] && [ -x "$T/$name/out/regresshion_fixed" ] ||
    fail "build.sh ($name) built no regresshion and regresshion_fixed"
  local b
  for b in "$T/$name/out"/*; do
    case "$b" in *.options | *.zip) continue ;; esac
    [ -x "$b" ] || continue
    grep -qx 'timeout = 0' "$b.options" && grep -qx 'handle_usr1 = 0' "$b.options" &&
      grep -qx 'handle_usr2 = 0' "$b.options" && grep -qx '\[libfuzzer\]' "$b.options" ||
      fail "build.sh ($name): $(basename "$b").options is missing or incomplete"
  done
}

# check NAME ARGS...: the buggy target reports and aborts, the twin is
# clean. The input is given 5 times: the first shot comes from an injector
# thread that the first input starts.
check() {
  local name=$1
  shift
  local out="$T/$name/out"
  set +e
  "$out/regresshion" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  set -e
  [ "$rc" -ne 0 ] || { tail -n 20 "$T/err" >&2; fail "$name: regresshion ran the alarm input clean"; }
  grep -q '^==sigstorm== ERROR: sigstorm: [a-z-]*: the SIGALRM handler .* called ' "$T/err" ||
    { tail -n 20 "$T/err" >&2; fail "$name: no sigstorm report from regresshion"; }
  grep -q 'window 0: sig=SIGALRM thread=main after=0ns' "$T/err" ||
    fail "$name: the report does not give the schedule"
  run_rc 0 "$out/regresshion_fixed" "$@"
  ! grep -q '==sigstorm==' "$T/err" || fail "$name: the fixed twin reported: $(grep '==sigstorm==' "$T/err")"
}

LF=(-timeout=0 -handle_usr1=0 -handle_usr2=0 -runs=5)
A="$T/alarm.in"

oss_build libfuzzer CC=clang CXX=clang++ \
  CFLAGS="$OSS_CFLAGS -fsanitize=fuzzer-no-link" \
  CXXFLAGS="$OSS_CFLAGS -fsanitize=fuzzer-no-link" \
  LIB_FUZZING_ENGINE=-fsanitize=fuzzer
check libfuzzer "${LF[@]}" "$A"

oss_build afl CC=afl-clang-fast CXX=afl-clang-fast++ \
  CFLAGS="$OSS_CFLAGS" CXXFLAGS="$OSS_CFLAGS" LIB_FUZZING_ENGINE="$DRIVER"
grep -q '##SIG_AFL_PERSISTENT##' "$T/afl/out/regresshion" ||
  fail "afl: the AFL++ target is not in persistent mode"
nm "$T/afl/out/regresshion" >"$T/nm"
grep -q ' __afl_area_ptr$' "$T/nm" ||
  fail "afl: the target does not link AFL++'s runtime"
check afl "$A" "$A" "$A" "$A" "$A"

# OSS-Fuzz's default: AddressSanitizer. The runtime defines malloc & co.,
# so build.sh must drop ASan from the targets (and say so) and still build
# working targets.
oss_build asan CC=clang CXX=clang++ \
  CFLAGS="$OSS_CFLAGS -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
  CXXFLAGS="$OSS_CFLAGS -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
  LIB_FUZZING_ENGINE=-fsanitize=fuzzer
grep -q 'AddressSanitizer cannot link' "$T/asan.log" ||
  fail "asan: build.sh did not say it drops AddressSanitizer"
nm "$T/asan/out/regresshion" >"$T/nm"
! grep -q ' __asan_init$' "$T/nm" ||
  fail "asan: the target still carries ASan's runtime"
check asan "${LF[@]}" "$A"
echo "ok: build.sh builds working libFuzzer and AFL++ targets"
