# SPDX-License-Identifier: Apache-2.0
"""SMP over the BLE link model of smpdfu-device (--ble): a Python central carrying frames made
and parsed by smpclient (ModelBLETransport), a full update, reassembly rules, MTU-3
notifications and the ble_latency behaviour (latency 99 -> 0 on DFU traffic -> 99 after the
quiet period), observed through response times and the control interface (--ctl)."""
import asyncio
import socket
import struct
import time

import pytest
from smpclient import SMPClient
from smpclient.generics import error, success
from smpclient.requests import image_management as im
from smpclient.requests import os_management as osm

from conftest import run, smp_frame, parse_frame
from imgutil import active_entry, images, slot_entry, slots  # noqa: F401  (images: fixture)
from ble_central import Central, LinkError
from test_dfu_support import (EV_CONNECTED, EV_DISCONNECTED, EV_NOTIFY, EV_PARAM_REQUEST,
                              EV_PARAMS, EV_SECURED, EV_WRITE_ERROR, OP_CCCD, OP_CONNECT,
                              OP_SECURE, OP_WRITE, ModelBLETransport, ctl_state,
                              start_with_sockets, wait_until)


def ble_client(dev, **kw):
    t = ModelBLETransport(**kw)
    return SMPClient(t, dev.ble_path, 5.0), t


async def timed_echo(client, text="ping"):
    t0 = time.monotonic()
    r = await client.request(osm.EchoWrite(d=text))
    assert success(r) and r.r == text, r
    return time.monotonic() - t0


def test_ble_full_update(device_factory, default_image, images):
    """Upload 1.1.0 over the BLE model at MTU 260 (2048-byte frames in 257-byte writes) on a
    link that starts at latency 99 (ble_latency drops it to 0 on the first image command),
    test, reset (the link drops), reconnect: 1.1.0 runs and was confirmed at boot."""
    dev = start_with_sockets(device_factory, default_image, ble=True)
    new = images.make("1.1.0", size=40 * 1024)

    async def phase1():
        c, t = ble_client(dev, att_mtu=260, latency=99)
        await c.connect()
        assert t.att_mtu == 260 and t.max_frame == 2048 and t.params[1] == 99
        try:
            offs = [o async for o in c.upload(new.data)]
            assert offs[-1] == len(new.data)
            assert t.params[1] == 0, t.events  # lowered during the upload
            st = ctl_state(dev)
            assert st["ble"]["param_updates"] >= 1 and st["transfer_events"]["submitted"] >= 1
            # frames of up to buf_size were split into MTU-3 writes and reassembled
            assert max(t.write_sizes) == 257 and len(t.write_sizes) > len(offs)
            # every notification fits MTU-3
            assert t.notify_sizes and max(t.notify_sizes) <= 257
            st = await slots(c)
            s1 = slot_entry(st, 1)
            assert s1["version"] == "1.1.0" and s1["hash"] == new.hash, st
            r = await c.request(im.ImageStatesWrite(hash=new.hash, confirm=False))
            assert success(r), r
            r = await c.request(osm.ResetWrite())
            assert success(r), r
            # the reboot drops the connection
            with pytest.raises(Exception):
                await asyncio.wait_for(t.pump_until_disconnect(), 5.0)
            assert t.disconnected is not None
        finally:
            await c.disconnect()

    run(phase1())
    dev.wait_reboot()

    async def phase2():
        c, t = ble_client(dev, att_mtu=498)
        await c.connect()
        try:
            assert t.att_mtu == 498
            st = await slots(c)
            a = active_entry(st)
            assert a["version"] == "1.1.0" and a["slot"] == 0, st
            assert a["confirmed"], st  # dfu_mcumgr confirmed it at boot (swap mode)
        finally:
            await c.disconnect()

    run(phase2())
    st = ctl_state(dev)
    assert st["running"] == {"slot": 0, "version": "1.1.0"} and st["boot_count"] == 2


