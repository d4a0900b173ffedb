#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets (clang, ASan + UBSan) and run each for FUZZ_SECONDS (default 20).
#
#   tests/fuzz/run.sh                     # every target, 20 s each
#   FUZZ_SECONDS=3600 tests/fuzz/run.sh   # long run
#   tests/fuzz/run.sh fuzz_upload         # some targets only
#   FUZZ_JOBS=4 ...                       # libFuzzer -fork=N per target (parallel workers)
#
# Each target starts from the committed seeds (tests/fuzz/corpus/<target>) and the saved
# crash inputs (tests/fuzz/regress/<target>); new inputs go to build/fuzz/work/<target>,
# crash inputs to build/fuzz/artifacts/. Exits non-zero if any target crashed, leaked,
# timed out or broke an invariant. Prints the executions per target.
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${FUZZ_BUILD:-$ROOT/build/fuzz}"
SECONDS_EACH="${FUZZ_SECONDS:-20}"
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(fuzz_smp fuzz_serial fuzz_ble fuzz_image fuzz_upload)

if [ ! -f "$BUILD/build.ninja" ]; then
  # the `fuzz` preset (CMakePresets.json: clang, Debug, SDFU_FUZZ=ON), in $BUILD
  (cd "$ROOT" && cmake --preset fuzz -B "$BUILD" >/dev/null) || exit 2
fi
cmake --build "$BUILD" --target "${TARGETS[@]}" || exit 2

max_len() {
  case "$1" in
    fuzz_image) echo 24576 ;;
    fuzz_upload) echo 4096 ;;
    *) echo 16384 ;;
  esac
}

mkdir -p "$BUILD/artifacts"
fail=0
summary=""
for t in "${TARGETS[@]}"; do
  work="$BUILD/work/$t"
  mkdir -p "$work" "$ROOT/tests/fuzz/regress/$t"
  log="$BUILD/$t.log"
  extra=()
  [ -n "${FUZZ_JOBS:-}" ] && extra+=("-fork=$FUZZ_JOBS" "-ignore_crashes=0")
  echo "== $t: ${SECONDS_EACH}s"
  "$BUILD/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -max_len="$(max_len "$t")" -artifact_prefix="$BUILD/artifacts/$t-" \
    "${extra[@]}" "$work" "$ROOT/tests/fuzz/corpus/$t" "$ROOT/tests/fuzz/regress/$t" \
    >"$log" 2>&1
  rc=$?
  execs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  if [ "$execs" = "0" ]; then  # -fork mode prints totals in its status lines instead
    execs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
  corp=$(find "$work" -type f | wc -l)
  line="$t: rc=$rc executions=${execs:-?} ${cov} work-corpus=$corp"
  echo "   $line"
  summary+="$line"$'\n'
  if [ $rc -ne 0 ]; then
    fail=1
    echo "   CRASH/INVARIANT in $t (log: $log):"
    grep -E 'ERROR|FUZZ INVARIANT|SUMMARY|Test unit written|#[0-9]+ 0x' "$log" | head -20 | sed 's/^/     /'
  fi
done
echo "---- summary (${SECONDS_EACH}s per target)"
printf '%s' "$summary"
exit $fail
