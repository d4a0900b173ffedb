# SPDX-License-Identifier: Apache-2.0
"""UDP upload throughput, device CPU per MiB and echo round trips per second with real clients.

Command (one line; builds build/bench-release (-O2) first, prints Markdown tables on stdout):

    .venv/bin/python bench/throughput.py [--runs 5] [--sizes 64K,256K,1M]
        [--frames 256,512,1024,max] [--clients smpclient,rust] [--echo-seconds 3]
        [--json bench/results/throughput.json]

Clients: the `smpclient` library (stop-and-wait `SMPClient.upload`, frame size = the UDP
transport's max payload, set through its `mtu`) and the Rust `mcumgr-toolkit` peer
(tests/interop/rust-peer, `--frame-size N upload`, one process per upload; its time is the
peer's own `elapsed_ms` around the library's upload call, 1 ms resolution; the process wall time
minus the median wall time of a `params` run is kept in the JSON). "max" is the device's buf_size (MCUmgr params 0/6)
capped at 1472 (largest UDP payload in a 1500-byte MTU). Each measurement uses a fresh upload
(image erase 1/5 before it, not timed) on one device process per client (layout big1m,
mode overwrite, log level 1). Reported: the median of --runs runs and the device process's
CPU (user+system, from /proc/<pid>/schedstat) per MiB over the same runs.
Echo: smpclient `EchoWrite` in a loop, and a raw stop-and-wait UDP socket (no asyncio),
each for --echo-seconds.
"""
import json
import pathlib
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

import cbor2  # noqa: E402
from smpclient import SMPClient  # noqa: E402
from smpclient.requests.image_management import ImageErase  # noqa: E402
from smpclient.requests.os_management import EchoWrite, MCUMgrParametersRead  # noqa: E402
from smpclient.transport.udp import SMPUDPTransport  # noqa: E402

UDP_MAX = 1472
IPV4_UDP_OVERHEAD = 28


class PortUDPTransport(SMPUDPTransport):
    """SMPUDPTransport on a fixed port; frame size F is mtu = F + 28."""

    def __init__(self, port, frame):
        super().__init__(mtu=frame + IPV4_UDP_OVERHEAD)
        self._port = port

    async def connect(self, address, timeout_s, port=None):
        await super().connect(address, timeout_s, port=self._port)


async def smp_connect(dev, frame):
    c = SMPClient(PortUDPTransport(dev.udp_port, frame), dev.udp_host, 10.0)
    await c.connect()
    return c


async def device_buf_size(dev):
    c = await smp_connect(dev, UDP_MAX)
    try:
        r = await c.request(MCUMgrParametersRead())
        return r.buf_size, r.buf_count
    finally:
        await c.disconnect()


async def smpclient_upload(dev, image, frame, runs):
    """[(seconds, cpu_ns)] for `runs` uploads of `image` with frames of `frame` bytes."""
    out = []
    c = await smp_connect(dev, frame)
    try:
        for _ in range(runs):
            await c.request(ImageErase(), timeout_s=30)
            cpu0 = bl.proc_cpu(dev.pid)["run_ns"]
            dt = await bl.timed_upload(c, image)
            cpu1 = bl.proc_cpu(dev.pid)["run_ns"]
            out.append((dt, cpu1 - cpu0))
    finally:
        await c.disconnect()
    return out


def rust_run(peer, dev, *args):
    t0 = time.perf_counter()
    p = subprocess.run([peer, "--udp", dev.addr, "--no-progress", *args], capture_output=True,
                       text=True, timeout=120)
    dt = time.perf_counter() - t0
    res = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
    if p.returncode != 0 or not res.get("ok"):
        raise RuntimeError(f"rust peer {args}: rc={p.returncode} {p.stdout[-300:]} {p.stderr[-300:]}")
    return dt, res


def rust_upload(peer, dev, path, frame, runs, baseline):
    out = []
    for _ in range(runs):
        rust_run(peer, dev, "erase")
        cpu0 = bl.proc_cpu(dev.pid)["run_ns"]
        dt, res = rust_run(peer, dev, "--frame-size", str(frame), "upload", str(path))
        cpu1 = bl.proc_cpu(dev.pid)["run_ns"]
        out.append((max(dt - baseline, 1e-6), cpu1 - cpu0, res.get("elapsed_ms")))
    return out


async def smpclient_echo(dev, seconds):
    c = await smp_connect(dev, UDP_MAX)
    try:
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            r = await c.request(EchoWrite(d="hello"))
            assert r.r == "hello"
            n += 1
        return n / (time.perf_counter() - t0)
    finally:
        await c.disconnect()


