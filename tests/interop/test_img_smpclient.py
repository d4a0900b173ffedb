# SPDX-License-Identifier: Apache-2.0
"""Image group with the smpclient Python API against a live smpdfu-device (UDP and serial).

Every case checks the device state through an image state read (and the device log for the
simulated boots), not only the client's return values. Images are made with imgtool at test
time (imgutil.py, cached per session).
"""
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from smpclient.exceptions import SMPUploadError
from smpclient.generics import error, error_v1, error_v2, success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import (ROOT, layout_info, parse_frame, run, serial_client, smp_frame,
                      udp_client, udp_exchange)
from imgutil import (HEADER_SIZE, active_entry, images, mark_for_test,  # noqa: F401
                     slot_entry, slots, unconfirmed_boot_args)

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- helpers -------------------------------------------------------------------------------

def start(device_factory, default_image, image=None, keys=None, **kw):
    """A device running `image` (default: the conftest 1.0.0 image), trusting `keys`, with
    boot-time auto-confirm off (if the device has such a feature)."""
    return device_factory(provision=(image or default_image).path,
                          keys=keys or [default_image.key],
                          extra=unconfirmed_boot_args() + list(kw.pop("extra", [])), **kw)


def client_for(dev, transport):
    return udp_client(dev) if transport == "udp" else serial_client(dev, timeout=5.0)


class UploadRecorder:
    """Wraps client.request to keep every ImageUploadWrite response (for `match`, first `off`)."""

    def __init__(self, client):
        self.responses = []
        orig = client.request

        async def request(req, timeout_s=None):
            r = await orig(req, timeout_s)
            if isinstance(req, im.ImageUploadWrite):
                self.responses.append(r)
            return r

        client.request = request


async def upload(client, image, **kw):
    """smpclient's upload() generator to the end; returns (offsets, recorder)."""
    rec = UploadRecorder(client)
    offs = [off async for off in client.upload(image.data, **kw)]
    assert offs[-1] == len(image.data), offs[-5:]
    return offs, rec


async def state_write(client, hash_, confirm):
    r = await client.request(im.ImageStatesWrite(hash=hash_, confirm=confirm))
    return r


async def upload_and_request(client, image, permanent=False):
    """Upload `image`, then ask for it (test or permanent); the request must succeed."""
    await upload(client, image)
    r = await state_write(client, image.hash, permanent)
    assert success(r), r
    return r


async def reset(client):
    r = await client.request(osm.ResetWrite())
    assert success(r), r


def img_err(r):
    """(group, rc) of a v2 error response, else None."""
    assert error(r), f"expected an error, got {r}"
    assert error_v2(r), r
    return (int(r.err.group), int(r.err.rc))


def boot_line(dev, n, slot, version, timeout=5.0):
    """Wait until the current process logged simulated boot #n running `slot` with `version`;
    returns that process's part of the log."""
    rx = re.compile(rf"device: boot #{n}: running slot {slot}, version {re.escape(version)}\b")
    end = time.monotonic() + timeout
    while True:
        text = dev.log().rsplit("---- start #", 1)[-1]
        if rx.search(text):
            return text
        if time.monotonic() > end:
            raise AssertionError(f"no {rx.pattern!r} in the current process log\n{text[-3000:]}")
        time.sleep(0.02)


# ---- full update: upload, test, reset, confirm ------------------------------------------

@pytest.mark.parametrize("transport,keykind", [("udp", "ecdsa"), ("serial", "ecdsa"),
                                               ("udp", "rsa")])
