#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark in bench/ and writes its printed report to bench/results/<name>.md
# (plus <name>.json). Takes 2-4 minutes on a 2-core machine, plus ~13 for ble.py (real-time
# radio and flash timing). Usage: bench/run_all.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=.venv/bin/python
mkdir -p bench/results
run() { local name=$1; shift; echo "== $name: $*" >&2; "$@" > "bench/results/$name.md"; }
run throughput $PY bench/throughput.py --runs 5
run serial $PY bench/serial_upload.py --runs 3
run cpu $PY bench/cpu.py --runs 5
run cpu-serial $PY bench/cpu.py --runs 3 --transport serial --size 256K --json bench/results/cpu-serial.json
run scale $PY bench/scale.py --counts 10,50,100,500 --max 1000
run size python3 bench/size_report.py --stack
run ble $PY bench/ble.py
$PY bench/plot_throughput.py >&2
echo "reports in bench/results/" >&2
