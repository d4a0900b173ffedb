# SPDX-License-Identifier: Apache-2.0
"""Serial (SMP console framing over a pty) upload: image bytes per wire byte and throughput.

Command (one line; builds build/bench-release (-O2) first, prints a Markdown table):

    .venv/bin/python bench/serial_upload.py [--runs 3] [--sizes 64K,256K] [--bufs auto,384]
        [--clients smpclient,rust] [--json bench/results/serial.json]

The device runs with --serial pty (line length 127, its default) and UDP off. Clients:
`smpclient` SMPSerialTransport (fragmentation Auto = frames of buf_size - 4, or BufferSize(N)
for smaller frames; 128-byte lines) and the Rust `mcumgr-toolkit` peer (`--serial PTY`, frames
from buf_size - 4, lines of at most 127 bytes). Wire bytes: for smpclient every byte the client
writes to / reads from the pty is counted (wrapping its pyserial object); for both clients the
device's /proc/<pid>/io rchar (bytes it read from the pty) is recorded too. A pty has no baud
rate, so throughput is bounded by the two processes, not by a UART: at 115200 baud (11520 B/s)
the same upload would take wire_bytes / 11520 s, which the table also shows.
"""
import pathlib
import subprocess
import sys
import json
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

from smpclient import SMPClient  # noqa: E402
from smpclient.requests.image_management import ImageErase  # noqa: E402
from smpclient.transport.serial import SMPSerialTransport  # noqa: E402
from smpclient.transport.serial.encoded import Auto, BufferSize  # noqa: E402


def proc_rchar(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


class Counting:
    """Counts bytes through a pyserial object's write() and read_all()."""

    def __init__(self, conn):
        self.tx = self.rx = 0
        self._w, self._r = conn.write, conn.read_all
        conn.write = self.write
        conn.read_all = self.read_all

    def write(self, data):
        self.tx += len(data)
        return self._w(data)

    def read_all(self):
        d = self._r()
        self.rx += len(d or b"")
        return d


async def smpclient_upload(dev, image, buf, runs):
    strat = Auto() if buf == "auto" else BufferSize(int(buf))
    t = SMPSerialTransport(fragmentation_strategy=strat)
    c = SMPClient(t, dev.pty, 10.0)
    await c.connect()
    cnt = Counting(t._conn)
    out = []
    try:
        for _ in range(runs):
            await c.request(ImageErase(), timeout_s=30)
            tx0, rx0, r0 = cnt.tx, cnt.rx, proc_rchar(dev.pid)
            c0 = bl.proc_cpu(dev.pid)["run_ns"]
            dt = await bl.timed_upload(c, image)
            out.append({"s": dt, "tx": cnt.tx - tx0, "rx": cnt.rx - rx0,
                        "cpu_ns": bl.proc_cpu(dev.pid)["run_ns"] - c0,
                        "dev_rchar": proc_rchar(dev.pid) - r0, "frame": t.max_unencoded_size})
    finally:
        await c.disconnect()
    return out


def rust_upload(peer, dev, path, runs):
    out = []
    for _ in range(runs):
        p = subprocess.run([peer, "--serial", dev.pty, "erase"], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr
        r0 = proc_rchar(dev.pid)
        c0 = bl.proc_cpu(dev.pid)["run_ns"]
        t0 = time.perf_counter()
        p = subprocess.run([peer, "--serial", dev.pty, "--no-progress", "upload", str(path)],
                           capture_output=True, text=True, timeout=300)
        dt = time.perf_counter() - t0
        res = json.loads(p.stdout.strip().splitlines()[-1])
        assert p.returncode == 0 and res["ok"], p.stdout[-300:] + p.stderr[-300:]
        out.append({"s": dt, "tx": None, "rx": None, "dev_rchar": proc_rchar(dev.pid) - r0,
                    "cpu_ns": bl.proc_cpu(dev.pid)["run_ns"] - c0,
                    "frame": res.get("frame", {}).get("frame_size", "buf_size-4"),
                    "lib_ms": res.get("elapsed_ms")})
    return out


def main():
    ap = bl.upload_args(__doc__, "serial.json", runs=3, sizes="64K,256K")
    ap.add_argument("--bufs", default="auto,384", help="smpclient buffer sizes: auto or N")
    a = ap.parse_args()
    su = bl.UploadSetup(a)
    binary, work, sizes, images, clients, peer = (su.binary, su.work, su.sizes, su.images,
                                                  su.clients, su.peer)
    res = {"machine": bl.machine(), "runs": a.runs, "serial": []}
    rows = []
    with bl.Device(binary, work / "dev-serial", serial="pty", udp=None) as dev:
        for sk, n in sizes:
            cases = [("smpclient", b) for b in a.bufs.split(",")] if "smpclient" in clients else []
            if peer:
                cases.append(("rust", "auto"))
            for client, buf in cases:
                if client == "smpclient":
                    rs = bl.run(smpclient_upload(dev, images[sk].read_bytes(), buf, a.runs))
                else:
                    rs = rust_upload(peer, dev, images[sk], a.runs)
                t = bl.median([r["s"] for r in rs])
                wire_in = bl.median([r["dev_rchar"] for r in rs])
                wire_out = bl.median([r["rx"] for r in rs]) if rs[0]["rx"] is not None else None
                rec = {"client": client, "buf": buf, "size": sk, "bytes": n, "frame": rs[0]["frame"],
                       "median_s": t, "kib_s": n / 1024 / t, "wire_in": wire_in,
                       "wire_out": wire_out, "image_per_wire_in": n / wire_in,
                       "image_per_wire_total": n / (wire_in + wire_out) if wire_out else None,
                       "cpu_s_per_mib": sum(r["cpu_ns"] for r in rs) / 1e9 / (n * len(rs) / 2**20),
                       "runs": rs}
                res["serial"].append(rec)
                uart = (wire_in + (wire_out or 0)) / 11520
                rows.append([client, f"{buf} (frame {rec['frame']})", sk, f"{t * 1000:.0f}",
                             f"{rec['kib_s']:.0f}", wire_in, wire_out if wire_out else "-",
                             f"{rec['image_per_wire_in']:.3f}",
                             f"{rec['image_per_wire_total']:.3f}" if wire_out else "-",
                             f"{uart:.1f}", f"{rec['cpu_s_per_mib']:.3f}"])
                bl.log(rows[-1])
    print(f"Machine: {res['machine']}")
    print(f"Device: {binary} --serial pty --line-length 127 (default), median of {a.runs} runs\n")
    bl.print_table(["client", "buffer", "image", "median ms", "KiB/s", "wire in B",
                    "wire out B", "image/wire in", "image/wire total", "s at 115200 baud",
                    "device CPU s/MiB"], rows)
    bl.save_json(a.json, res, say=True)


if __name__ == "__main__":
    main()
