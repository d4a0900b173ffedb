# SPDX-License-Identifier: Apache-2.0
"""Interop: drive smpdfu-device with the third-party Rust client library mcumgr-toolkit.

The peer binary (tests/interop/rust-peer, built by scripts/build-rust-peer.sh) calls the
library's own SMP/CBOR/transport code and prints one JSON object per line. A device answer
"not supported" (SMP rc 8) to a command of the update flow is a failure. When the binary
cannot be built the tests skip with the reason on a developer's machine and fail in CI
(CI=true).
"""
import json
import os
import pathlib
import subprocess
import time

import pytest

from conftest import unavailable
from imgutil import images  # noqa: F401  (session fixture: signed images, device-trusted key)

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "scripts" / "build-rust-peer.sh"
MGMT_ERR_ENOTSUP = 8

# The first test may build the peer (about 30 s from cold with crates cached, longer when
# crates.io must be fetched); every peer run below has its own subprocess timeout.
pytestmark = pytest.mark.timeout(300)


class PeerResult:
    """Parsed output of one peer run: the final result object plus event lines."""

    def __init__(self, argv, proc):
        self.argv = argv
        self.returncode = proc.returncode
        self.stderr = proc.stderr
        self.events = []
        self.result = None
        for line in proc.stdout.splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise AssertionError(f"peer printed a non-JSON line: {line!r}\n{self.describe()}")
            if "event" in obj:
                self.events.append(obj)
            else:
                self.result = obj
        if self.result is None:
            raise AssertionError(f"peer printed no result line\n{self.describe()}")

    @property
    def ok(self):
        return bool(self.result.get("ok"))

    @property
    def device_error(self):
        return self.result.get("device_error")

    def unsupported(self):
        """True when the device answered MGMT_ERR_ENOTSUP (command/group not implemented)."""
        d = self.device_error
        return bool(d) and d.get("version") == 1 and d.get("rc") == MGMT_ERR_ENOTSUP

    def describe(self):
        return (f"argv: {' '.join(map(str, self.argv))}\nexit: {self.returncode}\n"
                f"result: {self.result}\nstderr: {self.stderr[-2000:]}")

    def expect_ok(self):
        assert self.ok and self.returncode == 0, self.describe()
        return self.result


class Peer:
    """Runs the peer binary against one transport of the device."""

    def __init__(self, binary, transport_args, name):
        self.binary = binary
        self.transport_args = list(transport_args)
        self.name = name

    def run(self, *args, timeout_ms=5000, retries=0, timeout=120, extra=()):
        argv = [self.binary, *self.transport_args, "--timeout-ms", str(timeout_ms),
                "--retries", str(retries), *extra, *map(str, args)]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return PeerResult(argv, proc)

    def ok(self, *args, **kw):
        return self.run(*args, **kw).expect_ok()

    def served(self, what, *args, **kw):
        """Runs a command the device serves; an 'unsupported' answer is a failure."""
        r = self.run(*args, **kw)
        assert not r.unsupported(), (f"smpdfu-device answered {what} with rc {MGMT_ERR_ENOTSUP} "
                                     f"(MGMT_ERR_ENOTSUP): {r.describe()}")
        return r.expect_ok()


def _unavailable(why):
    """No peer here: a skip on a developer's machine, a failure in CI (CI=true)."""
    unavailable("Rust peer tests", why)


@pytest.fixture(scope="session")
def rust_peer_bin():
    """Path of the built peer (env SDFU_RUST_PEER overrides); skips if it cannot be built."""
    override = os.environ.get("SDFU_RUST_PEER")
    if override:
        if not os.access(override, os.X_OK):
            _unavailable(f"SDFU_RUST_PEER={override} is not an executable")
        return override
    try:
        proc = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True,
                              timeout=280)
    except (OSError, subprocess.TimeoutExpired) as e:
        _unavailable(f"Rust peer (mcumgr-toolkit) could not be built: {e}")
    path = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or not path or not os.access(path, os.X_OK):
        _unavailable("Rust peer (mcumgr-toolkit) could not be built: "
                     + (proc.stderr.strip()[-800:] or f"exit {proc.returncode}"))
    return path


