# SPDX-License-Identifier: Apache-2.0
"""The README's main job (scripts/demo.sh) runs to a completed update with smpmgr."""
import os
import random
import re
import subprocess

import pytest

from conftest import ROOT


@pytest.mark.timeout(300)
def test_demo_main_job(tmp_path):
    host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    env = dict(os.environ, SDFU_DEMO_HOST=host)
    p = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=280)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-4000:]
    assert "update completed: slot 0 runs 1.1.0, active=True, confirmed=True" in out, out[-4000:]
    # between the reset and the confirm, slot 0 runs 1.1.0 in test mode (not confirmed)
    after_reset = out.split("runs in test mode")[1].split("confirm the running image")[0]
    slot0 = re.search(r"ImageState\(\s*slot=0,(.*?)\)\s*ImageState", after_reset, re.S)
    assert slot0, after_reset
    entry = slot0.group(1)
    assert "version='1.1.0'" in entry and "confirmed=False" in entry and "active=True" in entry, entry
