# SPDX-License-Identifier: Apache-2.0
"""A corpus of malformed requests sent to a live smpdfu-device over UDP and over its pty.

Every case (one fresh device each, log level 4) gets the error the spec gives (§1.5, §2,
§4.3-4.7, §7.2) or a drop that the device logs, and afterwards:
  * the device still answers an echo on the same link (no crash, no hang), and nothing
    else arrived before that echo reply (a dropped request really got no reply);
  * the primary slot bytes in the flash file are unchanged (SHA-256 before/after);
  * an image state read still shows the running 1.0.0 image, active and confirmed, and
    nothing pending.

Cases are data: `CASES` (both transports), `SERIAL_CASES` (line framing), `UDP_CASES`
(datagrams). Garbage images are uploaded completely and then tested (state write).
"""
import base64
import hashlib
import struct
import subprocess

import cbor2
import pytest
from smp import packet as smppacket

from conftest import VENV_BIN, RawSerial, layout_info, parse_frame, slot_size, smp_frame
from imgutil import tlv_sha256

IMGTOOL = str(VENV_BIN / "imgtool")
SLOT = slot_size("nrf52840")
PRIMARY = layout_info("nrf52840")["areas"]["primary"]
V2 = 1


# ---- expectations -----------------------------------------------------------------------------

class Rc:
    """SMP-level error {"rc": n}."""

    def __init__(self, rc, ver=None):
        self.rc, self.ver = rc, ver

    def check(self, hdr, body, case):
        assert body == {"rc": self.rc}, f"{case}: expected rc {self.rc}, got {body}"
        if self.ver is not None:
            assert hdr["ver"] == self.ver, f"{case}: response version {hdr['ver']}"


class Err:
    """Group error {"err": {"group": g, "rc": r}} (v2)."""

    def __init__(self, group, rc):
        self.group, self.rc = group, rc

    def check(self, hdr, body, case):
        assert body == {"err": {"group": self.group, "rc": self.rc}}, \
            f"{case}: expected err {{{self.group}, {self.rc}}}, got {body}"


class Off:
    """Upload reply {"off": n} (+ "match" when given)."""

    def __init__(self, off, match=None):
        self.off, self.match = off, match

    def check(self, hdr, body, case):
        want = {"off": self.off}
        if self.match is not None:
            want["match"] = self.match
        assert body == want, f"{case}: expected {want}, got {body}"


class Body:
    """Exact response map."""

    def __init__(self, body):
        self.body = body

    def check(self, hdr, body, case):
        assert body == self.body, f"{case}: expected {self.body}, got {body}"


class Drop:
    """No response; the device log must match `log` (regex) when given."""

    def __init__(self, log=None):
        self.log = log


class Step:
    def __init__(self, data, expect, raw=False, nframes=1):
        self.data = data        # an SMP frame (or raw line bytes when raw=True, serial only)
        self.expect = expect    # Rc/Err/Off/Body/Drop, or a list for several responses
        self.raw = raw
        self.nframes = nframes


# ---- request builders ---------------------------------------------------------------------------

_seq = [0]


def frame(op, group, cmd, payload=b"", ver=V2, length=None, seq=None):
    if seq is None:
        _seq[0] = (_seq[0] + 1) & 0xFF
        seq = _seq[0]
    return smp_frame(op, group, cmd, payload, seq=seq, ver=ver, length=length)


def echo(d="x", **kw):
    return frame(2, 0, 0, {"d": d}, **kw)


def upload(fields):
    return frame(2, 1, 1, cbor2.dumps(fields))


def state_write(fields):
    return frame(2, 1, 0, cbor2.dumps(fields))


def hdr32(magic=0x96F3B83D, hdr_size=0x200, img_size=1000, flags=0, ver=(1, 1, 0, 0)):
    return struct.pack("<IIHHII BBHI", magic, 0, hdr_size, 0, img_size, flags, ver[0], ver[1],
                       ver[2], ver[3]) + b"\x00" * 4


def upload_steps(data, sha=True, chunk=1024, final_match=None):
    """Steps uploading `data` completely (off/len/sha on the first chunk)."""
    steps, off = [], 0
    while off < len(data):
        n = min(chunk, len(data) - off)
        f = {"off": off, "data": data[off:off + n]}
        if off == 0:
            f["len"] = len(data)
            if sha:
                f["sha"] = hashlib.sha256(data).digest() if sha is True else sha
        off += n
        match = (final_match if final_match is not None else (sha is True)) \
            if off == len(data) and sha else None
        steps.append(Step(upload(f), Off(off, match)))
    return steps


