#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI size check: builds the smp_svr-equivalent size configuration (bench/size_app.c with
# bench/size_config.h) for Cortex-M4 and fails when flash, RAM or RAM + worst-case stack grow past
# bench/size_budget.txt, or when a crypto stub is linked;
# then checks on the host that this configuration answers smp_svr's command set
# (bench/size_cmdset_check.c).
# Usage: scripts/check-size-budget.sh [BUDGET_FILE]   (needs arm-none-eabi-gcc; ~5-10 s)
# Exit status: 0 within budget, 1 over budget, 2 tool missing or build failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUDGET=${1:-$ROOT/bench/size_budget.txt}
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
  echo "check-size-budget: arm-none-eabi-gcc not found" >&2
  exit 2
fi
PY=python3
[ -x "$ROOT/.venv/bin/python" ] && PY="$ROOT/.venv/bin/python"
set +e
"$PY" "$ROOT/bench/size_report.py" --cpu cortex-m4 --variant smp_svr --quiet --json "" \
  --builddir "$ROOT/build/size-check" --check "$BUDGET"
rc=$?
set -e
case $rc in
  0) ;;
  1) exit 1 ;;
  *) echo "check-size-budget: size build failed (exit $rc)" >&2; exit 2 ;;
esac

# The measured configuration must still serve smp_svr's command set: build the core with
# bench/size_config.h for the host and run bench/size_cmdset_check.c (needs a host cc,
# cmocka, Mbed TLS and libsodium, as the unit tests; skipped with a note when they are missing).
CC_HOST=${CC:-cc}
OUT="$ROOT/build/size-check/host-cmdset"
if command -v "$CC_HOST" >/dev/null 2>&1 &&
   printf '#include <cmocka.h>\n' | "$CC_HOST" -E -x c - -include stdarg.h -include stddef.h \
     -include setjmp.h -include stdint.h >/dev/null 2>&1 &&
   printf 'int main(void){return 0;}\n' | "$CC_HOST" -x c - -lmbedcrypto -lsodium -lcmocka -o /dev/null \
     >/dev/null 2>&1; then
  ZDIR=$("$PY" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("zcbor").origin))' 2>/dev/null || true)
  if [ -z "$ZDIR" ] || [ ! -f "$ZDIR/src/zcbor_decode.c" ]; then
    ZDIR=$(ls -d "$ROOT"/.venv/lib/python3*/site-packages/zcbor 2>/dev/null | tail -1)
  fi
  mkdir -p "$(dirname "$OUT")"
  # shellcheck disable=SC2046
  if ! "$CC_HOST" -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter \
      -DSDFU_CONFIG_FILE="\"$ROOT/bench/size_config.h\"" -I"$ROOT/include" -I"$ROOT/src" \
      -I"$ROOT/tests/support" -I"$ROOT/port/posix" -isystem "$ZDIR/include" \
      $(find "$ROOT/src" -name '*.c' | sort) "$ZDIR/src/zcbor_common.c" "$ZDIR/src/zcbor_decode.c" \
      "$ZDIR/src/zcbor_encode.c" -Wno-unused-but-set-variable \
      "$ROOT/tests/support/fake_port.c" "$ROOT/tests/support/smp_test.c" \
      "$ROOT/port/mbedtls/crypto_mbedtls.c" "$ROOT/bench/size_cmdset_check.c" \
      -lcmocka -lmbedcrypto -lsodium -o "$OUT"; then
    echo "check-size-budget: host build of the size configuration failed" >&2
    exit 2
  fi
  if ! "$OUT" >"$OUT.log" 2>&1; then
    cat "$OUT.log"
    echo "check-size-budget: the size configuration does not serve smp_svr's command set" >&2
    exit 1
  fi
  echo "size config command set (host check): ok"
else
  echo "size config command set (host check): skipped (host cc, cmocka or Mbed TLS missing)"
fi
exit 0
