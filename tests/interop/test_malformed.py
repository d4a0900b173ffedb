# SPDX-License-Identifier: Apache-2.0
"""Malformed and unknown requests over the real UDP socket and the pty: right errors, device lives on."""
import struct

import pytest
from smp import packet as smppacket

from conftest import RawSerial, parse_frame, smp_frame, udp_exchange

MGMT_ERR_EINVAL = 3
MGMT_ERR_ENOTSUP = 8
MGMT_ERR_ECORRUPT = 9


def _alive_udp(device, seq=99):
    rsp = udp_exchange(device, smp_frame(2, 0, 0, {"d": "alive"}, seq=seq))
    assert rsp is not None, "device stopped answering\n" + device.log()[-2000:]
    hdr, body = parse_frame(rsp)
    assert hdr["seq"] == seq and body == {"r": "alive"}


def _rc(rsp):
    assert rsp is not None, "no response"
    hdr, body = parse_frame(rsp)
    return hdr, body.get("rc") if isinstance(body, dict) else None


@pytest.mark.parametrize("group,cmd,op", [(0, 3, 0), (0, 2, 0), (99, 0, 0), (99, 1, 2),
                                          (0, 200, 2), (0, 5, 0)])
def test_unknown_command_rc8(device, group, cmd, op):
    hdr, rc = _rc(udp_exchange(device, smp_frame(op, group, cmd, {}, seq=17)))
    assert rc == MGMT_ERR_ENOTSUP
    assert (hdr["group"], hdr["id"], hdr["seq"], hdr["op"]) == (group, cmd, 17, op + 1)
    _alive_udp(device)


@pytest.mark.parametrize("data", [b"", b"\x0a", b"\x0a\x00\x00\x00\x00", b"\x0a\x00\x00\x00\x00\x00\x00"])
def test_short_header_no_reply(device, data):
    assert udp_exchange(device, data, timeout=0.3) is None
    _alive_udp(device)


def test_truncated_payload_rc9(device):
    # header says 9 payload bytes, only 4 follow
    full = smp_frame(2, 0, 0, {"d": "hello"}, seq=5)
    hdr, rc = _rc(udp_exchange(device, full[:12]))
    assert rc == MGMT_ERR_ECORRUPT and hdr["seq"] == 5
    _alive_udp(device)


@pytest.mark.parametrize("payload", [b"\xff\xff\xff", b"\xa1\x61", b"\x1f", b"\xa1\x61\x64\x19"])
def test_bad_cbor_rc3(device, payload):
    hdr, rc = _rc(udp_exchange(device, smp_frame(2, 0, 0, payload, seq=6)))
    assert rc == MGMT_ERR_EINVAL and hdr["seq"] == 6
    _alive_udp(device)


def test_wrong_field_type_rc3(device):
    hdr, rc = _rc(udp_exchange(device, smp_frame(2, 0, 0, {"d": 5}, seq=8)))
    assert rc == MGMT_ERR_EINVAL
    _alive_udp(device)


def test_oversized_and_garbage_datagrams(device):
    for data in [bytes(range(256)) * 40, b"\xff" * 8, b"GET / HTTP/1.0\r\n\r\n"]:
        udp_exchange(device, data, timeout=0.2)  # reply or not, the device must survive
    _alive_udp(device)


def test_bad_crc_line_dropped_next_served(device):
    good = smp_frame(2, 0, 0, {"d": "after bad"}, seq=2)
    bad_lines = list(smppacket.encode(smp_frame(2, 0, 0, {"d": "bad crc"}, seq=1)))
    line = bytearray(bad_lines[0])
    line[12] = ord("A") if line[12] != ord("A") else ord("B")  # valid base64, wrong CRC
    with RawSerial(device.pty) as s:
        s.write(bytes(line))
        assert s.read_line(timeout=0.3) is None  # dropped silently on the wire
        s.send_frame(good)
        hdr, body = parse_frame(s.read_frame())
        assert hdr["seq"] == 2 and body == {"r": "after bad"}
    device.wait_log(r"WRN serial: frame dropped: bad CRC")


def test_serial_noise_truncation_and_bad_base64(device):
    big = smp_frame(2, 0, 0, {"d": "x" * 300}, seq=3)
    lines = list(smppacket.encode(big))
    with RawSerial(device.pty) as s:
        s.write(b"some console text\r\n\x01\x02\x03\n")
        s.write(lines[0])                      # a packet that never completes ...
        s.write(b"\x06\x09AB*D\n")             # ... interrupted by a bad-base64 one
        s.write(b"\x04\x14AAAA\n")             # continuation with no open packet
        s.send_frame(smp_frame(2, 0, 0, {"d": "ok"}, seq=4))
        hdr, body = parse_frame(s.read_frame())
        assert hdr["seq"] == 4 and body == {"r": "ok"}
        # a complete frame split with noise lines in between still works
        for ln in lines:
            s.write(ln)
            s.write(b"log: noise between lines\n")
        hdr, body = parse_frame(s.read_frame())
        assert hdr["seq"] == 3 and body == {"r": "x" * 300}
    text = device.log()
    assert "frame dropped: truncated" in text
    assert "frame dropped: bad base64" in text


def test_serial_bad_cbor_and_unknown_group(device):
    with RawSerial(device.pty) as s:
        s.send_frame(smp_frame(2, 0, 0, b"\xff\xff", seq=10))
        hdr, body = parse_frame(s.read_frame())
        assert body == {"rc": MGMT_ERR_EINVAL}
        s.send_frame(smp_frame(0, 99, 0, {}, seq=11))
        hdr, body = parse_frame(s.read_frame())
        assert body == {"rc": MGMT_ERR_ENOTSUP} and hdr["seq"] == 11


def test_serial_length_field_too_large_dropped(device):
    # a packet whose length field exceeds the reassembly buffer
    pkt = struct.pack(">H", 0xFFF0) + b"\x00" * 10
    import base64

    with RawSerial(device.pty) as s:
        s.write(b"\x06\x09" + base64.b64encode(pkt) + b"\n")
        s.send_frame(smp_frame(2, 0, 0, {"d": "next"}, seq=12))
        hdr, body = parse_frame(s.read_frame())
        assert body == {"r": "next"}
    device.wait_log(r"frame dropped: frame too large \(65520 > buf_size \d+ B\)")