# ---- images -----------------------------------------------------------------------------------

class Images:
    def __init__(self, work, key):
        self.work = work
        self.good = self.sign("good", 3000, "1.1.0", key)
        other = work / "untrusted.pem"
        subprocess.run([IMGTOOL, "keygen", "-k", str(other), "-t", "ecdsa-p256"], check=True,
                       capture_output=True)
        self.untrusted = self.sign("untrusted", 2500, "1.2.0", other)
        self.same_ver = self.sign("same", 2000, "1.0.0", key)

    def sign(self, name, n, version, key):
        body = self.work / f"{name}.bin"
        out = self.work / f"{name}-signed.bin"
        body.write_bytes(bytes((i * 13 + len(name)) & 0xFF for i in range(n)))
        subprocess.run([IMGTOOL, "sign", "-k", str(key), "--version", version, "--header-size",
                        "0x200", "--pad-header", "--slot-size", hex(SLOT), "--align", "4",
                        str(body), str(out)], check=True, capture_output=True)
        return out.read_bytes()

    def tlv_off(self, data):
        _m, _l, hs, _p, size, _f = struct.unpack_from("<IIHHII", data, 0)
        return hs + size


@pytest.fixture(scope="module")
def imgs(tmp_path_factory, default_image):
    return Images(tmp_path_factory.mktemp("malformed-images"), default_image.key)


def garbage_cases(im):
    """Complete uploads of broken images, then a test request: (name, steps, slot1_listed)."""
    g = im.good
    t = im.tlv_off(g)
    out = []

    bad_tlv_magic = bytearray(g)
    bad_tlv_magic[t] ^= 0xFF
    out.append(("garbage_bad_tlv_magic", bytes(bad_tlv_magic), Err(1, 8), False))
    out.append(("garbage_truncated_tlv_area", g[:t + 20], Err(1, 8), False))
    out.append(("garbage_no_tlv_area", g[:t], Err(1, 8), False))
    tlv_len_lie = bytearray(g)
    struct.pack_into("<H", tlv_len_lie, t + 2, 0xFFF0)  # TLV area running far past the file
    out.append(("garbage_tlv_total_lie", bytes(tlv_len_lie), Err(1, 8), False))
    entry_len_lie = bytearray(g)
    struct.pack_into("<H", entry_len_lie, t + 6, 0x7FF0)  # first TLV entry's length
    out.append(("garbage_tlv_entry_len_lie", bytes(entry_len_lie), Err(1, 8), False))
    huge_size = bytearray(g)
    struct.pack_into("<I", huge_size, 12, 0x00FFFFF0)  # ih_img_size beyond the slot
    out.append(("garbage_img_size_huge", bytes(huge_size), Err(1, 8), False))
    body_flip = bytearray(g)
    body_flip[0x200 + 100] ^= 0x01  # hash TLV present but wrong: listed, refused at test
    out.append(("garbage_body_corrupted", bytes(body_flip), Err(1, 23), True))
    out.append(("garbage_untrusted_key", im.untrusted, Err(1, 23), True))

    cases = []
    for name, data, expect, listed in out:
        h = tlv_sha256(g) if not listed else tlv_sha256(data)
        steps = upload_steps(data)
        steps.append(Step(state_write({"hash": h, "confirm": False}), expect))
        steps.append(Step(state_write({"hash": h, "confirm": True}), expect))
        cases.append((name, steps, listed))
    return cases


# ---- the corpus shared by both transports ------------------------------------------------------