def _transport_args(device, transport):
    if transport == "serial":
        pty = getattr(device, "pty", None)
        if not pty:
            pytest.skip("device fixture exposes no serial pty")
        return ["--serial", str(pty)]
    port = getattr(device, "udp_port", None)
    if not port:
        pytest.skip("device fixture exposes no UDP port")
    host = getattr(device, "udp_host", None) or "127.0.0.1"
    return ["--udp", f"{host}:{port}"]


@pytest.fixture(params=["serial", "udp"])
def peer(request, rust_peer_bin, device):
    return Peer(rust_peer_bin, _transport_args(device, request.param), request.param)


@pytest.fixture
def udp_peer(rust_peer_bin, device):
    return Peer(rust_peer_bin, _transport_args(device, "udp"), "udp")


# ---- helpers for the DFU tests ----------------------------------------------------------

def _make_image(images, device, version, size=24 * 1024):
    """An imgtool-signed image with the key the device trusts, sized for its secondary slot."""
    return images.make(version, size=size, slot_size=device.slot_size, seed=11)


def _images_by_slot(result):
    return {(i["image"], i["slot"]): i for i in result["images"]}


def _wait_alive(peer, device, deadline_s=10.0):
    """After a reset: waits for the in-process reboot, then for echo to answer again."""
    device.wait_reboot()
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        last = peer.run("echo", "alive?", timeout_ms=500)
        if last.ok and last.result.get("r") == "alive?":
            return
        time.sleep(0.2)
    raise AssertionError(f"device did not answer after reset\n{last.describe() if last else ''}")


# ---- OS group ---------------------------------------------------------------------------

def test_echo(peer):
    assert peer.ok("echo", "hello")["r"] == "hello"
    # Long enough to span several serial lines (127-byte lines) and both base64 line kinds.
    text = "smpdfu-" + "x" * 200 + "-end"
    res = peer.ok("echo", text)
    assert res["r"] == text
    assert res["transport"] == peer.name


def test_params(peer):
    res = peer.served("MCUmgr parameters (0/6)", "params")
    assert isinstance(res["buf_size"], int) and res["buf_size"] >= 128, res
    assert isinstance(res["buf_count"], int) and res["buf_count"] >= 1, res


def test_echo_after_error_keeps_session(peer):
    """An unsupported/invalid request must not break the transport for the next one."""
    r = peer.run("app-info", "zzz")  # a result or an SMP error are both fine; silence is not
    assert r.returncode in (0, 3), r.describe()
    assert peer.ok("echo", "still-here")["r"] == "still-here"


# ---- image group ------------------------------------------------------------------------

def test_image_list(peer, device):
    res = peer.served("image state read (1/0)", "image-list")
    entries = res["images"]
    assert isinstance(entries, list) and entries, res
    for img in entries:
        assert img["slot"] in (0, 1), img
        assert isinstance(img["version"], str) and img["version"], img
        assert img["hash"] is None or len(img["hash"]) == 64, img  # 32-byte SHA-256 TLV bstr
    active = [i for i in entries if i["active"]]
    assert len(active) == 1, entries
    # The fixture provisions a confirmed 1.0.0 image into the primary slot.
    assert active[0]["slot"] == 0 and active[0]["confirmed"], active
    assert active[0]["version"] == device.image_version and active[0]["hash"], active


@pytest.fixture(params=["serial", "udp"])
def peer_unconfirmed(request, rust_peer_bin, device_unconfirmed):
    """A peer on a device that does not confirm at boot, to see the test state."""
    return Peer(rust_peer_bin, _transport_args(device_unconfirmed, request.param), request.param)


