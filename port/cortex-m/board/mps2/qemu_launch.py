# SPDX-License-Identifier: Apache-2.0
"""Run the smpdfu firmware on QEMU mps2-an386/an385 with a boot step at every reset.

Started by scripts/qemu-device.sh (which builds what is needed). The launcher

* owns the client's serial endpoint: a raw pty pair whose slave path is printed once as
  ``ready serial=/dev/pts/N``; it stays the same across firmware resets and QEMU restarts;
* owns the flash file (sim layout "mps2", 16 MiB) that QEMU maps as the machine's PSRAM
  (``-object memory-backend-file,...,share=on -machine memory-backend=...``): every write of
  the firmware lands in the file at once;
* runs ``smpdfu-boot --flash FILE --layout mps2 --mode MODE [--key K]...`` (the MCUboot
  simulation) before every start of QEMU, and hands its result (booted slot, mode, trusted
  keys) to the firmware in a boot-info block that ``-device loader`` puts into RAM;
* runs QEMU with ``-no-reboot``: the firmware's SYSRESETREQ ends QEMU (exit 0), the launcher
  runs the boot step and starts QEMU again; bytes a client sends meanwhile wait in the pty;
* proxies the pty to UART0 (QEMU chardev socket, connecting to the launcher) and copies
  the firmware's UART1 log to stderr;
* on SIGTERM/SIGINT stops QEMU and exits 0; the flash file keeps its contents.
"""
import argparse
import errno
import fcntl
import json
import os
import pathlib
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tty

LAYOUT = "mps2"
FLASH_SIZE = 16 * 1024 * 1024  # QEMU 7.2 backs the mps2 PSRAM only with exactly 16 MiB
BOOTINFO_ADDR = 0x2003F000
BOOTINFO_MAGIC = 0x49424453
BOOTINFO_VERSION = 1
MAX_KEYS = 4
KEY_MAX = 600
F_CONFIRM_AT_BOOT = 0x1
F_DOWNGRADE_PREVENTION = 0x2
MODES = {  # smpdfu-boot mode name -> enum sdfu_boot_mode (MCUboot's MCUBOOT_MODE_*)
    "swap": 3, "swap-move": 3, "swap-scratch": 1, "overwrite": 2, "overwrite-only": 2,
    "overwrite-only-fast": 2, "direct-xip": 4, "direct-xip-revert": 5,
}
MACHINES = {"mps2-an386": "cortex-m4", "mps2-an385": "cortex-m3"}
READY_TIMEOUT_S = 20.0
PTY_WRITE_WAIT_S = 0.2

stop = False


def log(msg):
    sys.stderr.write(f"qemu-device: {msg}\n")
    sys.stderr.flush()


def quiet_qemu(text):
    """QEMU's stderr minus the one known harmless warning: mps2 always creates its
    LAN9118 and we give it no network (-nic none still warns "has no peer")."""
    return "".join(l for l in text.splitlines(True) if "nic lan9118.0 has no peer" not in l)


def key_entry(path):
    """(alg, der) of a PEM key file in the form imgtool embeds (SPKI for EC/Ed25519, PKCS#1
    RSAPublicKey for RSA), alg as enum sdfu_sig_alg."""
    from imgtool import keys  # the venv's imgtool: the same code that signs the images

    k = keys.load(str(path))
    if k is None:
        raise SystemExit(f"qemu-device: key {path} is encrypted")
    name = type(k).__name__
    if name.startswith("ECDSA256P1"):
        alg = 1
    elif name.startswith("RSA"):
        alg = 2
    elif name.startswith("Ed25519"):
        alg = 3
    else:
        raise SystemExit(f"qemu-device: key {path}: {name} is not supported by the firmware")
    der = bytes(k.get_public_bytes())
    if len(der) > KEY_MAX:
        raise SystemExit(f"qemu-device: key {path}: {len(der)} bytes, more than {KEY_MAX}")
    return alg, der


