#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Idempotent setup for a fresh machine: Debian packages, the Python venv, and the cached peer clients.
# A second run takes seconds and needs no network.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${SDFU_CACHE:-$HOME/.cache/smpdfu}
mkdir -p "$CACHE"
log() { echo "setup: $*" >&2; }

# ---- Debian packages ---------------------------------------------------------
APT_PKGS="cmake ninja-build gcc libcmocka-dev libmbedtls-dev gcc-arm-none-eabi libnewlib-arm-none-eabi
 clang libclang-rt-14-dev libudev-dev pkg-config valgrind python3-venv libsodium-dev"
# QEMU for the Cortex-M firmware tests (mps2-an386/an385); no recommended packages (no GUI stack).
APT_NORECS="qemu-system-arm"
# apt_install "PACKAGES" [apt-get install options]: install those not installed yet.
apt_install() {
  local opts=${2:-} missing=""
  for p in $1; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    log "installing Debian packages${opts:+ ($opts)}:$missing"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $opts $missing >/dev/null
  fi
}
apt_install "$APT_PKGS"
apt_install "$APT_NORECS" --no-install-recommends

# ---- Mbed TLS source for the Cortex-M firmware (the host's library, same version) -------------
# The firmware builds Mbed TLS from Debian's source package, pinned to the version of the host's
# libmbedtls-dev, fetched once into $CACHE/mbedtls (a deb-src entry is added when missing).
MBEDTLS_DEB_VERSION=2.28.3-1
MBEDTLS_SRC="$CACHE/mbedtls"
if [ ! -e "$MBEDTLS_SRC/.done-$MBEDTLS_DEB_VERSION" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    log "adding a deb-src entry for Debian $codename (/etc/apt/sources.list.d/smpdfu-src.sources)"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$codename" | $SUDO tee /etc/apt/sources.list.d/smpdfu-src.sources >/dev/null
    $SUDO apt-get update -qq >/dev/null
  fi
  log "fetching the Mbed TLS $MBEDTLS_DEB_VERSION source package into $MBEDTLS_SRC"
  rm -rf "$MBEDTLS_SRC" && mkdir -p "$MBEDTLS_SRC"
  (cd "$MBEDTLS_SRC" && apt-get source -qq "mbedtls=$MBEDTLS_DEB_VERSION" >apt-source.log 2>&1) \
    || { log "apt-get source mbedtls=$MBEDTLS_DEB_VERSION failed: $(tail -n 3 "$MBEDTLS_SRC/apt-source.log" | tr '\n' ' ')"; exit 1; }
  ln -sfn "$(cd "$MBEDTLS_SRC" && ls -d mbedtls-*/ | head -n 1)" "$MBEDTLS_SRC/src"
  touch "$MBEDTLS_SRC/.done-$MBEDTLS_DEB_VERSION"
fi

# ---- Python venv (pinned) ----------------------------------------------------
VENV="$ROOT/.venv"
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating venv with pinned requirements"
  # an existing venv (maybe a shared one behind a symlink) only gets the new pins installed
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
  echo "$want" > "$stamp"
fi

# ---- Rust peer client (crates.io), built once, cached outside the clone ----------------
# A small CLI (tests/interop/rust-peer) over the crates.io client library mcumgr-toolkit; its
# build goes to ~/.cache/smpdfu/rust-peer-target. (vouch-opensource's Rust mcumgr-client comes
# through the pinned Python package mcumgr-client-wrapper in requirements.txt. The Go mcumgr CLI
# is not installed: the module proxy reachable here refuses its dependencies.)
if command -v cargo >/dev/null; then
  "$ROOT/scripts/build-rust-peer.sh" >/dev/null || log "Rust peer unavailable (its tests will skip)"
fi

log "ok"
