# SPDX-License-Identifier: Apache-2.0
"""The Cortex-M firmware on QEMU mps2-an386 (and an385) driven by real clients over its UART.

Each test starts `scripts/qemu-device.sh` (the firmware behind a launcher-owned pty, a
boot step with smpdfu-boot at every reset, the flash in a file QEMU maps as the PSRAM)
and talks to it with smpmgr (CLI) and smpclient (Python API): echo, MCUmgr parameters, OS
info, image list, upload, test + reset + boot of the new image + confirm, revert, an image
signed with an unknown key refused, flash contents surviving a reset and a QEMU restart,
the malformed serial-line cases of test_malformed_corpus.py, and the firmware's stack and
Mbed TLS heap peaks against the budget in port/cortex-m/board/mps2/budget.json.

Without qemu-system-arm (or the ARM toolchain, or the Mbed TLS source from
scripts/setup.sh) the tests skip with the reason, except under CI=true where they fail.
"""
import json
import os
import re
import shutil
import subprocess

import pytest
from smpclient.generics import error_v2, success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import (ROOT, Device, device_binary, device_pool, run, run_smpmgr, serial_client,
                      unavailable)
from imgutil import active_entry, images, slot_entry, slots, upload_for_test  # noqa: F401

QEMU_SH = ROOT / "scripts" / "qemu-device.sh"
BUDGET = json.loads((ROOT / "port/cortex-m/board/mps2/budget.json").read_text())
PRESETS = {"mps2-an386": "cortex-m4-qemu", "mps2-an385": "cortex-m3-qemu"}
LAYOUT = "mps2"


def _unavailable(why):
    unavailable("QEMU firmware tests", why)


@pytest.fixture(scope="session")
def firmware():
    """Build the firmware presets (no-op when up to date); {machine: elf path}."""
    if shutil.which("qemu-system-arm") is None:
        _unavailable("qemu-system-arm not installed (scripts/setup.sh)")
    if shutil.which("arm-none-eabi-gcc") is None:
        _unavailable("arm-none-eabi-gcc not installed (scripts/setup.sh)")
    out = {}
    for machine, preset in PRESETS.items():
        bdir = ROOT / "build" / preset
        if not (bdir / "build.ninja").is_file():
            p = subprocess.run(["cmake", "--preset", preset], cwd=ROOT, capture_output=True,
                               text=True)
            if p.returncode != 0:
                if "Mbed TLS source not found" in p.stderr + p.stdout:
                    _unavailable("Mbed TLS source missing (scripts/setup.sh)")
                pytest.fail(f"cmake --preset {preset} failed:\n{p.stdout}{p.stderr}")
        p = subprocess.run(["cmake", "--build", str(bdir), "-j2", "--target", "smpdfu-fw.elf"],
                           capture_output=True, text=True)
        assert p.returncode == 0, f"firmware build failed:\n{p.stdout}{p.stderr}"
        out[machine] = bdir / "smpdfu-fw.elf"
    return out


