# SPDX-License-Identifier: Apache-2.0
"""Ed25519-signed images (issue 11 item 8; nRF54H20 nRF Desktop configurations sign with
Ed25519): images made with `imgtool keygen -t ed25519` + `imgtool sign`, trusted through
`--key` given the private key (PKCS#8 PEM) or the public key (`imgtool getpub -e pem`),
validated by the image group at test/confirm time and by the bootloader simulation."""
import subprocess

import pytest
from smpclient.generics import error, error_v2, success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import VENV_BIN, run, udp_client
from imgutil import images, mark_for_test, slot_entry, slots  # noqa: F401  (images: fixture)
from test_dfu_support import ctl_state, start_with_sockets, wait_until


def booted(dev, n):
    return wait_until(lambda: (lambda s: s if s["boot_count"] == n else None)(ctl_state(dev)),
                      10.0, f"boot #{n}")


def pubkey_pem(images, key):
    out = images.dir / (key.stem + "-pub.pem")
    subprocess.run([str(VENV_BIN / "imgtool"), "getpub", "-k", str(key), "-e", "pem",
                    "-o", str(out)], check=True, capture_output=True)
    return out


def start(device_factory, images, key, trust):
    base = images.make("1.0.0", size=16 * 1024, key=key)
    dev = start_with_sockets(device_factory, provision=base.path, keys=[trust],
                             extra=["--confirm-at-boot", "off"])
    st = booted(dev, 1)
    assert st["running"] == {"slot": 0, "version": "1.0.0"}, st  # boot validated it
    return dev


async def upload_and_test(dev, image):
    """Upload `image` to slot 1 and ask for a test boot; returns the state-write response."""
    async with udp_client(dev) as c:
        offs = [off async for off in c.upload(image.data)]
        assert offs[-1] == len(image.data)
        st = await slots(c)
        assert slot_entry(st, 1)["hash"] == image.hash, st
        return await c.request(im.ImageStatesWrite(hash=image.hash, confirm=False))


async def reset(dev):
    async with udp_client(dev) as c:
        assert success(await c.request(osm.ResetWrite()))


@pytest.mark.parametrize("trust", ["private", "public"])
def test_ed25519_update_boots(trust, device_factory, images):
    key = images.key("ed-a", "ed25519")
    dev = start(device_factory, images, key, key if trust == "private" else pubkey_pem(images, key))
    new = images.make("1.1.0", size=48 * 1024, key=key)
    r = run(upload_and_test(dev, new))
    assert success(r), r
    assert [e for e in r.images if e.slot == 1][0].pending, r
    run(reset(dev))
    dev.wait_reboot()
    st = booted(dev, 2)
    assert st["running"] == {"slot": 0, "version": "1.1.0"}, st  # swapped in: signature ok


class Flipped:
    """A copy of `image` with one byte flipped at `pos` (.data; .hash stays the SHA256 TLV
    value, which the flip does not touch)."""

    def __init__(self, image, pos):
        data = bytearray(image.data)
        data[pos] ^= 0x01
        self.data, self.hash = bytes(data), image.hash


def test_ed25519_tampered_refused(device_factory, images):
    """Payload byte flipped, signature byte flipped, wrong Ed25519 key: the upload goes
    through (only the header is checked then), the test request is refused with the image
    group's error (group 1, rc 23: MCUboot's BOOT_EBADIMAGE), and the old image keeps
    running; the bootloader refuses it too when its trailer is set behind the server's back."""
    key = images.key("ed-a", "ed25519")
    rogue = images.key("ed-rogue", "ed25519")
    dev = start(device_factory, images, key, key)
    good = images.make("1.2.0", size=24 * 1024, key=key)
    cases = {
        "payload": Flipped(good, 0x200 + 1000),        # the body no longer matches its hash
        "signature": Flipped(good, len(good.data) - 10),  # inside the 64-byte ED25519 TLV
        "wrong-key": images.make("1.2.0", size=24 * 1024, key=rogue),
    }
    for name, img in cases.items():
        r = run(upload_and_test(dev, img))
        assert error(r) and error_v2(r), (name, r)
        assert (int(r.err.group), int(r.err.rc)) == (1, 23), (name, r)

    # The bootloader side: mark the last tampered upload (wrong key) for test in the flash
    # file itself and power-cycle: the simulation validates it through the same core
    # function and must refuse it, keeping 1.0.0.
    mark_for_test(dev, images)
    st = booted(dev, 1)
    assert st["running"] == {"slot": 0, "version": "1.0.0"}, st


def test_ed25519_malformed_key_refused(images, tmp_path):
    """An Ed25519 key file that is cut short, or carries another curve's OID, is refused at
    start with a clear message naming the file (exit 1), never half-loaded."""
    import base64

    from conftest import device_binary

    key = images.key("ed-a", "ed25519")
    der = base64.b64decode("".join(key.read_text().splitlines()[1:-1]))
    assert len(der) == 48 and der[:16].hex() == "302e020100300506032b657004220420"
    ed448 = bytearray(der)
    ed448[11] = 0x71  # OID 1.3.101.113 (Ed448) instead of .112
    for name, body in (("short.pem", der[:40]), ("ed448.pem", bytes(ed448))):
        path = tmp_path / name
        path.write_text("-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(body).decode()
                        + "\n-----END PRIVATE KEY-----\n")
        p = subprocess.run([str(device_binary()), "--flash", str(tmp_path / "x.flash"),
                            "--udp", "off", "--serial", "off", "--key", str(path)],
                           capture_output=True, text=True, timeout=10)
        assert p.returncode == 1 and name in p.stderr and p.stdout == "", (name, p)
