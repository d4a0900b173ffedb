#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Full power-loss matrix: every cut point of every scenario x geometry x boot mode x cut type,
# then a table (scenario x geometry x mode: ops, cut points, random runs, failures) and the runtime.
#
# Usage: scripts/powerloss-full.sh [build-dir]   (default build/powerloss-rel, an optimised build)
# Env:   SDFU_PL_ONLY=<id or prefix>  restrict (same ids as the tests print)
#        SDFU_PL_RANDOM=<n>           random multi-cut seeds per group (default 4 in full mode)
#        JOBS=<n>                     run the two executables in parallel (default 2)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bdir="${1:-$root/build/powerloss-rel}"
log="$bdir/powerloss-full"
mkdir -p "$log"

if [ ! -f "$bdir/build.ninja" ] && [ ! -f "$bdir/Makefile" ]; then
	# preset powerloss-rel: Release flags; the few -O3-only false-positive warnings are not errors
	(cd "$root" && cmake --preset powerloss-rel -B "$bdir" >/dev/null)
fi
cmake --build "$bdir" --target test_swap_powerloss test_dfu_powerloss >/dev/null

export SDFU_PL_FULL=1 SDFU_PL_VERBOSE=1
export SDFU_TEST_TMP="$bdir/test-tmp" SDFU_VENV="${SDFU_VENV:-$root/.venv}"
mkdir -p "$SDFU_TEST_TMP"

start=$(date +%s)
status=0
pids=()
for t in test_swap_powerloss test_dfu_powerloss; do
	( /usr/bin/time -f "$t: %e s wall, %M KiB max RSS" "$bdir/$t" >"$log/$t.out" 2>"$log/$t.err"; echo $? >"$log/$t.rc" ) &
	pids+=($!)
	if [ "${JOBS:-2}" = 1 ]; then wait "${pids[-1]}"; fi
done
wait "${pids[@]}" || true
end=$(date +%s)

for t in test_swap_powerloss test_dfu_powerloss; do
	rc=$(cat "$log/$t.rc")
	[ "$rc" = 0 ] || status=1
	echo "$t: exit $rc; $(grep -h "cut points" "$log/$t.err" | tail -1)"
	grep -h " s wall" "$log/$t.err" || true
done
echo

# Both print "PLROW scenario geom mode cut ops=N cuts=M seeds=S failed=F" per group (pl_runner.c).
# Failures are the "POWERLOSS FAILURE id=..." lines, attributed to their group by id prefix.
python3 - "$log" <<'EOF'
import collections, re, sys, os
log = sys.argv[1]
rows = collections.OrderedDict()
fails = collections.Counter()
for t in ("test_swap_powerloss", "test_dfu_powerloss"):
    p = os.path.join(log, t + ".err")
    if not os.path.exists(p):
        continue
    for line in open(p, errors="replace"):
        m = re.match(r"PLROW (\S+) (\S+) (\S+) (\S+) ops=(\d+) cuts=(\d+) seeds=(\d+) failed=(\d+)", line)
        if m:
            k = (m[1], m[2], m[3])
            r = rows.setdefault(k, [0, 0, 0, 0, set()])
            r[0] = max(r[0], int(m[5])); r[1] += int(m[6]); r[2] += int(m[7]); r[3] += int(m[8]); r[4].add(m[4])
            continue
        m = re.match(r"POWERLOSS FAILURE id=([^: ]+):([^: ]+):([^: ]+):", line)
        if m and "PLROW" not in line:
            fails[(m[1], m[2], m[3])] += 1
print("| scenario | geometry | mode | ops (clean run) | cut types | cut points | random multi-cut runs | failures |")
print("|---|---|---|---:|---|---:|---:|---:|")
tot = [0, 0, 0]
for k, r in rows.items():
    f = max(r[3], fails.get(k, 0))
    tot[0] += r[1]; tot[1] += r[2]; tot[2] += f
    print(f"| {k[0]} | {k[1]} | {k[2]} | {r[0]} | {len(r[4])} | {r[1]} | {r[2]} | {f} |")
print(f"| **total** ({len(rows)} rows) | | | | | {tot[0]} | {tot[1]} | {tot[2]} |")
EOF
echo
echo "runtime: $((end - start)) s (build dir $bdir, logs in $log)"
grep -h "POWERLOSS FAILURE" "$log"/*.err | head -20 || true
exit $status
