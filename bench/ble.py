# SPDX-License-Identifier: Apache-2.0
"""BLE upload throughput on the physical link model, against the link and flash limits, and
against published nRF52 hardware figures.

Command (one line; builds build/bench-release (-O2) first, prints Markdown tables on stdout):

    .venv/bin/python bench/ble.py [--size 262144] [--flash-timing on|off] [--only grid|hw]
        [--json bench/results/ble.json] [--plot bench/results/ble.png] [--from-json FILE]

Grid: PHY {1M, 2M} x ATT MTU {247, 498} x interval {7.5, 15, 30 ms} x window {1, 4}, data
length 251 (DLE), encrypted link, connection event = whole interval, latency 0, the central
rejecting the device's parameter requests (so the interval stays), nrf52840 layout with
`--flash-timing on` (datasheet maxima), a fresh device (--wipe) per run, one upload of a
--size hash-only image with frames of the device's buf_size (2048), by the window-upload
central of tests/interop/ble_central.py (nRF Connect Device Manager's scheme). Columns: image
throughput (first write to last response), the link limit (sim/ble/ble_air.c
ble_air_write_limit: ATT write bytes no traffic can beat, an upper bound for image bytes), the
steady full-write figure, the flash limit (each 4 KiB page erased once, each word written
once), and throughput / min(link, flash).
Hardware: the settings of the published measurements (docs/BENCHMARKS.md lists the sources and
which settings are assumptions) run through the same model; "within +-30 %" compares the
whole-upload figure with the published range [0.7 lo, 1.3 hi]. "as the app displays" is the
figure those apps show (image bytes after the first response over the time from the first
response to the last): it leaves out the first round trip and the flash work of the requests
in flight then, so it is given for information, not checked against the limits.
Radio sync: the same with `--radio-sync on` (each flash operation takes the radio, as on a
single-core nRF52) for a subset of the grid and the published settings, with the time-shared
bound 1 / (1 / link + 1 / flash) beside min(link, flash).
`--from-json FILE` prints the tables (and the plot) of a saved run without measuring.
"""
import argparse
import json
import pathlib
import socket
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "interop"))
import benchlib as bl  # noqa: E402
from ble_central import Central  # noqa: E402

GRID = [(phy, mtu, iv, w) for phy in ("1M", "2M") for mtu in (247, 498)
        for iv in (6, 12, 24) for w in (1, 4)]