@pytest.mark.parametrize("window,mtu", [(1, 247), (4, 498)])
def test_ble_window_update(device_factory, default_image, images, window, mtu):
    """A full update over the physical link model (2M PHY, data length 251) as nRF Connect
    Device Manager does it: MCUmgr params give buf_size/buf_count, `window` upload requests in
    flight, each frame buf_size bytes in MTU-3 writes; responses in order, none lost; then
    test, reset, and the new image runs (confirmed at boot). Flash timing off: fast."""
    dev = start_with_sockets(device_factory, default_image, ble=True)
    new = images.make("1.1.0", size=48 * 1024)
    with Central(dev.ble_path, mtu=mtu, phy="2M", data_len=251) as c:
        assert (c.mtu, c.phy, c.data_len, c.bufs, c.max_frame) == (mtu, 2, 251, 4, 2048)
        assert c.mcumgr_params() == {"buf_size": 2048, "buf_count": 4}
        _, frames = c.upload(new.data, window=window)
        assert frames == len(c.chunks(2048, len(new.data), b"\0" * 32))
        st = ctl_state(dev)["ble"]
        assert st["rx_frames"] == frames + 1 and st["frames_out"] == frames + 1, st
        assert st["max_in_use"] <= 4 and st["encrypted"] and st["ll_eff"] == 251, st
        rsp = c.request(1, 0, {"hash": new.hash, "confirm": False}, op=2)
        assert rsp.get("images") and "rc" not in rsp, rsp
        rsp = c.request(0, 5, {}, op=2)
        assert rsp == {} or rsp.get("rc", 0) == 0, rsp
        with pytest.raises(LinkError):
            c.pump(5.0)
            raise AssertionError("the reboot did not drop the link")
    dev.wait_reboot()
    with Central(dev.ble_path, mtu=mtu) as c:
        rsp = c.request(1, 0, {})
        a = [i for i in rsp["images"] if i.get("active")][0]
        assert a["version"] == "1.1.0" and a["confirmed"], rsp
    assert "response queue full" not in dev.log() and "not queued" not in dev.log()


def test_ble_backpressure(device_factory, default_image, images):
    """More requests in flight (8) than the device has SMP buffers (4), with the nRF52840
    flash timing on so the flash is the bottleneck: the device stops taking writes when its
    buffers are full (the link NAKs, the central's writes wait) and never drops or reorders
    a response (the old model logged "response queue full" and lost them)."""
    dev = start_with_sockets(device_factory, default_image, ble=True,
                             extra=["--flash-timing", "on"])
    new = images.make("1.2.0", size=20 * 1024)
    with Central(dev.ble_path, mtu=247, phy="2M", data_len=251) as c:
        _, frames = c.upload(new.data, window=8)
        st = ctl_state(dev)
        assert st["ble"]["naks"] > 0 and st["ble"]["max_in_use"] == 4, st["ble"]
        assert st["ble"]["frames_out"] == frames and st["ble"]["rx_frames"] == frames
        assert st["flash_timing"]["on"] and st["flash_timing"]["charged_us"] > 0
        rsp = c.request(1, 0, {})
        assert any(i.get("slot") == 1 and i.get("hash") == new.hash for i in rsp["images"]), rsp
    log = dev.log()
    assert "response queue full" not in log and "not queued" not in log
    assert "flash timing on: nRF52840 Product Specification" in log


def test_ble_radio_sync(device_factory, default_image, images):
    """--radio-sync on (a single-core nRF52: each flash operation takes the radio): connection
    events during erases and write timeslots are lost, the writes wait for the next event, and a
    window-4 upload still completes with every response, in order."""
    dev = start_with_sockets(device_factory, default_image, ble=True,
                             extra=["--flash-timing", "on", "--radio-sync", "on"])
    new = images.make("1.3.0", size=12 * 1024)
    with Central(dev.ble_path, mtu=247, phy="2M", data_len=251) as c:
        _, frames = c.upload(new.data, window=4)
        st = ctl_state(dev)
        assert st["ble"]["lost"] > 0 and st["ble"]["max_in_use"] <= 4, st["ble"]
        assert st["ble"]["frames_out"] == frames and st["ble"]["rx_frames"] == frames
        rsp = c.request(1, 0, {})
        assert any(i.get("slot") == 1 and i.get("hash") == new.hash for i in rsp["images"]), rsp
    assert "not queued" not in dev.log()


def test_ble_connect_parameters_checked(device_factory, default_image):
    """The central's PHY / data length / interval are checked: out of range is refused with
    DISCONNECTED 0x20 (unsupported LL parameter value) and a log line naming the values."""
    dev = start_with_sockets(device_factory, default_image, ble=True)
    for bad in [dict(phy="2M", data_len=300), dict(interval=5), dict(latency=500)]:
        with pytest.raises(LinkError, match="0x20"):
            Central(dev.ble_path, **bad).connect()
    assert "connect refused: parameters out of range" in dev.log()
    with Central(dev.ble_path, phy="coded-s8", data_len=251, mtu=65) as c:
        assert c.request(0, 0, {"d": "coded"}, op=2) == {"r": "coded"}
        assert ctl_state(dev)["ble"]["ll_eff"] < 251  # a 251-byte coded packet cannot fit 7.5 ms


