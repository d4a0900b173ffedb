# SPDX-License-Identifier: Apache-2.0
"""A synchronous BLE central for the smpdfu-device link model (--ble, docs/PROTOCOL.md 3):
connect with PHY / data length / ATT MTU / connection parameters, and a window upload like
nRF Connect Device Manager's: up to `window` SMP upload requests in flight, each frame as large
as the device's MCUmgr buf_size, cut into ATT_MTU-3 writes (the device reassembles them),
responses matched in order. Used by tests/interop/test_ble_link.py and bench/ble.py."""
import hashlib
import select
import socket
import struct
import time

import cbor2

OP_CONNECT, OP_SECURE, OP_CCCD, OP_WRITE, OP_DISCONNECT, OP_PARAMS = 1, 2, 3, 4, 5, 6
EV_CONNECTED, EV_NOTIFY, EV_WRITE_ERROR, EV_PARAMS = 0x80, 0x81, 0x82, 0x83
EV_SECURED, EV_DISCONNECTED, EV_PARAM_REQUEST = 0x84, 0x85, 0x86
PHY = {"1M": 1, "2M": 2, "coded-s8": 3, "coded-s2": 4}
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; the cmsg type is the same


class LinkError(Exception):
    pass


def smp(op, group, cmd, body, seq):
    """An SMP v2 frame: header (big-endian length/group) + CBOR body."""
    payload = cbor2.dumps(body)
    return struct.pack(">BBHHBB", 0x08 | op, 0, len(payload), group, seq & 0xFF, cmd) + payload


def parse(frame):
    op, _, length, group, seq, cmd = struct.unpack(">BBHHBB", frame[:8])
    return {"op": op & 7, "group": group, "seq": seq, "cmd": cmd}, cbor2.loads(frame[8:8 + length])


