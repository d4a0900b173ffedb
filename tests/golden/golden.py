#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Check smpdfu's bootloader simulation (smpdfu-boot) against the real-MCUboot golden data set.
"""Compare smpdfu-boot with the MCUboot golden data (../shared/mcuboot-golden).

Three checks, each per case of manifest.tsv:
  decision  boot the case's `at_cut` state once; boot result, booted slot, version and
            swap type equal `expect`
  bytes     ... and the SHA-256 of the primary, secondary and scratch regions of the
            final flash equal `expect`
  cut       (single and double cuts) start from `initial`, cut our own run after the same
            op with the same kind; the flash equals `at_cut_sha256`
plus, per clean run, `oplog`: our op sequence equals oplogs/<mode>/<scenario>.txt.

Usage: golden.py [--boot PATH] [--golden DIR] [--mode M ...] [--json OUT] [--jobs N]
Prints a table per mode and exits 1 unless every check of every case passed.
Reproduce one case: golden.py --case move/S1/torn/12 -v
"""
import argparse
import concurrent.futures as cf
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_GOLDEN = os.path.join(os.path.dirname(ROOT), "shared", "mcuboot-golden")
DEFAULT_BOOT = os.path.join(ROOT, "build", "host-debug", "smpdfu-boot")

MODES = {
    "move": "swap-move",
    "scratch": "swap-scratch",
    "overwrite": "overwrite-only",
    "overwritefast": "overwrite-only-fast",
    "xip": "direct-xip",
    "xiprev": "direct-xip-revert",
}
REGIONS = {"primary": (0xC000, 0x76000), "secondary": (0x82000, 0x76000), "scratch": (0xF8000, 0x2000)}


class Golden:
    """The data set: manifest rows and expanded states (cached)."""

    def __init__(self, path):
        self.path = path
        sys.path.insert(0, path)
        import read_state  # the data set's own reader (stdlib only)

        self._expand = read_state.expand
        self._cache = {}
        with open(os.path.join(path, "manifest.tsv"), newline="") as f:
            lines = [l for l in f if l.strip()]
        header = lines[0].lstrip("#").rstrip("\n").split("\t")
        self.rows = [dict(zip(header, l.rstrip("\n").split("\t"))) for l in lines[1:]]

    def state(self, rel):
        if rel not in self._cache:
            self._cache[rel] = self._expand(os.path.join(self.path, rel))
        return self._cache[rel]

    def oplog(self, mode, scenario):
        p = os.path.join(self.path, "oplogs", mode, scenario + ".txt")
        with open(p) as f:
            return [l.split() for l in f if l.strip()]


def run_boot(boot, key, mode, raw, tmpdir, extra=()):
    """Run smpdfu-boot on a copy of `raw`; returns (exit, json, final bytes, oplog lines)."""
    fd, path = tempfile.mkstemp(dir=tmpdir, suffix=".flash")
    log = path + ".ops"
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        cmd = [boot, "--flash", path, "--mode", MODES[mode], "--key", key, "--oplog", log, *extra]
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "SDFU_LOG_LEVEL": "err"})
        if p.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[-400:]}")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        with open(path, "rb") as f:
            final = f.read()
        with open(log) as f:
            ops = [l.split() for l in f if l.strip()]
        return p.returncode, out, final, ops
    finally:
        for q in (path, log):
            if os.path.exists(q):
                os.unlink(q)


def norm_ops(ops):
    """Op lines as (kind, offset, length) tuples, offsets compared as numbers."""
    return [(o[0], int(o[1], 16), int(o[2])) for o in ops]


def region_sha(raw, name):
    off, size = REGIONS[name]
    return hashlib.sha256(raw[off:off + size]).hexdigest()


def opt(v):
    return None if v == "-" else v