def test_update_test_then_confirm(transport, keykind, device_factory, default_image, images):
    if keykind == "rsa":
        key = images.key("rsa", "rsa-2048")
        base = images.make("1.0.0", size=16 * 1024, key=key)
        new = images.make("1.1.0", size=64 * 1024, key=key)
    else:
        key = default_image.key
        base = None
        new = images.make("1.1.0", size=64 * 1024)
    dev = start(device_factory, default_image, image=base, keys=[key])

    async def phase1():
        async with client_for(dev, transport) as c:
            st = await slots(c)
            assert [e["slot"] for e in st] == [0], st
            old = active_entry(st)
            assert old["version"] == "1.0.0" and old["confirmed"], st
            offs, rec = await upload(c, new)
            assert offs[0] > 0 and len(offs) >= 2, offs[:3]
            assert rec.responses[-1].match is True, rec.responses[-1]
            assert all(r.match is None for r in rec.responses[:-1])
            st = await slots(c)
            s1 = slot_entry(st, 1)
            assert s1["version"] == "1.1.0" and s1["hash"] == new.hash, st
            assert not (s1["pending"] or s1["active"] or s1["confirmed"]), st
            r = await state_write(c, new.hash, False)
            assert success(r), r
            s1 = [e for e in r.images if e.slot == 1][0]  # the response is the full state
            assert s1.pending and not s1.permanent, r
            await reset(c)
            return old["hash"]

    old_hash = run(phase1())
    dev.wait_reboot()
    log = boot_line(dev, 2, 0, "1.1.0")
    assert "swap type: test" in log

    async def phase2():
        async with client_for(dev, transport) as c:
            st = await slots(c)
            s0, s1 = slot_entry(st, 0), slot_entry(st, 1)
            assert s0["version"] == "1.1.0" and s0["hash"] == new.hash, st
            assert s0["active"] and not s0["confirmed"], st      # running in test mode
            assert s1["hash"] == old_hash and s1["confirmed"], st  # the revert target
            r = await state_write(c, None, True)                  # confirm the running image
            assert success(r), r
            st = await slots(c)
            s0, s1 = slot_entry(st, 0), slot_entry(st, 1)
            assert s0["active"] and s0["confirmed"], st
            assert not (s1["pending"] or s1["confirmed"] or s1["active"]), st
            await reset(c)

    run(phase2())
    dev.wait_reboot()
    log = boot_line(dev, 3, 0, "1.1.0")
    assert "swap type: revert" not in log.rsplit("boot #2", 1)[-1]


# ---- revert --------------------------------------------------------------------------------

def upgrade_and_reset(device_factory, default_image, images, permanent, check=None):
    """A device running 1.0.0 gets 1.1.0 over UDP, asked for test (or permanently), resets and
    boots it. `check(state)` runs on the image state after the request. Returns (device, new
    image, the current process's log)."""
    device = start(device_factory, default_image)
    new = images.make("1.1.0", size=64 * 1024)

    async def up():
        async with udp_client(device) as c:
            await upload_and_request(c, new, permanent)
            if check:
                check(await slots(c))
            await reset(c)

    run(up())
    device.wait_reboot()
    return device, new, boot_line(device, 2, 0, "1.1.0")


def test_revert_without_confirm(device_factory, default_image, images):
    device, new, _ = upgrade_and_reset(device_factory, default_image, images, False)

    async def no_confirm():
        async with udp_client(device) as c:
            st = await slots(c)
            assert active_entry(st)["version"] == "1.1.0", st
            assert not active_entry(st)["confirmed"], st
            await reset(c)  # no confirm: the bootloader must revert

    run(no_confirm())
    device.wait_reboot()
    log = boot_line(device, 3, 0, "1.0.0")
    assert re.search(r"swap type: revert", log.rsplit("boot #2", 1)[-1]), log[-2000:]

    async def check():
        async with udp_client(device) as c:
            st = await slots(c)
            s0, s1 = slot_entry(st, 0), slot_entry(st, 1)
            assert s0["version"] == "1.0.0" and s0["active"] and s0["confirmed"], st
            assert s1["version"] == "1.1.0" and s1["hash"] == new.hash, st
            assert not (s1["pending"] or s1["confirmed"] or s1["active"]), st

    run(check())
    # and it stays reverted after a power cycle
    device.restart_process()
    boot_line(device, 1, 0, "1.0.0")


# ---- permanent upgrade ---------------------------------------------------------------------