def test_upload_test_reset(peer_unconfirmed, device_unconfirmed, images):
    """Full DFU with the library's own calls: upload, list, test, reset, check, confirm."""
    peer, device = peer_unconfirmed, device_unconfirmed
    peer.served("image state read (1/0)", "image-list")
    image = _make_image(images, device, "1.1.0")
    info = peer.ok("image-info", image.path)
    assert info["hash"] == image.hash.hex() and info["version"] == "1.1.0"

    up = peer.run("upload", image.path, timeout_ms=15000)
    res = up.expect_ok()
    assert res["len"] == len(image)
    offs = [e["off"] for e in up.events if e.get("event") == "progress"]
    assert offs and offs[-1] == len(image), up.describe()
    assert offs == sorted(set(offs)), "upload offsets must strictly advance"
    assert len(offs) == res["chunks"] >= 2, res

    listed = _images_by_slot(peer.ok("image-list"))
    assert listed[(0, 0)]["active"] and listed[(0, 0)]["version"] == device.image_version
    slot1 = listed.get((0, 1))
    assert slot1, listed
    assert slot1["hash"] == image.hash.hex() and slot1["version"] == "1.1.0", slot1
    assert not slot1["pending"] and not slot1["active"], slot1

    res = peer.ok("test", image.hash.hex())
    slot1 = _images_by_slot(res).get((0, 1))
    assert slot1 and slot1["pending"] and not slot1["permanent"], res

    peer.ok("reset")
    _wait_alive(peer, device)

    after = _images_by_slot(peer.ok("image-list"))
    assert after[(0, 0)]["hash"] == image.hash.hex(), after
    assert after[(0, 0)]["active"] and after[(0, 0)]["version"] == "1.1.0", after
    assert not after[(0, 0)]["confirmed"], "a test boot must not be confirmed yet"

    res = peer.ok("confirm")
    assert _images_by_slot(res)[(0, 0)]["confirmed"], res
    assert _images_by_slot(peer.ok("image-list"))[(0, 0)]["confirmed"]


def test_upload_then_erase(peer, device, images):
    peer.served("image state read (1/0)", "image-list")
    image = _make_image(images, device, "1.2.0")
    up = peer.run("upload", image.path, "--no-progress", timeout_ms=15000)
    up.expect_ok()
    assert (0, 1) in _images_by_slot(peer.ok("image-list"))
    peer.served("image erase (1/5)", "erase", "1")
    assert (0, 1) not in _images_by_slot(peer.ok("image-list"))


def test_upload_upgrade_only_rejects_downgrade(peer, device, images):
    """upload --upgrade-only (first chunk upgrade=true) of an older version is refused with
    img group error 27 CURRENT_VERSION_IS_NEWER (v2 "err", as the library sends v2 headers)."""
    peer.served("image state read (1/0)", "image-list")
    old = _make_image(images, device, "0.9.0")
    r = peer.run("upload", old.path, "--upgrade-only", "--no-progress", timeout_ms=15000)
    assert not r.ok and r.returncode == 3, r.describe()
    assert r.device_error == {"version": 2, "group": 1, "rc": 27,
                              "text": r.device_error["text"]}, r.describe()
    # The same image without the flag is accepted (downgrades are allowed by default).
    peer.ok("upload", old.path, "--no-progress", timeout_ms=15000)
    assert _images_by_slot(peer.ok("image-list"))[(0, 1)]["version"] == "0.9.0"


def test_test_unknown_hash_is_rejected(peer):
    """test with a hash no slot holds must fail with a device error, not hang or succeed."""
    peer.served("image state read (1/0)", "image-list")
    r = peer.run("test", "ab" * 32)
    assert not r.ok and r.returncode == 3 and r.device_error, r.describe()


def test_library_update_flow(udp_peer, device, images):
    """mcumgr-toolkit's high-level firmware_update: bootloader info, list, upload, test, reset."""
    peer = udp_peer
    peer.served("image state read (1/0)", "image-list")
    image = _make_image(images, device, "1.3.0")
    extra = []
    if peer.run("bootloader-info").unsupported():
        extra = ["--bootloader", "mcuboot"]  # no 0/8: name the bootloader instead
    r = peer.run("update", image.path, *extra, "--no-progress", timeout_ms=15000)
    res = r.expect_ok()
    assert res["steps"][-2:] == ["activating", "rebooting"], res
    _wait_alive(peer, device)
    after = _images_by_slot(peer.ok("image-list"))
    assert after[(0, 0)]["hash"] == image.hash.hex() and after[(0, 0)]["active"], after
    assert after[(0, 0)]["version"] == "1.3.0", after
