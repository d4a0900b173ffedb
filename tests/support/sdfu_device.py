# SPDX-License-Identifier: Apache-2.0
"""The one driver of the smpdfu-device program, for the interop tests and the benchmarks.

Start the device with its options, wait for its single ready line (``ready udp=HOST:PORT
serial=PTY``), read its log, wait for in-process reboots, stop it with SIGTERM. Imported by
``tests/interop/conftest.py`` (pytest fixtures) and ``bench/benchlib.py``; stdlib only.

Which binary: ``env_device()`` reads ``$SDFU_DEVICE`` (the project's prefix; the former name
``$SMPDFU_DEVICE`` is still accepted).
"""
import functools
import json
import os
import pathlib
import re
import select
import signal
import subprocess
import time

READY_TIMEOUT_S = 10.0


def env_device():
    """The device binary named by $SDFU_DEVICE (or the former $SMPDFU_DEVICE), else None."""
    for name in ("SDFU_DEVICE", "SMPDFU_DEVICE"):
        value = os.environ.get(name)
        if value:
            return pathlib.Path(value).resolve()
    return None


@functools.lru_cache(maxsize=None)
def layout_info(binary, name="nrf52840"):
    """`smpdfu-device --layout NAME --print-layout` as a dict: size, write_align, sectors,
    areas{bootloader,primary,secondary,scratch,storage: {id, off, size}}."""
    p = subprocess.run([str(binary), "--layout", name, "--print-layout"],
                       capture_output=True, text=True, timeout=10, check=True)
    return json.loads(p.stdout)


class DeviceStartError(AssertionError, RuntimeError):
    """The device exited or printed no ready line in time (an AssertionError for tests,
    a RuntimeError for scripts)."""