def test_permanent_upgrade(device_factory, default_image, images):
    def requested(st):
        s1 = slot_entry(st, 1)
        assert s1["pending"] and s1["permanent"] and not s1["active"], st

    device, _, log = upgrade_and_reset(device_factory, default_image, images, True, requested)
    assert "swap type: perm" in log, log[-2000:]

    async def check():
        async with udp_client(device) as c:
            st = await slots(c)
            s0, s1 = slot_entry(st, 0), slot_entry(st, 1)
            assert s0["version"] == "1.1.0" and s0["active"] and s0["confirmed"], st
            assert s1["version"] == "1.0.0", st
            assert not (s1["pending"] or s1["confirmed"] or s1["permanent"]), st
            await reset(c)

    run(check())
    device.wait_reboot()
    boot_line(device, 3, 0, "1.1.0")  # no revert


# ---- direct-XIP ------------------------------------------------------------------------------

def test_direct_xip_higher_version_boots(device_factory, default_image, images):
    dev = start(device_factory, default_image, mode="direct-xip")
    boot_line(dev, 1, 0, "1.0.0")
    v11 = images.make("1.1.0", size=64 * 1024)
    v12 = images.make("1.2.0", size=64 * 1024)

    async def up(img, target):
        async with udp_client(dev) as c:
            await upload(c, img)
            st = await slots(c)
            e = slot_entry(st, target)
            assert e is not None and e["hash"] == img.hash, st
            assert not e["active"], st
            # plain direct-XIP: the higher version is what boots next
            assert e["pending"] and e["permanent"], st
            r = await state_write(c, img.hash, False)  # no state write handler in direct-XIP
            assert error_v1(r) and int(r.rc) == 8, r   # MGMT_ERR_ENOTSUP
            await reset(c)

    run(up(v11, 1))
    dev.wait_reboot()
    boot_line(dev, 2, 1, "1.1.0")

    run(up(v12, 0))  # the free slot is now the primary
    dev.wait_reboot()
    boot_line(dev, 3, 0, "1.2.0")

    async def check():
        async with udp_client(dev) as c:
            st = await slots(c)
            s0, s1 = slot_entry(st, 0), slot_entry(st, 1)
            assert s0["version"] == "1.2.0" and s0["active"], st
            assert s1["version"] == "1.1.0" and not s1["active"] and not s1["pending"], st

    run(check())


# ---- resume after the client died --------------------------------------------------------

KILLED_UPLOADER = r"""
import asyncio, sys
sys.path.insert(0, {here!r})
from smpclient import SMPClient
from conftest import PortUDPTransport

async def main():
    data = open({path!r}, "rb").read()
    c = SMPClient(PortUDPTransport({port}), {host!r}, 2.0)
    await c.connect()
    async for off in c.upload(data):
        print(off, flush=True)
        if off >= len(data) // 2:
            print("HALF", flush=True)
            await asyncio.sleep(3600)   # hang here until the test kills us

asyncio.run(main())
"""


def test_resume_after_client_killed(device_factory, default_image, images, tmp_path):
    device = start(device_factory, default_image)
    img = images.make("1.1.0", size=128 * 1024, seed=7)
    script = tmp_path / "uploader.py"
    script.write_text(KILLED_UPLOADER.format(here=HERE, path=str(img.path),
                                             port=device.udp_port, host=device.udp_host))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                         cwd=str(ROOT))
    offs = []
    try:
        for line in p.stdout:
            line = line.strip()
            if line == "HALF":
                break
            offs.append(int(line))
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
    assert offs and len(img) // 2 <= offs[-1] < len(img), offs[-3:]
    stopped_at = offs[-1]

    async def resume():
        async with udp_client(device) as c:
            offs2, rec = await upload(c, img)
            assert offs2[0] == stopped_at, (offs2[0], stopped_at)  # resumed, not restarted
            assert rec.responses[-1].match is True, rec.responses[-1]
            st = await slots(c)
            assert slot_entry(st, 1)["hash"] == img.hash, st

    run(resume())
    # the device saw one session for this file: started once, completed once
    log = device.log()
    assert len(re.findall(rf"img: upload start: slot 1, {len(img)} bytes", log)) == 1, log[-2000:]
    assert len(re.findall(rf"img: upload complete: {len(img)} bytes, sha match", log)) == 1
    # a new session with a different file restarts from 0
    other = images.make("1.1.1", size=32 * 1024)

    async def restart():
        async with udp_client(device) as c:
            offs3, rec = await upload(c, other)
            assert offs3[0] < len(other) and rec.responses[-1].match is True
            # the first response acknowledges only the first chunk (a fresh session)
            assert 0 < offs3[0] <= 2048, offs3[:2]

    run(restart())