def corpus(im):
    g = im.good
    first = {"off": 0, "data": g[:512], "len": len(g), "sha": hashlib.sha256(g).digest()}
    base = [
        # header / framing
        ("hdr_truncated_5", [Step(b"\x0a\x00\x00\x00\x00", Drop())]),
        ("hdr_truncated_7", [Step(b"\x0a\x00\x00\x05\x00\x00\x01", Drop())]),
        ("len_lie_longer_than_payload", [Step(echo("hello", length=20), Rc(9))]),
        ("len_lie_huge", [Step(echo("hello", length=0xFFFF), Rc(9))]),
        ("len_lie_shorter_than_payload", [Step(echo("hello", length=3), Rc(3))]),
        ("len_zero_with_payload", [Step(echo("hello", length=0), Rc(3))]),
        ("trailing_garbage", [Step(echo("tg") + b"\x01\x02\x03", Body({"r": "tg"}))]),
        ("two_frames_one_buffer", [Step(echo("a") + echo("b"), [Body({"r": "a"}),
                                                             Body({"r": "b"})], nframes=2)]),
        ("error_aborts_rest_of_buffer", [Step(frame(2, 99, 0, {}) + echo("never"), Rc(8))]),
        ("version_3", [Step(echo(ver=2), Rc(13, ver=1))]),
        ("version_reserved_3", [Step(echo(ver=3), Rc(13, ver=1))]),
        ("op1_read_rsp", [Step(frame(1, 0, 0, {"d": "x"}), Rc(8))]),
        ("op3_write_rsp", [Step(frame(3, 0, 0, {"d": "x"}), Rc(8))]),
        ("op4", [Step(frame(4, 0, 0, {"d": "x"}), Rc(8))]),
        ("op5", [Step(frame(5, 0, 0, {"d": "x"}), Rc(8))]),
        ("op6", [Step(frame(6, 1, 0, {}), Rc(8))]),
        ("op7", [Step(frame(7, 1, 1, {}), Rc(8))]),
        ("unknown_group_99", [Step(frame(0, 99, 0, {}), Rc(8))]),
        ("unknown_group_ffff", [Step(frame(2, 0xFFFF, 255, {}), Rc(8))]),
        ("unknown_os_cmd_200", [Step(frame(2, 0, 200, {}), Rc(8))]),
        ("unknown_img_cmd_2", [Step(frame(0, 1, 2, {}), Rc(8))]),
        ("unknown_img_cmd_7", [Step(frame(2, 1, 7, {}), Rc(8))]),
        ("upload_read_op", [Step(frame(0, 1, 1, {}), Rc(8))]),
        # CBOR
        ("cbor_not_a_map", [Step(frame(2, 0, 0, b"\x81\x61\x64"), Rc(3))]),
        ("cbor_key_without_value", [Step(frame(2, 0, 0, b"\xa1\x61\x64"), Rc(3))]),
        ("cbor_indefinite_unterminated", [Step(frame(2, 0, 0, b"\xbf\x61\x64\x61\x78"), Rc(3))]),
        ("cbor_nested_40_deep", [Step(frame(2, 0, 0, b"\xa1\x61\x64" + b"\x81" * 40 + b"\x00"),
                                      Rc(3))]),
        ("cbor_reserved_info", [Step(frame(2, 0, 0, b"\xa1\x61\x64\x1c"), Rc(3))]),
        ("cbor_string_past_end", [Step(frame(2, 0, 0, b"\xa1\x61\x64\x7a\xff\xff\xff\xff"),
                                       Rc(3))]),
        # echo key types
        ("echo_d_int", [Step(frame(2, 0, 0, {"d": 5}), Rc(3))]),
        ("echo_d_bstr", [Step(frame(2, 0, 0, {"d": b"x"}), Rc(3))]),
        ("echo_d_array", [Step(frame(2, 0, 0, {"d": ["x"]}), Rc(3))]),
        ("echo_d_twice", [Step(frame(2, 0, 0, b"\xa2\x61\x64\x61\x61\x61\x64\x61\x62"),
                               Rc(3))]),
        ("echo_no_d", [Step(frame(2, 0, 0, {"x": "y"}), Rc(3))]),
        # upload key types
        ("upload_off_tstr", [Step(upload({**first, "off": "0"}), Rc(3))]),
        ("upload_off_negative", [Step(upload({**first, "off": -1}), Rc(3))]),
        ("upload_len_tstr", [Step(upload({**first, "len": "5"}), Rc(3))]),
        ("upload_data_tstr", [Step(upload({**first, "data": "abc"}), Rc(3))]),
        ("upload_sha_int", [Step(upload({**first, "sha": 7}), Rc(3))]),
        ("upload_image_tstr", [Step(upload({**first, "image": "0"}), Rc(3))]),
        ("upload_upgrade_int", [Step(upload({**first, "upgrade": 1}), Rc(3))]),
        ("upload_off_float", [Step(upload({**first, "off": 0.0}), Rc(3))]),
        # state write / erase key types
        ("state_hash_tstr", [Step(state_write({"hash": "ab", "confirm": False}), Rc(3))]),
        ("state_confirm_int", [Step(state_write({"confirm": 1}), Rc(3))]),
        ("erase_slot_tstr", [Step(frame(2, 1, 5, {"slot": "1"}), Rc(3))]),
        # upload semantics (spec 4.4)
        ("upload_no_off", [Step(upload({k: v for k, v in first.items() if k != "off"}),
                                Err(1, 20))]),
        ("upload_first_short_data", [Step(upload({**first, "data": g[:31]}), Err(1, 22))]),
        ("upload_first_no_len", [Step(upload({k: v for k, v in first.items() if k != "len"}),
                                      Err(1, 21))]),
        ("upload_bad_magic", [Step(upload({**first, "data": b"\x00" * 64}), Err(1, 23))]),
        ("upload_sha_33", [Step(upload({**first, "sha": b"\x01" * 33}), Err(1, 24))]),
        ("upload_oversize_len", [Step(upload({**first, "len": SLOT + 4096}), Err(1, 30))]),
        ("upload_len_2_32", [Step(upload({**first, "len": (1 << 32) + 5}), Err(1, 30))]),
        ("upload_data_over_len", [Step(upload({**first, "len": 100}), Err(1, 31))]),
        ("upload_image_2", [Step(upload({**first, "image": 2}), Err(1, 14))]),
        ("upload_upgrade_same_version", [Step(upload({"off": 0, "data": im.same_ver[:512],
                                                      "len": len(im.same_ver), "upgrade": True}),
                                              Err(1, 27))]),
        ("upload_hdr_size_lt_32", [Step(upload({**first, "data": hdr32(hdr_size=16)}),
                                        Err(1, 22))]),
        ("upload_continuation_without_session", [
            Step(upload({"off": 512, "data": g[512:1024]}), Off(0))]),
        ("upload_out_of_order", [
            Step(upload(first), Off(512)),
            Step(upload({"off": 1536, "data": g[1536:2048]}), Off(512)),
            Step(upload({"off": 100, "data": g[100:200]}), Off(512)),
            Step(upload({"off": 512, "data": g[512:1024]}), Off(1024))]),
        ("upload_offset_past_len", [
            Step(upload(first), Off(512)),
            Step(upload({"off": len(g) + 100, "data": b"\x00" * 16}), Off(512)),
            Step(upload({"off": 1 << 40, "data": b""}), Off(512))]),
        ("upload_continuation_overrun", [
            Step(upload(first), Off(512)),
            Step(upload({"off": 512, "data": g[512:2012]}), Off(2012)),
            Step(upload({"off": 2012, "data": g[2012:3512]}), Off(3512)),
            Step(upload({"off": 3512, "data": b"\x00" * (len(g) - 3512 + 1)}), Err(1, 31)),
            Step(upload({"off": 3512, "data": g[3512:]}), Off(0))]),
        ("upload_sha_mismatch", upload_steps(g, sha=b"\x5a" * 32, final_match=False)),
        ("state_write_bad_hashes", [
            Step(state_write({"hash": b"\x01" * 31, "confirm": False}), Err(1, 24)),
            Step(state_write({"hash": b"\x01" * 32, "confirm": False}), Err(1, 8)),
            Step(state_write({"confirm": False}), Err(1, 24))]),
        ("erase_bad_slots", [
            Step(frame(2, 1, 5, {"slot": 0}), Err(1, 9)),
            Step(frame(2, 1, 5, {"slot": 7}), Err(1, 14))]),
    ]
    listed = {"upload_sha_mismatch"}  # a complete, valid image ends up in slot 1
    out = [(name, steps, name in listed) for name, steps in base]
    return out + garbage_cases(im)