class Device:
    """One smpdfu-device process.

    Options map to the command line: ``udp`` (HOST:PORT, None = off), ``serial`` ("pty",
    a path, None = off), ``flash`` (default <workdir>/device.flash), ``layout``, ``mode``
    (None = the device's default), ``provision`` (image written into the primary slot at the
    first start only), ``keys`` (trusted key files), ``line_length``, ``log_level``,
    ``wipe`` (erase the whole flash first), ``extra`` (more arguments), ``wrapper`` (a
    command prefix such as valgrind). The log (stderr of every start) is
    <workdir>/device.log. Attributes after start(): ``udp_host``, ``udp_port``, ``pty``,
    ``ready_line``; ``slot_size`` from the layout.
    """

    def __init__(self, binary, workdir, *, udp="127.0.0.1:0", serial="pty", flash=None,
                 layout="nrf52840", mode=None, provision=None, keys=(), line_length=None,
                 log_level=3, extra=(), wipe=False, wrapper=()):
        self.binary = pathlib.Path(binary)
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.flash = pathlib.Path(flash) if flash else self.workdir / "device.flash"
        self.layout = layout
        self.mode = mode
        self.provision = provision
        self.keys = [pathlib.Path(k) for k in keys]
        self.key_path = self.keys[0] if self.keys else None
        self.line_length = line_length
        self.log_level = log_level
        self.extra = list(extra)
        self.wipe = wipe
        self.wrapper = list(wrapper)
        self.udp_spec = udp
        self.serial_spec = serial
        self.slot_size = layout_info(self.binary, layout)["areas"]["secondary"]["size"]
        self.secondary_slot_size = self.slot_size
        self.log_path = self.workdir / "device.log"
        self.proc = None
        self.ready_line = None
        self.udp_host = None
        self.udp_port = None
        self.pty = None
        self.stopped_rc = None
        self._boots_waited = 1
        self._starts = 0

    # ---- process control ------------------------------------------------------------
    def image_args(self):
        """The options any launcher of this device takes: boot mode, provisioned image, keys."""
        a = []
        if self.mode:
            a += ["--mode", self.mode]
        if self.provision:
            a += ["--provision", str(self.provision)]
        for k in self.keys:
            a += ["--key", str(k)]
        return a

    def argv(self):
        a = [*self.wrapper, str(self.binary), "--flash", str(self.flash), "--layout",
             self.layout, "--log-level", str(self.log_level),
             "--udp", self.udp_spec or "off", "--serial", self.serial_spec or "off"]
        if self.wipe:
            a += ["--wipe"]
        a += self.image_args()
        if self.line_length:
            a += ["--line-length", str(self.line_length)]
        return a + self.extra

    def start(self, timeout=READY_TIMEOUT_S):
        """Start and wait for the ready line; parses udp=/serial= into attributes.
        Raises DeviceStartError when the device exits or is not ready within `timeout`."""
        self._starts += 1
        argv = self.argv()
        with open(self.log_path, "ab") as logf:
            logf.write(f"---- start #{self._starts}: {' '.join(argv)}\n".encode())
            logf.flush()
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=logf,
                                         stdin=subprocess.DEVNULL, cwd=self.workdir)
        self.provisioned = self.provision or getattr(self, "provisioned", None)
        self.provision = None  # only the first start writes the image; later ones keep the flash
        self.stopped_rc = None
        self._boots_waited = self.boot_count() or 1
        line = b""
        end = time.monotonic() + timeout
        poller = select.poll()  # not select(): a benchmark may run fds above 1024
        poller.register(self.proc.stdout.fileno(), select.POLLIN)
        while not line.endswith(b"\n"):
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.kill()
                self.proc.stdout.close()
                self.proc = None  # a failed start is not checked for a clean exit
                raise DeviceStartError(f"smpdfu-device not ready (got {line!r})\n"
                                       f"{self.log()[-3000:]}")
            if poller.poll(max(1, min(100, int(left * 1000)))):
                ch = os.read(self.proc.stdout.fileno(), 1)
                if not ch:
                    continue
                line += ch
        self.ready_line = line.decode().strip()
        m = re.fullmatch(r"ready(?: udp=(\S+))?(?: serial=(\S+))?", self.ready_line)
        if not m:
            raise DeviceStartError(f"bad ready line {self.ready_line!r}")
        if m.group(1):
            host, port = m.group(1).rsplit(":", 1)
            self.udp_host, self.udp_port = host.strip("[]"), int(port)
        if m.group(2):
            self.pty = m.group(2)
        return self

    def stop(self, timeout=5.0):
        """SIGTERM and wait (then SIGKILL); returns the exit status (kept in stopped_rc)."""
        if self.proc is None:
            return self.stopped_rc
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stopped_rc = self.proc.returncode
        self.proc.stdout.close()
        self.proc = None
        return self.stopped_rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart_process(self):
        """Power cycle: stop the process and start it again on the same flash and UDP port."""
        rc = self.stop()
        assert rc == 0, f"device exit status {rc}\n{self.log()}"
        if self.udp_port is not None:
            self.udp_spec = f"{self.udp_host}:{self.udp_port}"
        return self.start()

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def addr(self):
        """HOST:PORT of the UDP transport."""
        return f"{self.udp_host}:{self.udp_port}"

    @property
    def pid(self):
        return self.proc.pid

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- log --------------------------------------------------------------------------
    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=5.0, count=1):
        """Wait until `pattern` (regex) matched `count` times in the log; returns the log."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            text = self.log()
            if len(rx.findall(text)) >= count:
                return text
            if time.monotonic() > end:
                raise AssertionError(f"log never matched {pattern!r} x{count}\n{text[-3000:]}")
            time.sleep(0.02)

    def boot_count(self):
        """Number of simulated boots logged by the current process."""
        text = self.log().rsplit("---- start #", 1)[-1]
        return len(re.findall(r"device: boot #\d+", text))

    def wait_reboot(self, timeout=10.0):
        """Wait for the next in-process restart (after an SMP reset)."""
        want = self._boots_waited + 1
        end = time.monotonic() + timeout
        while self.boot_count() < want:
            if time.monotonic() > end or not self.alive:
                raise AssertionError(f"no reboot #{want}\n{self.log()[-3000:]}")
            time.sleep(0.02)
        self._boots_waited = self.boot_count()

    wait_ready = wait_reboot