# ---- large image ---------------------------------------------------------------------------

def largest_layout():
    """(name, slot size) of the device layout with the largest secondary slot."""
    from conftest import device_binary, slot_size

    text = subprocess.run([str(device_binary()), "--help"], capture_output=True,
                          text=True).stdout
    m = re.search(r"--layout NAME\s+flash geometry: ([\w, ]+)", text)
    names = [n.strip() for n in m.group(1).split(",") if n.strip()]
    return max(((n, slot_size(n)) for n in names), key=lambda t: t[1])


def layout_geometry(name):
    """(slot size, sector count, largest sector size) of a device layout."""
    info = layout_info(name)
    sec = info["areas"]["secondary"]
    size = sec["size"]
    big_sector = max(r["size"] for r in info["sectors"])
    return size, size // big_sector, big_sector


def max_image_size(dev):
    """max_image_size from the device's slot info (1/6), over a raw UDP exchange."""
    hdr, body = parse_frame(udp_exchange(dev, smp_frame(0, 1, 6, {}, seq=9)))
    assert hdr["op"] == 1 and hdr["group"] == 1 and hdr["id"] == 6, hdr
    return body["images"][0]["max_image_size"]


@pytest.mark.parametrize("mode", ["swap", "swap-scratch", "overwrite"])
def test_large_slot_image(mode, device_factory, default_image, images):
    """The biggest image the device accepts (slot info max_image_size) on the biggest-slot
    layout must upload and boot. (1 MiB slots wanted; none exists: large128k has 768 KiB
    slots in 128 KiB sectors.) For swap-move that is n_sectors - 2 sectors (one sector for
    the move, one for the trailer; MCUboot swap_move.c "Not enough free space")."""
    name, size = largest_layout()
    if size < 1024 * 1024:
        print(f"NOTE: no layout with >= 1 MiB slots; using {name} ({size // 1024} KiB)")
    _, n_sec, sector = layout_geometry(name)
    dev = start(device_factory, default_image, layout=name, mode=mode)
    total = max_image_size(dev)
    if mode == "swap":
        assert total == (n_sec - 2) * sector, total
    assert size - 16 * 1024 < total <= size if mode != "swap" else True, total
    # imgtool's TLVs (hash, key hash, ECDSA signature, TLV info) take < 256 bytes here
    body = total - HEADER_SIZE - 256
    # imgtool checks the image against its own trailer estimate: tell it overwrite-only
    extra = ["--overwrite-only"] if mode == "overwrite" else []
    big = images.make("2.0.0", size=body, slot_size=size, extra=extra)
    assert total - 256 < len(big) <= total, (len(big), total)

    async def up():
        async with udp_client(dev) as c:
            offs, rec = await upload(c, big)
            assert rec.responses[-1].match is True
            r = await state_write(c, big.hash, False)
            assert success(r), r
            await reset(c)

    run(up(), timeout=60)
    dev.wait_reboot(timeout=30)
    boot_line(dev, 2, 0, "2.0.0")

    async def check():
        async with udp_client(dev) as c:
            st = await slots(c)
            s0 = slot_entry(st, 0)
            assert s0["version"] == "2.0.0" and s0["hash"] == big.hash and s0["active"], st

    run(check())


def test_swap_move_unswappable_size_refused_at_upload(device_factory, default_image, images):
    """An image longer than swap-move can move (> n_sectors - 2 sectors) must get err 30 on
    the first chunk, not be accepted and then erased by the bootloader."""
    name, size = largest_layout()
    _, n_sec, sector = layout_geometry(name)
    body = (n_sec - 2) * sector + 4 * 1024   # one sector too many, still < slot - trailer
    big = images.make("2.0.1", size=body, slot_size=size)
    dev = start(device_factory, default_image, layout=name)

    async def up():
        async with udp_client(dev) as c:
            with pytest.raises(SMPUploadError) as ei:
                await upload(c, big)
            assert img_err(ei.value.args[0]) == (1, 30), ei.value

    run(up(), timeout=60)


