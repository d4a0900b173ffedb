# SPDX-License-Identifier: Apache-2.0
"""The device program never loses a flash file: wrong size refused untouched, one process per file."""
import hashlib
import subprocess

from conftest import device_binary, run, udp_client


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
