# SPDX-License-Identifier: Apache-2.0
"""nRF Desktop DFU modules in smpdfu-device: the DFU lock between the config channel
(--cfgchan socket) and a real SMP client (smpclient over UDP), spec nrf_desktop_dfu.md §12.3."""
import pytest
from smpclient.exceptions import SMPUploadError
from smpclient.generics import error, success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import run, udp_client
from imgutil import images, slot_entry, slots  # noqa: F401  (images: fixture)
from test_dfu_support import (LineClient, cfgchan_upload, crc32, ctl_state,
                              start_with_sockets, wait_until)

CFGCHAN_TIMEOUT_S = 5.0  # SDFU_DFU_CFGCHAN_TIMEOUT_MS (compile time)


def denied(r):
    """An SMP-level {"rc": 11} (MGMT_ERR_EACCESSDENIED): smpclient parses it either as an
    error response or as the command's response model with only `rc` set."""
    return int(getattr(r, "rc", 0) or 0) == 11 and (error(r) or getattr(r, "off", None) is None)


def lock_owner(dev):
    return ctl_state(dev)["lock"]["owner"]


def wait_lock_free(dev, timeout=5.0):
    wait_until(lambda: lock_owner(dev) is None, timeout, "the DFU lock to be free")


def start(device_factory, default_image, *extra):
    dev = start_with_sockets(device_factory, default_image, cfgchan=True,
                             extra=["--dfu-timeout-ms", "500", *extra])
    wait_lock_free(dev)  # the config channel erases the update slot at boot, then releases
    st = ctl_state(dev)
    assert st["lock"]["previous"] == "Config Channel", st
    return dev


def test_cfgchan_holds_lock_smp_denied_then_restarts(device_factory, default_image, images):
    dev = start(device_factory, default_image)
    new = images.make("1.1.0", size=48 * 1024)
    chunk = {}

    async def partial_upload():
        async with udp_client(dev) as c:
            offs = []
            async for off in c.upload(new.data):
                offs.append(off)
                if len(offs) == 3:
                    break
            chunk["off"] = offs[-1]
            chunk["mtu"] = offs[1] - offs[0]

    run(partial_upload())
    st = ctl_state(dev)
    assert st["lock"]["owner"] == "MCUmgr" and st["upload"]["off"] == chunk["off"], st
    # the SMP client pauses: after --dfu-timeout-ms the module releases the lock
    wait_lock_free(dev, 3.0)
    assert ctl_state(dev)["mcumgr"]["timeouts"] >= 1

    # the config channel starts: its first start cleans the slot MCUmgr used (BUSY)
    cfg_img = images.make("1.2.0", size=8 * 1024, seed=7).data
    with LineClient(dev.cfgchan_path) as cc:
        r = cc.req("start", size=len(cfg_img), crc=crc32(cfg_img))
        assert not r["ok"] and r["error"] == "BUSY", r
        st = ctl_state(dev)
        assert st["lock"]["owner"] == "Config Channel", st
        assert st["mcumgr"]["upload_resets"] == 1 and st["upload"]["off"] == 0, st
        wait_until(lambda: cc.req("start", size=len(cfg_img), crc=crc32(cfg_img))["ok"],
                   5.0, "config-channel start after cleaning")
        import base64
        r = cc.req("data", offset=0, data=base64.b64encode(cfg_img[:256]).decode())
        assert r["ok"], r
        s = cc.req("sync")
        assert s["state_name"] in ("ACTIVE_CONFIG_CHANNEL", "STORING"), s

    async def refused():
        async with udp_client(dev) as c:
            # the resumed upload is refused: access denied (rc 11), no handler runs
            r = await c.request(im.ImageUploadWrite(off=chunk["off"],
                                                    data=new.data[chunk["off"]:
                                                                  chunk["off"] + 256]))
            assert denied(r), r
            # so is a whole new upload from smpclient
            with pytest.raises(SMPUploadError):
                async for _ in c.upload(new.data):
                    pass
            # and even image list (all image-group commands are gated)
            r = await c.request(im.ImageStatesRead())
            assert denied(r), r
            # non-DFU commands keep working
            r = await c.request(osm.EchoWrite(d="still here"))
            assert success(r) and r.r == "still here", r

    hints = ctl_state(dev)["transfer_events"]["submitted"]
    assert hints >= 1
    run(refused())
    st = ctl_state(dev)
    assert st["lock"]["owner"] == "Config Channel" and st["mcumgr"]["rejected"] >= 3, st
    assert st["transfer_events"]["submitted"] == hints  # rejected commands send no hint

    # the config channel goes quiet: its inactivity timeout releases the lock
    wait_until(lambda: lock_owner(dev) is None, CFGCHAN_TIMEOUT_S + 3.0,
               "the config-channel timeout")
    assert ctl_state(dev)["cfgchan"]["timeouts"] == 1

    async def restart():
        async with udp_client(dev) as c:
            # the old continuation is answered with the offset the device expects: 0
            r = await c.request(im.ImageUploadWrite(off=chunk["off"],
                                                    data=new.data[chunk["off"]:
                                                                  chunk["off"] + 256]))
            assert success(r) and r.off == 0, r
            offs = [o async for o in c.upload(new.data)]
            assert offs[-1] == len(new.data)
            st = await slots(c)
            s1 = slot_entry(st, 1)
            assert s1["version"] == "1.1.0" and s1["hash"] == new.hash, st

    run(restart())
    st = ctl_state(dev)
    assert st["lock"]["owner"] == "MCUmgr" and st["lock"]["previous"] == "Config Channel", st


