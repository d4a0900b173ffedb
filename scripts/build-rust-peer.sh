#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds tests/interop/rust-peer (the mcumgr-toolkit based Rust SMP peer) idempotently and
# prints the binary path on stdout. Build output goes to a log file, never to stdout.
#
# The target dir lives outside the clone (default ~/.cache/smpdfu/rust-peer-target) so fresh
# clones reuse the build. The build is skipped when the binary is newer than the peer's
# sources, Cargo.toml and Cargo.lock. Exit status: 0 built or up to date, 1 cargo missing or
# build failed (reason on stderr; interop tests then skip).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER="$ROOT/tests/interop/rust-peer"
CACHE=${SDFU_CACHE:-$HOME/.cache/smpdfu}
export CARGO_TARGET_DIR=${SDFU_RUST_PEER_TARGET:-$CACHE/rust-peer-target}
BIN="$CARGO_TARGET_DIR/release/smpdfu-rust-peer"
LOG="$CACHE/rust-peer-build.log"
err() { echo "build-rust-peer: $*" >&2; }

if [ -x "$BIN" ] && [ -z "$(find "$PEER/src" "$PEER/Cargo.toml" "$PEER/Cargo.lock" \
      -newer "$BIN" -print -quit 2>/dev/null)" ] && [ -e "$PEER/Cargo.lock" ]; then
  echo "$BIN"
  exit 0
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  err "cargo not found (install Rust >= 1.89); the Rust peer tests will skip"
  exit 1
fi

mkdir -p "$CACHE"
LOCKED=--locked
if [ ! -e "$PEER/Cargo.lock" ]; then
  err "warning: $PEER/Cargo.lock missing; resolving versions (commit the generated lock file)"
  LOCKED=
fi

start=$(date +%s)
if ! (cd "$PEER" && cargo build --release $LOCKED) >"$LOG" 2>&1; then
  err "cargo build failed; last lines of $LOG:"
  tail -n 15 "$LOG" >&2
  exit 1
fi
# cargo may skip relinking when only timestamps changed; mark the binary fresh.
touch "$BIN"
err "built in $(( $(date +%s) - start )) s (log: $LOG)"
echo "$BIN"
