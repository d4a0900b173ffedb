# SPDX-License-Identifier: Apache-2.0
"""Downgrade prevention end to end: smpdfu-device with --downgrade-prevention in a swap mode,
smpclient uploads and test-boots a lower version; the bootloader simulation (MCUboot's
check_downgrade_prevention) erases it and keeps the running image; a higher version still goes
through. The OS group's bootloader info reports the option (MCUmgr's "no-downgrade")."""
import pytest
from smpclient.generics import success
from smpclient.requests import os_management as osm

from conftest import request_ok, run, udp_client
from imgutil import images, slots, upload_for_test  # noqa: F401  (images: fixture)


async def _upload_test_reset(dev, img):
    async with udp_client(dev) as cl:
        assert success(await upload_for_test(cl, img))
        await request_ok(cl, osm.ResetWrite())


async def _slots(dev):
    async with udp_client(dev) as cl:
        return {(e["image"], e["slot"]): e for e in await slots(cl)}


@pytest.mark.parametrize("mode", ["swap-move", "swap-scratch", "overwrite-only"])
def test_device_downgrade_prevented_then_upgrade(device_factory, default_image, images, mode):
    dev = device_factory(provision=default_image.path, keys=[default_image.key], mode=mode,
                         extra=["--downgrade-prevention"])
    old = images.make("0.9.0", size=16 * 1024, seed=5)
    run(_upload_test_reset(dev, old))
    dev.wait_reboot()
    st = run(_slots(dev))
    assert st[(0, 0)]["version"] == "1.0.0" and st[(0, 0)]["active"], st
    assert (0, 1) not in st, st  # the lower version was erased, not installed
    assert "downgrade prevented" in dev.log()

    new = images.make("1.1.0", size=16 * 1024, seed=6)
    run(_upload_test_reset(dev, new))
    dev.wait_reboot()
    st = run(_slots(dev))
    assert st[(0, 0)]["version"] == "1.1.0" and st[(0, 0)]["active"], st
