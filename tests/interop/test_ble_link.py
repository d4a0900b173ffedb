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


def test_ble_latency_observable(device_factory, default_image):
    """Latency 99: responses wait for the next listened event (up to 100 intervals); an image
    command (transfer event) makes ble_latency request latency 0 and responses come at the
    next event; after the quiet period (5-10 s) the latency is back to 99."""
    dev = start_with_sockets(device_factory, default_image, ble=True)

    async def body():
        c, t = ble_client(dev, att_mtu=260, interval=6, latency=99)
        await c.connect()
        try:
            slow = [await timed_echo(c) for _ in range(3)]
            st = ctl_state(dev)
            assert st["ble"]["latency"] == 99 and st["ble"]["interval"] == 6, st["ble"]
            assert st["transfer_events"]["submitted"] == 0
            # an image-group command is DFU traffic: transfer event -> latency 0 requested
            r = await c.request(im.ImageStatesRead())
            assert success(r), r
            await t.pump(1.2)  # negotiation: next listened event + 6 events
            assert t.params == (6, 0, 400), t.events
            ops = [e[1] for e in t.events]
            assert EV_PARAM_REQUEST in ops and EV_PARAMS in ops, ops
            st = ctl_state(dev)
            assert st["ble"]["latency"] == 0 and st["ble"]["low_latency"], st["ble"]
            assert st["transfer_events"]["submitted"] >= 1
            assert st["transfer_events"]["processed"] == st["transfer_events"]["submitted"]
            fast = [await timed_echo(c) for _ in range(5)]
            assert min(slow) > 0.1 and max(slow) < 1.0, slow   # ~750 ms listen period
            assert max(fast) < 0.25, fast                       # next 7.5 ms event
            assert sum(fast) / len(fast) < sum(slow) / len(slow) / 5
            # quiet: echo is not DFU traffic; the 5 s check restores latency 99
            t0 = time.monotonic()
            while t.params[1] != 99:
                assert time.monotonic() - t0 < 12.5, t.events
                await t.pump(0.5)
            quiet = time.monotonic() - t0
            assert 3.5 < quiet < 12.5, quiet
            assert ctl_state(dev)["ble"]["latency"] == 99
            again = [await timed_echo(c) for _ in range(2)]
            assert min(again) > 0.1, again
        finally:
            await c.disconnect()

    run(body(), timeout=40)


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
