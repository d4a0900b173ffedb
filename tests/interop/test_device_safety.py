# SPDX-License-Identifier: Apache-2.0
"""The device program never loses a flash file: wrong size refused untouched, one process per file."""
import hashlib
import subprocess

from conftest import device_binary, run, udp_client
from imgutil import images  # noqa: F401  (fixture)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_argv(flash, *extra):
    return [str(device_binary()), "--flash", str(flash), "--udp", "off", "--serial", "off", *extra]


def test_wrong_layout_leaves_file_untouched(device, tmp_path):
    flash = device.flash
    device.stop()
    before = sha(flash)
    p = subprocess.run(start_argv(flash, "--layout", "mixed8"), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    msg = p.stderr + p.stdout
    assert str(flash) in msg and str(flash.stat().st_size) in msg and "--wipe" in msg, msg
    assert sha(flash) == before
    # a truncated copy is refused the same way and keeps its bytes
    cut = tmp_path / "truncated.flash"
    cut.write_bytes(flash.read_bytes()[:4096 * 3])
    p = subprocess.run(start_argv(cut), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "12288 bytes" in (p.stderr + p.stdout)
    assert cut.stat().st_size == 4096 * 3


def test_second_instance_refused_first_keeps_serving(device):
    p = subprocess.run(start_argv(device.flash), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    msg = p.stderr + p.stdout
    assert str(device.flash) in msg and f"pid {device.proc.pid}" in msg, msg

    async def echo():
        async with udp_client(device) as c:
            from smpclient.requests.os_management import EchoWrite
            return await c.request(EchoWrite(d="still here"))

    assert run(echo()).r == "still here"
    # smpdfu-boot refuses to change a file a device is running on
    boot = device_binary().parent / "smpdfu-boot"
    q = subprocess.run([str(boot), "--flash", str(device.flash), "--mode", "swap"], capture_output=True,
                       text=True, timeout=30)
    assert q.returncode == 2 and "in use" in q.stderr


def test_provision_only_on_a_new_flash(device_factory, default_image, tmp_path):
    """Re-running a command line with --provision never replaces what an existing flash holds."""
    flash = tmp_path / "keep.flash"
    first = device_factory(flash=flash, provision=default_image.path, keys=[default_image.key], serial=None)
    first.stop()
    before = sha(flash)
    other = tmp_path / "other.bin"
    other.write_bytes(b"\x00" * 4096)  # not even an image: writing it would be visible
    second = device_factory(flash=flash, provision=other, keys=[default_image.key], serial=None)
    second.wait_log(r"kept its stored contents, not provisioning")
    second.wait_log(r"device: boot #1: running slot 0, version 1\.0\.0")
    second.stop()
    assert sha(flash) == before
    # --wipe starts over: now the file is provisioned again
    third = device_factory(flash=flash, provision=default_image.path, keys=[default_image.key], serial=None,
                           extra=["--wipe"])
    third.wait_log(r"provisioned .* into the primary slot")


def test_log_time_stamps(device_factory):
    import re
    up = device_factory(serial=None)
    assert re.match(r"^\[\d\d:\d\d:\d\d\.\d{3}\] INF ", up.log().splitlines()[-1]), up.log()[-300:]
    iso = device_factory(serial=None, extra=["--log-time", "iso"])
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INF ", iso.log(), re.M), iso.log()[-300:]
    bad = subprocess.run(start_argv("x.flash", "--log-time", "epoch"), capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "--log-time is uptime or iso" in bad.stderr


# ---- a write the flash FILE refuses (issue 13 item 3) -------------------------------------------

def _staged_unconfirmed(device_factory, default_image, images):
    """A device (ctl socket) running a test-booted 1.1.0, not confirmed yet."""
    from smpclient.generics import success
    from smpclient.requests import os_management as osm
    from imgutil import upload_for_test
    from test_dfu_support import start_with_sockets

    dev = start_with_sockets(device_factory, default_image, extra=["--confirm-at-boot", "off"])
    new = images.make("1.1.0", size=20 * 1024)

    async def stage():
        async with udp_client(dev) as cl:
            assert success(await upload_for_test(cl, new))
            assert success(await cl.request(osm.ResetWrite()))

    run(stage())
    dev.wait_reboot()
    return dev


async def _confirm(dev):
    from smpclient.generics import success
    from smpclient.requests import image_management as im
    from imgutil import active_entry, slots

    async with udp_client(dev) as cl:
        r = await cl.request(im.ImageStatesWrite(confirm=True))
        return success(r), r, active_entry(await slots(cl))


def _power_cycle(dev, version):
    """Restart the process: the first boot must run `version` from slot 0; returns the state
    read's active entry."""
    from imgutil import active_entry, slots

    dev.restart_process()
    assert f"boot #1: running slot 0, version {version}" in dev.log().rsplit("---- start #", 1)[-1]

    async def after():
        async with udp_client(dev) as cl:
            return active_entry(await slots(cl))

    return run(after())


def _file_fail(dev, **kw):
    from test_dfu_support import LineClient
    with LineClient(dev.ctl_path) as c:
        rep = c.req("file_fail", **kw)
    assert rep["ok"], rep


def test_file_refuses_confirm_then_retry_lands(device_factory, default_image, images):
    """The file refuses the confirm once (EIO): the command fails, the state read answers
    "not confirmed" (what is stored), the retry confirms, and a restart keeps 1.1.0."""
    from test_dfu_support import ctl_state

    dev = _staged_unconfirmed(device_factory, default_image, images)
    _file_fail(dev, after=1, errno="EIO")
    ok, r, act = run(_confirm(dev))
    assert not ok, r
    assert act["version"] == "1.1.0" and not act["confirmed"], act
    assert ctl_state(dev)["flash"]["file_errors"] == 1
    assert "flash file write failed" in dev.log()
    ok, r, act = run(_confirm(dev))
    assert ok, r
    assert act["version"] == "1.1.0" and act["confirmed"], act
    act = _power_cycle(dev, "1.1.0")  # the bootloader reads the file
    assert act["version"] == "1.1.0" and act["confirmed"], act


def test_file_full_confirm_never_claimed(device_factory, default_image, images):
    """The file keeps refusing (ENOSPC): confirm and its retry fail, the device never says
    "confirmed", and after a power cycle the bootloader reverts to 1.0.0, as it reported."""
    dev = _staged_unconfirmed(device_factory, default_image, images)
    _file_fail(dev, after=1, errno="ENOSPC", sticky=True)
    for _ in range(2):
        ok, r, act = run(_confirm(dev))
        assert not ok, r
        assert act["version"] == "1.1.0" and not act["confirmed"], act
    assert "No space left on device" in dev.log()
    act = _power_cycle(dev, "1.0.0")
    assert act["version"] == "1.0.0" and act["confirmed"], act