def raw_echo(dev, seconds):
    """Stop-and-wait echo with a blocking socket: one 0/0 write per round trip."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    s.connect((dev.udp_host, dev.udp_port))
    body = cbor2.dumps({"d": "hello"})
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        seq = n & 0xFF
        s.send(struct.pack(">BBHHBB", (1 << 3) | 2, 0, len(body), 0, seq, 0) + body)
        rsp = s.recv(2048)
        assert rsp[6] == seq and cbor2.loads(rsp[8:]) == {"r": "hello"}, rsp
        n += 1
    dt = time.perf_counter() - t0
    s.close()
    return n / dt


def main():
    ap = bl.upload_args(__doc__, "throughput.json", runs=5, sizes="64K,256K,1M")
    ap.add_argument("--frames", default="256,512,1024,max")
    ap.add_argument("--echo-seconds", type=float, default=3.0)
    a = ap.parse_args()
    su = bl.UploadSetup(a)
    binary, work, sizes, images, clients, peer = (su.binary, su.work, su.sizes, su.images,
                                                  su.clients, su.peer)
    if "rust" in clients and peer is None:
        clients.remove("rust")

    results = {"machine": bl.machine(), "device": str(binary), "layout": bl.LAYOUT,
               "mode": bl.MODE, "runs": a.runs, "upload": [], "echo": {}}
    with bl.Device(binary, work / "dev-probe") as dev:
        buf_size, buf_count = bl.run(device_buf_size(dev))
    fmax = min(buf_size, UDP_MAX)
    frames = [fmax if f == "max" else int(f) for f in a.frames.split(",")]
    results["buf_size"], results["buf_count"], results["max_frame"] = buf_size, buf_count, fmax
    bl.log(f"device buf_size={buf_size} buf_count={buf_count}: max UDP frame {fmax}")

    rows = []
    for client in clients:
        with bl.Device(binary, work / f"dev-{client}") as dev:
            baseline = wall = None
            if client == "rust":
                baseline = bl.median([rust_run(peer, dev, "params")[0] for _ in range(7)])
                results["rust_baseline_s"] = baseline
            for sk, n in sizes:
                for f in frames:
                    if client == "smpclient":
                        data = images[sk].read_bytes()
                        rs = bl.run(smpclient_upload(dev, data, f, a.runs))
                        lib_ms = None
                    else:
                        rs3 = rust_upload(peer, dev, images[sk], f, a.runs, baseline)
                        # the peer's own timing of the library upload call (1 ms steps; 0 ms
                        # counts as 0.5 ms); wall time minus start-up is kept in the JSON
                        rs = [(max(m, 0.5) / 1000.0, c) for _, c, m in rs3]
                        lib_ms = bl.median([m for _, _, m in rs3])
                        wall = bl.median([t for t, _, _ in rs3])
                    t = bl.median([x[0] for x in rs])
                    cpu_s = sum(x[1] for x in rs) / 1e9
                    mib = n * len(rs) / 2**20
                    rec = {"client": client, "size": sk, "bytes": n, "frame": f,
                           "runs_s": [round(x[0], 6) for x in rs], "median_s": t,
                           "kib_s": n / 1024 / t, "cpu_s_per_mib": cpu_s / mib,
                           "lib_elapsed_ms_median": lib_ms,
                           "rust_wall_minus_startup_s": wall if client == "rust" else None,
                           "coarse": client == "rust" and t < 0.005}
                    results["upload"].append(rec)
                    rows.append([client, sk, f, f"{t * 1000:.1f}",
                                 f"{rec['kib_s']:.0f}" + (" (coarse)" if rec["coarse"] else ""),
                                 f"{rec['cpu_s_per_mib']:.4f}"])
                    bl.log(f"{client} {sk} frame {f}: {t * 1000:.1f} ms "
                           f"{rec['kib_s']:.0f} KiB/s cpu {rec['cpu_s_per_mib']:.4f} s/MiB")
            if client == "smpclient":
                cpu0 = bl.proc_cpu(dev.pid)["run_ns"]
                e1 = bl.run(smpclient_echo(dev, a.echo_seconds))
                e2 = raw_echo(dev, a.echo_seconds)
                cpu1 = bl.proc_cpu(dev.pid)["run_ns"]
                results["echo"] = {"smpclient_per_s": e1, "raw_socket_per_s": e2,
                                   "device_cpu_us_per_echo":
                                   (cpu1 - cpu0) / 1e3 / ((e1 + e2) * a.echo_seconds)}
    print(f"Machine: {results['machine']}")
    print(f"Device: {binary} (Release -O2, --log-level 1, --layout {bl.LAYOUT} --mode {bl.MODE}),"
          f" buf_size {buf_size}, max UDP frame {fmax}; median of {a.runs} runs\n")
    bl.print_table(["client", "image", "frame B", "median ms", "KiB/s", "device CPU s/MiB"],
                   rows)
    print("\nsmpclient: time around SMPClient.upload. rust: the peer's own elapsed_ms around the "
          "library upload call (1 ms steps: rows under 5 ms are marked coarse).")
    if results["echo"]:
        e = results["echo"]
        print(f"\nEcho (0/0, stop-and-wait, {a.echo_seconds:.0f} s each): smpclient "
              f"{e['smpclient_per_s']:.0f}/s, raw UDP socket {e['raw_socket_per_s']:.0f}/s, "
              f"device CPU {e['device_cpu_us_per_echo']:.1f} us/echo")
    bl.save_json(a.json, results, say=True)


if __name__ == "__main__":
    main()
