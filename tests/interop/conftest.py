# SPDX-License-Identifier: Apache-2.0
"""Fixtures for interop tests: start smpdfu-device and talk to it with real SMP clients.

Fixture API (see README.md in this folder):

The device driver (``Device``: start, ready line, log, reboots, stop) is
``tests/support/sdfu_device.py``, shared with the benchmarks; it is re-exported here.

* ``device`` -- a started device: UDP on 127.0.0.1:<free port>, a new pty, a temp flash
  file, layout nrf52840, mode swap, running a signed 1.0.0 image (provisioned into the
  primary slot) and trusting its ECDSA P-256 key (``key_path``). Attributes: ``udp_host``, ``udp_port``, ``pty``,
  ``flash``, ``layout``, ``slot_size``, ``key_path`` (None without --key), ``log_path``.
  Methods: ``log()``, ``wait_log(regex)``, ``boot_count()``, ``wait_reboot()``,
  ``stop()``, ``restart_process()``.
* ``default_image`` -- that image (``.path``, ``.key``, ``.version``), made once per session.
* ``device_factory(**opts)`` -- start more devices / other options, empty flash and no keys
  unless given (``udp``, ``serial``,
  ``layout``, ``mode``, ``provision``, ``keys``, ``line_length``, ``log_level``, ``flash``,
  ``extra``); all are stopped at teardown, and each must exit 0 on SIGTERM.
* ``device_1337`` -- a device on a random 127.x.y.z address with port 1337, for clients that
  cannot choose the UDP port (smpmgr ``--ip``).
* helpers importable from this module: ``layout_info``, ``slot_size``, ``run``, ``udp_client``, ``serial_client``,
  ``smp_frame``, ``parse_frame``, ``udp_exchange``, ``RawSerial``, ``run_smpmgr``.
"""
import asyncio
import contextlib
import os
import pathlib
import random
import select
import struct
import subprocess
import sys
import termios
import time
import tty

import cbor2
import pytest
from smp import packet as smppacket
from smpclient import SMPClient
from smpclient.generics import success
from smpclient.requests import os_management as osm
from smpclient.transport.serial import SMPSerialTransport
from smpclient.transport.udp import SMPUDPTransport

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "tests" / "support"))

# the one device driver, shared with bench/benchlib.py
from sdfu_device import READY_TIMEOUT_S, Device, DeviceStartError, env_device  # noqa: E402,F401
from sdfu_device import layout_info as _layout_info  # noqa: E402
DEFAULT_TEST_TIMEOUT_S = 60


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TEST_TIMEOUT_S))


def device_binary():
    """The smpdfu-device to test: $SDFU_DEVICE (or the former $SMPDFU_DEVICE), else
    build/host-debug, else the newest build."""
    env = env_device()
    if env:
        return env
    preferred = ROOT / "build" / "host-debug" / "smpdfu-device"
    if preferred.is_file():
        return preferred
    found = sorted(ROOT.glob("build/*/smpdfu-device"), key=lambda p: p.stat().st_mtime)
    if not found:
        pytest.fail("smpdfu-device not built (cmake --build build/host-debug) and "
                    "SDFU_DEVICE not set")
    return found[-1]


def layout_info(name="nrf52840"):
    """`smpdfu-device --layout NAME --print-layout` as a dict: size, write_align, sectors,
    areas{bootloader,primary,secondary,scratch,storage: {id, off, size}}."""
    return _layout_info(device_binary(), name)


def slot_size(layout="nrf52840"):
    return layout_info(layout)["areas"]["secondary"]["size"]


def device_pool(new, what="device"):
    """Generator for a factory fixture: yields make(**kw), which creates device number i as
    new(i, **kw) and starts it; afterwards every device is stopped and must exit cleanly on
    SIGTERM (their logs are printed)."""
    devices = []

    def make(**kw):
        d = new(len(devices), **kw)
        devices.append(d)
        return d.start()

    yield make
    bad = []
    for d in devices:
        rc = d.stop()
        if rc not in (0, None):
            bad.append((d, rc))
    for d in devices:
        print(f"==== {d.log_path}\n{d.log()[-6000:]}")
    if bad:
        pytest.fail(f"{what} did not exit cleanly on SIGTERM: " +
                    ", ".join(f"{d.workdir.name} rc={rc}" for d, rc in bad))


@pytest.fixture
def device_factory(tmp_path):
    binary = device_binary()
    yield from device_pool(lambda i, **kw: Device(binary, tmp_path / f"dev{i}", **kw))


class DefaultImage:
    """The application the `device` fixture runs: signed with a session key."""

    version = "1.0.0"

    def __init__(self, workdir):
        self.key = workdir / "default-key.pem"
        self.path = workdir / "app-1.0.0-signed.bin"
        app = workdir / "app-1.0.0.bin"
        app.write_bytes(bytes((i * 7 + 3) & 0xFF for i in range(12000)))
        imgtool = str(VENV_BIN / "imgtool")
        subprocess.run([imgtool, "keygen", "-k", str(self.key), "-t", "ecdsa-p256"],
                       check=True, capture_output=True)
        subprocess.run([imgtool, "sign", "-k", str(self.key), "--version", self.version,
                        "--header-size", "0x200", "--pad-header", "--slot-size",
                        hex(slot_size("nrf52840")), "--align", "4", str(app),
                        str(self.path)], check=True, capture_output=True)


@pytest.fixture(scope="session")
def default_image(tmp_path_factory):
    """A signed 1.0.0 image (`.path`) and its ECDSA P-256 key (`.key`), made once per session."""
    return DefaultImage(tmp_path_factory.mktemp("default-image"))


