# SPDX-License-Identifier: Apache-2.0
"""The Cortex-M firmware on QEMU: linked size by component, stack/heap peaks per operation,
echo rate and upload throughput over the emulated UART.

Command (builds the presets and build/host-debug tools it needs, prints Markdown tables):

    .venv/bin/python bench/qemu.py [--machine mps2-an386] [--echoes 200] [--upload-kib 64]
        [--json bench/results/qemu.json]

Sizes come from the linker map (build/<preset>/smpdfu-fw.map): every input section placed in
the image is attributed to the archive or object it came from: core (libsmpdfu.a, plus the core
objects the board allocates: SMP server and buffers, groups, serial endpoint, event bus, DFU
module), zcbor, Mbed TLS (plus its static heap), port (port/cortex-m + port/mbedtls), board
(port/cortex-m/board/mps2: startup, UART rings, log, flash driver), libc/libgcc, and the stack. Flash = .text + .rodata + .ARM.exidx + .data's load image;
RAM = .data + .bss + stack (the 4 KiB boot-info block is not counted).

Peaks come from the firmware itself (OS info field 'v'): the painted stack high-water mark
and Mbed TLS's buffer-allocator peak since the previous OS info request, so each operation
is bracketed by two info requests (the bracket's own share is the "idle" row). Times are wall
clock with QEMU's TCG on this host: the emulated UART moves one byte per QEMU main-loop turn,
so the rates measure QEMU's UART path, not a real 115200 Bd line.
"""
import argparse
import asyncio
import json
import os
import pathlib
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

from smpclient import SMPClient  # noqa: E402
from smpclient.generics import success  # noqa: E402
from smpclient.requests import image_management as im  # noqa: E402
from smpclient.requests import os_management as osm  # noqa: E402
from smpclient.transport.serial import SMPSerialTransport  # noqa: E402

ROOT = bl.ROOT
PRESETS = {"mps2-an386": "cortex-m4-qemu", "mps2-an385": "cortex-m3-qemu"}
SLOT = 0x76000


def build(preset, *targets):
    bdir = ROOT / "build" / preset
    if not (bdir / "build.ninja").exists():
        subprocess.run(["cmake", "--preset", preset], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(bdir), "-j2", "--target", *targets], check=True,
                   stdout=subprocess.DEVNULL)
    return bdir


# ---- size by component (linker map) ----------------------------------------------------------

def component(src, insec=""):
    # objects the board allocates for others: the core's objects, Mbed TLS's static heap
    if "board/mps2" in src and insec == ".bss.core":
        return "core"
    if "board/mps2" in src and insec == ".bss.mbedtls_heap":
        return "Mbed TLS"
    if "libsmpdfu.a" in src:
        return "core"
    if "libsdfu_zcbor.a" in src:
        return "zcbor"
    if "libsdfu_mbedtls_fw.a" in src:
        return "Mbed TLS"
    if "libsdfu_crypto_fw.a" in src or "libsdfu_port_cortexm.a" in src:
        return "port"
    if "board/mps2" in src:
        return "board"
    if "libc" in src or "libgcc" in src or "libnosys" in src:
        return "libc/libgcc"
    return "other"