def check_case(g, row, boot, key, tmpdir):
    """Returns a dict of check -> bool (None when the check does not apply) and details."""
    mode = row["mode"]
    res = {"id": row["id"], "mode": mode}
    rc, out, final, ops = run_boot(boot, key, mode, g.state(row["at_cut"]), tmpdir)
    want = (int(row["boot_rc"]), opt(row["booted_slot"]), opt(row["version"]), row["swap_type"])
    got = (rc, out["booted_slot"], out["version"], out["swap_type"])
    res["decision"] = got == want
    bad = [n for n in REGIONS if region_sha(final, n) != row["sha256_" + n]]
    res["bytes"] = not bad
    if not res["decision"] or bad:
        res["detail"] = f"want {want} got {got}; regions differing: {bad}"
    if row["cut_kind"] == "none":
        ops, exp = norm_ops(ops), norm_ops(g.oplog(mode, row["scenario"]))
        res["oplog"] = ops == exp
        if not res["oplog"]:
            k = next((i for i, (a, b) in enumerate(zip(ops, exp)) if a != b), min(len(ops), len(exp)))
            res["detail"] = res.get("detail", "") + (
                f" oplog: {len(ops)} ops vs {len(exp)}; first difference at op {k + 1}: "
                f"ours {ops[k] if k < len(ops) else None} mcuboot {exp[k] if k < len(exp) else None}")
        res["cut"] = None
    else:
        cuts = [int(x) for x in row["cut_index"].split("+")]
        raw = g.state(row["initial"])
        for i in cuts:
            _, _, raw, _ = run_boot(boot, key, mode, raw, tmpdir, ("--cut-after", str(i), "--cut-kind", row["cut_kind"]))
        res["cut"] = hashlib.sha256(raw).hexdigest() == row["at_cut_sha256"]
        res["oplog"] = None
    return res


def summarize(results):
    table = {}
    for r in results:
        t = table.setdefault(r["mode"], {"cases": 0, "decision": 0, "bytes": 0, "cut": [0, 0], "oplog": [0, 0]})
        t["cases"] += 1
        t["decision"] += r["decision"]
        t["bytes"] += r["bytes"]
        for k in ("cut", "oplog"):
            if r[k] is not None:
                t[k][0] += r[k]
                t[k][1] += 1
    return table


def print_table(table, out=sys.stdout):
    print(f"{'mode':<20}{'cases':>6}{'same decision':>20}{'byte-identical':>20}{'own cut = at_cut':>20}"
          f"{'clean oplog':>12}", file=out)
    for mode, t in table.items():
        n = t["cases"]
        pct = lambda a, b: f"{a}/{b} {100.0 * a / b if b else 100:5.1f}%"
        print(f"{MODES[mode]:<20}{n:>6}{pct(t['decision'], n):>20}{pct(t['bytes'], n):>20}"
              f"{pct(*t['cut']):>20}{t['oplog'][0]:>8}/{t['oplog'][1]:<3}", file=out)


def all_pass(results):
    return all(r["decision"] and r["bytes"] and r["cut"] is not False and r["oplog"] is not False for r in results)


def run(golden, boot, modes=None, case=None, jobs=None, verbose=False):
    g = Golden(golden)
    key = os.path.join(golden, "keys", "signing-key-public.pem")
    rows = [r for r in g.rows if (not modes or r["mode"] in modes) and (not case or r["id"] == case)]
    if not rows:
        raise SystemExit(f"no golden case matches (modes={modes}, case={case})")
    for r in rows:  # expand every state once, before the threads start
        for k in ("at_cut", "initial"):
            g.state(r[k])
    tmpdir = tempfile.mkdtemp(prefix="sdfu-golden-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        with cf.ThreadPoolExecutor(jobs or os.cpu_count() or 2) as ex:
            results = list(ex.map(lambda r: check_case(g, r, boot, key, tmpdir), rows))
    finally:
        os.rmdir(tmpdir)
    if verbose:
        for r in results:
            if "detail" in r or r["cut"] is False:
                print(f"FAIL {r['id']}: {r.get('detail', '')}{' own cut differs' if r['cut'] is False else ''}")
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--boot", default=os.environ.get("SDFU_BOOT", DEFAULT_BOOT))
    ap.add_argument("--golden", default=os.environ.get("SDFU_GOLDEN", DEFAULT_GOLDEN))
    ap.add_argument("--mode", action="append", choices=sorted(MODES))
    ap.add_argument("--case")
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--json")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    results = run(a.golden, a.boot, a.mode, a.case, a.jobs, a.verbose)
    table = summarize(results)
    print_table(table)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"table": table, "failures": [r for r in results if "detail" in r or r["cut"] is False]}, f, indent=1)
    sys.exit(0 if all_pass(results) else 1)


if __name__ == "__main__":
    main()
