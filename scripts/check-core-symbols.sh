#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fail if the core archive references allocation, stdio or socket functions.
set -eu
nm_bin=${NM:-nm}
lib=$1
bad='^(malloc|calloc|realloc|free|printf|fprintf|sprintf|snprintf|vprintf|vfprintf|vsnprintf|puts|fputs|putchar|socket|bind|connect|sendto|recvfrom|send|recv|listen|accept|poll|select|open|close|read|write|fopen|fclose|abort|exit)$'
found=$($nm_bin -u "$lib" | awk '{print $NF}' | grep -E "$bad" | sort -u || true)
if [ -n "$found" ]; then
  echo "core archive $lib references forbidden symbols:"; echo "$found"; exit 1
fi
echo "core archive $lib: no forbidden symbols ($(nm_bin=$nm_bin; $nm_bin -u "$lib" | awk '{print $NF}' | sort -u | wc -l) undefined symbols checked)"
