# SPDX-License-Identifier: Apache-2.0
"""smpdfu-boot against the real-MCUboot golden data (../shared/mcuboot-golden), and its CLI.

The golden check itself lives in tests/golden/golden.py (also a standalone tool); here it runs
over every case of the data set and the per-mode results are asserted. In CI (CI=true) a
missing data set is a failure, not a skip.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, device_binary

sys.path.insert(0, str(ROOT / "tests" / "golden"))
import golden  # noqa: E402

GOLDEN = pathlib.Path(os.environ.get("SDFU_GOLDEN", golden.DEFAULT_GOLDEN))
# Every mode reproduces MCUboot's algorithm and on-flash format: every case must match
# (decision, bytes, our own cut = MCUboot's state, clean op logs).
EXACT_MODES = ["move", "scratch", "overwrite", "overwritefast", "xip", "xiprev"]


def boot_binary():
    return device_binary().parent / "smpdfu-boot"


def need_golden():
    if not (GOLDEN / "manifest.tsv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"golden data set missing at {GOLDEN} (CI must have ../shared)")
        pytest.skip(f"golden data set not found at {GOLDEN}")


@pytest.fixture(scope="module")
def golden_results():
    need_golden()
    results = golden.run(str(GOLDEN), str(boot_binary()), jobs=os.cpu_count())
    golden.print_table(golden.summarize(results))
    return results


@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", EXACT_MODES)
def test_golden_mode_exact(golden_results, mode):
    rows = [r for r in golden_results if r["mode"] == mode]
    assert rows, f"no golden case for {mode}"
    bad = [r for r in rows if not (r["decision"] and r["bytes"]) or r["cut"] is False or r["oplog"] is False]
    assert not bad, f"{len(bad)}/{len(rows)} {mode} cases differ from MCUboot, e.g. " + \
        "; ".join(f"{r['id']}: {r.get('detail', 'own cut differs')}" for r in bad[:3])


# ---- the smpdfu-boot command line ------------------------------------------------------


def boot(*args):
    p = subprocess.run([str(boot_binary()), *map(str, args)], capture_output=True, text=True, timeout=60)
    out = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else None
    return p.returncode, out, p.stderr


@pytest.fixture
def s1_flash(tmp_path):
    """The golden S1 initial state (1.0.0 confirmed, 1.1.0 test pending) as a flash file."""
    need_golden()
    g = golden.Golden(str(GOLDEN))
    row = next(r for r in g.rows if r["id"] == "move/S1/clean")
    path = tmp_path / "s1.flash"
    path.write_bytes(g.state(row["initial"]))
    return path


KEY = GOLDEN / "keys" / "signing-key-public.pem"


def test_boot_upgrade_then_revert(s1_flash):
    rc, out, _ = boot("--flash", s1_flash, "--mode", "swap", "--key", KEY)
    assert rc == 0
    assert out == {"booted_slot": "primary", "version": "1.1.0+0", "swap_type": "test",
                   "action": "upgrade", "ops": 78}
    rc, out, _ = boot("--flash", s1_flash, "--mode", "swap-move", "--key", KEY)
    assert (rc, out["version"], out["swap_type"], out["action"]) == (0, "1.0.0+0", "revert", "revert")
    rc, out, _ = boot("--flash", s1_flash, "--mode", "swap-move", "--key", KEY)
    assert (rc, out["version"], out["swap_type"], out["ops"]) == (0, "1.0.0+0", "none", 0)


def test_boot_power_cut_then_resume(s1_flash):
    rc, out, _ = boot("--flash", s1_flash, "--mode", "swap-move", "--key", KEY, "--cut-after", 30)
    assert rc == 1 and out["action"] == "power-cut" and out["ops"] == 30 and out["booted_slot"] is None
    rc, out, _ = boot("--flash", s1_flash, "--mode", "swap-move", "--key", KEY)
    # MCUboot reports "none" after finishing an interrupted swap
    assert (rc, out["version"], out["swap_type"]) == (0, "1.1.0+0", "none")


def test_boot_unknown_key_refuses_upgrade(s1_flash, tmp_path):
    other = tmp_path / "other.pem"
    subprocess.run([str(ROOT / ".venv" / "bin" / "imgtool"), "keygen", "-k", str(other), "-t", "ecdsa-p256"],
                   check=True, capture_output=True)
    rc, out, _ = boot("--flash", s1_flash, "--mode", "overwrite-only", "--key", other)
    # neither image verifies: the upgrade is dropped and nothing boots
    assert rc == 1 and out["booted_slot"] is None
    assert out["swap_type"] == "fail"


def test_boot_dry_run_leaves_file(s1_flash):
    before = s1_flash.read_bytes()
    rc, out, _ = boot("--flash", s1_flash, "--mode", "overwrite-only-fast", "--key", KEY, "--dry-run")
    assert rc == 0 and out["version"] == "1.1.0+0" and out["ops"] == 23
    assert s1_flash.read_bytes() == before


@pytest.mark.parametrize("args,msg", [
    ((), "--flash FILE is required"),
    (("--flash", "/nonexistent/x.flash", "--mode", "swap"), "cannot read"),
    (("--flash", "{f}", "--mode", "bogus"), "unknown mode"),
    (("--flash", "{f}", "--mode", "swap", "--layout", "nope"), "unknown layout"),
    (("--flash", "{f}", "--mode", "swap", "--cut-after", "x"), "--cut-after"),
    (("--flash", "{f}", "--mode", "direct-xip", "--downgrade-prevention"), "has no effect in mode direct-xip"),
    (("--flash", "{f}", "--mode", "direct-xip-revert", "--downgrade-prevention"), "has no effect"),
])
def test_boot_bad_arguments(tmp_path, args, msg):
    f = tmp_path / "x.flash"
    f.write_bytes(b"\xff" * 0x100000)
    rc, out, err = boot(*[a.format(f=f) for a in args])
    assert rc == 2 and out is None and msg in err


def test_boot_wrong_size_file_untouched(tmp_path):
    f = tmp_path / "short.flash"
    f.write_bytes(b"\x00" * 4096)
    rc, _, err = boot("--flash", f, "--mode", "swap")
    assert rc == 2 and "4096 bytes" in err and "1048576" in err
    assert f.read_bytes() == b"\x00" * 4096


DG_MODES = ("swap-move", "swap-scratch", "overwrite-only", "overwrite-only-fast")


def _two_images(tmp_path, primary, secondary):
    raw = bytearray(b"\xff" * 0x100000)
    img = GOLDEN / "images"
    p = (img / f"app-{primary}-confirmed.signed.bin").read_bytes()
    s = (img / f"app-{secondary}-confirmed.signed.bin").read_bytes()
    raw[0xC000:0xC000 + len(p)] = p                # running
    raw[0x82000:0x82000 + len(s)] = s              # requested (permanent: image_ok set)
    f = tmp_path / "dg.flash"
    f.write_bytes(bytes(raw))
    return f, bytes(raw)


@pytest.mark.parametrize("mode", DG_MODES)
def test_boot_downgrade_prevention(tmp_path, mode):
    """MCUboot's downgrade prevention (loader.c: check_downgrade_prevention for swaps,
    boot_validate_slot for overwrite-only): a lower version in the secondary is erased, the swap
    type becomes none and the running image stays; without the option it is installed."""
    need_golden()
    f, raw = _two_images(tmp_path, "1.1.0", "1.0.0")
    rc, out, _ = boot("--flash", f, "--mode", mode, "--key", KEY, "--downgrade-prevention")
    assert (rc, out["version"], out["swap_type"], out["action"]) == (0, "1.1.0+0", "none", "refused")
    data = f.read_bytes()
    assert data[0x82000:0x82000 + 0x76000] == b"\xff" * 0x76000
    assert data[0xC000:0xC000 + 0x76000] == raw[0xC000:0xC000 + 0x76000]
    f.write_bytes(raw)
    rc, out, _ = boot("--flash", f, "--mode", mode, "--key", KEY)
    assert (rc, out["version"]) == (0, "1.0.0+0")


@pytest.mark.parametrize("mode", DG_MODES)
def test_boot_downgrade_prevention_lets_upgrades_through(tmp_path, mode):
    need_golden()
    f, _ = _two_images(tmp_path, "1.0.0", "1.1.0")
    rc, out, _ = boot("--flash", f, "--mode", mode, "--key", KEY, "--downgrade-prevention")
    assert (rc, out["version"], out["action"]) == (0, "1.1.0+0", "upgrade")


def test_device_refuses_downgrade_prevention_in_direct_xip(tmp_path):
    p = subprocess.run([str(device_binary()), "--flash", str(tmp_path / "d.flash"), "--mode",
                        "direct-xip", "--downgrade-prevention", "--udp", "off", "--serial", "off"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "no effect in mode direct-xip" in p.stderr
    assert not (tmp_path / "d.flash").exists()