def bootinfo_bytes(mode, slot, flags, boot_count, key_list):
    """struct mps2_bootinfo (port/cortex-m/board/mps2/mps2.h), little-endian."""
    algs = [a for a, _ in key_list] + [0] * (MAX_KEYS - len(key_list))
    lens = [len(d) for _, d in key_list] + [0] * (MAX_KEYS - len(key_list))
    out = struct.pack("<IIIiIII", BOOTINFO_MAGIC, BOOTINFO_VERSION, mode, slot, flags,
                      boot_count, len(key_list))
    out += struct.pack(f"<{MAX_KEYS}I", *algs) + struct.pack(f"<{MAX_KEYS}I", *lens)
    for _, der in key_list:
        out += der.ljust(KEY_MAX, b"\0")
    return out


class FlashLock:
    """The flash file's POSIX lock (as sim_flash_lock_file): held while QEMU runs, released
    while smpdfu-boot / smpdfu-device (other processes) work on the file."""

    def __init__(self, path):
        self.path = path
        self.fd = None

    def take(self):
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SystemExit(f"qemu-device: flash file {self.path} is in use by another process")
        self.fd = fd

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Launcher:
    def __init__(self, a):
        self.a = a
        self.flash = pathlib.Path(a.flash).resolve()
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="smpdfu-qemu-"))
        self.sock_path = str(self.work / "uart0.sock")
        self.bootinfo_path = self.work / "bootinfo.bin"
        self.keys = [key_entry(k) for k in a.key]
        self.lock = FlashLock(self.flash)
        self.boots = 0
        self.qemu = None
        self.conn = None
        self.to_pty = b""
        self.to_uart = b""
        self.pty_blocked_since = None
        self.log_buf = b""
        self.err_buf = b""

    # ---- flash file ---------------------------------------------------------------------
    def prepare_flash(self):
        a = self.a
        exists = self.flash.exists() and self.flash.stat().st_size > 0
        if exists and self.flash.stat().st_size != FLASH_SIZE and not a.wipe:
            raise SystemExit(f"qemu-device: flash file {self.flash} has {self.flash.stat().st_size} "
                             f"bytes but layout {LAYOUT} needs {FLASH_SIZE}; not touching it "
                             "(--wipe starts over)")
        if a.provision and (not exists or a.wipe):
            # the simulator's own provisioning (same code as smpdfu-device --provision)
            argv = [a.device, "--flash", str(self.flash), "--layout", LAYOUT, "--udp", "off",
                    "--serial", "off", "--dfu-module", "off", "--provision", str(a.provision)]
            if a.wipe:
                argv.append("--wipe")
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            line = p.stdout.readline()
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=10)
            if not line.startswith("ready") or p.returncode != 0:
                raise SystemExit(f"qemu-device: provisioning {a.provision} failed:\n{err}")
            log(f"provisioned {a.provision} into the primary slot of {self.flash}")
        elif a.provision:
            log(f"flash file {self.flash} exists: kept its contents, not provisioning {a.provision}")
        if not self.flash.exists() or self.flash.stat().st_size == 0 or a.wipe and not a.provision:
            with open(self.flash, "wb") as f:
                f.write(b"\xff" * FLASH_SIZE)
            log(f"created erased flash file {self.flash} ({FLASH_SIZE // 1024} KiB)")

    # ---- boot step ---------------------------------------------------------------------
    def boot_step(self):
        argv = [self.a.boot, "--flash", str(self.flash), "--layout", LAYOUT, "--mode", self.a.mode]
        for k in self.a.key:
            argv += ["--key", str(k)]
        if self.a.downgrade_prevention:
            argv.append("--downgrade-prevention")
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if p.returncode not in (0, 1):
            raise SystemExit(f"qemu-device: smpdfu-boot failed ({p.returncode}):\n{p.stderr}")
        res = json.loads(p.stdout.strip().splitlines()[-1])
        slot = {"primary": 0, "secondary": 1}.get(res.get("booted_slot"), -1)
        self.boots += 1
        log(f"boot #{self.boots}: smpdfu-boot {json.dumps(res)}")
        flags = (F_CONFIRM_AT_BOOT if self.a.confirm_at_boot == "on" else 0) | \
                (F_DOWNGRADE_PREVENTION if self.a.downgrade_prevention else 0)
        self.bootinfo_path.write_bytes(
            bootinfo_bytes(MODES[self.a.mode], slot, flags, self.boots, self.keys))
        return res

    # ---- QEMU ----------------------------------------------------------------------------
    def start_qemu(self, listener):
        argv = [self.a.qemu, "-M", self.a.machine, "-nodefaults", "-display", "none",
                "-monitor", "none", "-nic", "none", "-no-reboot",
                "-kernel", self.a.firmware,
                "-object", f"memory-backend-file,id=flash,mem-path={self.flash},"
                           f"size={FLASH_SIZE // (1024 * 1024)}M,share=on",
                "-machine", "memory-backend=flash",
                "-device", f"loader,file={self.bootinfo_path},addr={BOOTINFO_ADDR:#x},force-raw=on",
                "-chardev", f"socket,id=smp,path={self.sock_path}",
                "-serial", "chardev:smp", "-serial", "stdio"]
        self.qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        listener.settimeout(READY_TIMEOUT_S)
        try:
            self.conn, _ = listener.accept()
        except socket.timeout:
            err = self.qemu.stderr.read1(65536).decode(errors="replace") if self.qemu.poll() is not None else ""
            self.kill_qemu()
            raise SystemExit(f"qemu-device: QEMU did not connect its UART0:\n{err}")
        self.conn.setblocking(False)
        os.set_blocking(self.qemu.stdout.fileno(), False)
        os.set_blocking(self.qemu.stderr.fileno(), False)

    def kill_qemu(self):
        if self.qemu is not None and self.qemu.poll() is None:
            self.qemu.terminate()
            try:
                self.qemu.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.qemu.kill()
                self.qemu.wait()
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def pump_log(self, data):
        """UART1 -> stderr, line by line; returns True when the firmware's ready line passed."""
        self.log_buf += data
        ready = False
        while b"\n" in self.log_buf:
            line, self.log_buf = self.log_buf.split(b"\n", 1)
            text = line.decode(errors="replace").rstrip("\r")
            sys.stderr.write(text + "\n")
            if "INF main: ready:" in text:
                ready = True
        sys.stderr.flush()
        return ready

    # ---- main loop ---------------------------------------------------------------------
    def run(self):
        master, slave = os.openpty()
        tty.setraw(slave)
        attrs = termios.tcgetattr(slave)
        attrs[6][termios.VMIN] = 1
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        os.set_blocking(master, False)
        pty_name = os.ttyname(slave)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.sock_path)
        listener.listen(1)
        sig_r, sig_w = os.pipe()
        os.set_blocking(sig_w, False)
        signal.set_wakeup_fd(sig_w)

        def on_signal(signum, frame):
            global stop
            stop = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.prepare_flash()
        announced = False
        rc = 0
        try:
            while not stop:
                self.boot_step()
                self.lock.take()
                self.start_qemu(listener)
                booted = False
                deadline = time.monotonic() + READY_TIMEOUT_S
                qout = self.qemu.stdout.fileno()
                qerr = self.qemu.stderr.fileno()
                open_fds = {qout, qerr}
                while not stop:
                    rl = [sig_r] + list(open_fds)
                    if self.conn is not None:
                        rl.append(self.conn)
                        if booted and len(self.to_uart) < 65536:
                            rl.append(master)  # client bytes wait in the pty until the firmware runs
                    wl = []
                    if self.to_pty:
                        wl.append(master)
                    if self.to_uart and self.conn is not None:
                        wl.append(self.conn)
                    timeout = 0.1 if (self.to_pty or not booted) else None
                    r, w, _ = select.select(rl, wl, [], timeout)
                    if sig_r in r:
                        os.read(sig_r, 64)
                    if qout in r:
                        data = os.read(qout, 65536)
                        if not data:
                            open_fds.discard(qout)
                        elif self.pump_log(data) and not booted:
                            booted = True
                            if not announced:
                                print(f"ready serial={pty_name}", flush=True)
                                announced = True
                    if qerr in r:
                        data = os.read(qerr, 65536)
                        if not data:
                            open_fds.discard(qerr)
                        else:
                            self.err_buf += data
                            if b"\n" in self.err_buf:
                                text, _, rest = self.err_buf.rpartition(b"\n")
                                self.err_buf = rest
                                sys.stderr.write(quiet_qemu(text.decode(errors="replace") + "\n"))
                    if self.conn is not None and self.conn in r:
                        try:
                            data = self.conn.recv(65536)
                        except BlockingIOError:
                            data = None
                        if data == b"":
                            self.conn.close()
                            self.conn = None
                        elif data:
                            self.to_pty += data
                    if master in r:
                        try:
                            self.to_uart += os.read(master, 4096)
                        except BlockingIOError:
                            pass
                    if self.to_uart and self.conn is not None:
                        try:
                            n = self.conn.send(self.to_uart)
                            self.to_uart = self.to_uart[n:]
                        except (BlockingIOError, InterruptedError):
                            pass
                        except OSError:
                            pass  # QEMU is going away; the reset path below handles it
                    if self.to_pty:
                        self.flush_pty(master)
                    if not booted and time.monotonic() > deadline:
                        self.kill_qemu()
                        raise SystemExit("qemu-device: the firmware did not report ready")
                    if self.conn is None and not open_fds:
                        break  # QEMU is gone (reset with -no-reboot, or it died)
                if stop:
                    break
                code = self.qemu.wait()
                self.qemu = None
                self.lock.release()
                if code != 0:
                    log(f"QEMU exited with status {code}")
                    rc = 1
                    break
                log("firmware reset: boot step and restart")
                # bytes for UART0 that QEMU never took stay queued for the next start
        finally:
            self.kill_qemu()
            self.lock.release()
            listener.close()
            os.close(master)
            os.close(slave)
            for p in self.work.iterdir():
                p.unlink()
            self.work.rmdir()
        if stop:
            log("stopped (flash file kept)")
        return rc

    def flush_pty(self, master):
        try:
            n = os.write(master, self.to_pty)
            self.to_pty = self.to_pty[n:]
            self.pty_blocked_since = None
        except BlockingIOError:
            # nobody reads the pty: like a UART without a listener, output is lost
            now = time.monotonic()
            if self.pty_blocked_since is None:
                self.pty_blocked_since = now
            elif now - self.pty_blocked_since > PTY_WRITE_WAIT_S:
                self.to_pty = b""
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            self.to_pty = b""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--flash", default="smpdfu-qemu.flash",
                   help=f"flash file (layout {LAYOUT}, {FLASH_SIZE >> 20} MiB), created erased")
    p.add_argument("--provision", help="imgtool image written into the primary slot of a new flash file")
    p.add_argument("--key", action="append", default=[], help="trusted key PEM (repeatable, up to 4)")
    p.add_argument("--mode", default="swap", choices=sorted(MODES), help="bootloader mode")
    p.add_argument("--machine", default="mps2-an386", choices=sorted(MACHINES))
    p.add_argument("--confirm-at-boot", default="on", choices=("on", "off"),
                   help="the DFU module confirms the running image at boot (default on)")
    p.add_argument("--downgrade-prevention", action="store_true")
    p.add_argument("--wipe", action="store_true", help="erase the flash file first")
    p.add_argument("--firmware", required=True, help="smpdfu-fw.elf for the machine")
    p.add_argument("--boot", required=True, help="smpdfu-boot program")
    p.add_argument("--device", required=True, help="smpdfu-device program (provisioning)")
    p.add_argument("--qemu", default="qemu-system-arm")
    a = p.parse_args()
    if len(a.key) > MAX_KEYS:
        p.error(f"at most {MAX_KEYS} --key options")
    sys.exit(Launcher(a).run())


if __name__ == "__main__":
    main()
