# SPDX-License-Identifier: Apache-2.0
"""Image-making helpers for the interop image tests: signed MCUboot images made with imgtool.

Images are made at test time (never checked in) with the venv's imgtool and cached for the
whole session, keyed by (key, version, body size, slot size, seed, extra sign args), so
every distinct image is signed once per run.

Fixtures (import them into a test module with ``from imgutil import images, ...``):

* ``images`` -- an ``ImageFactory``: ``images.make(version, size=64 KiB, key=None,
  slot_size=None, seed=0, extra=())`` -> ``Image`` (``.path``, ``.data``, ``.version``,
  ``.hash`` = SHA256 TLV, ``.sha`` = SHA-256 of the file, ``.key``); ``images.key(name,
  kind)`` -> a cached private key file ("ecdsa-p256" or "rsa-2048"). ``key=None`` signs
  with the ``default_image`` key, which the conftest ``device`` trusts.

Helpers for state checks over a live device: ``slots(client)`` (state read as a list of
dicts), ``slot_entry(entries, slot)``, ``active_version(entries)``; ``upload_for_test(client,
img)`` uploads an image and asks for a test boot of it; ``mark_for_test(dev, images)``
schedules the secondary slot behind the server's back.
"""
import hashlib
import pathlib
import random
import re
import struct
import subprocess

import pytest

from conftest import VENV_BIN, layout_info

IMGTOOL = str(VENV_BIN / "imgtool")
IMAGE_MAGIC = 0x96F3B83D
TLV_INFO_MAGIC = 0x6907
TLV_PROT_INFO_MAGIC = 0x6908
TLV_SHA256 = 0x10
HEADER_SIZE = 0x200


def tlv_sha256(data):
    """The SHA256 TLV value (the image 'hash' a server reports) of a signed image."""
    magic, _load, hdr_size, prot_size, img_size, _flags = struct.unpack_from("<IIHHII", data, 0)
    assert magic == IMAGE_MAGIC, f"bad image magic {magic:#x}"
    off = hdr_size + img_size
    tag, tot = struct.unpack_from("<HH", data, off)
    if tag == TLV_PROT_INFO_MAGIC:
        off += tot
        tag, tot = struct.unpack_from("<HH", data, off)
    assert tag == TLV_INFO_MAGIC, f"no TLV info at {off:#x}"
    end = off + tot
    off += 4
    found = []
    while off < end:
        t, n = struct.unpack_from("<HH", data, off)
        if t == TLV_SHA256 and n == 32:
            found.append(data[off + 4:off + 4 + n])
        off += 4 + n
    assert len(found) == 1, f"{len(found)} SHA256 TLVs"
    return bytes(found[0])


class Image:
    """One signed image file."""

    def __init__(self, path, version, key):
        self.path = pathlib.Path(path)
        self.version = version
        self.key = key
        self.data = self.path.read_bytes()
        self.hash = tlv_sha256(self.data)
        self.sha = hashlib.sha256(self.data).digest()

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        return f"Image({self.path.name}, {self.version}, {len(self.data)} B)"


class ImageFactory:
    """Make (and cache) keys and signed images in one session directory."""

    def __init__(self, workdir, default_key):
        self.dir = pathlib.Path(workdir)
        self.default_key = pathlib.Path(default_key)
        self._keys = {}
        self._images = {}

    def key(self, name, kind="ecdsa-p256"):
        """A private key file made with `imgtool keygen -t kind`, cached by name."""
        if name not in self._keys:
            path = self.dir / f"key-{name}.pem"
            subprocess.run([IMGTOOL, "keygen", "-k", str(path), "-t", kind], check=True,
                           capture_output=True)
            self._keys[name] = path
        return self._keys[name]

    def make(self, version, size=64 * 1024, key=None, slot_size=472 * 1024, seed=0,
             extra=()):
        """A signed image of `version` with a `size`-byte random body (deterministic per seed).

        Signed with `imgtool sign --version V --header-size 0x200 --pad-header
        --slot-size S --align 4` plus `extra` (e.g. ["--confirm"]).
        """
        key = pathlib.Path(key) if key is not None else self.default_key
        ck = (str(key), version, size, slot_size, seed, tuple(extra))
        if ck not in self._images:
            n = len(self._images)
            body = self.dir / f"app-{n}.bin"
            rng = random.Random(f"{version}/{size}/{seed}")
            body.write_bytes(rng.randbytes(size))
            out = self.dir / f"app-{n}-{version}-signed.bin"
            p = subprocess.run([IMGTOOL, "sign", "-k", str(key), "--version", version,
                                "--header-size", hex(HEADER_SIZE), "--pad-header",
                                "--slot-size", hex(slot_size), "--align", "4", *extra,
                                str(body), str(out)], capture_output=True, text=True)
            assert p.returncode == 0, f"imgtool sign failed: {p.stdout}{p.stderr}"
            self._images[ck] = Image(out, version, key)
        return self._images[ck]


@pytest.fixture(scope="session")
def images(tmp_path_factory, default_image):
    """Session-wide image factory; `key=None` images are trusted by the `device` fixture."""
    return ImageFactory(tmp_path_factory.mktemp("imgutil"), default_image.key)


# ---- state helpers -------------------------------------------------------------------------

async def upload_for_test(client, img):
    """Upload `img` through the connected SMPClient `client` to its end, then ask for it as a
    test (ImageStatesWrite confirm=False); returns that response."""
    from smpclient.requests import image_management as im

    offs = [off async for off in client.upload(img.data)]
    assert offs[-1] == len(img.data), offs[-3:]
    return await client.request(im.ImageStatesWrite(hash=img.hash, confirm=False))


async def slots(client):
    """Image state read over a connected SMPClient -> list of dicts (missing flags = False)."""
    from smpclient.generics import success
    from smpclient.requests import image_management as im

    r = await client.request(im.ImageStatesRead())
    assert success(r), r
    out = []
    for e in r.images:
        out.append({"image": e.image or 0, "slot": e.slot, "version": e.version,
                    "hash": bytes(e.hash) if e.hash is not None else None,
                    "bootable": bool(e.bootable), "pending": bool(e.pending),
                    "confirmed": bool(e.confirmed), "active": bool(e.active),
                    "permanent": bool(e.permanent)})
    return out


def slot_entry(entries, slot):
    """The entry for `slot` (0/1) or None."""
    for e in entries:
        if e["slot"] == slot:
            return e
    return None


def active_entry(entries):
    act = [e for e in entries if e["active"]]
    assert len(act) == 1, entries
    return act[0]


def active_version(entries):
    return active_entry(entries)["version"]


# ---- device options --------------------------------------------------------------------------

def unconfirmed_boot_args():
    """smpdfu-device options that keep a freshly test-booted image unconfirmed.

    The nRF Desktop DFU module confirms the running image at boot (swap modes); tests that
    check the "active, not confirmed" test state turn that off.
    """
    return ["--confirm-at-boot", "off"]


def mark_for_test(dev, images):
    """Schedule the secondary slot for a test swap behind the server's back: stop the device,
    write MCUboot's trailer magic (taken from an `imgtool sign --pad` image) at the end of the
    secondary slot in the flash file (erased there before), start the device again."""
    magic = images.make("0.0.1", size=1024, extra=["--pad"]).data[-16:]
    sec = layout_info(dev.layout)["areas"]["secondary"]
    end = sec["off"] + sec["size"] - 16
    assert dev.stop() == 0
    with open(dev.flash, "r+b") as f:
        f.seek(end)
        assert f.read(16) == b"\xff" * 16
        f.seek(end)
        f.write(magic)
    dev.start()
