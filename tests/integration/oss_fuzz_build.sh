#!/usr/bin/env bash
# .clusterfuzzlite/build.sh (docs/fuzzing.md, "OSS-Fuzz and
# ClusterFuzzLite"), run as OSS-Fuzz runs it: once for libFuzzer, once for
# AFL++ (afl-clang-fast, libAFLDriver.a), once with the variables OSS-Fuzz
# sets for SANITIZER=address FUZZING_ENGINE=libfuzzer (the targets carry
# ASan, the runtime forwards its allocator to it). Each build's regresshion
# target must turn a hand-made input (SIGALRM inside the 5th malloc, then
# packets) into sigstorm's report and an abort, its fixed twin must run it
# clean; every target has its .options. The ASan build's heap_corruption,
# given a synchronous on=free#k shot, must show ASan's report of the
# handler's free() on every try (3), its fixed twin none. Skipped (77)
# without clang or afl-clang-fast.
. "$(dirname "$0")/lib.sh"
for c in clang clang++ afl-clang-fast afl-clang-fast++; do
  command -v "$c" >/dev/null 2>&1 || { echo "SKIP: no $c" >&2; exit 77; }
done
DRIVER=/usr/lib/afl/libAFLDriver.a
[ -f "$DRIVER" ] || { echo "SKIP: no $DRIVER" >&2; exit 77; }
BUILD_SH="$SRC/.clusterfuzzlite/build.sh"
[ -x "$BUILD_SH" ] || fail "no executable $BUILD_SH"

# record 0: on (4), the first handled signal (SIGALRM), the input's
# thread, malloc (function 0), the 5th entry (v=4), w=0 (even: raised by
# the calling thread inside that malloc, the same interruption every run);
# records 1-3 none; then 1000 packets of 200 bytes. (A time window, after=0
# ns from the injector thread, ran clean in 3 of 20 tries of the AFL++
# build under load, all 5 inputs of a try: the workload can end before the
# sleeping injector wakes. fuzz_abi tests that path.)
python3 - "$T/alarm.in" <<'PY'
import struct, sys
pre = bytes([4, 0, 0, 0]) + struct.pack("<HH", 4, 0) + bytes(24)
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
# clean. The input is given 5 times (the first run already reports).
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
  grep -q 'window 0: sig=SIGALRM thread=main on=malloc#5 +0ns' "$T/err" ||
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

# OSS-Fuzz's default: AddressSanitizer with libFuzzer, its variables as
# the base-builder image sets them (but for CXXFLAGS' -stdlib=libc++: the
# image has its own libc++, this machine need not). build.sh must keep ASan
# in the targets, and the targets must work with it.
ASAN_CFLAGS="$OSS_CFLAGS -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
oss_build asan CC=clang CXX=clang++ SANITIZER=address FUZZING_ENGINE=libfuzzer \
  FUZZING_LANGUAGE=c ARCHITECTURE=x86_64 \
  SANITIZER_FLAGS="-fsanitize=address -fsanitize-address-use-after-scope" \
  CFLAGS="$ASAN_CFLAGS" CXXFLAGS="$ASAN_CFLAGS" \
  LIB_FUZZING_ENGINE=-fsanitize=fuzzer
nm "$T/asan/out/regresshion" >"$T/nm"
grep -q ' __asan_init$' "$T/nm" && grep -q ' T __interceptor_malloc$' "$T/nm" ||
  fail "asan: the target does not carry ASan's runtime"
check asan "${LF[@]}" "$A"
# heap_corruption: its SIGUSR1 handler on_usr1 frees the order book under
# the workload's feet. The window oracle lets the handler's free() run, so
# the bug really corrupts; ASan must report it (a use after free or a
# double free, on_usr1 on a stack) on every try, the fixed twin never.
#
# A synchronous shot (an on= record, w even) lands inside an interposed
# call, before the real function runs. In run_input() the workload holds a
# node of the book across such a call only in its last free_list(book):
# the book's head still points to the list it frees. Elsewhere a shot is
# harmless: an edit's free() takes a node it has already unlinked, an
# insert's malloc() comes before it reads the book (on=free#1 or
# on=malloc#5 run clean). So: record 0 is on=free#25 on the input's
# thread; 64 edits (8 times: insert, insert, insert, fill, insert, cancel,
# insert, fill) make 24 free()s and leave 16 orders, whose free_list()
# makes free()s 25 to 40. The shot comes in free() 25, the first of
# free_list(), before the real free(): the handler frees the whole book,
# then the workload frees its head again: ASan's "attempting double-free",
# freed by on_usr1. Exactly that call, in a process's first input: the
# free()s ASan makes while it starts the injector thread are not counted
# (they were, 3 to 6 of them: the shot then came in an edit's harmless
# free() and the run was clean).
python3 - "$T/hc_sync.in" "$T/hc.in" <<'PY'
import struct, sys
sync = bytes([4, 0, 0, 1]) + struct.pack("<HH", 24, 0) + bytes(24)
open(sys.argv[1], "wb").write(sync + bytes([0, 1, 0, 2, 1, 3, 0, 2] * 8))
storm = bytes([2, 0, 0, 63]) + struct.pack("<HH", 2375, 0) + bytes(24)
open(sys.argv[2], "wb").write(storm + bytes([0, 1, 0, 2, 1, 3, 0, 2] * 400))
PY
LFU=(-timeout=0 -handle_usr1=0 -handle_usr2=0)
export SIGSTORM_FUZZ_ORACLE=window
# -runs=2 -detect_leaks=0: the first run reports (20 of 20 tries), the
# second is a spare for a loaded machine; no leak-check rerun
for i in 1 2 3; do
  set +e
  "$T/asan/out/heap_corruption" "${LFU[@]}" -runs=2 -detect_leaks=0 "$T/hc_sync.in" >"$T/out" 2>"$T/err"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || { tail -n 20 "$T/err" >&2; fail "asan: heap_corruption ran on=free#25 clean (try $i)"; }
  grep -Eq '^==[0-9]+==ERROR: AddressSanitizer: attempting double-free' "$T/err" &&
    sed -n '/^freed by thread/,/^$/p' "$T/err" | grep -q ' in on_usr1 ' ||
    { tail -n 40 "$T/err" >&2; fail "asan: no ASan double-free report, freed by the handler on_usr1 (try $i)"; }
done
# The fixed twin runs it clean, and a storm as well (SIGUSR1 every 20
# us, 64 shots, while the workload edits: the handler runs between edits).
# The storm is no test of the buggy build: its shots land anywhere, and
# ended in ASan's report naming on_usr1 (13 of 20 tries), a report with
# an "<empty stack>" (1), the handler's free() deadlocked on ASan's
# allocator lock (5), or nothing at all (1; 2 of 30 in all).
for inp in "$T/hc_sync.in" "$T/hc.in"; do
  run_rc 0 "$T/asan/out/heap_corruption_fixed" "${LFU[@]}" -runs=200 "$inp"
  ! grep -q 'ERROR: AddressSanitizer' "$T/err" || fail "asan: the fixed twin got an ASan report ($(basename "$inp"))"
done
echo "ok: build.sh builds working libFuzzer, AFL++ and ASan targets"
