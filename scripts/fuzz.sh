#!/usr/bin/env bash
# Builds the libFuzzer target of the config parsers (tests/fuzz/) with clang,
# ASan and UBSan, and runs a bounded fuzz over a copy of the seed corpus in a
# temporary directory (the repository is not modified).
#
#   scripts/fuzz.sh [SECONDS]        default 30
#
# Environment: OO_FUZZ_BUILD   build directory (default build-fuzz)
#              OO_FUZZ_JOBS    parallel fuzzing jobs (default 1)
# Exits non-zero on a crash, leak, undefined behaviour, timeout or OOM; the
# input that triggered it is kept in $OO_FUZZ_BUILD/fuzz-artifacts/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
secs=${1:-30}
build=${OO_FUZZ_BUILD:-build-fuzz}
jobs=${OO_FUZZ_JOBS:-1}
case $build in /*) ;; *) build=$root/$build ;; esac

command -v clang >/dev/null || { echo "fuzz.sh: clang not found (apt-get install clang)" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        >"$build.setup.log" 2>&1 || { cat "$build.setup.log" >&2; exit 1; }
    rm -f "$build.setup.log"
fi
ninja -C "$build" tests/fuzz/fuzz-config >/dev/null || ninja -C "$build" tests/fuzz/fuzz-config

work=$(mktemp -d /tmp/oo-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"
# Seeds: the examples users start from, the test fixtures, and extra seeds.
cp examples/*.yaml examples/host.conf tests/fuzz/corpus/* "$work/corpus/"
for f in tests/fixtures/config/*; do
    [ -f "$f" ] && cp "$f" "$work/corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
done

echo "fuzz.sh: fuzzing for ${secs}s over $(ls "$work/corpus" | wc -l) seeds"
par=()
[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
rc=0
cd "$work"              # libFuzzer writes per-job logs (fuzz-N.log) into the cwd
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
"$build/tests/fuzz/fuzz-config" \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=16384 \
    -dict="$root/tests/fuzz/config.dict" "${par[@]}" \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
    "$work/corpus" >"$work/log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
    cat "$work/log" "$work"/fuzz-*.log 2>/dev/null || true
    mkdir -p "$build/fuzz-artifacts"
    cp "$work/artifacts/"* "$build/fuzz-artifacts/" 2>/dev/null || true
    echo "fuzz.sh: FAILED (exit $rc); reproducer(s) in $build/fuzz-artifacts/:" >&2
    ls "$build/fuzz-artifacts" >&2 || true
    exit 1
fi
grep -h '^Done\|^stat::' "$work/log" "$work"/fuzz-*.log 2>/dev/null || true
echo "fuzz.sh: no crash, leak or undefined behaviour in ${secs}s"
