#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI size check: builds the smp_svr-equivalent size configuration (bench/size_app.c with
# bench/size_config.h) for Cortex-M4 and fails when flash or RAM grow past bench/size_budget.txt.
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
  0) exit 0 ;;
  1) exit 1 ;;
  *) echo "check-size-budget: size build failed (exit $rc)" >&2; exit 2 ;;
esac
