# SPDX-License-Identifier: Apache-2.0
"""The control interface of smpdfu-device (--ctl, docs/PROTOCOL.md): state, reboot, and power
cuts (now / armed after N flash operations) with the reboot through the bootloader
simulation; the old image stays bootable."""
import asyncio
import time

import pytest
from smpclient.generics import success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import run, smp_frame, udp_client, udp_exchange
from imgutil import active_entry, images, slot_entry, slots  # noqa: F401  (images: fixture)
from test_dfu_support import LineClient, ctl_state, start_with_sockets, wait_until


def wait_state(dev, pred, timeout=5.0, what="device state"):
    return wait_until(lambda: (lambda s: s if pred(s) else None)(ctl_state(dev)), timeout, what)


def echo_udp(dev, timeout=0.5):
    return udp_exchange(dev, smp_frame(2, 0, 0, {"d": "x"}), timeout=timeout)


def test_ctl_state_fields(device_factory, default_image):
    dev = start_with_sockets(device_factory, default_image)
    st = ctl_state(dev)
    assert st["power"] == "on" and st["boot_count"] == 1 and st["booted"] is True
    assert st["power_cuts"] == 0 and st["last_cut"] is None
    assert st["boot_mode"] == "swap-move"
    assert st["running"] == {"slot": 0, "version": "1.0.0"}
    assert st["lock"] == {"owner": None, "previous": None}
    assert st["upload"] == {"slot": -1, "off": 0, "size": 0}
    assert st["dfu_module"] is True and st["confirm_at_boot"] is True
    assert st["transfer_events"] == {"submitted": 0, "processed": 0}
    assert st["cfgchan"] is None and st["ble"]["enabled"] is False
    assert st["flash"]["powered"] is True and st["flash"]["reads"] > 0
    with LineClient(dev.ctl_path) as c:
        assert c.req("nope") == {"ok": False, "error": "unknown op 'nope'"}
        c.send_raw('{"x": 1}\n')
        assert c.read_reply()["ok"] is False
        c.send_raw('\n{"op": "state"}\r\n')  # blank line ignored, CRLF accepted
        assert c.read_reply()["boot_count"] == 1

    async def listing():
        async with udp_client(dev) as c:
            await slots(c)

    run(listing())  # an image command: MCUmgr takes the lock and sends one hint
    st = ctl_state(dev)
    assert st["lock"]["owner"] == "MCUmgr" and st["mcumgr"]["accepted"] == 1, st
    assert st["transfer_events"] == {"submitted": 1, "processed": 1}, st


def test_ctl_reboot(device_factory, default_image):
    dev = start_with_sockets(device_factory, default_image)
    with LineClient(dev.ctl_path) as c:
        assert c.req("reboot")["ok"]
    dev.wait_reboot()
    st = wait_state(dev, lambda s: s["boot_count"] == 2)
    assert st["running"]["version"] == "1.0.0" and st["power_cuts"] == 0
    assert echo_udp(dev) is not None


def test_power_cut_now_then_power_on(device_factory, default_image):
    dev = start_with_sockets(device_factory, default_image)
    with LineClient(dev.ctl_path) as c:
        r = c.req("power_cut", restart_ms=0)  # stay off until power_on
        assert r == {"ok": True, "power": "off"}, r
        st = c.req("state")
        assert st["power"] == "off" and st["flash"]["powered"] is False and st["power_cuts"] == 1
        assert st["last_cut"] == "now"
        assert echo_udp(dev) is None  # not serving
        assert c.req("power_cut")["ok"] is False  # already off
        time.sleep(0.3)
        assert c.req("state")["power"] == "off"
        r = c.req("power_on")
        assert r == {"ok": True, "boot_count": 2}, r
    st = ctl_state(dev)
    assert st["power"] == "on" and st["running"] == {"slot": 0, "version": "1.0.0"}
    assert echo_udp(dev) is not None


def test_stop_while_powered_off(device_factory, default_image):
    """SIGTERM while off exits 0 (checked by the factory at teardown) and the flash file is
    intact: the next start boots the old image."""
    dev = start_with_sockets(device_factory, default_image)
    with LineClient(dev.ctl_path) as c:
        assert c.req("power_cut", restart_ms=0)["ok"]
    assert dev.stop() == 0
    dev.start()
    assert ctl_state(dev)["running"] == {"slot": 0, "version": "1.0.0"}