def test_ble_latency_observable(device_factory, default_image):
    """ble_latency on the link model, as nRF Desktop: at connect it asks for 7.5 ms / latency 0
    (initial parameters), 5-10 s after the link is secured and quiet it raises the latency to
    99; responses then wait for a listened event (every 100th, 750 ms); an image command
    (transfer event) brings latency 0 back and responses come at the next 7.5 ms event; after
    the quiet period the latency is 99 again. Every change goes through a PARAM_REQUEST and
    takes effect at the instant (PARAMS), never at once."""
    dev = start_with_sockets(device_factory, default_image, ble=True)

    def latencies(t):
        return [struct.unpack("<HHH", e[2][:6])[1] for e in t.events if e[1] == EV_PARAMS]

    async def wait_latency(t, want, limit):
        t0 = time.monotonic()
        while t.params[1] != want:
            assert time.monotonic() - t0 < limit, t.events
            await t.pump(0.25)
        return time.monotonic() - t0

    async def body():
        c, t = ble_client(dev, att_mtu=260, interval=6, latency=99)
        await c.connect()
        try:
            # initial parameters: 99 -> 0 at connect, then the quiet check raises it to 99
            await wait_latency(t, 0, 3.0)
            quiet0 = await wait_latency(t, 99, 12.5)
            assert 3.5 < quiet0 < 12.5, quiet0
            st = ctl_state(dev)
            assert st["ble"]["latency"] == 99 and st["ble"]["interval"] == 6, st["ble"]
            assert st["transfer_events"]["submitted"] == 0
            slow = [await timed_echo(c) for _ in range(3)]
            # an image-group command is DFU traffic: transfer event -> latency 0 requested
            r = await c.request(im.ImageStatesRead())
            assert success(r), r
            await wait_latency(t, 0, 3.0)
            ops = [e[1] for e in t.events]
            assert ops.count(EV_PARAM_REQUEST) >= 3 and ops.count(EV_PARAMS) >= 3, ops
            # each PARAMS came after its PARAM_REQUEST: the instant is events later
            req_t = [e[0] for e in t.events if e[1] == EV_PARAM_REQUEST]
            par_t = [e[0] for e in t.events if e[1] == EV_PARAMS]
            assert all(p > q for q, p in zip(req_t, par_t)), t.events
            st = ctl_state(dev)
            assert st["ble"]["latency"] == 0 and st["ble"]["low_latency"], st["ble"]
            assert st["transfer_events"]["submitted"] >= 1
            assert st["transfer_events"]["processed"] == st["transfer_events"]["submitted"]
            fast = [await timed_echo(c) for _ in range(5)]
            # back-to-back echoes at latency 99 each wait for the next listened event
            assert sorted(slow)[1] > 0.3 and max(slow) < 1.0, slow
            assert max(fast) < 0.25, fast                       # next 7.5 ms event
            assert sum(fast) / len(fast) < sum(slow) / len(slow) / 5
            # quiet: echo is not DFU traffic; the 5 s check restores latency 99
            quiet = await wait_latency(t, 99, 12.5)
            assert 3.5 < quiet < 12.5, quiet
            assert latencies(t) == [0, 99, 0, 99], t.events
            assert ctl_state(dev)["ble"]["latency"] == 99
        finally:
            await c.disconnect()

    run(body(), timeout=60)


