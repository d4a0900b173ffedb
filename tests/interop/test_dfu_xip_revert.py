# SPDX-License-Identifier: Apache-2.0
"""nRF Desktop DFU modules in MCUboot's direct-XIP-with-revert mode (issue 11 item 7).

As in the nRF Connect SDK (v2.5+), direct-xip-revert is revert-capable: the config-channel
DFU requests a test boot of the uploaded slot and reports the plain "MCUBOOT" variant, and
both DFU modules confirm the running image at boot (docs/DFU_MODULE.md). Without that, MCUboot
erases a slot that has no trailer magic, and an image it tried once that nobody confirmed."""
import pytest
from smpclient.generics import success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import run, udp_client
from imgutil import images, slot_entry, slots  # noqa: F401  (images: fixture)
from test_dfu_support import (LineClient, cfgchan_upload, crc32, ctl_state,
                              start_with_sockets, wait_until)

MODE = "direct-xip-revert"


def booted(dev, n):
    """ctl state once boot #n is done."""
    return wait_until(lambda: (lambda s: s if s["boot_count"] == n else None)(ctl_state(dev)),
                      10.0, f"boot #{n}")


def ctl_reboot(dev, n):
    with LineClient(dev.ctl_path) as c:
        assert c.req("reboot")["ok"]
    dev.wait_reboot()
    return booted(dev, n)


def wait_lock_free(dev):
    wait_until(lambda: ctl_state(dev)["lock"]["owner"] is None, 5.0, "the DFU lock to be free")


def test_cfgchan_update_boots_after_reset(device_factory, default_image, images):
    """A config-channel update in direct-xip-revert is test-booted by MCUboot after the
    reboot request, confirmed by the module at boot, and still runs after another reboot."""
    dev = start_with_sockets(device_factory, default_image, cfgchan=True, mode=MODE,
                             extra=["--dfu-timeout-ms", "500"])
    st = booted(dev, 1)
    assert st["running"] == {"slot": 0, "version": "1.0.0"}, st
    wait_lock_free(dev)  # the boot-time erase of the update slot is over
    new = images.make("1.3.0", size=20 * 1024)
    s = cfgchan_upload(dev.cfgchan_path, new.data)
    assert s["offset"] == len(new.data) and s["crc"] == crc32(new.data), s
    st = ctl_state(dev)
    assert st["cfgchan"]["completions"] == 1, st
    with LineClient(dev.cfgchan_path) as cc:
        assert cc.req("variant")["variant"] == "MCUBOOT"
        assert cc.req("reboot")["reboot"] is True
    dev.wait_reboot()
    st = booted(dev, 2)
    assert st["running"] == {"slot": 1, "version": "1.3.0"}, st
    st = ctl_reboot(dev, 3)
    assert st["running"] == {"slot": 1, "version": "1.3.0"}, st  # confirmed: no revert


async def smp_update(dev, image):
    async with udp_client(dev) as c:
        offs = [off async for off in c.upload(image.data)]
        assert offs[-1] == len(image.data)
        st = await slots(c)
        e = slot_entry(st, 1)
        assert e["hash"] == image.hash and not e["active"], st
        r = await c.request(im.ImageStatesWrite(hash=image.hash, confirm=False))
        assert success(r), r
        st = await slots(c)
        assert slot_entry(st, 1)["pending"] and not slot_entry(st, 1)["permanent"], st
        r = await c.request(osm.ResetWrite())
        assert success(r), r


async def running_entry(dev):
    async with udp_client(dev) as c:
        st = await slots(c)
        return [e for e in st if e["active"]][0]


@pytest.mark.parametrize("confirm_at_boot", ["on", "off"])
def test_smp_update_confirmed_at_boot(confirm_at_boot, device_factory, default_image, images):
    """SMP upload + test + reset in direct-xip-revert: MCUboot test-boots the new image; the
    DFU MCUmgr module confirms it at boot, so it survives a second reboot. With the module's
    boot confirmation off (--confirm-at-boot off) MCUboot reverts it, as before the fix."""
    dev = start_with_sockets(device_factory, default_image, mode=MODE,
                             extra=["--confirm-at-boot", confirm_at_boot])
    booted(dev, 1)
    new = images.make("1.1.0", size=32 * 1024)
    run(smp_update(dev, new))
    dev.wait_reboot()
    st = booted(dev, 2)
    assert st["running"] == {"slot": 1, "version": "1.1.0"}, st
    e = run(running_entry(dev))
    assert e["version"] == "1.1.0" and e["confirmed"] == (confirm_at_boot == "on"), e
    st = ctl_reboot(dev, 3)
    if confirm_at_boot == "on":
        assert st["running"] == {"slot": 1, "version": "1.1.0"}, st
    else:
        assert st["running"] == {"slot": 0, "version": "1.0.0"}, st  # reverted
