# SPDX-License-Identifier: Apache-2.0
"""The Rust mcumgr-client (vouch-opensource) through its Python binding `mcumgr-client-wrapper`
(PyPI 0.3.0, pinned in requirements.txt): a compiled extension (pyo3) around the Rust library,
serial transport only. Over the device's pty: list, upload, test, reset, confirm (test with
confirm=True) and erase, each checked against the device's state."""
import pytest

import mcumgr_client

from imgutil import images  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(120)


def session(dev):
    return mcumgr_client.SerialSession(device=dev.pty, initial_timeout_s=5, subsequent_timeout_ms=2000)


def by_slot(entries):
    return {e["slot"]: e for e in entries}


def test_mcumgr_client_full_cycle(device_factory, default_image, images):
    dev = device_factory(udp=None, provision=default_image.path, keys=[default_image.key],
                         extra=["--confirm-at-boot", "off"])
    s = session(dev)
    st = by_slot(s.list())
    assert list(st) == [0], st
    assert st[0]["version"] == "1.0.0" and st[0]["active"] and st[0]["confirmed"], st
    old_hash = bytes(st[0]["hash"])

    new = images.make("1.1.0", size=40 * 1024)
    progress = []
    s.upload(str(new.path), progress=lambda off, total: progress.append((off, total)))
    assert progress and progress[-1] == (len(new.data), len(new.data)), progress[-3:]
    assert all(a[0] < b[0] for a, b in zip(progress, progress[1:])), "offsets must grow"
    st = by_slot(s.list())
    assert st[1]["version"] == "1.1.0" and bytes(st[1]["hash"]) == new.hash, st
    assert not st[1]["pending"], st

    s.test(list(new.hash))
    st = by_slot(s.list())
    assert st[1]["pending"] and not st[1]["permanent"], st

    s.reset()
    dev.wait_reboot()
    st = by_slot(s.list())
    assert st[0]["version"] == "1.1.0" and st[0]["active"] and not st[0]["confirmed"], st
    assert st[1]["version"] == "1.0.0" and bytes(st[1]["hash"]) == old_hash, st

    s.test(st[0]["hash"], confirm=True)  # the client's confirm
    st = by_slot(s.list())
    assert st[0]["confirmed"] and not st[1]["confirmed"], st

    s.erase(slot=1)
    st = by_slot(s.list())
    assert list(st) == [0], st
    # the running image is never erased: the device answers rc 6 (EBADSTATE), the client raises
    with pytest.raises(RuntimeError, match="Error from device: 6"):
        s.erase(slot=0)

    dev.restart_process()  # power cycle: the confirmed 1.1.0 stays
    st = by_slot(session(dev).list())
    assert st[0]["version"] == "1.1.0" and st[0]["confirmed"] and list(st) == [0], st
