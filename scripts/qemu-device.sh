#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start the smpdfu firmware on QEMU mps2-an386 (or --machine mps2-an385) as a serial SMP device.
#
#   scripts/qemu-device.sh [--flash FILE] [--provision IMG] [--key PEM]... [--mode MODE]
#                          [--machine mps2-an386|mps2-an385] [--confirm-at-boot on|off]
#                          [--downgrade-prevention] [--wipe]
#
# Builds what it needs (the firmware preset, smpdfu-boot and smpdfu-device in build/host-debug),
# prints one line "ready serial=/dev/pts/N" when a client can connect, stays in the foreground
# (firmware log on stderr) and stops QEMU on SIGTERM/SIGINT with the flash file intact. Every
# firmware reset ends QEMU (-no-reboot); the launcher runs smpdfu-boot on the flash file and
# starts QEMU again behind the same pty. Details: docs/PORTING.md (QEMU firmware).
# Environment: SDFU_QEMU_FW / SDFU_BOOT / SDFU_DEVICE use prebuilt programs instead of building.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

machine=mps2-an386
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --machine) machine=${args[$((i + 1))]:-} ;;
    --machine=*) machine=${args[$i]#--machine=} ;;
    -h|--help) exec "$ROOT/.venv/bin/python" "$ROOT/port/cortex-m/board/mps2/qemu_launch.py" --help \
                 --firmware x --boot x --device x ;;
  esac
done
case "$machine" in
  mps2-an386) preset=cortex-m4-qemu ;;
  mps2-an385) preset=cortex-m3-qemu ;;
  *) echo "qemu-device: unknown --machine '$machine' (mps2-an386, mps2-an385)" >&2; exit 2 ;;
esac
command -v qemu-system-arm >/dev/null || { echo "qemu-device: qemu-system-arm not installed (scripts/setup.sh)" >&2; exit 2; }

build() { # preset target...
  local p=$1; shift
  local log
  log=$(mktemp)
  if [ ! -f "$ROOT/build/$p/build.ninja" ]; then
    (cd "$ROOT" && cmake --preset "$p" >"$log" 2>&1) || { cat "$log" >&2; rm -f "$log"; exit 1; }
  fi
  cmake --build "$ROOT/build/$p" -j2 --target "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
}

fw=${SDFU_QEMU_FW:-}
if [ -z "$fw" ]; then
  build "$preset" smpdfu-fw.elf
  fw="$ROOT/build/$preset/smpdfu-fw.elf"
fi
boot=${SDFU_BOOT:-}
dev=${SDFU_DEVICE:-${SMPDFU_DEVICE:-}} # SMPDFU_DEVICE: the former name
if [ -z "$boot" ] || [ -z "$dev" ]; then
  build host-debug smpdfu-boot smpdfu-device
  boot=${boot:-$ROOT/build/host-debug/smpdfu-boot}
  dev=${dev:-$ROOT/build/host-debug/smpdfu-device}
fi
exec "$ROOT/.venv/bin/python" "$ROOT/port/cortex-m/board/mps2/qemu_launch.py" \
  --firmware "$fw" --boot "$boot" --device "$dev" "$@"
