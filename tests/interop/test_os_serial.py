# SPDX-License-Identifier: Apache-2.0
"""OS group over the device pty (SMP-over-console framing) with smpclient, smpmgr and raw lines."""
import base64

from smp import packet as smppacket
from smpclient.generics import success
from smpclient.requests import os_management as osm

from conftest import (RawSerial, parse_frame, request_ok, run, run_smpmgr, serial_client,
                      smp_echo, smp_frame, smp_reset, udp_client)


def test_echo_and_params_smpclient(device):
    async def go():
        async with serial_client(device) as c:
            p = await request_ok(c, osm.MCUMgrParametersRead())
            # long enough for many 127-byte lines in both directions
            for text in ["hi", "serial " * 200]:
                r = await request_ok(c, osm.EchoWrite(d=text))
                assert r.r == text
            return p

    p = run(go())
    assert p.buf_size == 2048


def test_os_info_and_bootloader_info(device):
    async def go():
        async with serial_client(device) as c:
            i = await c.request(osm.OSApplicationInfoRead())
            b = await c.request(osm.BootloaderInformationRead())
            return i, b

    info, boot = run(go())
    assert success(info) and info.output
    assert success(boot) and boot.bootloader == "MCUboot"


def test_response_lines_respect_line_length(device_factory):
    for line_length in (127, 40):
        dev = device_factory(line_length=line_length)
        with RawSerial(dev.pty) as s:
            s.send_frame(smp_frame(2, 0, 0, {"d": "z" * 700}, seq=9))
            hdr, body = parse_frame(s.read_frame())
            assert hdr["seq"] == 9 and body == {"r": "z" * 700}
            assert len(s.lines) > 1
            for i, line in enumerate(s.lines):
                assert len(line) <= line_length
                assert line[:2] == (b"\x06\x09" if i == 0 else b"\x04\x14")
                text = line[2:-1]
                assert len(text) % 4 == 0
                base64.b64decode(text, validate=True)  # every line decodes on its own


def test_golden_echo_line(device):
    # spec §7.2 worked example: request line in, the same framing comes back
    with RawSerial(device.pty) as s:
        s.write(b"\x06\x09ABMKAAAJAAAqAKFhZGVoZWxsbwo4\n")
        rsp = s.read_frame()
        hdr, body = parse_frame(rsp)
        assert (hdr["op"], hdr["ver"], hdr["seq"]) == (3, 1, 0x2A)
        assert body == {"r": "hello"}


def test_serial_and_udp_share_one_server(device):
    async def go():
        async with serial_client(device) as s, udp_client(device) as u:
            for i in range(5):
                a = await s.request(osm.EchoWrite(d=f"s{i}"))
                b = await u.request(osm.EchoWrite(d=f"u{i}"))
                assert (a.r, b.r) == (f"s{i}", f"u{i}")

    run(go())


def test_reset_over_serial_keeps_pty(device):
    pty = device.pty
    smp_reset(device, serial_client)
    device.wait_reboot()
    assert device.pty == pty
    assert smp_echo(device, "back", serial_client) == "back"


def test_client_reconnects_many_times(device):
    async def once(i):
        async with serial_client(device) as c:
            return (await c.request(osm.EchoWrite(d=str(i)))).r

    for i in range(5):
        assert run(once(i)) == str(i)


def test_smpmgr_cli_echo_serial(device):
    p = run_smpmgr("--port", device.pty, "os", "echo", "hello over serial")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "hello over serial" in p.stdout


def test_small_client_lines(device):
    # smp's encoder with an 8-byte line length: 4 base64 characters per line
    with RawSerial(device.pty) as s:
        frame = smp_frame(2, 0, 0, {"d": "tiny lines"}, seq=1)
        lines = list(smppacket.encode(frame, line_length=8))
        assert len(lines) > 5
        for line in lines:
            s.write(line)
        hdr, body = parse_frame(s.read_frame())
        assert body == {"r": "tiny lines"}


def test_unread_serial_output_does_not_stall(device):
    import termios
    import time

    from conftest import udp_exchange

    with RawSerial(device.pty) as s:
        # ~100 responses of ~2 KiB lines that nobody reads: the pty fills up
        for i in range(100):
            s.send_frame(smp_frame(2, 0, 0, {"d": "q" * 1400}, seq=i & 0xFF))
        t0 = time.monotonic()
        rsp = udp_exchange(device, smp_frame(2, 0, 0, {"d": "udp"}, seq=1), timeout=5.0)
        assert rsp is not None and parse_frame(rsp)[1] == {"r": "udp"}
        assert time.monotonic() - t0 < 3.0
        # the serial side recovers once the client drains its input
        time.sleep(0.5)
        termios.tcflush(s.fd, termios.TCIFLUSH)
        s.buf = b""
        s.send_frame(smp_frame(2, 0, 0, {"d": "again"}, seq=200))
        for _ in range(200):
            f = s.read_frame(timeout=3.0)
            assert f is not None
            hdr, body = parse_frame(f)
            if hdr["seq"] == 200:
                assert body == {"r": "again"}
                break


def test_upload_with_full_frames_over_serial(device, default_image, tmp_path):
    """Image upload fills buf_size frames (~2 KiB, ~22 lines each way): the framing at its limit."""
    import os
    import subprocess

    from smpclient.mcuboot import IMAGE_TLV, ImageInfo
    from smpclient.requests import image_management as im

    from conftest import VENV_BIN, slot_size

    app = tmp_path / "app.bin"
    app.write_bytes(os.urandom(40 * 1024))
    signed = tmp_path / "app-signed.bin"
    subprocess.run([str(VENV_BIN / "imgtool"), "sign", "-k", str(default_image.key), "--version",
                    "1.1.0", "--header-size", "0x200", "--pad-header", "--slot-size",
                    hex(slot_size()), "--align", "4", str(app), str(signed)],
                   check=True, capture_output=True)
    want = ImageInfo.load_file(str(signed)).get_tlv(IMAGE_TLV.SHA256).value

    async def go():
        async with serial_client(device, timeout=5.0) as c:
            async for _ in c.upload(signed.read_bytes()):
                pass
            return await c.request(im.ImageStatesRead())

    states = run(go())
    assert success(states), states
    slot1 = [i for i in states.images if i.slot == 1][0]
    assert slot1.hash == want and slot1.version == "1.1.0"
    assert "frame dropped" not in device.log()
