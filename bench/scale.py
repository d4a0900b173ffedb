# SPDX-License-Identifier: Apache-2.0
"""Scale: many simulated devices on one host: RSS per device, and parallel updates to N devices.

Command (one line; builds build/bench-release (-O2) first, prints a Markdown table):

    .venv/bin/python bench/scale.py [--counts 10,50,100,500] [--max 500] [--size 64K]
        [--json bench/results/scale.json]

For each count N: start N smpdfu-device processes (each its own UDP port on 127.0.0.1, its own
flash file, layout nrf52840 (1 MiB flash), mode swap, serial off, log level 1), read every
process's RSS (VmRSS), then upload the same hash-only image to all N at once from one asyncio
loop (one smpclient SMPClient per device, 1472-byte frames), and read back image state (1/0) to
check every device holds the image in slot 1. Reports start-up time, RSS per device, wall time of
the parallel update, how many completed, and the aggregate rate. --max: after the update runs,
start that many idle devices at once to show the count one host holds (0 skips it).
"""
import argparse
import asyncio
import pathlib
import shutil
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402
import throughput as tp  # noqa: E402

from smpclient.requests.image_management import ImageStatesRead  # noqa: E402


def start_many(binary, work, n):
    t0 = time.perf_counter()
    devs = []
    # start them all first, then wait for the ready lines (start-up overlaps)
    for i in range(n):
        d = bl.Device(binary, work / f"d{i:04d}", layout="nrf52840", mode="swap")
        devs.append(d)
    try:
        for d in devs:
            d.start(timeout=60)
    except BaseException:
        stop_all(devs)
        raise
    return devs, time.perf_counter() - t0


def stop_all(devs):
    bad = 0
    for d in devs:
        rc = d.stop()
        bad += rc not in (0, None)
    return bad


async def update_one(dev, image):
    try:
        c = await tp.smp_connect(dev, 1472)
    except Exception as e:  # noqa: BLE001
        return False, f"connect: {e!r}"
    try:
        last = 0
        async for off in c.upload(image, subsequent_timeout_s=20, first_timeout_s=60):
            last = off
        if last != len(image):
            return False, f"ended at {last}"
        st = await c.request(ImageStatesRead(), timeout_s=20)
        slots = [s.slot for s in st.images]
        return (1 in slots), f"slots {slots}"
    except Exception as e:  # noqa: BLE001
        return False, repr(e)
    finally:
        await c.disconnect()


async def update_all(devs, image):
    return await asyncio.gather(*(update_one(d, image) for d in devs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", default="10,50,100,500")
    ap.add_argument("--max", type=int, default=500)
    ap.add_argument("--size", default="64K")
    ap.add_argument("--json", default=str(bl.ROOT / "bench" / "results" / "scale.json"))
    ap.add_argument("--workdir", default="/tmp/smpdfu-bench/scale")
    a = ap.parse_args()
    binary = bl.build_device()
    work = pathlib.Path(a.workdir)
    image = bl.make_image(work.parent / "images", bl.SIZES[a.size]).read_bytes()
    res = {"machine": bl.machine(), "size": len(image), "runs": []}
    rows = []
    for n in [int(x) for x in a.counts.split(",")]:
        shutil.rmtree(work, ignore_errors=True)
        devs, t_start = start_many(binary, work, n)
        try:
            rss = [bl.proc_rss_kib(d.pid) for d in devs]
            pss = [bl.proc_pss_kib(d.pid) for d in devs]
            t0 = time.perf_counter()
            out = bl.run(update_all(devs, image), timeout=900)
            dt = time.perf_counter() - t0
            rss_after = [bl.proc_rss_kib(d.pid) for d in devs]
        except BaseException:
            stop_all(devs)
            raise
        ok = sum(1 for good, _ in out if good)
        errs = [msg for good, msg in out if not good][:5]
        bad_exit = stop_all(devs)
        rec = {"n": n, "start_s": t_start, "rss_kib_median": bl.median(rss),
               "pss_kib_median": bl.median(pss),
               "rss_kib_after_median": bl.median(rss_after), "update_s": dt, "completed": ok,
               "errors": errs, "bad_exit": bad_exit,
               "aggregate_kib_s": ok * len(image) / 1024 / dt}
        res["runs"].append(rec)
        rows.append([n, f"{t_start:.1f}", f"{rec['rss_kib_median']:.0f}",
                     f"{rec['pss_kib_median']:.0f}",
                     f"{rec['rss_kib_after_median']:.0f}", f"{dt:.1f}", f"{ok}/{n}",
                     f"{rec['aggregate_kib_s']:.0f}", bad_exit])
        bl.log(rows[-1], errs)
    if a.max:
        shutil.rmtree(work, ignore_errors=True)
        devs, t_start = start_many(binary, work, a.max)
        try:
            rss = [bl.proc_rss_kib(d.pid) for d in devs]
            pss = [bl.proc_pss_kib(d.pid) for d in devs]
            alive = sum(1 for d in devs if d.proc.poll() is None)
        finally:
            bad_exit = stop_all(devs)
        res["max"] = {"n": a.max, "alive": alive, "start_s": t_start,
                      "rss_kib_median": bl.median(rss), "rss_mib_total": sum(rss) / 1024,
                      "pss_kib_median": bl.median(pss), "pss_mib_total": sum(pss) / 1024,
                      "bad_exit": bad_exit}
    shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {res['machine']}")
    print(f"Devices: {binary} --layout nrf52840 --mode swap --serial off --log-level 1; "
          f"image {len(image)} B, 1472-byte frames, all devices updated at once\n")
    bl.print_table(["devices", "start s", "RSS KiB (idle, median)", "PSS KiB (idle, median)",
                    "RSS KiB (after upload)",
                    "parallel update s", "completed", "aggregate KiB/s", "bad exits"], rows)
    if a.max:
        m = res["max"]
        print(f"\nIdle: {m['alive']}/{m['n']} devices running at once, started in "
              f"{m['start_s']:.1f} s, RSS median {m['rss_kib_median']:.0f} KiB (PSS "
              f"{m['pss_kib_median']:.0f} KiB), PSS total {m['pss_mib_total']:.0f} MiB; {m['bad_exit']} non-zero exits on SIGTERM")
    bl.save_json(a.json, res)
    print(f"\n(JSON: {a.json})")


if __name__ == "__main__":
    main()