def map_sizes(map_path):
    """{component: {"flash": n, "ram": n}} from a GNU ld map file."""
    text = pathlib.Path(map_path).read_text().split("Linker script and memory map", 1)[1]
    out = {}
    entries = []  # (output section, address, size, component)
    outsec = None
    pending = None
    for line in text.splitlines():
        m = re.match(r"^(\.[\w.]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+", line)
        if m:
            outsec = m.group(1)
            continue
        m = re.match(r"^(\.[\w.]+)\s*$", line)
        if m:
            outsec = m.group(1)
            continue
        m = re.match(r"^ (\S+)\s*$", line)
        if m and not line.startswith("  "):
            pending = m.group(1)
            continue
        m = re.match(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if not m or outsec is None:
            pending = None
            continue
        insec = m.group(1) or pending
        pending = None
        size = int(m.group(3), 16)
        src = m.group(4)
        if insec is None or size == 0 or insec.startswith("*"):
            continue
        entries.append((outsec, int(m.group(2), 16), size, component(src, insec)))
    # merged string sections (.str1.1) are listed with their pre-merge size and overlap the
    # next ones: count each byte once, for the first section that covers it
    end = {}
    for outsec, addr, size, comp in sorted(entries, key=lambda e: (e[0], e[1])):
        size = max(0, addr + size - max(addr, end.get(outsec, 0)))
        end[outsec] = max(end.get(outsec, 0), addr + size)
        c = out.setdefault(comp, {"flash": 0, "ram": 0})
        if outsec in (".text", ".ARM.exidx"):
            c["flash"] += size
        elif outsec == ".data":
            c["flash"] += size
            c["ram"] += size
        elif outsec == ".bss":
            c["ram"] += size
    # what no input section claims: alignment fill between sections
    hdr = {m.group(1): int(m.group(2), 16) for m in
           re.finditer(r"^(\.text|\.ARM\.exidx|\.data|\.bss)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)", text, re.M)}
    flash_all = hdr.get(".text", 0) + hdr.get(".ARM.exidx", 0) + hdr.get(".data", 0)
    ram_all = hdr.get(".data", 0) + hdr.get(".bss", 0)
    out["alignment fill"] = {"flash": flash_all - sum(c["flash"] for c in out.values()),
                             "ram": ram_all - sum(c["ram"] for c in out.values())}
    stack = re.search(r"^\s+0x([0-9a-f]+)\s+_estack = \.", text, re.M)
    sstack = re.search(r"^\s+0x([0-9a-f]+)\s+_sstack = \.", text, re.M)
    if stack and sstack:
        out["stack"] = {"flash": 0, "ram": int(stack.group(1), 16) - int(sstack.group(1), 16)}
    return out


# ---- the running firmware ------------------------------------------------------------------

class Qemu:
    def __init__(self, machine, fw, work, provision, keys):
        self.work = work
        self.log_path = work / "qemu.log"
        env = dict(os.environ, SDFU_QEMU_FW=str(fw),
                   SDFU_BOOT=str(ROOT / "build/host-debug/smpdfu-boot"),
                   SMPDFU_DEVICE=str(ROOT / "build/host-debug/smpdfu-device"))
        argv = [str(ROOT / "scripts/qemu-device.sh"), "--flash", str(work / "fw.flash"),
                "--machine", machine, "--provision", str(provision)]
        for k in keys:
            argv += ["--key", str(k)]
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.logf,
                                     stdin=subprocess.DEVNULL, env=env)
        r, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline().decode().strip() if r else ""
        if not line.startswith("ready serial="):
            self.stop()
            raise SystemExit(f"firmware not ready:\n{self.log_path.read_text()[-3000:]}")
        self.pty = line.split("=", 1)[1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.logf.close()


async def figures(c):
    r = await c.request(osm.OSApplicationInfoRead(format="v"))
    assert success(r), r
    parts = r.output.split()
    return {k: int(v) for k, v in (p.split("=") for p in parts[1:])}


async def measure(dev, imgs, echoes, big):
    out = {"peaks": [], "echo": {}, "upload": {}}
    c = SMPClient(SMPSerialTransport(), dev.pty, timeout_s=10.0)
    await c.connect()
    try:
        await figures(c)
        out["peaks"].append(("idle (OS info bracket)", await figures(c)))
        r = await c.request(osm.EchoWrite(d="hello"))
        assert success(r)
        out["peaks"].append(("echo", await figures(c)))
        # upload of a signed image (SHA-256 of the whole image on the last chunk)
        t0 = time.monotonic()
        offs = [o async for o in c.upload(big.read_bytes())]
        dt = time.monotonic() - t0
        assert offs[-1] == big.stat().st_size
        out["upload"] = {"bytes": big.stat().st_size, "s": dt,
                         "kib_s": big.stat().st_size / 1024 / dt}
        out["peaks"].append((f"upload {big.stat().st_size // 1024} KiB", await figures(c)))
        for name, path, h in imgs:
            r = await c.request(im.ImageErase(slot=1))
            assert success(r), r
            offs = [o async for o in c.upload(path.read_bytes())]
            await figures(c)
            r = await c.request(im.ImageStatesWrite(hash=h, confirm=False))
            assert success(r), r
            out["peaks"].append((f"signature check ({name})", await figures(c)))
        # echo rate: sequential request/response pairs, small payload
        t0 = time.monotonic()
        for i in range(echoes):
            r = await c.request(osm.EchoWrite(d="e%d" % i))
            assert success(r)
        dt = time.monotonic() - t0
        out["echo"] = {"n": echoes, "s": dt, "per_s": echoes / dt}
    finally:
        await c.disconnect()
    return out


def tlv_hash(data):
    import struct

    _m, _l, hs, _p, size, _f = struct.unpack_from("<IIHHII", data, 0)
    off = hs + size
    magic, tot = struct.unpack_from("<HH", data, off)
    end = off + tot
    off += 4
    while off < end:
        t, ln = struct.unpack_from("<HH", data, off)
        if t == 0x10:
            return data[off + 4:off + 4 + ln]
        off += 4 + ln
    raise ValueError("no SHA256 TLV")


def sign(work, name, key, version, size, seed):
    import random

    body = work / f"{name}.bin"
    body.write_bytes(random.Random(seed).randbytes(size))
    out = work / f"{name}-signed.bin"
    subprocess.run([bl.IMGTOOL, "sign", "-k", str(key), "--version", version, "--header-size",
                    "0x200", "--pad-header", "--slot-size", hex(SLOT), "--align", "4", str(body),
                    str(out)], check=True, capture_output=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--machine", default="mps2-an386", choices=sorted(PRESETS))
    ap.add_argument("--echoes", type=int, default=200)
    ap.add_argument("--upload-kib", type=int, default=64)
    ap.add_argument("--json")
    a = ap.parse_args()
    preset = PRESETS[a.machine]
    bdir = build(preset, "smpdfu-fw.elf")
    build("host-debug", "smpdfu-boot", "smpdfu-device")
    sizes = map_sizes(bdir / "smpdfu-fw.map")
    with tempfile.TemporaryDirectory(prefix="bench-qemu-") as td:
        work = pathlib.Path(td)
        ec = work / "ec.pem"
        rsa = work / "rsa.pem"
        subprocess.run([bl.IMGTOOL, "keygen", "-k", str(ec), "-t", "ecdsa-p256"], check=True)
        subprocess.run([bl.IMGTOOL, "keygen", "-k", str(rsa), "-t", "rsa-2048"], check=True)
        base = sign(work, "base", ec, "1.0.0", 8 * 1024, 1)
        big = sign(work, "big", ec, "1.1.0", a.upload_kib * 1024 - 1024, 2)
        imgs = []
        for name, key in (("ECDSA P-256", ec), ("RSA-2048-PSS", rsa)):
            p = sign(work, name.split()[0].split("-")[0].lower(), key, "1.2.0", 8 * 1024, 3)
            imgs.append((name, p, tlv_hash(p.read_bytes())))
        dev = Qemu(a.machine, bdir / "smpdfu-fw.elf", work, base, [ec, rsa])
        try:
            res = bl.run(measure(dev, imgs, a.echoes, big))
        finally:
            dev.stop()
    print(f"## Firmware on QEMU {a.machine} ({preset}, arm-none-eabi-gcc -Os)\n")
    rows = []
    tot = {"flash": 0, "ram": 0}
    for comp in ("core", "zcbor", "Mbed TLS", "port", "board", "libc/libgcc", "alignment fill",
                 "stack", "other"):
        if comp in sizes:
            s = sizes[comp]
            tot["flash"] += s["flash"]
            tot["ram"] += s["ram"]
            rows.append([comp, s["flash"], s["ram"]])
    rows.append(["total", tot["flash"], tot["ram"]])
    bl.print_table(["component", "flash B", "RAM B"], rows)
    print()
    bl.print_table(["operation", "stack peak B", "Mbed TLS heap peak B"],
                   [[n, f["stack_peak"], f["mbedtls_peak"]] for n, f in res["peaks"]])
    st = res["peaks"][0][1]
    print(f"\nstack size {st['stack_size']} B, Mbed TLS heap {st['mbedtls_size']} B\n")
    bl.print_table(["measure", "value"], [
        ["echo rate (sequential, smpclient)", f"{res['echo']['per_s']:.1f} /s"],
        [f"upload {res['upload']['bytes']} B (smpclient)",
         f"{res['upload']['kib_s']:.1f} KiB/s ({res['upload']['s']:.1f} s)"],
    ])
    if a.json:
        bl.save_json(a.json, {"machine": a.machine, "sizes": sizes, **res})


if __name__ == "__main__":
    main()
