# SPDX-License-Identifier: Apache-2.0
"""Soak: consecutive update cycles (upload, test, reset, confirm) with smpclient over UDP.

Every cycle uploads the image the device is not running (two signed images alternate),
requests a test boot, resets, checks the device booted it unconfirmed, confirms it and
checks the state; the device process keeps running across all cycles (SMP resets restart
it in-process). The RSS of the device process is sampled after every cycle and must show
no growth beyond a small tolerance once warmed up.

* ``SDFU_SOAK_CYCLES`` -- number of cycles (default 10; the full soak uses 100).
* ``SDFU_SOAK_VALGRIND=1`` -- run the device under ``valgrind --leak-check=full
  --error-exitcode=99`` and require a clean exit (status 0, no leak or memory error);
  the RSS samples are then only reported (valgrind's own memory grows until it plateaus).
* ``SDFU_SOAK_REPORT=path`` -- append a one-line JSON summary (cycles, seconds, RSS samples).
"""
import json
import os
import shutil
import time

import pytest
from smpclient.generics import success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import Device, device_binary, run, udp_client
from imgutil import active_entry, images, slot_entry, slots  # noqa: F401 (fixture)

CYCLES = int(os.environ.get("SDFU_SOAK_CYCLES", "10"))
VALGRIND = os.environ.get("SDFU_SOAK_VALGRIND") == "1"
# RSS growth allowed between the first sample after warm-up and the end (and in the trend)
RSS_TOLERANCE_KIB = 256
WARMUP = 2


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def slope(ys):
    """Least-squares slope of ys over 0..n-1 (KiB per cycle)."""
    n = len(ys)
    if n < 2:
        return 0.0
    mx = (n - 1) / 2
    my = sum(ys) / n
    num = sum((i - mx) * (y - my) for i, y in enumerate(ys))
    den = sum((i - mx) ** 2 for i in range(n))
    return num / den


class ValgrindDevice(Device):
    """The device under valgrind memcheck (its log next to the device log)."""

    def argv(self):
        return ["valgrind", "--leak-check=full", "--error-exitcode=99",
                "--errors-for-leak-kinds=definite,indirect,possible",
                f"--log-file={self.workdir / 'valgrind.log'}", *super().argv()]


def soak_timeout():
    per = 12 if VALGRIND else 3
    return 120 + CYCLES * per


@pytest.mark.timeout(soak_timeout())
def test_soak_update_cycles(tmp_path, default_image, images):
    if VALGRIND and shutil.which("valgrind") is None:
        pytest.skip("valgrind not installed")
    imgs = [images.make("2.0.0", size=48 * 1024, seed=11),
            images.make("3.0.0", size=40 * 1024, seed=12)]
    cls = ValgrindDevice if VALGRIND else Device
    dev = cls(device_binary(), tmp_path / "soak", provision=default_image.path,
              keys=[default_image.key], extra=["--confirm-at-boot", "off"])
    dev.start(timeout=60 if VALGRIND else 10)
    rss = []
    t0 = time.monotonic()
    reply_timeout = 10.0 if VALGRIND else 2.0
    try:
        running = "1.0.0"
        for cycle in range(CYCLES):
            new = imgs[cycle % 2]
            assert new.version != running

            async def update():
                async with udp_client(dev, timeout=reply_timeout) as c:
                    st = await slots(c)
                    act = active_entry(st)
                    assert act["version"] == running and act["confirmed"], (cycle, st)
                    offs = [off async for off in c.upload(new.data)]
                    assert offs[-1] == len(new.data), (cycle, offs[-3:])
                    r = await c.request(im.ImageStatesWrite(hash=new.hash, confirm=False))
                    assert success(r), (cycle, r)
                    s1 = [e for e in r.images if e.slot == 1][0]
                    assert s1.pending and s1.version == new.version, (cycle, r)
                    r = await c.request(osm.ResetWrite())
                    assert success(r), (cycle, r)

            run(update(), timeout=60 if not VALGRIND else 240)
            dev.wait_reboot(timeout=30 if VALGRIND else 10)

            async def confirm():
                async with udp_client(dev, timeout=reply_timeout) as c:
                    st = await slots(c)
                    act = active_entry(st)
                    assert act["version"] == new.version, (cycle, st)
                    assert not act["confirmed"], (cycle, st)  # test boot, not confirmed yet
                    old = slot_entry(st, 1)
                    assert old is not None and old["version"] == running, (cycle, st)
                    r = await c.request(im.ImageStatesWrite(hash=None, confirm=True))
                    assert success(r), (cycle, r)
                    st = await slots(c)
                    act = active_entry(st)
                    assert act["version"] == new.version and act["confirmed"], (cycle, st)

            run(confirm(), timeout=30 if not VALGRIND else 120)
            running = new.version
            assert dev.alive, dev.log()[-3000:]
            rss.append(rss_kib(dev.proc.pid))
        elapsed = time.monotonic() - t0
        log = dev.log()
        assert log.count("device: boot #") >= CYCLES + 1
        assert " ERR " not in log, [l for l in log.splitlines() if " ERR " in l][:5]
    finally:
        rc = dev.stop(timeout=60 if VALGRIND else 5)
    summary = {"cycles": CYCLES, "seconds": round(elapsed, 1), "valgrind": VALGRIND,
               "exit": rc, "rss_first_kib": rss[0], "rss_last_kib": rss[-1],
               "rss_max_kib": max(rss), "rss": rss}
    print("SOAK", json.dumps(summary))
    if os.environ.get("SDFU_SOAK_REPORT"):
        with open(os.environ["SDFU_SOAK_REPORT"], "a") as f:
            f.write(json.dumps(summary) + "\n")
    if VALGRIND:
        vlog = (dev.workdir / "valgrind.log").read_text(errors="replace")
        assert rc == 0, f"valgrind exit {rc}\n{vlog[-4000:]}"
        assert "ERROR SUMMARY: 0 errors" in vlog, vlog[-4000:]
        assert "All heap blocks were freed" in vlog or "definitely lost: 0 bytes" in vlog, \
            vlog[-4000:]
        # valgrind's own RSS (translation cache, 20 MB freed-block queue) grows until it
        # plateaus: it says nothing about the program; the leak check above is the test.
        return
    assert rc == 0, f"device exit status {rc}\n{dev.log()[-3000:]}"
    # memory: no growth after the warm-up cycles
    tail = rss[WARMUP:] if len(rss) > WARMUP + 1 else rss
    growth = tail[-1] - tail[0]
    assert growth <= RSS_TOLERANCE_KIB, f"RSS grew {growth} KiB: {rss}"
    assert slope(tail) * len(tail) <= RSS_TOLERANCE_KIB, f"RSS trend: {rss}"