# ---- truncated sha -------------------------------------------------------------------------

def test_truncated_3_byte_sha(device_factory, default_image, images):
    device = start(device_factory, default_image)
    img = images.make("1.1.0", size=20 * 1024, seed=3)
    chunk = 1024

    async def go():
        async with udp_client(device) as c:
            r = await c.request(im.ImageUploadWrite(off=0, data=img.data[:chunk], image=0,
                                                    len=len(img), sha=img.sha[:3]))
            assert success(r), r
            assert r.off == chunk and r.match is None, r
            off = r.off
            while off < len(img):
                r = await c.request(im.ImageUploadWrite(off=off, data=img.data[off:off + chunk]))
                assert success(r), r
                assert r.off > off, r
                if r.off < len(img):
                    assert r.match is None, r
                off = r.off
            assert off == len(img)
            assert r.match is None, r  # no verification with a 3-byte sha
            st = await slots(c)
            assert slot_entry(st, 1)["hash"] == img.hash, st
            # a retry with the same 3-byte sha after completion starts a new session at 0
            r = await c.request(im.ImageUploadWrite(off=0, data=img.data[:chunk], image=0,
                                                    len=len(img), sha=img.sha[:3]))
            assert success(r) and r.off == chunk and r.match is None, r

    run(go())


# ---- the running image uploaded again ------------------------------------------------------

def test_upload_running_image_then_test_fails_33(device, default_image):
    from imgutil import Image

    running = Image(default_image.path, "1.0.0", default_image.key)

    async def go():
        async with udp_client(device) as c:
            offs, rec = await upload(c, running)
            assert rec.responses[-1].match is True
            st = await slots(c)
            assert slot_entry(st, 0)["hash"] == slot_entry(st, 1)["hash"] == running.hash, st
            r = await state_write(c, running.hash, False)
            assert img_err(r) == (1, 33), r
            st = await slots(c)
            assert not any(e["pending"] for e in st), st

    run(go())


# ---- badly signed image --------------------------------------------------------------------

def test_badly_signed_image_refused(device_factory, default_image, images):
    device = start(device_factory, default_image)
    rogue = images.key("rogue", "ecdsa-p256")
    bad = images.make("1.1.0", size=64 * 1024, key=rogue)

    async def go():
        async with udp_client(device) as c:
            offs, rec = await upload(c, bad)      # only the header is checked on upload
            assert rec.responses[-1].match is True
            st = await slots(c)
            assert slot_entry(st, 1)["hash"] == bad.hash, st
            r = await state_write(c, bad.hash, False)
            assert img_err(r) == (1, 23), r       # BOOT_EBADIMAGE -> INVALID_IMAGE_HEADER_MAGIC
            r = await state_write(c, bad.hash, True)
            assert img_err(r) == (1, 23), r
            st = await slots(c)
            assert not any(e["pending"] for e in st), st
            await reset(c)

    run(go())
    device.wait_reboot()
    log = boot_line(device, 2, 0, "1.0.0")
    assert "swap type: none" in log.rsplit("boot #1:", 1)[-1], log[-2000:]

    async def check():
        async with udp_client(device) as c:
            st = await slots(c)
            s0 = slot_entry(st, 0)
            assert s0["version"] == "1.0.0" and s0["active"] and s0["confirmed"], st
            assert slot_entry(st, 1)["hash"] == bad.hash and not slot_entry(st, 1)["pending"]

    run(check())

    # Bypass the server: schedule the bad image for test behind its back (write MCUboot's
    # trailer magic, taken from an `imgtool sign --pad` image, at the end of the secondary
    # slot in the flash file) and power-cycle: the bootloader must refuse it, not boot it.
    mark_for_test(device, images)
    log = boot_line(device, 1, 0, "1.0.0")
    assert "swap type: test" in log, log
    assert "secondary slot image invalid" in log and "upgrade refused" in log, log

    async def after():
        async with udp_client(device) as c:
            st = await slots(c)
            assert active_entry(st)["version"] == "1.0.0", st
            assert slot_entry(st, 1) is None, st   # the refused upgrade was erased

    run(after())


