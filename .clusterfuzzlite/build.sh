#!/bin/bash -eu
# Builds sigstorm's fuzz targets the OSS-Fuzz/ClusterFuzzLite way
# (docs/fuzzing.md): the fuzz runtime, then each model whose source defines
# LLVMFuzzerTestOneInput, buggy and fixed, into $OUT/<model>[_fixed], linked
# with $LIB_FUZZING_ENGINE, the two --wrap flags and the whole runtime; with
# a .options file (libFuzzer's SIGALRM and SIGUSR1/2 handling off) and a
# seed corpus. Inputs: CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE OUT WORK
# (SRC is not needed: the sources are the current directory, else this
# script's parent).
#
# The runtime is compiled without the engine's instrumentation or a
# sanitizer (-fno-sanitize=all; AFL_NOOPT=1 makes afl-clang-fast a plain
# compiler), as the CMake build does: its code runs in signal handlers and
# on the injector thread, whose edges would only be noise in the coverage.
# With OSS-Fuzz's default SANITIZER=address (-fsanitize=address in CFLAGS)
# the targets are built with ASan: the runtime defines malloc & co. itself,
# ASan's runtime only as weak aliases of its __interceptor_malloc & co., so
# the runtime's win the link and forward to ASan's (docs/fuzzing.md).

set -eu
ROOT=$PWD
[ -f "$ROOT/injector/rt_fuzz.c" ] || ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${OUT:?}" "${WORK:?}" "${CC:?}" "${LIB_FUZZING_ENGINE:?}"
CXX=${CXX:-$CC}
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}

rt=$WORK/sigstorm-rt
rm -rf "$rt"
mkdir -p "$rt" "$OUT"
# every rt_* source: the in-target runtime (what injector/CMakeLists.txt
# puts in libsigstorm_fuzz.a)
for s in $(cd "$ROOT/injector" && ls rt_*.c rt_*.S); do
  # shellcheck disable=SC2086
  AFL_NOOPT=1 AFL_QUIET=1 $CC $CFLAGS -fno-sanitize=all -fno-omit-frame-pointer -std=c11 \
    -D_GNU_SOURCE -DSS_FUZZ_BUILD=1 -O2 -fPIC -fvisibility=hidden \
    -fno-builtin -fexceptions -ftls-model=initial-exec \
    -I"$ROOT/injector" -c "$ROOT/injector/$s" -o "$rt/${s%.*}.o"
done
rm -f "$WORK/libsigstorm_fuzz.a"
ar rcs "$WORK/libsigstorm_fuzz.a" "$rt"/*.o

# one seed: an empty schedule (32 zero bytes) and a few packets
seed=$WORK/sigstorm-seed
mkdir -p "$seed"
{
  head -c 32 /dev/zero
  printf '\027SSH-2.0-OpenSSH_9.7p1\r\n\0\0'
  printf '\037curve25519-sha256,ssh-ed25519\0\0\0'
} >"$seed/seed0"

n=0
for src in "$ROOT"/targets/*.c; do
  grep -q 'LLVMFuzzerTestOneInput' "$src" || continue
  model=$(basename "$src" .c)
  for fixed in 0 1; do
    t=$model
    [ "$fixed" = 1 ] && t=${model}_fixed
    # shellcheck disable=SC2086
    $CC $CFLAGS -std=c11 -D_GNU_SOURCE -DSIGSTORM_FUZZ=1 \
      -DSS_MODEL_FIXED=$fixed -c "$src" -o "$WORK/$t.o"
    # shellcheck disable=SC2086
    $CXX $CXXFLAGS "$WORK/$t.o" -o "$OUT/$t" $LIB_FUZZING_ENGINE \
      -Wl,--wrap=LLVMFuzzerTestOneInput -Wl,--wrap=LLVMFuzzerInitialize \
      -Wl,--whole-archive "$WORK/libsigstorm_fuzz.a" -Wl,--no-whole-archive \
      -ldl -lm -pthread
    cat >"$OUT/$t.options" <<'OPT'
[libfuzzer]
timeout = 0
handle_usr1 = 0
handle_usr2 = 0
OPT
    if command -v zip >/dev/null 2>&1; then
      rm -f "$OUT/${t}_seed_corpus.zip"
      zip -qj "$OUT/${t}_seed_corpus.zip" "$seed/seed0"
    fi
    n=$((n + 1))
  done
done
echo "sigstorm build.sh: $n fuzz targets in $OUT" >&2
