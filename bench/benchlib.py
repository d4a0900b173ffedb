# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for the benchmarks in bench/: build the Release device, start it (the shared
driver tests/support/sdfu_device.py), make images, read a process's CPU time, and print tables.
Benchmarks print numbers; they never assert timings."""
import argparse
import asyncio
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
IMGTOOL = str(VENV_BIN / "imgtool")
BUILD_DIR = ROOT / "build" / "bench-release"
RUST_PEER_SCRIPT = ROOT / "scripts" / "build-rust-peer.sh"
sys.path.insert(0, str(ROOT / "tests" / "support"))

import sdfu_device  # noqa: E402  (the one device driver, shared with tests/interop)

# Image size classes (total signed image bytes). The big1m layout has 1 MiB slots; in
# overwrite mode only the small trailer is reserved, so "1M" is a 1 MiB image less 4 KiB.
# "764K" is kept for comparison with the earlier runs on large128k.
SIZES = {"64K": 64 * 1024, "256K": 256 * 1024, "764K": 764 * 1024, "1M": 1024 * 1024 - 4096}
LAYOUT = "big1m"
MODE = "overwrite"
TLV_OVERHEAD = 40  # imgtool hash-only image: TLV info (4) + SHA256 TLV (36)
HDR = 0x200


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def build_device(build_dir=BUILD_DIR, preset="bench-release"):
    """Configure (CMake preset `preset`, default bench-release) and build smpdfu-device as
    Release -O2 (no asserts); returns the binary path.

    -O2 is set explicitly: CMake's default Release flags are -O3, and -O2 is what a firmware
    build of the core would use for speed. Honours $SDFU_DEVICE (or the former
    $SMPDFU_DEVICE): that binary is used as is."""
    env = sdfu_device.env_device()
    if env:
        return env
    if not (build_dir / "build.ninja").exists():
        subprocess.run(["cmake", "--preset", preset, "-B", str(build_dir)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    p = subprocess.run(["cmake", "--build", str(build_dir), "--target", "smpdfu-device"],
                       capture_output=True, text=True)
    binary = build_dir / "smpdfu-device"
    if p.returncode != 0:
        if not binary.exists():
            raise SystemExit(f"build failed:\n{p.stdout[-3000:]}")
        log(f"warning: rebuild failed, using the existing {binary} "
            f"(built {time.ctime(binary.stat().st_mtime)})")
    return binary


def rust_peer():
    """Path of the mcumgr-toolkit Rust peer, or None when cargo/the build is unavailable."""
    p = subprocess.run([str(RUST_PEER_SCRIPT)], capture_output=True, text=True)
    if p.returncode != 0 or not p.stdout.strip():
        log("rust peer unavailable:", p.stderr.strip()[-300:])
        return None
    return p.stdout.strip()


def make_image(workdir, size, seed=0):
    """A hash-only imgtool image of exactly `size` bytes (random body); returns its path."""
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / f"img-{size}-{seed}.bin"
    if out.exists():
        return out
    body = workdir / f"body-{size}-{seed}.bin"
    import random
    rnd = random.Random(seed * 1000003 + size)
    body.write_bytes(rnd.randbytes(size - HDR - TLV_OVERHEAD))
    subprocess.run([IMGTOOL, "sign", "--version", "1.0.0", "--header-size", hex(HDR),
                    "--pad-header", "--slot-size", hex(0x100000), "--max-sectors", "128",
                    "--align", "4", str(body), str(out)], check=True, capture_output=True)
    assert out.stat().st_size == size, (out, out.stat().st_size)
    body.unlink()
    return out


class Device(sdfu_device.Device):
    """One smpdfu-device process for a benchmark: the shared driver
    (tests/support/sdfu_device.py) with benchmark defaults: the big1m layout in overwrite
    mode on a wiped flash, UDP on a free loopback port, no pty, log level 1, and longer
    start/stop timeouts (a `wrapper` such as valgrind is slow)."""

    def __init__(self, binary, workdir, *, layout=LAYOUT, mode=MODE, serial="off",
                 udp="127.0.0.1:0", log_level=1, wrapper=(), extra=()):
        super().__init__(binary, workdir, udp=udp, serial=serial, layout=layout, mode=mode,
                         log_level=log_level, wipe=True, wrapper=wrapper, extra=extra)

    def start(self, timeout=30.0):
        return super().start(timeout)

    def stop(self, timeout=60.0):
        return super().stop(timeout)


_CLK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """CPU time of a process: dict(user, sys) in seconds (from /proc/<pid>/stat, 1/CLK_TCK
    resolution) and run_ns (from /proc/<pid>/schedstat: nanoseconds on a CPU, user+sys)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    user, sys_ = int(fields[11]) / _CLK, int(fields[12]) / _CLK
    run_ns = None
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            run_ns = int(f.read().split()[0])
    except OSError:
        pass
    return {"user": user, "sys": sys_, "run_ns": run_ns}


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def proc_pss_kib(pid):
    """Proportional set size (shared pages split between the processes that map them)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def machine():
    """One line describing the machine the numbers come from."""
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem:.0f} GiB RAM, Linux {platform.release()}, "
            f"Python {platform.python_version()}; load average at start {load}")


def print_table(headers, rows):
    """A Markdown table on stdout."""
    w = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
         for i, h in enumerate(headers)]
    print("| " + " | ".join(str(h).ljust(w[i]) for i, h in enumerate(headers)) + " |")
    print("|" + "|".join("-" * (x + 2) for x in w) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w[i]) for i, c in enumerate(r)) + " |")
    sys.stdout.flush()


def save_json(path, obj, say=False):
    """Write `obj` as JSON to `path` (folders made); `say`: print where."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1))
    if say:
        print(f"\n(JSON: {path})")


def upload_args(doc, json_name, runs, sizes):
    """An argument parser with the options the upload benchmarks share: --runs, --sizes (keys
    of SIZES), --clients, --json (bench/results/<json_name>), --workdir. Add more, then parse."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--sizes", default=sizes)
    ap.add_argument("--clients", default="smpclient,rust")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / json_name))
    ap.add_argument("--workdir", default="/tmp/smpdfu-bench")
    return ap


class UploadSetup:
    """What an upload benchmark starts from (the parsed upload_args): the Release device
    (`binary`), `work` dir, `sizes` [(key, bytes)], `images` {key: path}, `clients` and the
    Rust `peer` (None when not asked for or not buildable)."""

    def __init__(self, a):
        self.binary = build_device()
        self.work = pathlib.Path(a.workdir)
        self.sizes = [(k, SIZES[k]) for k in a.sizes.split(",")]
        self.images = {k: make_image(self.work / "images", n) for k, n in self.sizes}
        self.clients = a.clients.split(",")
        self.peer = rust_peer() if "rust" in self.clients else None


async def timed_upload(client, image):
    """Upload `image` (bytes) through an SMPClient; returns the wall time in seconds. The
    upload must end at len(image)."""
    t0 = time.perf_counter()
    last = 0
    async for off in client.upload(image, subsequent_timeout_s=10):
        last = off
    dt = time.perf_counter() - t0
    assert last == len(image), f"upload ended at {last}"
    return dt


def run(coro, timeout=600.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))