class QemuDevice(Device):
    """conftest.Device driving scripts/qemu-device.sh instead of smpdfu-device: same
    ready line, log file, stop (SIGTERM) and restart semantics."""

    def __init__(self, workdir, fw, machine="mps2-an386", confirm_at_boot="on", **kw):
        super().__init__(device_binary(), workdir, udp=None, layout=LAYOUT, **kw)
        self.machine = machine
        self.fw = fw
        self.confirm_at_boot = confirm_at_boot

    def argv(self):
        return [str(QEMU_SH), "--flash", str(self.flash), "--machine", self.machine,
                "--confirm-at-boot", self.confirm_at_boot, *self.image_args(), *self.extra]

    def start(self, timeout=30.0):
        os.environ["SDFU_QEMU_FW"] = str(self.fw)
        os.environ["SDFU_BOOT"] = str(device_binary().parent / "smpdfu-boot")
        os.environ["SDFU_DEVICE"] = str(device_binary())
        return super().start(timeout)

    def boot_count(self):
        text = self.log().rsplit("---- start #", 1)[-1]
        return len(re.findall(r"INF main: ready: boot #\d+", text))

    def boot_line(self, n):
        """The firmware's ready line of boot #n of the current launcher (waits for it)."""
        rx = rf"INF main: ready: boot #{n}, [^\n]*"
        text = self.wait_log(rx, timeout=20.0, count=self._starts_boots(n))
        return re.findall(rx, text.rsplit("---- start #", 1)[-1])[-1]

    def _starts_boots(self, n):
        # count over the whole log: earlier launcher runs logged their own boot #n
        before = self.log().rsplit("---- start #", 1)[0]
        return len(re.findall(rf"INF main: ready: boot #{n}, ", before)) + 1

    def figures(self):
        """OS info field 'v' (smpclient OSInfoRead): the running version and the figures
        since the previous call: stack_peak, stack_size, mbedtls_peak, mbedtls_size,
        rx_overruns, flash_violations."""
        async def go():
            async with serial_client(self, timeout=5.0) as c:
                r = await c.request(osm.OSApplicationInfoRead(format="v"))
                assert success(r), r
                return r.output

        out = run(go()).split()
        return out[0], {k: int(v) for k, v in (f.split("=") for f in out[1:])}


@pytest.fixture
def qemu_factory(tmp_path, firmware):
    def new(i, machine="mps2-an386", **kw):
        return QemuDevice(tmp_path / f"qemu{i}", firmware[machine], machine=machine, **kw)

    yield from device_pool(new, "qemu-device")


@pytest.fixture
def qdev(qemu_factory, default_image):
    """The firmware running the default signed 1.0.0 image and trusting its key."""
    return qemu_factory(provision=default_image.path, keys=[default_image.key])


def state_read(dev):
    p = run_smpmgr("--port", dev.pty, "--timeout", "5", "image", "state-read")
    assert p.returncode == 0, p.stdout + p.stderr
    out = {}
    for m in re.finditer(r"ImageState\((.*?)\n\)", p.stdout, re.S):
        body = m.group(1)
        slot = int(re.search(r"slot=(\d+)", body).group(1))
        e = {"version": re.search(r"version='([^']*)'", body).group(1),
             "hash": re.search(r"'([0-9A-F]{64})'", body).group(1).lower()}
        for flag in ("active", "confirmed", "pending", "permanent"):
            e[flag] = re.search(rf"{flag}=(True|False)", body).group(1) == "True"
        out[slot] = e
    return out


# ---- basics -------------------------------------------------------------------------------

def test_qemu_echo_smpmgr_and_smpclient(qdev):
    p = run_smpmgr("--port", qdev.pty, "os", "echo", "hello from the emulated M4")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "r='hello from the emulated M4'" in p.stdout, p.stdout

    async def go():
        async with serial_client(qdev, timeout=5.0) as c:
            r = await c.request(osm.EchoWrite(d="x" * 300))
            assert success(r) and r.r == "x" * 300, r
            r = await c.request(osm.MCUMgrParametersRead())
            assert success(r), r
            assert (r.buf_size, r.buf_count) == (2048, 4), r
            r = await c.request(osm.OSApplicationInfoRead(format="smpio"))
            assert success(r), r
            return r.output

    assert run(go()) == "smpdfu mps2-an386 cortex-m4 qemu smpdfu-baremetal"
    assert "ERR " not in qdev.log(), qdev.log()[-3000:]


def test_qemu_image_list(qdev, default_image):
    st = state_read(qdev)
    assert list(st) == [0], st
    assert st[0]["version"] == "1.0.0" and st[0]["active"] and st[0]["confirmed"], st

    async def go():
        async with serial_client(qdev, timeout=5.0) as c:
            return await slots(c)

    e = active_entry(run(go()))
    assert e["slot"] == 0 and e["version"] == "1.0.0" and e["bootable"], e
    assert e["hash"].hex() == st[0]["hash"]


# ---- the full update cycle on the emulated chip ----------------------------------------------