def test_cfgchan_full_update_and_reboot(device_factory, default_image, images):
    """A config-channel update next to a live SMP client: the client sees the new image
    pending in slot 1; the config-channel reboot boots it."""
    dev = start(device_factory, default_image)
    new = images.make("1.3.0", size=20 * 1024)
    s = cfgchan_upload(dev.cfgchan_path, new.data)
    assert s["offset"] == len(new.data) and s["crc"] == crc32(new.data), s
    st = ctl_state(dev)
    assert st["cfgchan"]["completions"] == 1 and st["lock"]["owner"] is None, st

    async def check():
        async with udp_client(dev) as c:
            st = await slots(c)
            s1 = slot_entry(st, 1)
            assert s1["version"] == "1.3.0" and s1["hash"] == new.hash and s1["pending"], st

    run(check())  # MCUmgr now holds the lock for --dfu-timeout-ms
    with LineClient(dev.cfgchan_path) as cc:
        assert cc.req("variant")["variant"] == "MCUBOOT"
        wait_lock_free(dev, 3.0)
        assert cc.req("reboot")["reboot"] is True
    dev.wait_reboot()
    st = wait_until(lambda: (lambda s: s if s["boot_count"] == 2 else None)(ctl_state(dev)))
    assert st["running"] == {"slot": 0, "version": "1.3.0"}, st


def test_cfgchan_reboot_refused_while_smp_owns(device_factory, default_image):
    dev = start(device_factory, default_image)

    async def list_images():
        async with udp_client(dev) as c:
            assert len(await slots(c)) >= 1

    run(list_images())
    with LineClient(dev.cfgchan_path) as cc:
        assert cc.req("reboot")["reboot"] is False
        s = cc.req("sync")
        assert s["state_name"] == "ACTIVE_OTHER", s
    assert ctl_state(dev)["boot_count"] == 1


def test_dfu_module_off_is_plain_server(device_factory, default_image, images):
    """--dfu-module off: no gating; uploads work while the config channel holds the lock."""
    dev = start(device_factory, default_image, "--dfu-module", "off")
    cfg_img = images.make("1.2.0", size=4 * 1024, seed=3).data
    with LineClient(dev.cfgchan_path) as cc:
        assert cc.req("start", size=len(cfg_img), crc=crc32(cfg_img))["ok"]
        assert ctl_state(dev)["lock"]["owner"] == "Config Channel"
    new = images.make("1.1.0", size=16 * 1024)

    async def up():
        async with udp_client(dev) as c:
            offs = [o async for o in c.upload(new.data)]
            assert offs[-1] == len(new.data)

    run(up())
    st = ctl_state(dev)
    assert st["dfu_module"] is False and st["mcumgr"] is None, st
    assert st["transfer_events"]["submitted"] == 0


def test_readonly_unlocked_lets_image_list_through(device_factory, default_image, images):
    dev = start(device_factory, default_image, "--dfu-readonly-unlocked")
    cfg_img = images.make("1.2.0", size=4 * 1024, seed=4).data
    with LineClient(dev.cfgchan_path) as cc:
        assert cc.req("start", size=len(cfg_img), crc=crc32(cfg_img))["ok"]

    async def body():
        async with udp_client(dev) as c:
            r = await c.request(im.ImageStatesRead())
            assert success(r), r
            r = await c.request(im.ImageUploadWrite(off=0, data=b"\x00" * 64, len=1024))
            assert denied(r), r

    run(body())


def test_release_on_complete(device_factory, default_image, images):
    """--dfu-release-on-complete: the lock is free right after the upload is marked for test,
    without waiting for the inactivity timeout (here 60 s)."""
    dev = start_with_sockets(device_factory, default_image, cfgchan=True,
                             extra=["--dfu-timeout-ms", "60000", "--dfu-release-on-complete"])
    wait_lock_free(dev)
    new = images.make("1.1.0", size=16 * 1024)

    async def body():
        async with udp_client(dev) as c:
            offs = [o async for o in c.upload(new.data)]
            assert offs[-1] == len(new.data)
            assert lock_owner(dev) == "MCUmgr"
            r = await c.request(im.ImageStatesWrite(hash=new.hash, confirm=False))
            assert success(r), r

    run(body())
    st = ctl_state(dev)
    assert st["lock"]["owner"] is None and st["mcumgr"]["completions"] == 1, st
    # so the config channel may take over at once
    with LineClient(dev.cfgchan_path) as cc:
        assert cc.req("sync")["state_name"] == "INACTIVE"