def serial_cases(im):
    """Line-level cases (raw bytes on the pty)."""
    good = smp_frame(2, 0, 0, {"d": "crc"}, seq=1)
    lines = list(smppacket.encode(good))
    bad_crc = bytearray(lines[0])
    bad_crc[12] = ord("A") if bad_crc[12] != ord("A") else ord("B")  # a frame byte: CRC fails

    def pkt_line(pkt):
        return b"\x06\x09" + base64.b64encode(pkt) + b"\n"

    def packet(fr):
        crc = crc16(fr)
        return struct.pack(">H", len(fr) + 2) + fr + struct.pack(">H", crc)

    big = smp_frame(2, 0, 0, {"d": "L" * 200}, seq=2)
    huge = smp_frame(2, 0, 0, {"d": "H" * 700}, seq=3)
    more = packet(smp_frame(2, 0, 0, {"d": "m"}, seq=4))
    more = struct.pack(">H", struct.unpack(">H", more[:2])[0] - 3) + more[2:]
    oversize = smp_frame(2, 0, 0, {"d": "o" * 2100}, seq=5)
    return [
        ("serial_bad_crc", [Step(bytes(bad_crc), Drop(r"WRN serial: frame dropped: bad CRC"),
                                 raw=True)]),
        ("serial_bad_base64", [Step(b"\x06\x09AB*D\n", Drop(r"frame dropped: bad base64"),
                                    raw=True)]),
        ("serial_line_not_multiple_of_4", [Step(b"\x06\x09ABCDE\n",
                                                Drop(r"line not a multiple of 4"), raw=True)]),
        ("serial_length_too_large", [Step(pkt_line(struct.pack(">H", 0xFFF0) + b"\0" * 10),
                                          Drop(r"frame too large \(65520 > buf_size \d+ B\)"), raw=True)]),
        ("serial_length_below_2", [Step(pkt_line(b"\x00\x01\x00"),
                                        Drop(r"frame dropped: bad length"), raw=True)]),
        ("serial_more_data_than_length", [Step(pkt_line(more),
                                               Drop(r"more data than its length"), raw=True)]),
        ("serial_truncated_then_new_packet", [
            Step(list(smppacket.encode(big))[0], Drop(), raw=True),
            Step(pkt_line(packet(smp_frame(2, 0, 0, {"d": "n"}, seq=6))), Body({"r": "n"}),
                 raw=True)]),
        ("serial_line_over_127", [Step(pkt_line(packet(big)), Body({"r": "L" * 200}),
                                       raw=True)]),
        ("serial_line_over_256", [Step(pkt_line(packet(huge)), Body({"r": "H" * 700}),
                                       raw=True)]),
        ("serial_continuation_without_start", [Step(b"\x04\x14AAAAAAAA\n", Drop(), raw=True)]),
        ("serial_binary_noise", [Step(bytes(range(256)) + b"\n", Drop(), raw=True)]),
        ("serial_frame_over_reassembly_buffer", [Step(b"".join(smppacket.encode(oversize)),
                                                      Drop(r"frame dropped: frame too large"),
                                                      raw=True)]),
        ("serial_packet_of_5_bytes", [Step(pkt_line(packet(b"\x0a\x00\x00\x00\x00")), Drop(),
                                           raw=True)]),
    ]