def _raw_connect(path, mtu=23, secure=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(3.0)
    s.connect(path)
    s.send(bytes([OP_CONNECT]) + struct.pack("<HHHH", mtu, 6, 0, 400))
    ev = s.recv(64)
    assert ev[0] == EV_CONNECTED, ev
    if secure:
        s.send(bytes([OP_SECURE]))
        assert s.recv(64)[0] == EV_SECURED
    s.send(bytes([OP_CCCD, 1]))
    return s, struct.unpack("<HHHHH", ev[1:11])


def _read_frame(s):
    """Reassemble one response from notifications; returns (frame, notification sizes)."""
    buf, sizes = b"", []
    while len(buf) < 8 or len(buf) < 8 + struct.unpack(">H", buf[2:4])[0]:
        m = s.recv(4096)
        if m[0] != EV_NOTIFY:
            continue
        sizes.append(len(m) - 1)
        buf += m[1:]
    return buf, sizes


def test_ble_reassembly_rules(device_factory, default_image):
    """Raw central at the default MTU 23: a request split in 20-byte writes is served with
    20-byte notifications; an oversize frame is refused, an overrun drops the frame, an
    unsecured write is refused; the next good request is served."""
    dev = start_with_sockets(device_factory, default_image, ble=True)
    s, (mtu, _, _, _, max_frame) = _raw_connect(dev.ble_path, mtu=23)
    try:
        assert mtu == 23 and max_frame == 2048
        text = "x" * 100
        req = smp_frame(2, 0, 0, {"d": text}, seq=5)
        for off in range(0, len(req), 20):
            s.send(bytes([OP_WRITE]) + req[off:off + 20])
        frame, sizes = _read_frame(s)
        hdr, body = parse_frame(frame)
        assert hdr["seq"] == 5 and body == {"r": text}
        assert max(sizes) == 20 and len(sizes) == (len(frame) + 19) // 20
        # oversize: header announces 2048 - 8 + 1 payload bytes -> refused (ATT 0x11)
        s.send(bytes([OP_WRITE]) + smp_frame(2, 0, 0, b"", length=2041)[:8])
        ev = s.recv(64)
        assert ev[0] == EV_WRITE_ERROR and ev[1] == 0x11, ev
        # overrun: 8 + 10 expected, 8 + 12 delivered in two writes -> dropped (ATT 0x13)
        bad = smp_frame(2, 0, 0, b"\x00" * 12, length=10)
        s.send(bytes([OP_WRITE]) + bad[:12])
        s.send(bytes([OP_WRITE]) + bad[12:])
        ev = s.recv(64)
        assert ev[0] == EV_WRITE_ERROR and ev[1] == 0x13, ev
        # a write longer than MTU-3 is refused (ATT 0x0D)
        s.send(bytes([OP_WRITE]) + req[:21])
        ev = s.recv(64)
        assert ev[0] == EV_WRITE_ERROR and ev[1] == 0x0D, ev
        # still serving
        req = smp_frame(2, 0, 0, {"d": "ok"}, seq=6)
        s.send(bytes([OP_WRITE]) + req)
        frame, _ = _read_frame(s)
        assert parse_frame(frame)[1] == {"r": "ok"}
        st = ctl_state(dev)["ble"]
        assert st["rx_refused"] == 1 and st["rx_dropped"] == 1 and st["rx_frames"] == 2, st
    finally:
        s.close()
    wait_until(lambda: not ctl_state(dev)["ble"]["connected"], what="the device to see the close")
    # an unsecured central cannot write (the SMP characteristic needs encryption)
    s, _ = _raw_connect(dev.ble_path, mtu=64, secure=False)
    try:
        s.send(bytes([OP_WRITE]) + smp_frame(2, 0, 0, {"d": "no"}))
        ev = s.recv(64)
        assert ev[0] == EV_WRITE_ERROR and ev[1] == 0x0F, ev
    finally:
        s.close()


def test_ble_one_connection_at_a_time(device_factory, default_image):
    dev = start_with_sockets(device_factory, default_image, ble=True)
    s, _ = _raw_connect(dev.ble_path)
    try:
        s2 = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s2.settimeout(3.0)
        s2.connect(dev.ble_path)
        ev = s2.recv(64)
        assert ev[0] == EV_DISCONNECTED, ev
        s2.close()
        assert ctl_state(dev)["ble"]["connected"]
    finally:
        s.close()
    wait_until(lambda: not ctl_state(dev)["ble"]["connected"], what="disconnect seen")


def test_ble_only_transfer_events(device_factory, default_image):
    """--dfu-evt-ble-only: image commands over UDP send no transfer event, over BLE they do."""
    from conftest import udp_client

    dev = start_with_sockets(device_factory, default_image, ble=True,
                             extra=["--dfu-evt-ble-only"])

    async def body():
        async with udp_client(dev) as c:
            await slots(c)
        st = ctl_state(dev)
        assert st["mcumgr"]["accepted"] == 1 and st["transfer_events"]["submitted"] == 0, st
        c, t = ble_client(dev, latency=99)
        await c.connect()
        try:
            await slots(c)
            await t.pump(1.2)
            assert t.params[1] == 0
        finally:
            await c.disconnect()
        st = ctl_state(dev)
        assert st["transfer_events"] == {"submitted": 1, "processed": 1}, st

    run(body())


@pytest.mark.timeout(40)
def test_ble_security_timeout_disconnects(device_factory, default_image):
    """ble_latency disconnects a central that does not secure the link within 10 s."""
    dev = start_with_sockets(device_factory, default_image, ble=True)
    s, _ = _raw_connect(dev.ble_path, secure=False)
    try:
        s.settimeout(14.0)
        t0 = time.monotonic()
        ev = s.recv(64)
        assert ev[0] == EV_DISCONNECTED and ev[1] == 0x13, ev
        assert 9.0 < time.monotonic() - t0 < 13.0
    finally:
        s.close()
    assert "security not established" in dev.log()
    assert ctl_state(dev)["ble"]["connected"] is False