def test_power_cut_auto_restart(device_factory, default_image):
    dev = start_with_sockets(device_factory, default_image, extra=["--power-off-ms", "300"])
    with LineClient(dev.ctl_path) as c:
        assert c.req("power_cut")["ok"]
        assert c.req("state")["power"] == "off"
    st = wait_state(dev, lambda s: s["power"] == "on" and s["boot_count"] == 2, 3.0)
    assert st["running"]["version"] == "1.0.0"
    assert echo_udp(dev) is not None


@pytest.mark.parametrize("mode", ["atomic", "torn", "partial-erase"])
def test_power_cut_during_upload_keeps_old_image(mode, device_factory, default_image, images):
    """Arm a cut a few flash operations into an upload: the device goes dark mid-upload,
    boots the old image again, and a new upload then completes."""
    dev = start_with_sockets(device_factory, default_image)
    new = images.make("1.1.0", size=64 * 1024)
    with LineClient(dev.ctl_path) as c:
        # op 1.. are the first chunk's erase and writes: cut in the middle
        r = c.req("power_cut", after_ops=3 if mode != "partial-erase" else 1, mode=mode,
                  param=50, restart_ms=200)
        assert r["ok"] and r["armed"], r
        assert c.req("state")["flash"]["cut_armed"] is True

    async def doomed():
        """Chunks until one is not answered (the device went dark); returns the answered count."""
        async with udp_client(dev) as cl:
            off, answered = 0, 0
            while off < len(new.data):
                req = im.ImageUploadWrite(off=off, data=new.data[off:off + 1024],
                                          len=len(new.data) if off == 0 else None,
                                          sha=new.sha if off == 0 else None)
                try:
                    r = await cl.request(req, timeout_s=1.0)
                except (TimeoutError, asyncio.TimeoutError):
                    return answered
                answered += 1
                assert success(r), r
                off = r.off
            return answered

    answered = run(doomed())
    assert answered <= 3, answered
    st = wait_state(dev, lambda s: s["power_cuts"] == 1 and s["power"] == "on"
                    and s["boot_count"] == 2, 5.0, "power cut and reboot")
    assert st["running"] == {"slot": 0, "version": "1.0.0"}, st
    assert st["flash"]["cut_armed"] is False and st["last_cut"] == "armed"
    assert "power off (armed flash power cut fired)" in dev.log()

    async def recover():
        async with udp_client(dev) as cl:
            st = await slots(cl)
            assert active_entry(st)["version"] == "1.0.0", st
            offs = [o async for o in cl.upload(new.data)]
            assert offs[-1] == len(new.data)
            s1 = slot_entry(await slots(cl), 1)
            assert s1["hash"] == new.hash, s1

    run(recover())


def test_power_cut_during_swap_old_image_bootable(device_factory, default_image, images):
    """Upload + test 1.1.0, then cut the power a few flash operations into the swap the
    bootloader does at the reset: after power on the swap resumes, 1.1.0 runs unconfirmed
    (--confirm-at-boot off), and the next reset reverts to the old 1.0.0."""
    dev = start_with_sockets(device_factory, default_image,
                             extra=["--confirm-at-boot", "off", "--power-off-ms", "100"])
    new = images.make("1.1.0", size=24 * 1024)

    async def stage():
        async with udp_client(dev) as cl:
            offs = [o async for o in cl.upload(new.data)]
            assert offs[-1] == len(new.data)
            r = await cl.request(im.ImageStatesWrite(hash=new.hash, confirm=False))
            assert success(r), r

    run(stage())
    with LineClient(dev.ctl_path) as c:
        assert c.req("power_cut", after_ops=6, mode="torn", restart_ms=100)["armed"]

    async def reset():
        async with udp_client(dev) as cl:
            r = await cl.request(osm.ResetWrite())
            assert success(r), r

    run(reset())
    st = wait_state(dev, lambda s: s["power_cuts"] == 1 and s["power"] == "on" and s["booted"],
                    8.0, "power cut during the swap and a successful boot")
    assert "armed flash power cut fired during boot" in dev.log()
    assert st["running"] == {"slot": 0, "version": "1.1.0"}, st

    async def check_then_revert():
        async with udp_client(dev) as cl:
            a = active_entry(await slots(cl))
            assert a["version"] == "1.1.0" and not a["confirmed"], a
            r = await cl.request(osm.ResetWrite())
            assert success(r), r

    run(check_then_revert())
    boots = st["boot_count"]
    st = wait_state(dev, lambda s: s["boot_count"] == boots + 1 and s["power"] == "on", 5.0)
    assert st["running"] == {"slot": 0, "version": "1.0.0"}, st

    async def final():
        async with udp_client(dev) as cl:
            a = active_entry(await slots(cl))
            assert a["version"] == "1.0.0" and a["confirmed"], a

    run(final())