def udp_cases(im):
    return [
        ("udp_empty_datagram", [Step(b"", Drop())]),
        ("udp_short_datagram_logged", [Step(b"\x0a\x00\x00", Drop(r"DBG device: udp: 3 bytes"))]),
        ("udp_frame_over_buf_size", [Step(frame(2, 0, 0, {"d": "o" * 4000}), Rc(7))]),
        # "GE" = op 7 / ver 0 / flags 0x45, length 0x5420 > 10 bytes present -> rc 9
        ("udp_garbage_http", [Step(b"GET / HTTP/1.0\r\n\r\n", Rc(9))]),
    ]


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


# ---- links --------------------------------------------------------------------------------------

class UdpLink:
    def __init__(self, dev):
        import socket

        self.dev = dev
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(2.0)

    def send(self, data, raw=False):
        self.sock.sendto(data, (self.dev.udp_host, self.dev.udp_port))

    def recv(self, timeout=2.0):
        import socket

        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            return None

    def close(self):
        self.sock.close()


class SerialLink:
    def __init__(self, dev):
        self.s = RawSerial(dev.pty)

    def send(self, data, raw=False):
        if raw:
            self.s.write(data)
        else:
            self.s.send_frame(data)

    def recv(self, timeout=2.0):
        return self.s.read_frame(timeout)

    def close(self):
        self.s.close()


# ---- runner -------------------------------------------------------------------------------------

def primary_sha(dev):
    with open(dev.flash, "rb") as f:
        f.seek(PRIMARY["off"])
        return hashlib.sha256(f.read(PRIMARY["size"])).hexdigest()


def state(link):
    req = frame(0, 1, 0, {})
    link.send(req)
    rsp = link.recv()
    assert rsp is not None, "no state read response"
    hdr, body = parse_frame(rsp)
    assert hdr["seq"] == req[6], (hdr, body)
    return {e["slot"]: e for e in body["images"]}


def alive(link, dev, case):
    req = echo(f"alive after {case}")
    link.send(req)
    rsp = link.recv(timeout=3.0)
    assert rsp is not None, f"{case}: device stopped answering\n{dev.log()[-3000:]}"
    hdr, body = parse_frame(rsp)
    # the first thing back must be this echo: a dropped request produced nothing
    assert hdr["seq"] == req[6] and body == {"r": f"alive after {case}"}, \
        f"{case}: unexpected response before the echo reply: {hdr} {body}"


