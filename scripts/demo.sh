#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: from a fresh clone to a completed update of the simulated device with smpmgr.
# Builds, makes signed images 1.0.0 and 1.1.0 with imgtool, starts smpdfu-device on v1.0.0,
# uploads 1.1.0 (progress bar), marks it for test, resets, shows 1.1.0 running, confirms it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HOST=${SDFU_DEMO_HOST:-127.0.0.1}  # any loopback address works (the tests use 127.x.y.z)
PORT=1337                          # smpmgr's UDP transport always talks to port 1337
W=build/demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "setup and build"
bash scripts/setup.sh
cmake --preset host-debug >/dev/null
cmake --build build/host-debug >/dev/null
DEV=build/host-debug/smpdfu-device
PY=.venv/bin/python
IMGTOOL=.venv/bin/imgtool
SMPMGR=".venv/bin/smpmgr --ip $HOST --timeout 5"

say "make two signed images with imgtool (ECDSA P-256)"
rm -rf "$W"; mkdir -p "$W"
$IMGTOOL keygen -k "$W/key.pem" -t ecdsa-p256
SLOT_SIZE=$($DEV --layout nrf52840 --print-layout | $PY -c 'import json,sys; print(json.load(sys.stdin)["areas"]["secondary"]["size"])')
for v in 1.0.0 1.1.0; do
  $PY -c "import random,sys; r=random.Random('$v'); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(96*1024)))" > "$W/app-$v.bin"
  $IMGTOOL sign -k "$W/key.pem" --version "$v" --header-size 0x200 --pad-header \
    --slot-size "$SLOT_SIZE" --align 4 "$W/app-$v.bin" "$W/app-$v.signed.bin"
done
# The hash SMP reports and matches is the image's SHA-256 TLV (what imgtool verify prints).
HASH_110=$($IMGTOOL verify -k "$W/key.pem" "$W/app-1.1.0.signed.bin" | sed -n 's/^Image digest: //p')
echo "app-1.1.0 image hash: $HASH_110"

say "start smpdfu-device (swap mode) provisioned with 1.0.0, trusting the key"
# The nRF Desktop DFU module confirms the running image at boot by default; the demo turns that
# off (--confirm-at-boot off) so the MCUboot test -> confirm flow of an update tool is visible.
$DEV --flash "$W/device.flash" --udp "$HOST:$PORT" --serial off --layout nrf52840 --mode swap \
  --confirm-at-boot off --provision "$W/app-1.0.0.signed.bin" --key "$W/key.pem" \
  2>"$W/device.log" > "$W/device.out" &
DEV_PID=$!
trap 'kill $DEV_PID 2>/dev/null || true; wait $DEV_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^ready' "$W/device.out" 2>/dev/null && break; sleep 0.1; done
grep '^ready' "$W/device.out" || { echo "device did not start:"; cat "$W/device.log"; exit 1; }

say "image list before the update"
$SMPMGR image state-read

say "upload 1.1.0 into the secondary slot"
$SMPMGR image upload "$W/app-1.1.0.signed.bin"

say "mark 1.1.0 for test and reset"
$SMPMGR image state-write "$HASH_110"
$SMPMGR os reset
for _ in $(seq 50); do grep -q 'boot #2' "$W/device.log" && break; sleep 0.1; done

say "after the reset: the bootloader swapped, 1.1.0 runs in test mode (active, not confirmed)"
$SMPMGR image state-read

say "confirm the running image"
$SMPMGR image state-write --confirm

say "final image list"
$SMPMGR image state-read
# Fail loudly unless the update really completed: slot 0 runs 1.1.0, confirmed.
$PY - "$HOST" <<'PYEOF'
import asyncio, sys
from smpclient import SMPClient
from smpclient.requests.image_management import ImageStatesRead
from smpclient.transport.udp import SMPUDPTransport

async def main():
    async with SMPClient(SMPUDPTransport(), sys.argv[1]) as c:
        r = await c.request(ImageStatesRead())
    s0 = [i for i in r.images if i.slot == 0][0]
    ok = s0.version == "1.1.0" and s0.active and s0.confirmed
    print(f"update {'completed' if ok else 'FAILED'}: slot 0 runs {s0.version}, "
          f"active={s0.active}, confirmed={s0.confirmed}")
    sys.exit(0 if ok else 1)

asyncio.run(main())
PYEOF

say "device log: $W/device.log"
grep -E "boot|swap|confirm" "$W/device.log" | tail -n 12 || true