@pytest.fixture
def device(device_factory, default_image):
    """A device running the default signed 1.0.0 image, trusting its key (`device.key_path`)."""
    d = device_factory(provision=default_image.path, keys=[default_image.key])
    d.image_version = default_image.version
    return d


@pytest.fixture
def device_unconfirmed(device_factory, default_image):
    """Like `device`, but the running image is not confirmed at boot (--confirm-at-boot off),
    so a test-booted image shows "active, not confirmed" until a client confirms it."""
    d = device_factory(provision=default_image.path, keys=[default_image.key],
                       extra=["--confirm-at-boot", "off"])
    d.image_version = default_image.version
    return d


@pytest.fixture
def device_1337(device_factory):
    """A device whose UDP port is 1337 (on a random loopback address) for smpmgr --ip."""
    last = None
    for _ in range(10):
        host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        try:
            return device_factory(udp=f"{host}:1337")
        except AssertionError as e:  # address in use: try another one
            last = e
    raise last


# ---- SMP helpers ---------------------------------------------------------------------------

def run(coro, timeout=30.0):
    """Run a coroutine to completion (tests are synchronous)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def request_ok(client, req):
    """`client.request(req)`; the response must be a success. Returns it."""
    r = await client.request(req)
    assert success(r), r
    return r


class PortUDPTransport(SMPUDPTransport):
    """SMPUDPTransport whose connect() uses a fixed port (SMPClient.connect passes none)."""

    def __init__(self, port, **kw):
        super().__init__(**kw)
        self._fixed_port = port

    async def connect(self, address, timeout_s, port=None):
        await super().connect(address, timeout_s, port=self._fixed_port if port is None else port)


@contextlib.asynccontextmanager
async def udp_client(device, timeout=2.0):
    """An SMPClient connected to the device over UDP (parameters read on connect)."""
    client = SMPClient(PortUDPTransport(device.udp_port), device.udp_host, timeout)
    await client.connect()
    try:
        yield client
    finally:
        await client.disconnect()


@contextlib.asynccontextmanager
async def serial_client(device, timeout=2.0):
    """An SMPClient connected to the device's pty with the base64 serial transport."""
    client = SMPClient(SMPSerialTransport(), device.pty, timeout)
    await client.connect()
    try:
        yield client
    finally:
        await client.disconnect()


def smp_reset(device, client=udp_client):
    """An OS reset request through `client(device)` (udp_client, serial_client); it must succeed."""
    async def go():
        async with client(device) as c:
            await request_ok(c, osm.ResetWrite())

    run(go())


def smp_echo(device, text, client=udp_client):
    """An echo of `text` through `client(device)`; it must succeed. Returns the echoed text."""
    async def go():
        async with client(device) as c:
            return (await request_ok(c, osm.EchoWrite(d=text))).r

    return run(go())


def smp_frame(op, group, cmd, payload=b"", seq=0, ver=1, length=None, flags=0):
    """Build an SMP frame; `payload` bytes or a dict (CBOR-encoded); `length` overrides."""
    if isinstance(payload, dict):
        payload = cbor2.dumps(payload)
    n = len(payload) if length is None else length
    return struct.pack(">BBHHBB", (ver << 3) | op, flags, n, group, seq, cmd) + payload


def parse_frame(data):
    """Split a response into (header dict, decoded CBOR or None)."""
    assert len(data) >= 8, f"short response {data.hex()}"
    b0, flags, n, group, seq, cmd = struct.unpack(">BBHHBB", data[:8])
    hdr = {"op": b0 & 7, "ver": (b0 >> 3) & 3, "flags": flags, "len": n, "group": group,
           "seq": seq, "id": cmd}
    body = data[8:]
    assert len(body) == n, f"length field {n} but {len(body)} payload bytes"
    return hdr, (cbor2.loads(body) if body else None)


def udp_exchange(device, data, timeout=1.0, sock=None):
    """Send one datagram to the device; return the reply datagram or None on timeout."""
    import socket

    own = sock is None
    if own:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.settimeout(timeout)
        sock.sendto(data, (device.udp_host, device.udp_port))
        try:
            return sock.recv(65536)
        except socket.timeout:
            return None
    finally:
        if own:
            sock.close()


class RawSerial:
    """The client side of the device pty with raw byte access (for malformed lines)."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        termios.tcflush(self.fd, termios.TCIOFLUSH)
        self.buf = b""

    def close(self):
        os.close(self.fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def write(self, data):
        os.write(self.fd, data)

    def send_frame(self, frame, line_length=128):
        for line in smppacket.encode(frame, line_length=line_length):
            self.write(line)

    def read_line(self, timeout=1.0):
        """One '\\n'-terminated line, or None on timeout."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                self.buf += os.read(self.fd, 4096)
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def read_frame(self, timeout=2.0):
        """Decode one response packet (any lines before its 06 09 line are skipped)."""
        decoder = smppacket.decode()
        next(decoder)
        started = False
        self.lines = []
        end = time.monotonic() + timeout
        while True:
            line = self.read_line(max(0.0, end - time.monotonic()))
            if line is None:
                return None
            if not started and not line.startswith(smppacket.START_DELIMITER):
                continue
            started = True
            self.lines.append(line)
            try:
                decoder.send(line)
            except StopIteration as e:
                return bytes(e.value)


def unavailable(what, why):
    """`what` cannot run here: a skip on a developer's machine, a failure in CI (CI=true)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} cannot run in CI: {why}")
    pytest.skip(why)


def run_smpmgr(*args, timeout=20):
    """Run the smpmgr CLI; returns the CompletedProcess (text)."""
    return subprocess.run([str(VENV_BIN / "smpmgr"), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)