# ---- NO_FREE_SLOT --------------------------------------------------------------------------

def test_no_free_slot_while_test_pending(device_factory, default_image, images):
    """Strict setting (--erase-pending off, Zephyr without ALLOW_ERASE_PENDING): neither the
    upload nor an erase may touch the pending slot; confirming the running image frees it."""
    device = start(device_factory, default_image, extra=["--erase-pending", "off"])
    first = images.make("1.1.0", size=64 * 1024)
    second = images.make("1.2.0", size=48 * 1024)

    async def pending():
        async with udp_client(device) as c:
            await upload_and_request(c, first)
            with pytest.raises(SMPUploadError) as ei:
                await upload(c, second)
            assert img_err(ei.value.args[0]) == (1, 9), ei.value
            # the pending image is untouched
            st = await slots(c)
            s1 = slot_entry(st, 1)
            assert s1["hash"] == first.hash and s1["pending"], st
            # spec 4.7 (Zephyr without ALLOW_ERASE_PENDING): a scheduled slot holding a
            # readable image is not erased either
            r = await c.request(im.ImageErase(slot=1))
            assert img_err(r) == (1, 9), r
            st = await slots(c)
            assert slot_entry(st, 1)["pending"], st
            await reset(c)

    run(pending())
    device.wait_reboot()
    boot_line(device, 2, 0, "1.1.0")

    async def running_test_image():
        async with udp_client(device) as c:
            # an unconfirmed running test image keeps the old one as revert target: still busy
            with pytest.raises(SMPUploadError) as ei:
                await upload(c, second)
            assert img_err(ei.value.args[0]) == (1, 9), ei.value
            r = await c.request(im.ImageErase())
            assert img_err(r) == (1, 9), r
            # confirm -> the secondary is free: erase it, then the upload succeeds
            r = await state_write(c, None, True)
            assert success(r), r
            r = await c.request(im.ImageErase())
            assert success(r), r
            st = await slots(c)
            assert [e["slot"] for e in st] == [0], st
            offs, rec = await upload(c, second)
            assert rec.responses[-1].match is True
            st = await slots(c)
            s1 = slot_entry(st, 1)
            assert s1["hash"] == second.hash and not s1["pending"], st

    run(running_test_image())


def test_no_free_slot_cured_by_erase(device_factory, default_image, images):
    """Default (Zephyr's ALLOW_ERASE_PENDING=y): a client that meets NO_FREE_SLOT because a
    test image is pending erases the slot and uploads again; the revert target of an
    unconfirmed running test image stays protected."""
    device = start(device_factory, default_image)
    first = images.make("1.1.0", size=64 * 1024)
    second = images.make("1.2.0", size=48 * 1024)

    async def cure():
        async with udp_client(device) as c:
            await upload(c, first)
            assert success(await state_write(c, first.hash, False))
            with pytest.raises(SMPUploadError) as ei:
                await upload(c, second)
            assert img_err(ei.value.args[0]) == (1, 9), ei.value
            r = await c.request(im.ImageErase(slot=1))
            assert success(r), r
            st = await slots(c)
            assert [e["slot"] for e in st] == [0], st     # slot 1 and its trailer are gone
            offs, rec = await upload(c, second)
            assert rec.responses[-1].match is True
            s1 = slot_entry(await slots(c), 1)
            assert s1["hash"] == second.hash and not s1["pending"], s1
            # the running slot is still protected
            r = await c.request(im.ImageErase(slot=0))
            assert img_err(r) == (1, 9), r
            assert success(await state_write(c, second.hash, False))
            await reset(c)

    run(cure())
    device.wait_reboot()
    boot_line(device, 2, 0, "1.2.0")   # the second upload was tested, 1.0.0 is the revert target

    async def revert_target_protected():
        async with udp_client(device) as c:
            r = await c.request(im.ImageErase(slot=1))
            assert img_err(r) == (1, 9), r
            st = await slots(c)
            s1 = slot_entry(st, 1)
            assert s1["version"] == "1.0.0" and s1["confirmed"] and not s1["active"], st

    run(revert_target_protected())
