# SPDX-License-Identifier: Apache-2.0
"""Server CPU per MiB uploaded: user+system CPU of the device process (native run) and
instructions per MiB under valgrind's callgrind (repeatable), with the top functions.

Command (one line; builds build/bench-release (-O2, with -g for symbols) first):

    .venv/bin/python bench/cpu.py [--size 1M] [--runs 5] [--frame 1472] [--client smpclient|rust]
        [--top 25] [--json bench/results/cpu.json]

Native: --runs uploads of the image over UDP with the client at --frame byte frames (fresh upload
each, erase not counted); CPU from /proc/<pid>/stat (utime/stime, 10 ms ticks) and
/proc/<pid>/schedstat (ns on CPU). Callgrind: one upload with the device under
`valgrind --tool=callgrind`; counters are zeroed (callgrind_control -z) right before the upload
and dumped (callgrind_control -d) right after it, so only the upload is counted (the device's
poll loop, the UDP receive/send, the SMP core, SHA-256 in Mbed TLS and the simulated flash).
Prints Ir per MiB beside the SHA-256 floor (the inclusive Ir of sdfu_sha256_update: hashing the
uploaded bytes, which no upload can avoid with SDFU_IMG_VERIFY_SHA on) and the ratio, and
`callgrind_annotate` inclusive/exclusive top functions; then the same
for --echoes raw stop-and-wait echo round trips (Ir per echo).
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402
import serial_upload as su  # noqa: E402
import throughput as tp  # noqa: E402

BUILD_G = bl.ROOT / "build" / "bench-release-g"


def build_g():
    """smpdfu-device from the bench-release-g preset (Release -O2 -g, CMakePresets.json)."""
    return bl.build_device(BUILD_G, "bench-release-g")


def upload(transport, client, peer, dev, img, frame, runs):
    """[(seconds, device cpu ns)] for `runs` fresh uploads (erase before each, not counted)."""
    if transport == "serial":
        if client == "rust":
            rs = su.rust_upload(peer, dev, img, runs)
        else:
            rs = bl.run(su.smpclient_upload(dev, img.read_bytes(), "auto", runs))
        return [(r["s"], r["cpu_ns"]) for r in rs]
    if client == "rust":
        return [(t, c) for t, c, _ in tp.rust_upload(peer, dev, img, frame, runs, 0.0)]
    return bl.run(tp.smpclient_upload(dev, img.read_bytes(), frame, runs))


def erase(transport, client, peer, dev):
    if client == "rust":
        where = ["--serial", dev.pty] if transport == "serial" else ["--udp", dev.addr]
        subprocess.run([peer, *where, "erase"], check=True, capture_output=True, timeout=120)
        return

    async def go():
        c = await (serial_connect(dev) if transport == "serial" else tp.smp_connect(dev, 1472))
        await c.request(tp.ImageErase(), timeout_s=120)
        await c.disconnect()
    bl.run(go())


def upload_once(transport, client, peer, dev, img, frame):
    if client == "rust":
        if transport == "serial":
            subprocess.run([peer, "--serial", dev.pty, "--no-progress", "upload", str(img)],
                           check=True, capture_output=True, timeout=600)
        else:
            tp.rust_run(peer, dev, "--frame-size", str(frame), "upload", str(img))
        return

    async def go():
        c = await (serial_connect(dev) if transport == "serial" else tp.smp_connect(dev, frame))
        async for _ in c.upload(img.read_bytes(), subsequent_timeout_s=60):
            pass
        await c.disconnect()
    bl.run(go(), timeout=1800)


async def serial_connect(dev):
    c = tp.SMPClient(su.SMPSerialTransport(fragmentation_strategy=su.Auto()), dev.pty, 30.0)
    await c.connect()
    return c


def annotate(dump):
    """(self, inclusive) callgrind_annotate listings with every function (threshold 100)."""
    r = []
    for inc in ("no", "yes"):
        r.append(subprocess.run(["callgrind_annotate", "--threshold=100", f"--inclusive={inc}",
                                 str(dump)], capture_output=True, text=True).stdout)
    return r


def top(text, n, skip_full=False):
    """[Ir, share, function] rows; skip_full drops the 100% entries of the frames that were on
    the stack when the counters were zeroed (callgrind books them oddly in the self view)."""
    rows = []
    for line in text.splitlines():
        mm = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S.*)$", line)
        if not mm or "PROGRAM TOTALS" in line or (skip_full and mm.group(2) == "100.0"):
            continue
        fn = re.sub(r"\s*\[[^\]]*\]$", "", mm.group(3))  # drop the [object] suffix
        rows.append([mm.group(1), mm.group(2) + "%", fn[-90:]])
    return rows[:n]


def echo_n(dev, n):
    """n raw stop-and-wait echoes (0/0) on one socket; returns n."""
    import socket
    import struct
    import cbor2
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5.0)
    s.connect((dev.udp_host, dev.udp_port))
    body = cbor2.dumps({"d": "hello"})
    for i in range(n):
        s.send(struct.pack(">BBHHBB", (1 << 3) | 2, 0, len(body), 0, i & 0xFF, 0) + body)
        s.recv(2048)
    s.close()
    return n


def callgrind_ctl(pid, flag):
    subprocess.run(["callgrind_control", flag, str(pid)], check=True, capture_output=True)


def report(a, res, binary, n, mib):
    print(f"Machine: {res['machine']}")
    print(f"Device: {binary} (Release -O2 -g, --log-level 1), transport {a.transport}, client "
          f"{a.client}, image {a.size} ({n} B), frame "
          f"{'buf_size - 4' if a.transport == 'serial' else a.frame} B\n")
    nat = res["native"]
    print(f"Native, {a.runs} uploads: device CPU {nat['upload_cpu_s_per_mib']:.4f} s/MiB "
          f"(schedstat, uploads only); utime {nat['user_s_per_mib_incl_erase']:.4f} + stime "
          f"{nat['sys_s_per_mib_incl_erase']:.4f} s/MiB (incl. the erases between runs); "
          f"median upload {nat['median_upload_s'] * 1000:.1f} ms")
    total_ir = res["callgrind"]["ir_total"]
    if total_ir:
        cg = res["callgrind"]
        floor = (f"; SHA-256 floor (sdfu_sha256_update inclusive) {cg['sha256_floor_ir_per_mib']:,.0f}"
                 f" Ir/MiB, upload = {cg['ratio_to_floor']:.2f}x the floor"
                 if cg.get("sha256_floor_ir_per_mib") else "; SHA-256 floor: not in the profile")
        print(f"Callgrind, one upload: {total_ir:,} Ir total, {total_ir / mib:,.0f} Ir/MiB{floor}\n")
    print("Upload, top functions, self cost (callgrind_annotate --inclusive=no):\n")
    bl.print_table(["Ir", "share", "function"], res["callgrind"]["top_self"])
    print("\nUpload, top functions, inclusive (callgrind_annotate --inclusive=yes):\n")
    bl.print_table(["Ir", "share", "function"], res["callgrind"]["top_inclusive"])
    ce = res.get("callgrind_echo")
    if ce and ce["ir_total"]:
        print(f"\nCallgrind, {ce['echoes']} echoes (raw UDP, 0/0 'hello'): {ce['ir_total']:,} Ir, "
              f"{ce['ir_per_echo']:,.0f} Ir per echo\n")
        print("Echo, top functions, self cost:\n")
        bl.print_table(["Ir", "share", "function"], ce["top_self"])
        print("\nEcho, top functions, inclusive:\n")
        bl.print_table(["Ir", "share", "function"], ce["top_inclusive"])
    bl.save_json(a.json, res)
    print(f"\n(JSON: {a.json}; callgrind dumps in bench/results/callgrind.*.out)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="1M")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--frame", type=int, default=1472)
    ap.add_argument("--client", default="smpclient", choices=["smpclient", "rust"])
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--echoes", type=int, default=2000)
    ap.add_argument("--transport", default="udp", choices=["udp", "serial"],
                    help="serial: pty, frames of buf_size - 4 (--frame ignored); skips the echo part")
    ap.add_argument("--json", default=str(bl.ROOT / "bench" / "results" / "cpu.json"))
    ap.add_argument("--workdir", default="/tmp/smpdfu-bench")
    a = ap.parse_args()

    binary = build_g()
    work = pathlib.Path(a.workdir)
    n = bl.SIZES[a.size]
    img = bl.make_image(work / "images", n)
    peer = bl.rust_peer() if a.client == "rust" else None
    mib = n / 2**20
    res = {"machine": bl.machine(), "size": n, "frame": a.frame, "client": a.client}

    # ---- native CPU ------------------------------------------------------------------------
    devopts = {"serial": "pty", "udp": None} if a.transport == "serial" else {}
    with bl.Device(binary, work / "dev-cpu", **devopts) as dev:
        c0 = bl.proc_cpu(dev.pid)
        rs = upload(a.transport, a.client, peer, dev, img, a.frame, a.runs)
        c1 = bl.proc_cpu(dev.pid)
    # c1 - c0 also counts the (untimed) erases between runs; the per-upload schedstat deltas
    # from `upload` do not.
    up_ns = sum(c for _, c in rs)
    res["native"] = {"runs": a.runs, "upload_cpu_s_per_mib": up_ns / 1e9 / (mib * a.runs),
                     "user_s_per_mib_incl_erase": (c1["user"] - c0["user"]) / (mib * a.runs),
                     "sys_s_per_mib_incl_erase": (c1["sys"] - c0["sys"]) / (mib * a.runs),
                     "median_upload_s": bl.median([t for t, _ in rs])}

    # ---- callgrind --------------------------------------------------------------------------
    out = work / "callgrind.out"
    for p in work.glob("callgrind.out*"):
        p.unlink()
    wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no"]
    with bl.Device(binary, work / "dev-cg", wrapper=wrapper, **devopts) as dev:
        # warm-up upload so one-time costs (first erase, page faults) are not counted
        upload(a.transport, a.client, peer, dev, img, a.frame, 1)
        erase(a.transport, a.client, peer, dev)
        callgrind_ctl(dev.pid, "-z")
        t0 = time.perf_counter()
        upload_once(a.transport, a.client, peer, dev, img, a.frame)
        cg_wall = time.perf_counter() - t0
        callgrind_ctl(dev.pid, "-d")
    dumps = sorted(work.glob("callgrind.out.*"), key=lambda p: p.stat().st_mtime)
    dump = dumps[-1] if dumps else out
    ann, ann_inc = annotate(dump)
    keep = bl.ROOT / "bench" / "results" / ("callgrind.upload.out" if a.transport == "udp"
                                             else "callgrind.serial-upload.out")
    keep.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(dump, keep)
    m = re.search(r"^\s*([\d,]+)\s*\(100\.0%\)\s*PROGRAM TOTALS", ann, re.M)
    total_ir = int(m.group(1).replace(",", "")) if m else None
    res["callgrind"] = {"dump": str(dump), "ir_total": total_ir,
                        "ir_per_mib": total_ir / mib if total_ir else None,
                        "wall_s_under_valgrind": cg_wall}

    # The SHA-256 floor: what hashing the uploaded bytes alone costs (inclusive Ir of the
    # crypto port's sdfu_sha256_update, Mbed TLS's software SHA-256), per MiB.
    fl = re.search(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+\S*sdfu_sha256_update\b", ann_inc, re.M)
    floor_ir = int(fl.group(1).replace(",", "")) if fl else None
    res["callgrind"]["sha256_floor_ir_per_mib"] = floor_ir / mib if floor_ir else None
    res["callgrind"]["ratio_to_floor"] = (total_ir / floor_ir) if floor_ir and total_ir else None
    res["callgrind"]["top_self"] = top(ann, a.top, skip_full=True)
    res["callgrind"]["top_inclusive"] = top(ann_inc, a.top)

    # ---- callgrind: echo round trips ----------------------------------------------------------
    if a.transport == "serial":
        report(a, res, binary, n, mib)
        return
    for p in work.glob("callgrind.out*"):
        p.unlink()
    with bl.Device(binary, work / "dev-cg-echo", wrapper=wrapper) as dev:
        tp.raw_echo(dev, 0.5)  # warm-up
        callgrind_ctl(dev.pid, "-z")
        n_echo = echo_n(dev, a.echoes)
        callgrind_ctl(dev.pid, "-d")
    dumps = sorted(work.glob("callgrind.out.*"), key=lambda p: p.stat().st_mtime)
    e_self, e_inc = annotate(dumps[-1])
    m = re.search(r"^\s*([\d,]+)\s*\(100\.0%\)\s*PROGRAM TOTALS", e_self, re.M)
    e_total = int(m.group(1).replace(",", "")) if m else None
    res["callgrind_echo"] = {"echoes": n_echo, "ir_total": e_total,
                             "ir_per_echo": e_total / n_echo if e_total else None,
                             "top_self": top(e_self, a.top, skip_full=True),
                             "top_inclusive": top(e_inc, a.top)}
    shutil.copy(dumps[-1], bl.ROOT / "bench" / "results" / "callgrind.echo.out")

    report(a, res, binary, n, mib)


if __name__ == "__main__":
    main()
