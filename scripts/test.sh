#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every test: setup, host build + unit/integration/power-loss tests (CTest), ASan/UBSan
# unit + integration tests, the Cortex-M4 build of the core with its symbol check, and the
# interop tests with real clients.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
failed=()
step() { echo; echo "=== $* ==="; }

bash scripts/setup.sh || { echo "setup failed"; exit 1; }
mkdir -p build

step "host build (debug)"
{ cmake --preset host-debug >/dev/null && cmake --build build/host-debug -- -k 0 >build/host.log 2>&1; } \
  || { tail -n 60 build/host.log; failed+=("host build"); }

step "CTest: unit + integration + power-loss (host-debug)"
ctest --test-dir build/host-debug --output-on-failure -j2 || failed+=("ctest host-debug")

if [ "${SDFU_SKIP_ASAN:-0}" != 1 ]; then
  step "CTest: unit and integration tests under ASan/UBSan"
  { cmake --preset host-asan >/dev/null && cmake --build build/host-asan >build/asan.log 2>&1; } \
    || { tail -n 40 build/asan.log; failed+=("asan build"); }
  ctest --test-dir build/host-asan --output-on-failure -j2 -L 'unit|integration' || failed+=("ctest host-asan")
fi

step "Cortex-M4 build of the core (-Werror) and symbol check"
{ cmake --preset cortex-m4 >/dev/null && cmake --build build/cortex-m4 >build/m4.log 2>&1; } \
  || { tail -n 40 build/m4.log; failed+=("cortex-m4 build"); }
NM=arm-none-eabi-nm scripts/check-core-symbols.sh build/cortex-m4/libsmpdfu.a || failed+=("cortex-m4 symbols")
bash scripts/check-size-budget.sh || failed+=("cortex-m4 size budget")

step "Cortex-M firmware for QEMU (mps2-an386 M4, mps2-an385 M3); its tests run with the interop step"
for p in cortex-m4-qemu cortex-m3-qemu; do
  { cmake --preset $p >/dev/null && cmake --build build/$p >build/$p.log 2>&1; } \
    || { tail -n 40 build/$p.log; failed+=("$p build"); }
  rm -f build/$p.log
done

step "fuzzing: each libFuzzer target for a short time (FUZZ_SECONDS, default 10 here)"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash tests/fuzz/run.sh > build/fuzz.log 2>&1 \
  || { tail -n 40 build/fuzz.log; failed+=("fuzzing"); }
grep -E "^fuzz_[a-z]+: rc=" build/fuzz.log | tail -n 5 || true

step "interop tests (pytest, real clients)"
SDFU_DEVICE="$ROOT/build/host-debug/smpdfu-device" .venv/bin/pytest tests/interop -q -p no:cacheprovider
rc=$?
# pytest exit 5 = no tests collected; that is a failure for us too.
[ $rc -eq 0 ] || failed+=("pytest interop (exit $rc)")

rm -f build/host.log build/asan.log build/m4.log
echo
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"
