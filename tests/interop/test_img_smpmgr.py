# SPDX-License-Identifier: Apache-2.0
"""Image group with the smpmgr CLI: `upgrade` (upload, test, reset) then confirm, over UDP and serial.

The device runs a signed 1.0.0 image; smpmgr uploads 1.1.0 with `upgrade --slot 1` (smpmgr only
marks the image for test when --slot != 0 or --confirm; our server accepts image=1 from clients
that send the slot number there), the device swaps at the simulated reboot, the state read
shows 1.1.0 active and not confirmed (revert pending), and `image state-write --confirm`
makes it permanent. The device has no auto-confirm at boot (no nRF Desktop DFU module is wired
into smpdfu-device), so the unconfirmed state is observable.
"""
import random
import re

import pytest

from conftest import run_smpmgr
from imgutil import images, unconfirmed_boot_args  # noqa: F401  (images: fixture)

STATE_RX = re.compile(r"ImageState\((.*?)\n\)", re.S)


def parse_state_read(text):
    """smpmgr `image state-read` output -> list of dicts (slot, version, hash hex, flags)."""
    out = []
    for block in STATE_RX.findall(text):
        e = {"slot": int(re.search(r"slot=(\d+)", block).group(1)),
             "version": re.search(r"version='([^']*)'", block).group(1)}
        h = re.search(r"HashBytes\(\s*'([0-9A-Fa-f]+)'", block)
        e["hash"] = h.group(1).lower() if h else None
        for flag in ("bootable", "pending", "confirmed", "active", "permanent"):
            m = re.search(rf"{flag}=(True|False|None)", block)
            e[flag] = bool(m and m.group(1) == "True")
        out.append(e)
    return out


def state_read(conn):
    p = run_smpmgr(*conn, "image", "state-read")
    assert p.returncode == 0, p.stdout + p.stderr
    entries = parse_state_read(p.stdout)
    assert entries, p.stdout
    return {e["slot"]: e for e in entries}


def start_1337(device_factory, default_image):
    """Like conftest's device_1337, but provisioned with the default 1.0.0 image and its key."""
    last = None
    for _ in range(10):
        host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        try:
            d = device_factory(udp=f"{host}:1337", serial=None, provision=default_image.path,
                               keys=[default_image.key], extra=unconfirmed_boot_args())
            d.image_version = default_image.version
            return d
        except AssertionError as e:  # address in use
            last = e
    raise last


@pytest.mark.parametrize("transport", ["udp", "serial"])
def test_smpmgr_upgrade_test_reset_confirm(transport, device_factory, default_image, images):
    if transport == "udp":
        dev = start_1337(device_factory, default_image)
        conn = ("--ip", dev.udp_host)
    else:
        dev = device_factory(udp=None, provision=default_image.path, keys=[default_image.key],
                             extra=unconfirmed_boot_args())
        conn = ("--port", dev.pty)
    new = images.make("1.1.0", size=64 * 1024)

    st = state_read(conn)
    assert st[0]["version"] == "1.0.0" and st[0]["active"] and st[0]["confirmed"], st
    assert 1 not in st, st
    old_hash = st[0]["hash"]

    # upload -> state write (test, hash from the file's SHA256 TLV) -> reset
    p = run_smpmgr(*conn, "--timeout", "5", "upgrade", "--slot", "1", new.path, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Upgrade complete" in p.stdout, p.stdout
    dev.wait_reboot()
    log = dev.wait_log(r"device: boot #2: running slot 0, version 1\.1\.0")
    assert re.search(r"simboot: swap type: test", log), log[-3000:]

    # after the reboot: 1.1.0 runs in test mode, 1.0.0 is the confirmed revert target
    st = state_read(conn)
    assert st[0]["version"] == "1.1.0" and st[0]["hash"] == new.hash.hex(), st
    assert st[0]["active"] and not st[0]["confirmed"], st
    assert st[1]["version"] == "1.0.0" and st[1]["hash"] == old_hash, st
    assert st[1]["confirmed"] and not st[1]["active"], st

    # confirm the running image
    p = run_smpmgr(*conn, "image", "state-write", "--confirm")
    assert p.returncode == 0, p.stdout + p.stderr
    st = state_read(conn)
    assert st[0]["version"] == "1.1.0" and st[0]["active"] and st[0]["confirmed"], st
    assert not st[1]["pending"] and not st[1]["confirmed"], st

    # still 1.1.0 after a power cycle (no revert)
    dev.restart_process()
    conn = ("--ip", dev.udp_host) if transport == "udp" else ("--port", dev.pty)
    assert re.search(r"device: boot #1: running slot 0, version 1\.1\.0",
                     dev.log().rsplit("---- start #", 1)[-1])
    st = state_read(conn)
    assert st[0]["version"] == "1.1.0" and st[0]["active"] and st[0]["confirmed"], st


def test_smpmgr_upgrade_slot0_does_not_schedule(device_factory, default_image, images):
    """`smpmgr upgrade` without --slot/--confirm uploads and resets but writes no state:
    the device must keep running 1.0.0 and list the upload in slot 1, not pending."""
    dev = device_factory(udp=None, provision=default_image.path, keys=[default_image.key],
                         extra=unconfirmed_boot_args())
    conn = ("--port", dev.pty)
    new = images.make("1.2.0", size=48 * 1024)
    p = run_smpmgr(*conn, "--timeout", "5", "upgrade", new.path, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    dev.wait_reboot()
    dev.wait_log(r"device: boot #2: running slot 0, version 1\.0\.0")
    st = state_read(conn)
    assert st[0]["version"] == "1.0.0" and st[0]["active"] and st[0]["confirmed"], st
    assert st[1]["version"] == "1.2.0" and st[1]["hash"] == new.hash.hex(), st
    assert not st[1]["pending"] and not st[1]["active"], st
