# SPDX-License-Identifier: Apache-2.0
"""smpdfu-device as a program: --help, the ready line, options, clean exit on signals."""
import hashlib
import os
import re
import signal
import subprocess

from conftest import (VENV_BIN, device_binary, layout_info, parse_frame, slot_size, smp_frame,
                      udp_exchange)

OPTIONS = ["--flash", "--udp", "--serial", "--layout", "--mode", "--provision", "--key",
           "--line-length", "--log-level", "--downgrade-prevention", "--wipe", "--print-layout",
           "--help"]


def test_help_explains_every_option():
    p = subprocess.run([str(device_binary()), "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0
    for opt in OPTIONS:
        assert opt in p.stdout, opt
    assert "ready udp=" in p.stdout


def test_bad_options_exit_2():
    for args in (["--bogus"], ["--line-length", "3"], ["--mode", "sideways"],
                 ["--layout", "nope"], ["--log-level", "9"], ["extra-arg"]):
        p = subprocess.run([str(device_binary()), *args], capture_output=True, text=True,
                           timeout=10)
        assert p.returncode == 2, (args, p.stderr)


def test_ready_line_fields(device_factory):
    both = device_factory()
    assert re.fullmatch(r"ready udp=127\.0\.0\.1:\d+ serial=/dev/pts/\d+", both.ready_line)
    assert both.udp_port != 0
    udp_only = device_factory(serial=None)
    assert re.fullmatch(r"ready udp=127\.0\.0\.1:\d+", udp_only.ready_line)
    serial_only = device_factory(udp=None)
    assert re.fullmatch(r"ready serial=/dev/pts/\d+", serial_only.ready_line)
    assert serial_only.udp_port is None


def test_flash_file_created_and_kept_on_sigterm_and_sigint(device_factory, tmp_path):
    flash = tmp_path / "f.flash"
    d = device_factory(flash=flash)
    assert flash.stat().st_size == layout_info("nrf52840")["size"]
    assert set(flash.read_bytes()[:4096]) == {0xFF}  # created erased
    assert d.stop() == 0
    # put a marker into the storage area (last 24 KiB), then run and stop with SIGINT
    data = bytearray(flash.read_bytes())
    data[-4096:-4096 + 16] = b"smpdfu-marker-01"
    flash.write_bytes(bytes(data))
    digest = hashlib.sha256(data).hexdigest()
    d.start()
    rsp = udp_exchange(d, smp_frame(2, 0, 0, {"d": "x"}, seq=1))
    assert parse_frame(rsp)[1] == {"r": "x"}
    d.proc.send_signal(signal.SIGINT)
    assert d.proc.wait(5) == 0
    assert hashlib.sha256(flash.read_bytes()).hexdigest() == digest
    assert "stopped" in d.log()


def test_udp_port_in_use_fails(device_factory, tmp_path):
    d = device_factory()
    p = subprocess.run([str(device_binary()), "--flash", str(tmp_path / "x.flash"), "--udp",
                        f"127.0.0.1:{d.udp_port}", "--serial", "off"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert "cannot bind" in p.stderr
    assert p.stdout == ""


def test_default_flash_path_is_cwd(tmp_path):
    p = subprocess.Popen([str(device_binary()), "--udp", "127.0.0.1:0", "--serial", "off"],
                         cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode()
        assert line.startswith("ready udp=127.0.0.1:")
        assert (tmp_path / "smpdfu.flash").is_file()
    finally:
        p.terminate()
        assert p.wait(5) == 0
        p.stdout.close()
        p.stderr.close()
    assert os.path.getsize(tmp_path / "smpdfu.flash") == layout_info("nrf52840")["size"]


def _imgtool(*args):
    subprocess.run([str(VENV_BIN / "imgtool"), *map(str, args)], check=True, capture_output=True)


def test_provision_and_key(device_factory, tmp_path):
    key, other = tmp_path / "k.pem", tmp_path / "other.pem"
    _imgtool("keygen", "-k", key, "-t", "ecdsa-p256")
    _imgtool("keygen", "-k", other, "-t", "ecdsa-p256")
    app = tmp_path / "app.bin"
    app.write_bytes(os.urandom(8000))
    signed = tmp_path / "app-signed.bin"
    _imgtool("sign", "-k", key, "--version", "1.2.3", "--header-size", "0x200", "--pad-header",
             "--slot-size", hex(slot_size("nrf52840")), "--align", "4", app, signed)
    good = device_factory(provision=signed, keys=[key], serial=None)
    assert good.key_path == key
    good.wait_log(r"device: key .*k\.pem: ecdsa-p256")
    good.wait_log(r"device: boot #1: running slot 0, version 1\.2\.3")
    # the same image is not bootable for a device that trusts another key
    bad = device_factory(provision=signed, keys=[other], serial=None)
    bad.wait_log(r"device: boot #1: no bootable image")
    # ... but that device still serves SMP
    assert parse_frame(udp_exchange(bad, smp_frame(2, 0, 0, {"d": "up"})))[1] == {"r": "up"}


def test_unreadable_key_fails(tmp_path):
    (tmp_path / "junk.pem").write_text("not a key\n")
    p = subprocess.run([str(device_binary()), "--flash", str(tmp_path / "x.flash"), "--udp", "off",
                        "--serial", "off", "--key", str(tmp_path / "junk.pem")],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "junk.pem" in p.stderr and p.stdout == ""


def test_default_device_runs_signed_image(device):
    device.wait_log(r"device: boot #1: running slot 0, version 1\.0\.0")
    rsp = udp_exchange(device, smp_frame(0, 1, 0, {}, seq=4))
    hdr, body = parse_frame(rsp)
    slot0 = [i for i in body["images"] if i["slot"] == 0][0]
    assert slot0["version"] == "1.0.0" and slot0["active"] and slot0["confirmed"]


def test_power_cycle_keeps_port_and_flash(device):
    port = device.udp_port
    device.restart_process()
    assert device.udp_port == port
    second = device.log().rsplit("---- start #", 1)[-1]
    assert "provisioned" not in second  # the flash is kept, not re-provisioned
    assert re.search(r"device: boot #1: running slot 0, version 1\.0\.0", second)
    assert parse_frame(udp_exchange(device, smp_frame(2, 0, 0, {"d": "pc"})))[1] == {"r": "pc"}


def test_serial_path_existing_tty(device_factory):
    import select
    import tty

    from smp import packet as smppacket

    master, slave = os.openpty()
    tty.setraw(master)
    try:
        d = device_factory(serial=os.ttyname(slave), udp=None)
        assert d.pty == os.ttyname(slave)
        for line in smppacket.encode(smp_frame(2, 0, 0, {"d": "via path"}, seq=3)):
            os.write(master, line)
        buf = b""
        while not buf.endswith(b"\n"):
            r, _, _ = select.select([master], [], [], 3.0)
            assert r, "no reply on the tty"
            buf += os.read(master, 4096)
        dec = smppacket.decode()
        next(dec)
        try:
            dec.send(buf)
        except StopIteration as e:
            assert parse_frame(bytes(e.value))[1] == {"r": "via path"}
        else:
            raise AssertionError("incomplete reply")
    finally:
        os.close(master)
        os.close(slave)


def test_sigterm_under_udp_load(device_factory):
    import socket
    import threading

    d = device_factory(serial=None, log_level=1)
    stop = threading.Event()

    def flood():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        frame = smp_frame(2, 0, 0, {"d": "load"})
        while not stop.is_set():
            s.sendto(frame, (d.udp_host, d.udp_port))
        s.close()

    t = threading.Thread(target=flood)
    t.start()
    try:
        import time

        time.sleep(0.3)
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(3) == 0
    finally:
        stop.set()
        t.join()


def test_print_layout():
    nrf = layout_info("nrf52840")
    assert nrf["size"] == 1024 * 1024 and nrf["write_align"] == 4
    assert nrf["areas"]["primary"]["size"] == nrf["areas"]["secondary"]["size"] == 472 * 1024
    for name in ("mixed8", "large128k"):
        lay = layout_info(name)
        assert lay["name"] == name
        assert sum(r["count"] * r["size"] for r in lay["sectors"]) == lay["size"]
        for a in lay["areas"].values():
            assert a["off"] + a["size"] <= lay["size"]