def test_qemu_upgrade_test_reset_confirm_smpmgr(qemu_factory, default_image, images):
    """smpmgr upgrade (upload + test + reset): smpdfu-boot swaps, the firmware runs 1.1.0
    unconfirmed; confirm; the flash keeps it across a QEMU restart."""
    dev = qemu_factory(provision=default_image.path, keys=[default_image.key],
                       confirm_at_boot="off")
    new = images.make("1.1.0", size=24 * 1024)
    old = state_read(dev)[0]
    p = run_smpmgr("--port", dev.pty, "--timeout", "5", "upgrade", "--slot", "1", new.path,
                   timeout=90)
    assert p.returncode == 0 and "Upgrade complete" in p.stdout, p.stdout + p.stderr
    dev.wait_reboot(timeout=20)
    assert "version 1.1.0" in dev.boot_line(2), dev.log()[-3000:]
    assert re.search(r'boot #2: smpdfu-boot \{[^\n]*"swap_type": "test", "action": "upgrade"',
                     dev.log()), dev.log()[-3000:]
    st = state_read(dev)
    assert st[0]["version"] == "1.1.0" and st[0]["hash"] == new.hash.hex(), st
    assert st[0]["active"] and not st[0]["confirmed"], st
    assert st[1]["version"] == "1.0.0" and st[1]["hash"] == old["hash"], st

    p = run_smpmgr("--port", dev.pty, "image", "state-write", "--confirm")
    assert p.returncode == 0, p.stdout + p.stderr
    st = state_read(dev)
    assert st[0]["version"] == "1.1.0" and st[0]["active"] and st[0]["confirmed"], st

    # QEMU and the launcher stop (SIGTERM) and start again on the same flash file
    dev.restart_process()
    assert "version 1.1.0" in dev.boot_line(1)
    st = state_read(dev)
    assert st[0]["version"] == "1.1.0" and st[0]["active"] and st[0]["confirmed"], st


def test_qemu_test_reset_reset_reverts_smpclient(qemu_factory, default_image, images):
    """smpclient: upload, test, reset -> 1.1.0 runs unconfirmed; reset again -> reverted."""
    dev = qemu_factory(provision=default_image.path, keys=[default_image.key],
                       confirm_at_boot="off")
    new = images.make("1.1.0", size=16 * 1024, seed=3)

    async def upload_and_test():
        async with serial_client(dev, timeout=5.0) as c:
            r = await upload_for_test(c, new)
            assert success(r), r
            assert [e for e in r.images if e.slot == 1][0].pending, r
            r = await c.request(osm.ResetWrite())
            assert success(r), r

    run(upload_and_test(), timeout=90)
    dev.wait_reboot(timeout=20)
    assert "version 1.1.0" in dev.boot_line(2)

    async def check_and_reset(version, confirmed, do_reset):
        async with serial_client(dev, timeout=5.0) as c:
            st = await slots(c)
            e = active_entry(st)
            assert e["slot"] == 0 and e["version"] == version, st
            assert e["confirmed"] == confirmed, st
            if do_reset:
                r = await c.request(osm.ResetWrite())
                assert success(r), r
            return st

    run(check_and_reset("1.1.0", False, True))
    dev.wait_reboot(timeout=20)
    assert "version 1.0.0" in dev.boot_line(3), dev.log()[-3000:]
    assert re.search(r'boot #3: smpdfu-boot \{[^\n]*"swap_type": "revert"', dev.log())
    st = run(check_and_reset("1.0.0", True, False))
    s1 = slot_entry(st, 1)
    assert s1 is not None and s1["version"] == "1.1.0" and not s1["pending"], st


def test_qemu_unknown_key_refused(qdev, images):
    """An image signed with a key the device does not trust uploads, but is refused for test
    (the firmware checks the signature with Mbed TLS on the target), and nothing changes."""
    other = images.make("1.3.0", size=8 * 1024, key=images.key("qemu-untrusted"))

    async def go():
        async with serial_client(qdev, timeout=5.0) as c:
            r = await upload_for_test(c, other)
            assert error_v2(r), r
            assert (int(r.err.group), int(r.err.rc)) == (1, 23), r
            return await slots(c)

    st = run(go(), timeout=60)
    assert not slot_entry(st, 1)["pending"], st
    assert active_entry(st)["version"] == "1.0.0"


