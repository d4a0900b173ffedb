# SPDX-License-Identifier: Apache-2.0
"""Render the UDP throughput table (bench/throughput.py's JSON) as a PNG bar chart.

Command (one line; installs bench/requirements.txt (matplotlib) into .venv when missing):

    .venv/bin/python bench/plot_throughput.py [--json bench/results/throughput.json]
        [--out bench/results/throughput.png]

One panel per client; bars = upload KiB/s (median) per frame size, grouped by image size; a
dashed line marks the issue's 1900 KiB/s target for a stop-and-wait client with 1472-byte frames.
Hatched bars: timed in whole milliseconds under 5 ms (coarse).
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET_KIB_S = 1900


def ensure_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        req = ROOT / "bench" / "requirements.txt"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(req)], check=True)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "throughput.json"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "throughput.png"))
    a = ap.parse_args()
    plt = ensure_matplotlib()
    data = json.loads(pathlib.Path(a.json).read_text())
    ups = data["upload"]
    clients = list(dict.fromkeys(u["client"] for u in ups))
    sizes = list(dict.fromkeys(u["size"] for u in ups))
    frames = sorted({u["frame"] for u in ups})
    fig, axes = plt.subplots(1, len(clients), figsize=(6.5 * len(clients), 4.8), squeeze=False,
                             sharey=False)
    width = 0.8 / len(frames)
    from matplotlib.patches import Patch
    for ax, client in zip(axes[0], clients):
        handles = []
        for j, f in enumerate(frames):
            xs, ys, coarse = [], [], []
            for i, s in enumerate(sizes):
                rec = next((u for u in ups if u["client"] == client and u["size"] == s
                            and u["frame"] == f), None)
                if rec:
                    xs.append(i + (j - (len(frames) - 1) / 2) * width)
                    ys.append(rec["kib_s"])
                    coarse.append(bool(rec.get("coarse")))
            bars = ax.bar(xs, ys, width)
            handles.append(Patch(facecolor=bars.patches[0].get_facecolor()[:3],
                                 label=f"{f} B frames"))
            for b, y, c in zip(bars, ys, coarse):
                if c:  # timed in whole milliseconds below 5 ms: hatched, value prefixed by ~
                    b.set_hatch("//")
                    b.set_alpha(0.5)
                ax.annotate(("~" if c else "") + f"{y:.0f}", (b.get_x() + b.get_width() / 2, y),
                            ha="center",
                            va="bottom", fontsize=7, rotation=90, xytext=(0, 2),
                            textcoords="offset points")
        handles.append(ax.axhline(TARGET_KIB_S, color="red", linestyle="--", linewidth=1,
                                  label=f"target {TARGET_KIB_S} KiB/s"))
        if any(u.get("coarse") for u in ups if u["client"] == client):
            handles.append(Patch(facecolor="white", edgecolor="black", hatch="//",
                                 label="coarse (< 5 ms, 1 ms steps)"))
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels([f"{s} image" for s in sizes])
        ax.set_ylabel("upload throughput, KiB/s (median)")
        ax.set_title(f"{client}, stop-and-wait over UDP")
        ax.set_ylim(0, max(u["kib_s"] for u in ups if u["client"] == client) * 1.45)
        ax.legend(handles=handles, fontsize=7, loc="upper center", ncol=3)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"smpdfu-device UDP upload ({data.get('layout')}, {data.get('mode')}, "
                 f"median of {data.get('runs')} runs)\n{data.get('machine')}", fontsize=9)
    fig.tight_layout()
    out = pathlib.Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
