#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Capture seed corpora for the libFuzzer targets from real client traffic.

Starts smpdfu-device (the interop conftest's Device class), puts a UDP proxy and a pty tap
between it and the real clients (smpclient library, smpmgr CLI), and saves what the
clients send:

* corpus/fuzz_smp/     every request datagram (deduplicated), plus a few whole upload
                       sessions concatenated into one buffer (sdfu_smp_process handles
                       several frames per buffer);
* corpus/fuzz_serial/  every request packet as the client wrote it to the pty (its
                       06 09 / 04 14 lines), prefixed with the target's 2 option bytes;
* corpus/fuzz_ble/     captured request frames cut into ATT writes (MTU 247 and 23),
                       in the target's record format;
* corpus/fuzz_image/   images made by imgtool (signed EC / RSA / Ed25519, unsigned,
                       protected TLVs, full public key, confirmed) with the target's option
                       byte; writes seed_keys.h
                       with the public keys (the private keys are thrown away);
* corpus/fuzz_upload/  programs for the upload target (its op encoding) replaying
                       typical client sessions.

Usage: .venv/bin/python tests/fuzz/capture_seeds.py [--device build/x/smpdfu-device]
Existing corpus files are replaced. Keeps the corpus small (< 200 files).
"""
import argparse
import asyncio
import hashlib
import os
import pathlib
import random
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import tty

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))

import conftest  # noqa: E402
from conftest import VENV_BIN, Device, PortUDPTransport, slot_size  # noqa: E402
from imgutil import tlv_sha256  # noqa: E402
from smpclient import SMPClient  # noqa: E402
from smpclient.requests import image_management as im  # noqa: E402
from smpclient.requests import os_management as osm  # noqa: E402
from smpclient.transport.serial import SMPSerialTransport  # noqa: E402

IMGTOOL = str(VENV_BIN / "imgtool")
CORPUS = HERE / "corpus"


# ---- taps -------------------------------------------------------------------------------------

class UdpProxy:
    """client <-> proxy (listen) <-> device; records client->device datagrams."""

    def __init__(self, device, listen=("127.0.0.1", 0)):
        self.dev = (device.udp_host, device.udp_port)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.lsock.bind(listen)
        self.host, self.port = self.lsock.getsockname()
        self.usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client = None
        self.sent = []
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop:
            r, _, _ = select.select([self.lsock, self.usock], [], [], 0.05)
            for s in r:
                data, addr = s.recvfrom(65536)
                if s is self.lsock:
                    self.client = addr
                    self.sent.append(data)
                    self.usock.sendto(data, self.dev)
                elif self.client is not None:
                    self.lsock.sendto(data, self.client)

    def close(self):
        self.stop = True
        self.t.join()
        self.lsock.close()
        self.usock.close()


class PtyTap:
    """A new pty for the client, forwarding to the device pty; records client->device bytes."""

    def __init__(self, device_pty):
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.dev = os.open(device_pty, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.dev)
        self.sent = bytearray()
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop:
            r, _, _ = select.select([self.master, self.dev], [], [], 0.05)
            for fd in r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                if fd == self.master:
                    self.sent += data
                    os.write(self.dev, data)
                else:
                    os.write(self.master, data)

    def packets(self):
        """Split the recorded stream into packets: a 06 09 line and its 04 14 lines."""
        pkts, cur = [], b""
        for line in bytes(self.sent).split(b"\n"):
            if not line:
                continue
            if line.startswith(b"\x06\x09"):
                if cur:
                    pkts.append(cur)
                cur = line + b"\n"
            elif line.startswith(b"\x04\x14") and cur:
                cur += line + b"\n"
        if cur:
            pkts.append(cur)
        return pkts

    def close(self):
        self.stop = True
        self.t.join()
        for fd in (self.master, self.slave, self.dev):
            os.close(fd)


# ---- images -----------------------------------------------------------------------------------

def sign(work, name, body_len, version, key=None, extra=(), seed=1):
    body = work / f"{name}.bin"
    out = work / f"{name}-signed.bin"
    rnd = random.Random(seed)
    body.write_bytes(bytes(rnd.getrandbits(8) for _ in range(body_len)))
    args = [IMGTOOL, "sign", "--version", version, "--header-size", "0x200", "--pad-header",
            "--slot-size", hex(slot_size("nrf52840")), "--align", "4", *extra]
    if key:
        args += ["-k", str(key)]
    subprocess.run(args + [str(body), str(out)], check=True, capture_output=True)
    return out.read_bytes()


def c_array(name, data):
    rows = [", ".join(f"0x{b:02x}" for b in data[i:i + 12]) for i in range(0, len(data), 12)]
    return f"static const uint8_t {name}[] = {{\n" + "".join(f"\t{r},\n" for r in rows) + "};\n"


# ---- corpus writers ---------------------------------------------------------------------------

class Corpus:
    def __init__(self):
        self.seen = {}

    def reset(self, target):
        d = CORPUS / target
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        self.seen[target] = set()

    def add(self, target, name, data):
        h = hashlib.sha1(data).hexdigest()[:10]
        if h in self.seen[target]:
            return
        self.seen[target].add(h)
        (CORPUS / target / f"{name}-{h}.bin").write_bytes(data)


def frame_name(frame):
    b0, _f, _n, grp, _seq, cmd = struct.unpack(">BBHHBB", frame[:8])
    return f"op{b0 & 7}-g{grp}-c{cmd}"


def split_frames(buf):
    """Split a datagram holding back-to-back frames (normally one)."""
    out = []
    while len(buf) >= 8:
        n = struct.unpack(">H", buf[2:4])[0]
        out.append(buf[:8 + n])
        buf = buf[8 + n:]
    return out


def ble_records(frame, mtu):
    """The fuzz_ble record stream for one frame written in ATT_MTU-3 pieces."""
    step = min(mtu - 3, 254)
    out = b""
    for i in range(0, len(frame), step):
        piece = frame[i:i + step]
        out += bytes([len(piece)]) + piece
    return out


# ---- client sessions ------------------------------------------------------------------------

async def smpclient_session(transport, address, new_image, bad_image):
    client = SMPClient(transport, address, 5.0)
    await client.connect()
    orig = client.request

    async def request(req, timeout_s=None):
        try:
            return await orig(req, timeout_s)
        except Exception as e:  # noqa: BLE001 - the request was sent; only its traffic matters
            print(f"  {type(req).__name__}: {type(e).__name__}", file=sys.stderr)
            return None

    client.request = request
    try:
        await client.request(osm.EchoWrite(d="hello"))
        await client.request(osm.OSApplicationInfoRead(format="a"))
        await client.request(osm.OSApplicationInfoRead())
        await client.request(osm.BootloaderInformationRead())
        await client.request(osm.BootloaderInformationRead(query="mode"))
        await client.request(osm.TaskStatisticsRead())
        await client.request(osm.DateTimeRead())
        await client.request(im.ImageStatesRead())
        async for _ in client.upload(new_image):
            pass
        await client.request(im.ImageStatesRead())
        await client.request(im.ImageErase())
        async for _ in client.upload(new_image, slot=1, upgrade=True, use_sha=False):
            pass
        tlv_hash = tlv_sha256(new_image)
        await client.request(im.ImageStatesWrite(hash=tlv_hash, confirm=False))
        await client.request(im.ImageStatesRead())
        await client.request(im.ImageStatesWrite(confirm=True))
        try:
            async for _ in client.upload(bad_image):
                pass
        except Exception:  # noqa: BLE001 - an error response is expected traffic too
            pass
        await client.request(osm.ResetWrite())
    finally:
        await client.disconnect()


def smpmgr(*args):
    p = subprocess.run([str(VENV_BIN / "smpmgr"), *map(str, args)], capture_output=True,
                       text=True, timeout=90)
    if p.returncode != 0:
        print(f"  smpmgr {' '.join(map(str, args))}: rc {p.returncode}: {p.stdout[-300:]}"
              f"{p.stderr[-300:]}", file=sys.stderr)


def start_device(binary, work, name, image, key, udp="127.0.0.1:0"):
    d = Device(binary, work / name, udp=udp, serial="pty", provision=image, keys=[key])
    return d.start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", help="smpdfu-device binary (default: as the interop tests)")
    args = ap.parse_args()
    if args.device:
        os.environ["SDFU_DEVICE"] = str(pathlib.Path(args.device).resolve())
    binary = conftest.device_binary()
    work = pathlib.Path(tempfile.mkdtemp(prefix="sdfu-seeds-"))
    corpus = Corpus()
    for t in ("fuzz_smp", "fuzz_serial", "fuzz_ble", "fuzz_image", "fuzz_upload"):
        corpus.reset(t)
    try:
        ec = work / "ec.pem"
        ed = work / "ed.pem"
        rsa = work / "rsa.pem"
        for k, t in ((ec, "ecdsa-p256"), (ed, "ed25519"), (rsa, "rsa-2048")):
            subprocess.run([IMGTOOL, "keygen", "-k", str(k), "-t", t], check=True)
        ders = {}
        for k in (ec, ed, rsa):
            der = work / (k.stem + ".der")
            subprocess.run([IMGTOOL, "getpub", "-k", str(k), "-e", "raw", "-o", str(der)],
                           check=True)
            ders[k.stem] = der.read_bytes()
        (HERE / "seed_keys.h").write_text(
            "/* SPDX-License-Identifier: Apache-2.0 */\n"
            "/* Public keys (imgtool getpub -e raw) that signed the fuzz_image seeds; written by"
            " capture_seeds.py. */\n#ifndef SDFU_FUZZ_SEED_KEYS_H\n#define SDFU_FUZZ_SEED_KEYS_H\n\n"
            "#include <stdint.h>\n\n" + c_array("fz_seed_key_ec", ders["ec"]) + "\n" +
            c_array("fz_seed_key_ed", ders["ed"]) + "\n" + c_array("fz_seed_key_rsa", ders["rsa"]) +
            "\n#endif\n")

        base = sign(work, "base", 6000, "1.0.0", ec, seed=1)
        new = sign(work, "new", 9000, "1.1.0", ec, seed=2)
        bad = bytearray(sign(work, "bad", 3000, "1.2.0", ec, seed=3))
        bad[0] ^= 0xFF  # wrong magic: refused at the first chunk

        # ---- image seeds (option byte: bit 0 = trust the seed keys, bits 1..3 = area size) --
        imgs = {
            "ec-signed": sign(work, "i1", 2000, "2.3.4+5", ec, seed=4),
            "ed-signed": sign(work, "i2", 1500, "0.0.1", ed, seed=5),
            "unsigned": sign(work, "i3", 1000, "1.0.0", None, seed=6),
            "rsa-signed": sign(work, "i7", 900, "1.2.3", rsa, seed=10),
            "ec-pubkey-full": sign(work, "i4", 800, "1.0.0", ec, ["--public-key-format", "full"], 7),
            "ec-prot-tlv": sign(work, "i5", 700, "3.0.0", ec, ["--custom-tlv", "0xa0", "0x1234",
                                                                  "-s", "5"], 8),
            "ed-confirm": sign(work, "i6", 600, "1.0.0", ed, ["--confirm"], 9),
        }
        for name, data in imgs.items():
            data = data[:60 * 1024].rstrip(b"\xff") or data[:64]
            area = 1
            while (4096 << area) < len(data) and area < 4:
                area += 1
            corpus.add("fuzz_image", name, bytes([1 | (area << 1)]) + data)
            corpus.add("fuzz_image", name + "-nokeys", bytes([area << 1]) + data)
            corpus.add("fuzz_image", name + "-fixhash", bytes([0x11 | (area << 1)]) + data)
        corpus.add("fuzz_image", "erased", b"\x00" + b"\xff" * 64)

        # ---- UDP: smpclient and smpmgr through the proxy ---------------------------------
        dev = start_device(binary, work, "d1", work / "base-signed.bin", ec)
        proxy = UdpProxy(dev)
        asyncio.run(smpclient_session(PortUDPTransport(proxy.port), proxy.host, new, bytes(bad)))
        dev.wait_reboot()
        udp_client_frames = list(proxy.sent)
        proxy.close()
        dev.stop()

        dev = start_device(binary, work, "d2", work / "base-signed.bin", ec,
                           udp=f"127.{random.randint(1, 250)}.{random.randint(1, 250)}.9:0")
        proxy = UdpProxy(dev, listen=(f"127.{random.randint(1, 250)}.{random.randint(1, 250)}.7",
                                      1337))
        smpmgr("--ip", proxy.host, "os", "echo", "hi from smpmgr")
        smpmgr("--ip", proxy.host, "image", "state-read")
        smpmgr("--ip", proxy.host, "--timeout", "5", "upgrade", "--slot", "1",
               work / "new-signed.bin")
        udp_smpmgr_frames = list(proxy.sent)
        proxy.close()
        dev.stop()

        # ---- serial: smpclient and smpmgr through the pty tap ----------------------------
        dev = start_device(binary, work, "d3", work / "base-signed.bin", ec)
        tap = PtyTap(dev.pty)
        asyncio.run(smpclient_session(SMPSerialTransport(), tap.path, new, bytes(bad)))
        dev.wait_reboot()
        ser_client = tap.packets()
        tap.close()
        tap = PtyTap(dev.pty)
        smpmgr("--port", tap.path, "os", "echo", "hi over serial")
        smpmgr("--port", tap.path, "image", "state-read")
        ser_smpmgr = tap.packets()
        tap.close()
        dev.stop()

        frames = []
        for tag, dgrams in (("smpclient", udp_client_frames), ("smpmgr", udp_smpmgr_frames)):
            session = b""
            for d in dgrams:
                for f in split_frames(d):
                    frames.append((tag, f))
                    g, c = struct.unpack(">HxB", f[4:8])
                    if (g, c) == (1, 1):
                        session += f
                        # keep a few upload chunks per client (the rest are alike)
                        if sum(1 for t, x in frames if t == tag and x[4:8] == f[4:8]) > 4:
                            continue
                    corpus.add("fuzz_smp", f"{tag}-{frame_name(f)}", f)
            if session:
                corpus.add("fuzz_smp", f"{tag}-upload-session", session[:32768])
        for tag, pkts in (("smpclient", ser_client), ("smpmgr", ser_smpmgr)):
            for i, p in enumerate(pkts):
                if i > 24 and i % 8:  # long uploads: keep every 8th chunk
                    continue
                corpus.add("fuzz_serial", f"{tag}-pkt{i:03d}", bytes([127, i & 0xFF]) + p)
            corpus.add("fuzz_serial", f"{tag}-first8", bytes([127, 3]) + b"".join(pkts[:8]))
        for tag, f in frames[:40]:
            corpus.add("fuzz_ble", f"{tag}-{frame_name(f)}-mtu247", bytes([0, 112, 0]) +
                       ble_records(f, 247))
            if len(f) < 300:
                corpus.add("fuzz_ble", f"{tag}-{frame_name(f)}-mtu23", bytes([0, 0, 0x24]) +
                           ble_records(f, 23))

        # ---- upload programs (see fuzz_upload.c for the op encoding) --------------------
        def up(n, flags, offsel=0, lensel=0, shasel=0, kind=0):
            return bytes([kind, flags, 0, offsel, (n >> 8) & 0xFF, n & 0xFF, lensel, shasel])

        full = bytes([0])
        full += up(1500, 0x0F)                 # off, len, sha (file), upgrade false
        full += up(1500, 0x01) * 4             # continuation chunks at the session offset
        corpus.add("fuzz_upload", "full-upload", full)
        corpus.add("fuzz_upload", "full-upload-state", full + bytes([11]))
        corpus.add("fuzz_upload", "upload-erase-again", full + bytes([12, 0]) + full[1:])
        corpus.add("fuzz_upload", "resume", bytes([0]) + up(1000, 0x07) + up(1000, 0x01) +
                   up(1000, 0x07) + up(1000, 0x01) * 5)
        corpus.add("fuzz_upload", "reset-midway", bytes([0]) + up(1200, 0x07) + bytes([13]) +
                   up(1200, 0x01) + up(1200, 0x07, offsel=1))
        corpus.add("fuzz_upload", "v1-and-upgrade", bytes([0]) + up(1400, 0x2F, kind=14) +
                   up(1400, 0x01, kind=14) * 4)
        # mode 1: 4 x (offset hi, offset lo, xor) applied to the file; header byte 9 and
        # body/TLV bytes change, so the upload completes with match true but a bad image
        corpus.add("fuzz_upload", "corrupt-file", bytes([1, 0, 9, 0x55, 0x10, 0, 1, 0x15, 0x9a, 0xff,
                                                         0x02, 0x10, 0x80]) + full[1:])
        corpus.add("fuzz_upload", "bad-offsets", bytes([0]) + up(900, 0x07) +
                   up(900, 0x01, offsel=2) + bytes([7]) + up(900, 0x01, offsel=3) +
                   b"\x00\x10\x00\x00")
        corpus.add("fuzz_upload", "too-large", bytes([0]) + up(600, 0x07, lensel=4) + b"\x01")
        corpus.add("fuzz_upload", "skip-upload", full + up(1500, 0x07, offsel=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = sum(1 for _ in CORPUS.rglob("*.bin"))
    size = sum(p.stat().st_size for p in CORPUS.rglob("*.bin"))
    print(f"corpus: {n} files, {size} bytes")
    for t in sorted(CORPUS.iterdir()):
        print(f"  {t.name}: {sum(1 for _ in t.iterdir())}")


if __name__ == "__main__":
    main()