# Published figures and their sources (docs/BENCHMARKS.md "BLE upload on the link model" has the
# table). "lo"/"hi": the published range, kB/s (1000 B/s, as both apps display).
SOURCES = {
    "ncdm53": "https://github.com/NordicSemiconductor/Android-nRF-Connect-Device-Manager/pull/53",
    "smpmgr28": "https://github.com/intercreate/smpmgr/pull/28",
}
# Settings. NCDM rows without reassembly: Zephyr's smp_svr overlay-bt.conf before Zephyr PR 45683
# (CONFIG_BT_L2CAP_TX_MTU=252, CONFIG_BT_BUF_ACL_RX_SIZE=256, no CONFIG_BT_CTLR_DATA_LENGTH_MAX:
# 27-byte LL payloads), ATT MTU 252, one SMP frame per write (MTU - 3 = 249 bytes). The
# reassembly row: the config of Zephyr PR 45683 (MTU 498, DLE 251, MCUmgr buffers 4 x 2475; ours
# are 4 x 2048). The Device Manager asks Android for high connection priority (11.25-15 ms;
# 15 ms taken). Assumed: 2M PHY (Zephyr's automatic PHY update), the whole interval usable as
# event. smpmgr: stop-and-wait (window 1) with frames of the device's buf_size; assumed MTU 247,
# 30 ms. "sens": sensitivity rows, not published settings: a 30 ms interval (Zephyr's default
# peripheral-preferred 30-50 ms), a phone controller limiting the event to 3.125 ms (~6 packets). The nRF5340 figure has no row: see docs/BENCHMARKS.md.
HW = [
    {"name": "NCDM, window 1, no reassembly", "src": "ncdm53", "lo": 2.0, "hi": 4.0,
     "phy": "2M", "mtu": 252, "dlen": 27, "interval": 12, "window": 1, "frame": 249, "ce": 0},
    {"name": "NCDM, window 3, no reassembly", "src": "ncdm53", "lo": 16.0, "hi": 20.0,
     "phy": "2M", "mtu": 252, "dlen": 27, "interval": 12, "window": 3, "frame": 249, "ce": 0},
    {"name": "NCDM, window 3, SMP reassembly", "src": "ncdm53", "lo": 36.0, "hi": 36.0,
     "phy": "2M", "mtu": 498, "dlen": 251, "interval": 12, "window": 3, "frame": None, "ce": 0},
    {"name": "smpmgr, nRF52840 (window 1)", "src": "smpmgr28", "lo": 10.0, "hi": 25.0,
     "phy": "2M", "mtu": 247, "dlen": 251, "interval": 24, "window": 1, "frame": None, "ce": 0},
    {"name": "sens.: NCDM window 1, interval 30 ms", "src": "ncdm53", "lo": 2.0, "hi": 4.0,
     "phy": "2M", "mtu": 252, "dlen": 27, "interval": 24, "window": 1, "frame": 249, "ce": 0,
     "sens": True},
    {"name": "sens.: NCDM window 1, event 3.125 ms", "src": "ncdm53", "lo": 2.0, "hi": 4.0,
     "phy": "2M", "mtu": 252, "dlen": 27, "interval": 12, "window": 1, "frame": 249, "ce": 5,
     "sens": True},
    {"name": "sens.: NCDM window 3, event 3.125 ms", "src": "ncdm53", "lo": 16.0, "hi": 20.0,
     "phy": "2M", "mtu": 252, "dlen": 27, "interval": 12, "window": 3, "frame": 249, "ce": 5,
     "sens": True},
]
# Phone turnaround: the two NCDM no-reassembly rows with a central that takes `reaction` ms from
# a response's last notification to its next write (a phone's stack and app; nothing publishes
# the value), to show which turnaround, if any, puts both inside.
for _r in (10.0, 14.0, 15.0, 20.0, 25.0, 30.0):
    for _w, _lo, _hi in ((1, 2.0, 4.0), (3, 16.0, 20.0)):
        HW.append({"name": f"sens.: NCDM window {_w}, phone turnaround {_r:g} ms", "src": "ncdm53",
                   "lo": _lo, "hi": _hi, "phy": "2M", "mtu": 252, "dlen": 27, "interval": 12,
                   "window": _w, "frame": 249, "ce": 0, "reaction": _r, "sens": True})