def test_qemu_rsa_image_verified_on_target(qemu_factory, images):
    """RSA-2048-PSS: a running RSA-signed image and a new one accepted for test."""
    key = images.key("rsa", "rsa-2048")
    base = images.make("1.0.0", size=8 * 1024, key=key)
    new = images.make("1.1.0", size=8 * 1024, key=key, seed=5)
    dev = qemu_factory(provision=base.path, keys=[key])

    async def go():
        async with serial_client(dev, timeout=5.0) as c:
            r = await upload_for_test(c, new)
            assert success(r), r
            return await slots(c)

    st = run(go(), timeout=60)
    assert slot_entry(st, 1)["pending"], st


def test_qemu_cortex_m3_an385(qemu_factory, default_image):
    """The Cortex-M3 build on mps2-an385 runs the same stack."""
    dev = qemu_factory(machine="mps2-an385", provision=default_image.path,
                       keys=[default_image.key])
    p = run_smpmgr("--port", dev.pty, "os", "echo", "m3")
    assert p.returncode == 0 and "r='m3'" in p.stdout, p.stdout + p.stderr
    st = state_read(dev)
    assert st[0]["version"] == "1.0.0" and st[0]["active"], st
    assert "on mps2-an385 (cortex-m3)" in dev.log()


# ---- figures against the recorded budget -----------------------------------------------------

def test_qemu_stack_and_heap_within_budget(qemu_factory, default_image, images):
    """Painted stack high-water mark and Mbed TLS heap peak over an upload with signature
    checks (ECDSA P-256 and RSA-2048), against budget.json; a regression past it fails."""
    rsa = images.key("rsa", "rsa-2048")
    dev = qemu_factory(provision=default_image.path, keys=[default_image.key, rsa])
    ver, f0 = dev.figures()
    assert ver == "1.0.0" and f0["stack_size"] == BUDGET["stack_size"], f0
    ec_img = images.make("1.1.0", size=8 * 1024, seed=7)
    rsa_img = images.make("1.2.0", size=8 * 1024, key=rsa, seed=8)
    peaks = {}
    for name, img in (("ecdsa", ec_img), ("rsa", rsa_img)):
        async def go():
            async with serial_client(dev, timeout=5.0) as c:
                r = await c.request(im.ImageErase(slot=1))  # the previous test request
                assert success(r), r
                r = await upload_for_test(c, img)
                assert success(r), r

        run(go(), timeout=60)
        _, peaks[name] = dev.figures()
    for name, f in peaks.items():
        assert f["mbedtls_peak"] > 0, (name, f)  # the signature check really ran on the target
        assert f["stack_peak"] <= BUDGET["stack_peak_max"], (name, f, BUDGET)
        assert f["mbedtls_peak"] <= BUDGET["mbedtls_peak_max"], (name, f, BUDGET)
        assert f["rx_overruns"] == 0 and f["flash_violations"] == 0, (name, f)
    assert peaks["rsa"]["stack_peak"] < peaks["rsa"]["stack_size"]


# ---- malformed serial lines (test_malformed_corpus.py's data and runner) ---------------------

import test_malformed_corpus as corpus  # noqa: E402


@pytest.fixture(scope="module")
def corpus_imgs(tmp_path_factory, default_image):
    return corpus.Images(tmp_path_factory.mktemp("qemu-malformed"), default_image.key)


@pytest.mark.parametrize("name", corpus.SERIAL_NAMES)
def test_qemu_malformed_serial_lines(name, qdev, corpus_imgs):
    case = corpus._find(corpus.serial_cases(corpus_imgs), name)
    link = corpus.SerialLink(qdev)
    try:
        corpus.run_case(qdev, link, name, case[1])
    finally:
        link.close()