class Central:
    def __init__(self, path, *, mtu=247, interval=6, latency=0, timeout=400, phy="2M",
                 data_len=251, ce_len=0, secure=True, accept_updates=True):
        self.path = path
        self.want = (mtu, interval, latency, timeout, PHY[phy], data_len, ce_len,
                     0 if accept_updates else 1)
        self.secure = secure
        self.sock = None
        self.events = []        # (monotonic time, opcode, body) of everything but notifications
        self.params = None
        self.buf = bytearray()
        self.rx_time = 0.0      # kernel receive time (time.time() base) of the last message
        self.frame_rx = 0.0     # ... of the message that completed the last read_frame()
        self.seq = 0

    # ---- link --------------------------------------------------------------------------
    def connect(self, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.connect(self.path)
        self._send(OP_CONNECT, struct.pack("<HHHHBHHB", *self.want))
        body = self._wait(EV_CONNECTED, timeout)
        (self.mtu, i, lat, to, self.max_frame, self.phy, self.data_len, self.ce_len,
         self.bufs) = struct.unpack("<HHHHHBHHB", body[:16])
        self.params = (i, lat, to)
        if self.secure:
            self._send(OP_SECURE)
            self._wait(EV_SECURED, timeout)
        self._send(OP_CCCD, b"\x01")
        return self

    def close(self):
        if self.sock is not None:
            try:
                self._send(OP_DISCONNECT)
            except OSError:
                pass
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self.connect()

    def __exit__(self, *exc):
        self.close()

    def _send(self, op, body=b""):
        self.sock.sendall(bytes([op]) + body)

    def _recv(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            raise TimeoutError("no message from the device")
        msg, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(16))
        if not msg:
            raise LinkError("socket closed")
        self.rx_time = time.time()
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
                sec, nsec = struct.unpack("qq", data[:16])
                self.rx_time = sec + nsec / 1e9
        op, body = msg[0], msg[1:]
        if op == EV_NOTIFY:
            self.buf.extend(body)
        else:
            self.events.append((time.monotonic(), op, body))
            if op == EV_PARAMS:
                self.params = struct.unpack("<HHH", body[:6])
            elif op == EV_DISCONNECTED:
                raise LinkError(f"disconnected, reason {body[0]:#x}")
            elif op == EV_WRITE_ERROR:
                raise LinkError(f"write error: ATT {body[0]:#x}, {body[1] - 256 if body[1] > 127 else body[1]}")
        return op, body

    def _wait(self, want, timeout):
        end = time.monotonic() + timeout
        while True:
            op, body = self._recv(max(0.0, end - time.monotonic()))
            if op == want:
                return body

    def pump(self, seconds):
        """Process link events (parameter updates) for `seconds`."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self._recv(end - time.monotonic())
            except TimeoutError:
                return

    # ---- SMP ---------------------------------------------------------------------------
    def write_frame(self, frame):
        n = self.mtu - 3
        for off in range(0, len(frame), n):
            self._send(OP_WRITE, frame[off:off + n])

    def read_frame(self, timeout=10.0):
        end = time.monotonic() + timeout
        while len(self.buf) < 8 or len(self.buf) < 8 + struct.unpack(">H", self.buf[2:4])[0]:
            self._recv(max(0.0, end - time.monotonic()))
        size = 8 + struct.unpack(">H", self.buf[2:4])[0]
        self.frame_rx = self.rx_time
        out = bytes(self.buf[:size])
        del self.buf[:size]
        return out

    def request(self, group, cmd, body, op=0, timeout=10.0):
        self.seq = (self.seq + 1) & 0xFF
        self.write_frame(smp(op, group, cmd, body, self.seq))
        hdr, rsp = parse(self.read_frame(timeout))
        if hdr["seq"] != self.seq:
            raise LinkError(f"response seq {hdr['seq']} for request {self.seq}")
        return rsp

    def mcumgr_params(self):
        return self.request(0, 6, {})

    def chunks(self, frame_max, total, sha):
        """The (offset, length) of each upload request, as nRF Connect Device Manager's
        Uploader cuts them: at each offset the most data whose request (header + CBOR) fits
        `frame_max`, a multiple of 4 bytes (its default memory alignment) except the last."""
        out = []
        off = 0
        while off < total:
            n = min(frame_max, total - off)
            while n > 0:
                body = {"off": off, "data": bytes(n)}
                if off == 0:
                    body.update({"image": 0, "len": total, "sha": sha})
                if 8 + len(cbor2.dumps(body)) <= frame_max:
                    break
                n -= 1
            if n <= 0:
                raise ValueError("frame too small")
            if off + n < total:
                n -= n % 4
            out.append((off, n))
            off += n
        return out

    def upload(self, data, window=1, frame_max=None, timeout=60.0, reaction=0.0):
        """Window upload of `data` to image 0, as nRF Connect Device Manager's Uploader does it:
        the first request alone, then up to `window` requests in flight. Returns (seconds from
        the first write to the last response, number of requests). Raises LinkError on an
        error response.
        `reaction` (seconds) is the central host's turnaround: the time from a response's last
        notification (its receive time stamp) to the write it releases reaching the controller
        (a phone's Bluetooth stack and app: a latency per response, not a serial cost, so
        responses that arrive together are answered together); 0 = this process's own, well
        under a millisecond.
        Also sets `self.after_first = (seconds, bytes)` from the first response to the last and
        the image bytes acknowledged after the first one: how nRF Connect Device Manager's app
        (ImageUpgradeViewModel: from the first progress callback) and smpmgr (rich's
        TransferSpeedColumn over the progress updates) compute the speed they display."""
        sha = hashlib.sha256(data).digest()
        frame_max = frame_max or self.max_frame
        chunks = self.chunks(frame_max, len(data), sha)
        inflight = []
        nxt = 0
        complete = False
        t_first = first_end = None
        t0 = time.monotonic()
        end = t0 + timeout
        while nxt < len(chunks) or inflight:
            # the first request alone (its answer may resume elsewhere), then the window
            while nxt < len(chunks) and len(inflight) < (window if t_first else 1):
                off, n = chunks[nxt]
                body = {"off": off, "data": data[off:off + n]}
                if off == 0:
                    body.update({"image": 0, "len": len(data), "sha": sha})
                self.seq = (self.seq + 1) & 0xFF
                self.write_frame(smp(2, 1, 1, body, self.seq))
                inflight.append((self.seq, off + n))
                nxt += 1
            hdr, rsp = parse(self.read_frame(max(0.1, end - time.monotonic())))
            if t_first is None:
                t_first, first_end = time.monotonic(), inflight[0][1]
            if reaction > 0 and nxt < len(chunks):
                time.sleep(max(0.0, self.frame_rx + reaction - time.time()))
            seq, want = inflight.pop(0)
            if hdr["seq"] != seq:
                raise LinkError(f"response out of order: seq {hdr['seq']}, expected {seq}")
            if complete:
                continue          # requests sent after the device reported the whole image
            if rsp.get("rc", 0) != 0 or "err" in rsp:
                raise LinkError(f"upload refused at {want}: {rsp}")
            if rsp.get("off") != want:
                if rsp.get("off") == len(data):
                    nxt = len(chunks)  # the device has it all (resume by SHA): drain and stop
                    complete = True
                    continue
                raise LinkError(f"upload at {want} answered with {rsp}")
        t_end = time.monotonic()
        self.after_first = (t_end - t_first, len(data) - first_end)
        return t_end - t0, nxt