def ctl_state(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'{"op":"state"}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        buf += s.recv(65536)
    s.close()
    return json.loads(buf)


def flash_limit(ft, size):
    if not ft.get("on"):
        return float("inf")
    pages = -(-size // ft["erase_unit"])
    words = -(-size // ft["write_unit"])
    return size * 1e6 / (pages * ft["erase_us"] + words * ft["write_us"])


def one_run(binary, image, *, phy, mtu, interval, window, frame=None, flash_timing="on",
            data_len=251, ce_len=0, radio_sync=False, reaction_ms=0.0):
    """One fresh device, one upload; returns a dict of the figures."""
    data = image.read_bytes()
    with tempfile.TemporaryDirectory(prefix="sdfu-ble-") as d:
        ble, ctl = f"{d}/ble", f"{d}/ctl"
        dev = bl.Device(binary, d, layout="nrf52840", mode="swap", udp=None,
                        extra=["--ble", ble, "--ctl", ctl, "--flash-timing", flash_timing]
                        + (["--radio-sync", "on"] if radio_sync else []))
        with dev:
            # the central holds its parameters: it rejects ble_latency's initial request
            with Central(ble, mtu=mtu, interval=interval, latency=0, phy=phy,
                         data_len=data_len, ce_len=ce_len, accept_updates=False) as c:
                c.pump(0.2)
                secs, frames = c.upload(data, window=window, frame_max=frame, timeout=900,
                                        reaction=reaction_ms / 1000.0)
                app_secs, app_bytes = c.after_first
                st = ctl_state(ctl)
    b = st["ble"]
    link = b["write_limit"]
    fl = flash_limit(st["flash_timing"], len(data))
    tput = len(data) / secs
    return {"phy": phy, "mtu": mtu, "interval_ms": interval * 1.25, "window": window,
            "data_len": data_len, "ce_len_ms": ce_len * 0.625, "radio_sync": radio_sync,
            "reaction_ms": reaction_ms,
            "frame_max": frame or 2048, "image": len(data), "seconds": secs, "frames": frames,
            "throughput": tput, "throughput_app": app_bytes / app_secs, "link_limit": link, "link_steady": b["write_steady"],
            "flash_limit": fl, "fraction": tput / min(link, fl),
            "fraction_app": app_bytes / app_secs / min(link, fl), "naks": b["naks"],
            "max_in_use": b["max_in_use"], "events": b["events"], "lost": b.get("lost", 0),
            "flash_charged_s": st["flash_timing"].get("charged_us", 0) / 1e6}


def kb(x):
    return "inf" if x == float("inf") else f"{x / 1000:.1f}"


def plot(rows, out):
    sys.path.insert(0, str(HERE))
    from plot_throughput import ensure_matplotlib
    plt = ensure_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, phy in zip(axes, ("1M", "2M")):
        sel = [r for r in rows if r["phy"] == phy]
        labels = [f"{r['mtu']}/{r['interval_ms']:g}" for r in sel if r["window"] == 1]
        xs = range(len(labels))
        for k, w in enumerate((1, 4)):
            ys = [r["throughput"] / 1000 for r in sel if r["window"] == w]
            ax.bar([x + (k - 0.5) * 0.38 for x in xs], ys, 0.38, label=f"window {w}")
        lim = [min(r["link_limit"], r["flash_limit"]) / 1000 for r in sel if r["window"] == 1]
        ax.plot(list(xs), lim, "k_", markersize=22, mew=2, label="min(link, flash) limit")
        ax.set_xticks(list(xs), labels, rotation=30)
        ax.set_xlabel("ATT MTU / interval ms")
        ax.set_title(f"{phy} PHY, DLE 251, 256 KiB image")
    axes[0].set_ylabel("upload kB/s")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


# --radio-sync on (single-core nRF52: each flash operation takes the radio): a subset of the
# grid and the published settings again.
RS_GRID = [(phy, 247, iv, w) for phy in ("1M", "2M") for iv in (6, 24) for w in (1, 4)]
RS_HW = [h for h in HW if not h.get("sens")]


def within_30(r):
    """The whole-upload figure within [0.7 lo, 1.3 hi] of the published range."""
    t = r["throughput"] / 1000
    return r["published_lo"] * 0.7 <= t <= r["published_hi"] * 1.3


def print_grid(rows):
    bl.print_table(["PHY", "MTU", "interval ms", "window", "kB/s", "link limit kB/s",
                    "steady kB/s", "flash limit kB/s", "fraction of lower", "NAKs"],
                   [[r["phy"], r["mtu"], f"{r['interval_ms']:g}", r["window"],
                     kb(r["throughput"]), kb(r["link_limit"]), kb(r["link_steady"]),
                     kb(r["flash_limit"]), f"{r['fraction']:.2f}", r["naks"]]
                    for r in rows])
    print()


def print_hw(rows):
    bl.print_table(["setting", "PHY/MTU/DLE/ms/window/frame", "published kB/s", "model kB/s",
                    "within +-30 %", "min(link, flash) kB/s", "fraction",
                    "as the app displays, kB/s"],
                   [[r["name"], f"{r['phy']}/{r['mtu']}/{r['data_len']}/"
                     f"{r['interval_ms']:g}/{r['window']}/{r['frame_max']}"
                     + (f"/ce {r['ce_len_ms']:g} ms" if r["ce_len_ms"] else "")
                     + (f"/turnaround {r['reaction_ms']:g} ms" if r.get("reaction_ms") else ""),
                     f"{r['published_lo']:g}-{r['published_hi']:g}", kb(r["throughput"]),
                     ("yes" if within_30(r) else "NO") + (" (sens.)" if r["sensitivity"]
                                                          else ""),
                     kb(min(r["link_limit"], r["flash_limit"])), f"{r['fraction']:.2f}",
                     kb(r["throughput_app"])]
                    for r in rows])
    print("\nSources: " + ", ".join(f"{k} {v}" for k, v in SOURCES.items()))


def print_rs(rows):
    bl.print_table(["--radio-sync on", "PHY/MTU/DLE/ms/window/frame", "published kB/s",
                    "model kB/s", "within +-30 %", "min(link, flash) kB/s",
                    "time-shared bound kB/s", "fraction of min", "lost events"],
                   [[r.get("name", "grid"), f"{r['phy']}/{r['mtu']}/{r['data_len']}/"
                     f"{r['interval_ms']:g}/{r['window']}/{r['frame_max']}",
                     f"{r['published_lo']:g}-{r['published_hi']:g}" if "name" in r else "",
                     kb(r["throughput"]),
                     ("yes" if within_30(r) else "NO") if "name" in r else "",
                     kb(min(r["link_limit"], r["flash_limit"])),
                     kb(1 / (1 / r["link_limit"] + 1 / r["flash_limit"])),
                     f"{r['fraction']:.2f}", r["lost"]]
                    for r in rows])
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256 * 1024)
    ap.add_argument("--flash-timing", default="on", choices=("on", "off"))
    ap.add_argument("--only", choices=("grid", "hw", "rs"))
    ap.add_argument("--json", default=str(HERE / "results" / "ble.json"))
    ap.add_argument("--plot", default=str(HERE / "results" / "ble.png"))
    ap.add_argument("--from-json", metavar="FILE",
                    help="measure nothing: print the tables (and plot) of a saved run")
    a = ap.parse_args()
    if a.from_json:
        out = json.loads(pathlib.Path(a.from_json).read_text())
        print(f"Machine: {out['machine']}\n")
        if out["grid"]:
            print_grid(out["grid"])
            if a.plot:
                plot(out["grid"], a.plot)
        if out["hw"]:
            print_hw(out["hw"])
        if out.get("radio_sync"):
            print_rs(out["radio_sync"])
        return
    binary = bl.build_device()
    work = pathlib.Path(tempfile.mkdtemp(prefix="sdfu-ble-img-"))
    image = bl.make_image(work, a.size)
    out = {"machine": bl.machine(), "size": a.size, "flash_timing": a.flash_timing,
           "grid": [], "hw": [], "radio_sync": []}
    print(f"Machine: {out['machine']}\n")
    if a.only in (None, "grid"):
        for phy, mtu, iv, w in GRID:
            r = one_run(binary, image, phy=phy, mtu=mtu, interval=iv, window=w,
                        flash_timing=a.flash_timing)
            bl.log(f"{phy} mtu {mtu} {iv * 1.25:g} ms w{w}: {kb(r['throughput'])} kB/s "
                   f"({r['fraction']:.2f})")
            out["grid"].append(r)
        print_grid(out["grid"])
        if a.plot:
            plot(out["grid"], a.plot)
    if a.only in (None, "hw"):
        for h in HW:
            r = one_run(binary, image, phy=h["phy"], mtu=h["mtu"], interval=h["interval"],
                        window=h["window"], frame=h["frame"], flash_timing=a.flash_timing,
                        data_len=h["dlen"], ce_len=h["ce"], reaction_ms=h.get("reaction", 0.0))
            r.update(name=h["name"], src=SOURCES[h["src"]], published_lo=h["lo"],
                     published_hi=h["hi"], sensitivity=h.get("sens", False))
            r["within_30"] = within_30(r)
            bl.log(f"{h['name']}: {r['throughput'] / 1000:.1f} kB/s "
                   f"(published {h['lo']}-{h['hi']})")
            out["hw"].append(r)
        print_hw(out["hw"])
    if a.only in (None, "rs") and a.flash_timing == "on":
        for phy, mtu, iv, w in RS_GRID:
            r = one_run(binary, image, phy=phy, mtu=mtu, interval=iv, window=w,
                        radio_sync=True)
            bl.log(f"radio sync: {phy} mtu {mtu} {iv * 1.25:g} ms w{w}: "
                   f"{kb(r['throughput'])} kB/s ({r['fraction']:.2f})")
            out["radio_sync"].append(r)
        for h in RS_HW:
            r = one_run(binary, image, phy=h["phy"], mtu=h["mtu"], interval=h["interval"],
                        window=h["window"], frame=h["frame"], data_len=h["dlen"],
                        ce_len=h["ce"], radio_sync=True)
            r.update(name=h["name"], src=SOURCES[h["src"]], published_lo=h["lo"],
                     published_hi=h["hi"], sensitivity=False)
            r["within_30"] = within_30(r)
            bl.log(f"radio sync: {h['name']}: {r['throughput'] / 1000:.1f} kB/s")
            out["radio_sync"].append(r)
        print_rs(out["radio_sync"])
    bl.save_json(a.json, out)


if __name__ == "__main__":
    main()
