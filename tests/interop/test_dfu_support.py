# SPDX-License-Identifier: Apache-2.0
"""Helpers (no tests) for the DFU-module / BLE / control-interface interop tests.

* ``LineClient(path)`` -- one JSON object per line over an AF_UNIX stream socket
  (``--ctl`` and ``--cfgchan`` of smpdfu-device, docs/PROTOCOL.md); ``req(op=..., **fields)``.
* ``ModelBLETransport`` -- an ``smpclient`` ``SMPTransport`` that plays a BLE central on the
  device's ``--ble`` SOCK_SEQPACKET socket: connect with an ATT MTU and connection parameters,
  secure the link, enable notifications, split each request into Write Without Response
  values of at most MTU-3 bytes and reassemble the notifications by the SMP header length,
  exactly like smpclient's own BLE transport (which needs a real radio).
* ``cfgchan_upload(...)`` -- a config-channel update driven like the host tool.
* ``wait_until(fn)``, ``crc32(data)``.
"""
import asyncio
import base64
import json
import socket
import struct
import time
import zlib

from smp import header as smphdr
from smpclient.transport import SMPTransport, SMPTransportDisconnected

# BLE link model messages (docs/PROTOCOL.md)
OP_CONNECT, OP_SECURE, OP_CCCD, OP_WRITE, OP_DISCONNECT, OP_PARAMS = 1, 2, 3, 4, 5, 6
EV_CONNECTED, EV_NOTIFY, EV_WRITE_ERROR, EV_PARAMS = 0x80, 0x81, 0x82, 0x83
EV_SECURED, EV_DISCONNECTED, EV_PARAM_REQUEST = 0x84, 0x85, 0x86


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def wait_until(fn, timeout=5.0, what="condition", interval=0.02):
    """Poll `fn()` until it returns a truthy value (returned) or fail after `timeout` s."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what} (last: {v!r})")
        time.sleep(interval)


class LineClient:
    """A JSON-lines client of the device's --ctl / --cfgchan socket."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, line):
        self.sock.sendall(line if isinstance(line, bytes) else line.encode())

    def read_reply(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("device closed the socket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def req(self, op, **fields):
        self.send_raw(json.dumps({"op": op, **fields}) + "\n")
        return self.read_reply()


def ctl_state(dev):
    with LineClient(dev.ctl_path) as c:
        st = c.req("state")
    assert st["ok"], st
    return st


def cfgchan_upload(path, data, chunk=256, timeout=20.0, start_timeout=10.0):
    """Run a config-channel update of `data` like the host tool: start (retried while the
    slot is cleaned or another transport is active), data in chunks (sync whenever the
    staging buffer must be stored first), then sync until every byte is stored.
    Returns the final sync reply."""
    crc = crc32(data)
    with LineClient(path) as c:
        end = time.monotonic() + start_timeout
        while True:
            r = c.req("start", size=len(data), crc=crc)
            if r["ok"]:
                break
            assert r.get("error") in ("BUSY", "ACCES"), r
            assert time.monotonic() < end, f"config channel never started: {r}"
            c.req("sync")
            time.sleep(0.02)
        off = 0
        end = time.monotonic() + timeout
        while off < len(data):
            part = data[off:off + chunk]
            r = c.req("data", offset=off, data=base64.b64encode(part).decode())
            if r["ok"]:
                off += len(part)
                continue
            assert r.get("error") in ("BUSY", "NOSPC"), r
            assert time.monotonic() < end, "config-channel data stalled"
            c.req("sync")
            time.sleep(0.006)
        while True:
            s = c.req("sync")
            if s["state"] in (0, 1) and s["offset"] == len(data):
                return s
            assert time.monotonic() < end, f"config channel never finished: {s}"
            time.sleep(0.01)


class ModelBLETransport(SMPTransport):
    """smpclient transport over the smpdfu-device BLE link model (a BLE central)."""

    def __init__(self, att_mtu=260, interval=6, latency=0, timeout=400, secure=True):
        self.want = (att_mtu, interval, latency, timeout)
        self.secure = secure
        self.sock = None
        self.att_mtu = None
        self.params = None          # (interval, latency, timeout) in effect
        self.max_frame = None
        self.events = []            # (monotonic time, opcode, payload) of non-notify events
        self.notify_sizes = []
        self.write_sizes = []
        self._buffer = bytearray()
        self.disconnected = None

    # ---- raw link --------------------------------------------------------------------
    async def _recv_msg(self):
        loop = asyncio.get_running_loop()
        msg = await loop.sock_recv(self.sock, 4096)
        if not msg:
            self.disconnected = "closed"
            raise SMPTransportDisconnected("BLE link model socket closed")
        op, body = msg[0], msg[1:]
        if op == EV_NOTIFY:
            self.notify_sizes.append(len(body))
            self._buffer.extend(body)
        else:
            self.events.append((time.monotonic(), op, body))
            if op == EV_PARAMS:
                self.params = struct.unpack("<HHH", body[:6])
            elif op == EV_DISCONNECTED:
                self.disconnected = body[0] if body else 0
                raise SMPTransportDisconnected(f"disconnected, reason {self.disconnected:#x}")
        return op, body

    async def _send_msg(self, op, body=b""):
        loop = asyncio.get_running_loop()
        await loop.sock_sendall(self.sock, bytes([op]) + body)

    async def _wait_event(self, want):
        while True:
            op, body = await self._recv_msg()
            if op == want:
                return body

    # ---- SMPTransport ----------------------------------------------------------------
    async def connect(self, address, timeout_s):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.sock_connect(self.sock, str(address)), timeout_s)
        await self._send_msg(OP_CONNECT, struct.pack("<HHHH", *self.want))
        body = await asyncio.wait_for(self._wait_event(EV_CONNECTED), timeout_s)
        self.att_mtu, i, lat, to, self.max_frame = struct.unpack("<HHHHH", body[:10])
        self.params = (i, lat, to)
        if self.secure:
            await self._send_msg(OP_SECURE)
            await asyncio.wait_for(self._wait_event(EV_SECURED), timeout_s)
        await self._send_msg(OP_CCCD, b"\x01")

    async def disconnect(self):
        if self.sock is not None:
            try:
                await self._send_msg(OP_DISCONNECT)
            except OSError:
                pass
            self.sock.close()
            self.sock = None

    async def write(self, value):
        """One Write Without Response value (no splitting)."""
        self.write_sizes.append(len(value))
        await self._send_msg(OP_WRITE, bytes(value))

    async def send(self, data):
        for offset in range(0, len(data), self.mtu):
            await self.write(data[offset:offset + self.mtu])

    async def receive(self):
        while len(self._buffer) < smphdr.Header.SIZE:
            await self._recv_msg()
        header = smphdr.Header.loads(bytes(self._buffer[:smphdr.Header.SIZE]))
        size = header.length + header.SIZE
        while len(self._buffer) < size:
            await self._recv_msg()
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    async def send_and_receive(self, data):
        await self.send(data)
        return await self.receive()

    async def pump(self, seconds):
        """Process link events (parameter updates) for `seconds`."""
        try:
            await asyncio.wait_for(self._pump_forever(), seconds)
        except asyncio.TimeoutError:
            pass

    async def pump_until_disconnect(self):
        """Process events until the device drops the link (raises SMPTransportDisconnected)."""
        await self._pump_forever()

    async def _pump_forever(self):
        while True:
            await self._recv_msg()

    @property
    def mtu(self):
        return self.att_mtu - 3


def short_sock_dir():
    """A short directory for AF_UNIX socket paths (108-byte limit; pytest tmp paths are long)."""
    import tempfile

    return tempfile.mkdtemp(prefix="sdfu-")


def start_with_sockets(device_factory, default_image=None, *, ble=False, cfgchan=False,
                       ctl=True, extra=(), **kw):
    """device_factory(...) with --ctl/--ble/--cfgchan sockets in a short temp dir; the
    device gets attributes ctl_path, ble_path, cfgchan_path (None when off)."""
    import os

    d = short_sock_dir()
    paths = {"ctl": os.path.join(d, "ctl") if ctl else None,
             "ble": os.path.join(d, "ble") if ble else None,
             "cfgchan": os.path.join(d, "cfg") if cfgchan else None}
    args = []
    for name, p in paths.items():
        if p:
            args += [f"--{name}", p]
    if default_image is not None:
        kw.setdefault("provision", default_image.path)
        kw.setdefault("keys", [default_image.key])
    dev = device_factory(extra=args + list(extra), **kw)
    dev.ctl_path, dev.ble_path, dev.cfgchan_path = paths["ctl"], paths["ble"], paths["cfgchan"]
    return dev