def run_case(dev, link, case, steps, slot1_listed=False):
    before_sha = primary_sha(dev)
    before = state(link)
    assert before[0]["active"] and before[0]["confirmed"], before
    for i, st in enumerate(steps):
        link.send(st.data, raw=st.raw)
        expects = st.expect if isinstance(st.expect, list) else [st.expect]
        for ex in expects:
            if isinstance(ex, Drop):
                if ex.log:
                    dev.wait_log(ex.log, timeout=3.0)
                continue
            rsp = link.recv()
            assert rsp is not None, f"{case} step {i}: no response\n{dev.log()[-2000:]}"
            hdr, body = parse_frame(rsp)
            if not st.raw and len(st.data) >= 8:
                b0, _f, _n, grp, seq, cmd = struct.unpack(">BBHHBB", st.data[:8])
                if len(expects) == 1:
                    assert (hdr["group"], hdr["seq"], hdr["id"]) == (grp, seq, cmd), \
                        f"{case} step {i}: header not echoed: {hdr}"
                    assert hdr["op"] == (1 if (b0 & 7) == 0 else 3), f"{case}: op {hdr}"
            ex.check(hdr, body, f"{case} step {i}")
    assert dev.alive, f"{case}: device exited\n{dev.log()[-3000:]}"
    alive(link, dev, case)
    assert primary_sha(dev) == before_sha, f"{case}: primary slot changed"
    after = state(link)
    assert after[0]["hash"] == before[0]["hash"] and after[0]["version"] == "1.0.0", after
    assert after[0]["active"] and after[0]["confirmed"] and not after[0]["pending"], after
    if 1 in after:
        assert not after[1]["pending"] and not after[1]["permanent"], f"{case}: {after}"
    assert (1 in after) == slot1_listed, f"{case}: slot 1 listed={1 in after}: {after}"
    assert "ERR " not in dev.log(), f"{case}: error logged\n{dev.log()[-2000:]}"


_DUMMY = Images.__new__(Images)
_DUMMY.good = hdr32(img_size=3000) + b"\x00" * (0x200 - 32) + b"\x01" * 3000 + \
    struct.pack("<HHHH", 0x6907, 40, 0x10, 32) + b"\x00" * 32
_DUMMY.untrusted = _DUMMY.same_ver = _DUMMY.good
CASE_NAMES = [c[0] for c in corpus(_DUMMY)]
SERIAL_NAMES = [c[0] for c in serial_cases(_DUMMY)]
UDP_NAMES = [c[0] for c in udp_cases(_DUMMY)]


def _find(cases, name):
    for c in cases:
        if c[0] == name:
            return c
    raise KeyError(name)


@pytest.fixture
def quiet_device(device_factory, default_image):
    """A device like `device` (default 1.0.0 image and key) with debug logging."""
    return device_factory(provision=default_image.path, keys=[default_image.key], log_level=4)


def _run_on(link, device, name, *case):
    """run_case() over `link`, closed afterwards."""
    try:
        run_case(device, link, name, *case)
    finally:
        link.close()


@pytest.mark.parametrize("transport", ["udp", "serial"])
@pytest.mark.parametrize("name", CASE_NAMES)
def test_malformed(name, transport, quiet_device, imgs):
    case = _find(corpus(imgs), name)
    link = UdpLink(quiet_device) if transport == "udp" else SerialLink(quiet_device)
    _run_on(link, quiet_device, name, case[1], case[2])
    if name == "trailing_garbage":
        quiet_device.wait_log(r"WRN smp: 3 trailing bytes ignored")


@pytest.mark.parametrize("name", SERIAL_NAMES)
def test_malformed_serial_lines(name, quiet_device, imgs):
    _run_on(SerialLink(quiet_device), quiet_device, name, _find(serial_cases(imgs), name)[1])


@pytest.mark.parametrize("name", UDP_NAMES)
def test_malformed_udp_datagrams(name, quiet_device, imgs):
    _run_on(UdpLink(quiet_device), quiet_device, name, _find(udp_cases(imgs), name)[1])


def test_corpus_size():
    """The brief asks for at least 40 cases; both transports run each shared case."""
    assert len(CASE_NAMES) >= 40 and len(set(CASE_NAMES)) == len(CASE_NAMES)
