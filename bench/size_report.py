# SPDX-License-Identifier: Apache-2.0
"""Code size (flash, RAM per module) and worst-case stack of the core on Cortex-M.

Command (one line; needs arm-none-eabi-gcc and the zcbor sources in .venv; stdlib Python only):

    python3 bench/size_report.py [--cpu cortex-m0plus,cortex-m4,cortex-m33] [--variant smp_svr,dfu]
        [--json bench/results/size.json] [--check bench/size_budget.txt] [--stack]
        [--config HEADER]

Builds the core (the files of SDFU_CORE_SOURCES in CMakeLists.txt), zcbor, the Cortex-M reference port, bench/size_app.c and the
crypto stubs with `arm-none-eabi-gcc -mcpu=CPU -mthumb -Os -ffunction-sections -fdata-sections
-fstack-usage -fcallgraph-info=su` and the user config bench/size_config.h (Zephyr smp_svr
capacities), links them with `-Wl,--gc-sections` (newlib-nano, no startup files, bench/size_app.ld)
and attributes every linked input section to its module from the linker map (a module is a source
folder: src/smp, src/grp/img, src/util, ...; a section from an unknown object is an error; the
crypto stubs for SHA-256/signatures must not be linked in the smp_svr set: --check fails if they
are). Flash = .text +
.rodata + .data (init values), RAM = .data + .bss. Variants: smp_svr (OS + image groups, serial
transport; what Zephyr's smp_svr serial sample has) and dfu (also event bus, DFU lock, MCUmgr
DFU module, config-channel DFU). Stack: from the .su/.ci files, the deepest direct-call chain
from each entry point; an indirect call is resolved to the deepest address-taken function
(upper bound). --check compares the cortex-m4 smp_svr totals (and, with a ram_stack_max line,
static RAM + the deepest worst-case stack) with a budget file
(`flash_max N` / `ram_max N` lines) and exits 1 when over.
"""
import argparse
import concurrent.futures as cf
import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def _zcbor_dir():
    """zcbor's C sources: $SDFU_ZCBOR_DIR, else the zcbor package in .venv (as cmake/zcbor.cmake)."""
    env = os.environ.get("SDFU_ZCBOR_DIR")
    if env:
        return pathlib.Path(env)
    found = sorted(ROOT.glob(".venv/lib/python3*/site-packages/zcbor"))
    if not found:
        raise SystemExit("zcbor not found: run scripts/setup.sh (or set SDFU_ZCBOR_DIR)")
    return found[-1]


ZCBOR = _zcbor_dir()

# Modules are the source folders (the layout in docs/DESIGN.md / design.md: one folder per
# module, src/grp/<group> per SMP group), so the map cannot go stale: a moved or new file is
# counted in its folder's row. Every linked object must come from one of the sources below;
# anything else (an unknown object file) is an error, never a silent "other" row.
LABELS = {  # optional friendlier labels; a folder without one is shown by its path
    "src/smp": "SMP core (src/smp)",
    "src/grp/os": "OS group (src/grp/os)",
    "src/grp/img": "image group (src/grp/img)",
    "src/grp/enum": "enum group (src/grp/enum)",
    "src/transport": "transports (src/transport: serial, UDP)",
    "src/util": "codecs (src/util: base64, CRC-16, CRC-32)",
    "src/flash": "flash areas + stream writer (src/flash)",
    "src/boot": "boot helpers (src/boot)",
    "src/evt": "event bus, module state, timers (src/evt)",
    "src/dfu": "DFU lock and modules (src/dfu)",
    "src/ble": "BLE reassembly, BLE latency (src/ble)",
    "src/stack": "composition root (src/stack)",
    "zcbor": "zcbor",
    "port/cortex-m": "Cortex-M port (port/cortex-m)",
    "bench/size_crypto_stub.c": "crypto port stubs (bench; must be 0 in the smp_svr set)",
    "bench/size_app.c": "application statics + drivers (bench/size_app.c)",
    "lto": "link-time optimised code (all modules merged, --lto)",
    "src+zcbor (LTO)": "core + zcbor as one LTO unit (--lto-core)",
}
# What the library (the counted set) is: every core folder and zcbor; the port, the
# application and libc are the product's. The report lists the folders that linked code.
LIBRARY_PREFIXES = ("src/", "zcbor", "src+zcbor")
CPUS = {"cortex-m0plus": "v6-m/nofp", "cortex-m4": "v7e-m/nofp", "cortex-m33": "v8-m.main/nofp"}


def cmake_list(var):
    """The files of `sdfu_sources(<var> <folder> ...)` in CMakeLists.txt: the same explicit list
    the CMake build compiles (cmake/sources.cmake refuses a .c file in that folder that no
    list names), so the size build and the library never differ."""
    text = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"sdfu_sources\(\s*" + var + r"\s+(\S+)((?:\s+[^\s)]+)*)\s*\)", text)
    if not m:
        raise SystemExit(f"size_report: no sdfu_sources({var} ...) in CMakeLists.txt")
    folder = m.group(1)
    words = [w for w in m.group(2).split() if w not in ("RECURSE",)]
    if "ELSEWHERE" in words:
        words = words[:words.index("ELSEWHERE")]
    return [ROOT / folder / w for w in words]


def sources():
    core = sorted(cmake_list("SDFU_CORE_SOURCES"))
    z = [ZCBOR / "src" / f for f in ("zcbor_common.c", "zcbor_decode.c", "zcbor_encode.c")]
    port = sorted(cmake_list("SDFU_CM_SOURCES"))
    bench = [BENCH / "size_app.c", BENCH / "size_crypto_stub.c"]
    return core + z + port + bench


def rel(p):
    p = pathlib.Path(p)
    if str(p).startswith(str(ZCBOR)):
        return "zcbor/" + p.name  # (no leading-dot .venv__... object names)
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return "zcbor/" + p.name if "zcbor" in str(p) else str(p)


def module_of(relpath):
    """The module (folder) of a source path relative to ROOT, e.g. src/grp/img, src/util."""
    parts = relpath.split("/")
    if parts[0] == "zcbor":
        return "zcbor"
    if parts[0] == "src" and len(parts) >= 3:
        return "/".join(parts[:3]) if parts[1] == "grp" and len(parts) >= 4 else "/".join(parts[:2])
    if relpath.startswith("port/cortex-m/"):
        return "port/cortex-m"
    if relpath.startswith("bench/"):
        return relpath
    raise SystemExit(f"size_report: no module for {relpath} (add its folder to sources())")


CONFIG = BENCH / "size_config.h"
LTO = False  # --lto: link-time optimisation (module attribution is then approximate)
LTO_CORE = False  # --lto-core: the library (core + zcbor) as one LTO unit, app/port/libc not


def compile_all(cpu, variant, outdir):
    outdir.mkdir(parents=True, exist_ok=True)
    flags = ["-mcpu=" + cpu, "-mthumb", "-Os", "-ffunction-sections", "-fdata-sections",
             "-fstack-usage", "-fcallgraph-info=su", "-std=c11", "-Wall", "-Wextra",
             "-Wno-unused-parameter", f'-DSDFU_CONFIG_FILE="{CONFIG}"',
             f"-DSIZE_APP_DFU={1 if variant == 'dfu' else 0}",
             "-I" + str(ROOT / "include"), "-I" + str(ROOT / "src"), "-isystem",
             str(ZCBOR / "include")] + (["-flto"] if LTO else [])
    lib_flags = ["-flto"] if LTO_CORE else []
    jobs = []
    objmap = {}
    for src in sources():
        r = rel(src)
        obj = outdir / (r.replace("/", "__") + ".o")
        objmap[obj.name] = r
        extra = ["-fno-strict-aliasing"] if "zcbor" in r else []
        if r.startswith(LIBRARY_PREFIXES):
            extra += lib_flags
        jobs.append(["arm-none-eabi-gcc", *flags, *extra, "-c", str(src), "-o", str(obj)])

    def run(cmd):
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=outdir)
        if p.returncode != 0:
            raise SystemExit(f"compile failed: {' '.join(cmd)}\n{p.stderr}")
        return p.stderr

    with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        list(ex.map(run, jobs))
    return objmap


def link(cpu, outdir):
    objs = sorted(str(p) for p in outdir.glob("*.o"))
    if LTO_CORE:
        # The library's objects, optimised together into one relocatable object (what a
        # product gets from an LTO-built libsmpdfu); the final link keeps --gc-sections.
        lib = [o for o in objs if pathlib.Path(o).name.startswith(("src__", "zcbor__"))]
        core = outdir / "core_lto.o"
        p = subprocess.run(["arm-none-eabi-gcc", "-mcpu=" + cpu, "-mthumb", "-Os", "-flto", "-r",
                            "-ffunction-sections", "-fdata-sections", "-flinker-output=nolto-rel",
                            "-nostdlib", "-o", str(core), *lib], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"LTO partial link failed:\n{p.stderr}")
        objs = [o for o in objs if o not in lib] + [str(core)]
    elf = outdir / "app.elf"
    mp = outdir / "app.map"
    cmd = ["arm-none-eabi-gcc", "-mcpu=" + cpu, "-mthumb", "-Os", *(["-flto"] if LTO else []),
           "-nostartfiles",
           "--specs=nano.specs", "--specs=nosys.specs", "-T", str(BENCH / "size_app.ld"),
           "-Wl,--gc-sections", f"-Wl,-Map={mp}", "-o", str(elf), *objs]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"link failed:\n{p.stderr}")
    return elf, mp


def parse_map(mp, objmap):
    """{module: {"flash": n, "ram": n}} from the linker map; libc/libgcc as 'libc'."""
    text = mp.read_text()
    text = text[text.index("Linker script and memory map"):]
    out = {}
    outsec = None
    pending = None
    rx_in = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    rx_cont = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    for line in text.splitlines():
        m = re.match(r"^(\.\S+|/DISCARD/)\s", line) or re.match(r"^(\.\S+|/DISCARD/)$", line)
        if m:
            outsec = m.group(1)
            pending = None
            continue
        m = rx_in.match(line)
        if m:
            name, size, src = m.group(1), int(m.group(3), 16), m.group(4)
        else:
            m2 = re.match(r"^ (\S+)$", line)
            if m2 and not line.startswith(" *"):
                pending = m2.group(1)
                continue
            m = rx_cont.match(line)
            if not (m and pending):
                pending = None
                continue
            name, size, src = pending, int(m.group(2), 16), m.group(3)
            pending = None
        if outsec in (None, "/DISCARD/") or name.startswith("*") or size == 0:
            continue
        if outsec not in (".text", ".data", ".bss", ".ARM.exidx"):
            continue
        base = pathlib.Path(src.split("(")[0]).name
        fname = None
        if base in objmap:
            mod = module_of(objmap[base])
            fname = objmap[base]
        elif "libc" in src or "libgcc" in src or "libnosys" in src:
            mod = "libc"
        elif base == "core_lto.o" and LTO_CORE:
            mod = "src+zcbor (LTO)"
        elif LTO and "ltrans" in src:
            mod = "lto"  # whole-program output: modules merged (totals only)
        else:
            raise SystemExit(f"size_report: linked section {name} from {src} has no module")
        d = out.setdefault(mod, {"flash": 0, "ram": 0, "text": 0, "data": 0, "bss": 0,
                                 "files": {}})
        if fname is not None and outsec != ".bss":
            d["files"][fname] = d["files"].get(fname, 0) + size
        if outsec in (".text", ".ARM.exidx"):
            d["flash"] += size
            d["text"] += size
        elif outsec == ".data":
            d["flash"] += size
            d["ram"] += size
            d["data"] += size
        else:
            d["ram"] += size
            d["bss"] += size
    return out


def ram_symbols(elf, top=15):
    p = subprocess.run(["arm-none-eabi-nm", "--size-sort", "-S", "-r", str(elf)],
                       capture_output=True, text=True, check=True)
    rows = []
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "bBdD":
            rows.append((f[3], int(f[1], 16)))
    return rows[:top]


# ---- stack: .su + .ci ------------------------------------------------------------------
def stack_analysis(outdir, elf):
    nodes = {}   # title -> (name, bytes, qualifier, source file)
    edges = {}   # title -> set(target titles)
    for ci in outdir.glob("*.ci"):
        for line in ci.read_text(errors="replace").splitlines():
            m = re.match(r'node: \{ title: "([^"]+)" label: "([^"\\]+)\\n([^"\\]*?):\d+:\d+\\n(\d+) bytes \(([^)]+)\)"',
                         line)
            if m:
                nodes[m.group(1)] = (m.group(2), int(m.group(4)), m.group(5), rel(m.group(3)))
                continue
            m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
            if m:
                edges.setdefault(m.group(1), set()).add(m.group(2))
    linked = set()
    p = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True)
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tT":
            linked.add(f[2])
    linked_base = {n.split(".")[0] for n in linked}
    by_name = {}
    for t, (name, _, _, _) in nodes.items():
        by_name.setdefault(name, t)
        if ":" not in t:
            by_name[name] = t
    # Address-taken functions (indirect call candidates): functions referenced by R_ARM_ABS32
    # relocations (tables of handlers, vtables, callbacks passed as arguments) that were linked.
    taken = set()
    for obj in outdir.glob("*.o"):
        p = subprocess.run(["arm-none-eabi-readelf", "-rW", str(obj)], capture_output=True,
                           text=True)
        for line in p.stdout.splitlines():
            if "R_ARM_ABS32" not in line:
                continue
            sym = line.split()[-1] if "+" not in line else line.split()[-3]
            sym = re.sub(r"^\.text\.", "", sym)
            if sym in by_name and sym.split(".")[0] in linked_base:
                taken.add(by_name[sym])

    def src_of(t):
        return nodes[t][3] if t in nodes else ""

    def resolve(t):
        if t in nodes:
            return t
        return by_name.get(t.split(":")[-1])

    # Call sites whose function-pointer type has only these implementers (read from the
    # code): the serial decoder calls its frame callback (sdfu_serial_frame_fn: the serial
    # endpoint's serial_on_frame, or an application's), the encoder its byte output
    # (sdfu_serial_out_fn: the application's UART), the Cortex-M port's reset the board's
    # pre-reset hook. Without this, "any transport function" let the decoder "call" the
    # encoder and the encoder "call" the decoder: a chain that cannot happen.
    by_caller = {
        "sdfu_serial_rx_feed": ("src/transport/serial_ep.c", "bench/"),
        "sdfu_serial_tx_frame": ("bench/",),
        "sdfu_port_reset": ("bench/",),
    }

    def candidates(caller):
        """Indirect-call targets for a call made in `caller`, by the kind of call site."""
        f, name = src_of(caller), nodes[caller][0]
        if name in by_caller:
            kinds = by_caller[name]
        elif f == "src/flash/flash_area.c":          # flash device read/write/erase
            kinds = ("bench/",)
        elif f.startswith("src/smp/") and "cb" in name:   # SMP callbacks (veto hooks)
            kinds = ("src/dfu/", "bench/")
        elif f.startswith("src/smp/"):              # group handlers, translate, transport tx
            kinds = ("src/grp/", "src/transport/", "src/smp/")
        elif f.startswith("src/transport/"):        # frame callbacks, byte output
            kinds = ("src/transport/", "bench/")
        elif f.startswith("src/evt/evt.c") or f.startswith("src/dfu/"):
            kinds = ("src/dfu/", "src/evt/")        # event subscribers, lock owner callbacks
        elif f == "src/evt/timer.c":                # timer callbacks
            kinds = ("src/grp/", "src/dfu/", "bench/")
        else:                                       # the rest: anything linked
            kinds = ("",)
        return sorted(c for c in taken if src_of(c).startswith(kinds))

    memo = {}
    visiting = set()

    def worst(t):
        """Deepest chain from t; a call back into a function being visited counts 0 (the
        core has no recursion; such loops only come from the indirect-call approximation)."""
        if t in memo:
            return memo[t]
        if t in visiting:
            return (0, [])
        visiting.add(t)
        own = nodes[t][1] if t in nodes else 0
        best = (0, [])
        for tgt in sorted(edges.get(t, ())):
            cands = [(c, "(indirect) ") for c in candidates(t)] if tgt == "__indirect_call" \
                else [(resolve(tgt), "")]
            for c, tag in cands:
                if c is None or c == t:
                    continue  # libc/builtins are not in the graph
                w = worst(c)
                if w[0] > best[0]:
                    best = (w[0], ([tag + w[1][0]] + w[1][1:]) if w[1] else [])
        visiting.discard(t)
        res = (own + best[0], [nodes[t][0] if t in nodes else t] + best[1])
        memo[t] = res
        return res

    entries = ["main", "sdfu_serial_feed", "sdfu_udp_rx", "sdfu_smp_process", "sdfu_timer_process",
               "sdfu_evt_submit", "sdfu_dfu_cfgchan_data", "sdfu_dfu_cfgchan_boot",
               "sdfu_dfu_mcumgr_start"]
    out = []
    for e in entries:
        t = by_name.get(e)
        if t is None or e not in linked:
            continue
        own = nodes[t][1]
        total, chain = worst(t)
        out.append({"entry": e, "own": own, "worst": total,
                    "chain": " > ".join(c.strip() for c in chain if c.strip())[:300]})
    live = [v for v in nodes.values() if v[0].split(".")[0] in linked_base]
    deepest = sorted(((v[1], v[0]) for v in live), reverse=True)[:10]
    nonstatic = sorted({v[0] + " (" + v[2] + ")" for v in live if v[2] != "static"})
    return out, deepest, nonstatic


def fmt_table(headers, rows):
    w = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(str(h).ljust(w[i]) for i, h in enumerate(headers)) + " |",
             "|" + "|".join("-" * (x + 2) for x in w) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c).ljust(w[i]) for i, c in enumerate(r)) + " |")
    return "\n".join(lines)


def measure(cpu, variant, builddir, want_stack):
    outdir = builddir / f"{cpu}-{variant}"
    for p in outdir.glob("*"):
        p.unlink()
    objmap = compile_all(cpu, variant, outdir)
    elf, mp = link(cpu, outdir)
    mods = parse_map(mp, objmap)
    sz = subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True,
                        check=True).stdout.splitlines()[1].split()
    text, data, bss = int(sz[0]), int(sz[1]), int(sz[2])
    res = {"cpu": cpu, "variant": variant, "elf": str(elf), "modules": mods,
           "elf_text": text, "elf_data": data, "elf_bss": bss,
           "flash_total": text + data, "ram_total": data + bss,
           "ram_symbols": ram_symbols(elf)}
    tset = [m for m in mods if m.startswith(LIBRARY_PREFIXES)]
    res["target_set"] = sorted(tset)
    res["target_set_flash"] = sum(mods[m]["flash"] for m in tset)
    res["target_set_ram_core"] = sum(mods[m]["ram"] for m in tset)
    res["app_ram"] = mods.get("bench/size_app.c", {}).get("ram", 0)
    # A stub is never counted: the smp_svr set must link none of the crypto port stubs.
    res["stub_flash"] = mods.get("bench/size_crypto_stub.c", {}).get("flash", 0)
    if want_stack:
        res["stack"], res["deepest_frames"], res["non_static_frames"] = stack_analysis(outdir, elf)
    return res


def module_order(keys):
    """Library folders first (in LABELS order, then others by name), then port, app, libc."""
    known = [k for k in LABELS if k in keys]
    rest = sorted(k for k in keys if k not in LABELS and k != "libc")
    lib = [k for k in known + rest if k.startswith(LIBRARY_PREFIXES)]
    return lib + [k for k in known + rest if k not in lib] + (["libc"] if "libc" in keys else [])


def files_of(m):
    return ", ".join(f"{pathlib.Path(f).name} {n}" for f, n in
                     sorted(m.get("files", {}).items(), key=lambda x: -x[1]) if n)


def report(res):
    mods = res["modules"]
    labels = dict(LABELS, libc="newlib-nano / libgcc (memcpy, memset, ...)")
    rows = [[labels.get(k, k), mods[k]["text"], mods[k]["data"], mods[k]["bss"], mods[k]["flash"],
             mods[k]["ram"], files_of(mods[k])[:90]] for k in module_order(mods)]
    rows.append(["TOTAL (arm-none-eabi-size of app.elf)", res["elf_text"], res["elf_data"],
                 res["elf_bss"], res["flash_total"], res["ram_total"], ""])
    print(f"\n### {res['cpu']}, variant {res['variant']} (-Os -mthumb, --gc-sections"
          f"{', -flto' if LTO else ''}{', library with -flto' if LTO_CORE else ''})\n")
    print(fmt_table(["module", "text+rodata", "data", "bss", "flash", "RAM", "files (flash)"], rows))
    if LTO:
        print("\nWith --lto the modules are merged: only the totals above are meaningful.")
    else:
        print(f"\nThe set (every linked core folder and zcbor: {', '.join(res['target_set'])}; "
              f"base64 and CRC-16 are real core code in src/util): flash {res['target_set_flash']} B; RAM in "
              f"those modules {res['target_set_ram_core']} B + caller-owned objects in the app "
              f"{res['app_ram']} B = {res['target_set_ram_core'] + res['app_ram']} B. "
              + ("No stub is linked." if res["stub_flash"] == 0 else
                 f"WARNING: {res['stub_flash']} B of crypto port stubs are linked (not a real "
                 "figure)."))
    print("\nLargest RAM symbols (nm --size-sort):\n")
    print(fmt_table(["symbol", "bytes"], [list(r) for r in res["ram_symbols"]]))
    if "stack" in res:
        print("\nWorst-case stack per entry point (bytes; -fstack-usage + -fcallgraph-info, "
              "indirect calls = deepest address-taken function):\n")
        print(fmt_table(["entry", "own frame", "worst case", "deepest chain"],
                        [[s["entry"], s["own"], s["worst"], s["chain"]] for s in res["stack"]]))
        print("\nLargest single frames: " + ", ".join(f"{n} {b} B" for b, n in res["deepest_frames"]))
        if res["non_static_frames"]:
            print("Frames that are not static (dynamic/bounded): " + ", ".join(res["non_static_frames"]))
    sys.stdout.flush()


def summary(results):
    """Flash / RAM per module, one column pair per CPU and variant."""
    labels = dict(LABELS, libc="newlib-nano / libgcc")
    order = module_order({k for r in results for k in r["modules"]})
    cols = [(r["cpu"].replace("cortex-", ""), r["variant"], r) for r in results]
    head = ["module"] + [f"{c} {v} flash/RAM" for c, v, _ in cols]
    rows = []
    for k in order:
        if not any(k in r["modules"] for _, _, r in cols):
            continue
        rows.append([labels.get(k, k)] + [f"{r['modules'][k]['flash']} / {r['modules'][k]['ram']}"
                                   if k in r["modules"] else "-" for _, _, r in cols])
    rows.append(["TOTAL"] + [f"{r['flash_total']} / {r['ram_total']}" for _, _, r in cols])
    rows.append(["the set (core folders + zcbor)"] + [
        f"{r['target_set_flash']} / {r['target_set_ram_core'] + r['app_ram']}" for _, _, r in cols])
    print("\n### Summary (bytes, flash / RAM)\n")
    print(fmt_table(head, rows))


def read_budget(path):
    b = {}
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            k, v = line.split()
            b[k] = int(v)
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpu", default="cortex-m0plus,cortex-m4,cortex-m33")
    ap.add_argument("--variant", default="smp_svr,dfu")
    ap.add_argument("--json", default=str(BENCH / "results" / "size.json"))
    ap.add_argument("--builddir", default=str(ROOT / "build" / "size"))
    ap.add_argument("--check", help="budget file; checks cortex-m4 smp_svr")
    ap.add_argument("--stack", action="store_true", help="also compute worst-case stack")
    ap.add_argument("--quiet", action="store_true", help="only the check result")
    ap.add_argument("--config", help="user config header instead of bench/size_config.h "
                    "(e.g. one that includes it and overrides a macro, to size an option)")
    ap.add_argument("--lto-core", action="store_true", help="build the library (core + zcbor) "
                    "as one LTO unit (one relocatable object), the app and port without LTO; the "
                    "library is then one row")
    ap.add_argument("--lto", action="store_true", help="compile and link with -flto "
                    "(totals only: LTO merges functions across modules)")
    a = ap.parse_args()
    if a.lto:
        global LTO
        LTO = True
    if a.lto_core:
        global LTO_CORE
        LTO_CORE = True
    if a.config:
        global CONFIG
        CONFIG = pathlib.Path(a.config).resolve()
    if a.check and "ram_stack_max" in read_budget(a.check):
        a.stack = True  # the budget also bounds RAM + worst-case stack
    results = []
    for cpu in a.cpu.split(","):
        for v in a.variant.split(","):
            r = measure(cpu, v, pathlib.Path(a.builddir).resolve(), a.stack)
            results.append(r)
            if not a.quiet:
                report(r)
    if len(results) > 1 and not a.quiet:
        summary(results)
    if a.json:
        p = pathlib.Path(a.json)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(results, indent=1))
    if a.check:
        b = read_budget(a.check)
        r = next((x for x in results if x["cpu"] == "cortex-m4" and x["variant"] == "smp_svr"), None)
        if r is None:
            raise SystemExit("--check needs --cpu cortex-m4 --variant smp_svr")
        bad = []
        if r["stub_flash"]:
            print(f"size budget: {r['stub_flash']} B of crypto stubs linked: the figure is not real")
            bad.append("stub")
        checks = [("flash", r["flash_total"]), ("ram", r["ram_total"])]
        if "stack" in r:
            worst = max((x["worst"] for x in r["stack"]), default=0)
            checks.append(("ram_stack", r["ram_total"] + worst))
        for key, val in checks:
            lim = b.get(key + "_max")
            status = "ok" if lim is None or val <= lim else "OVER"
            print(f"size budget: cortex-m4 smp_svr {key} {val} B (budget {lim} B): {status}")
            if status == "OVER":
                bad.append(key)
        if bad:
            print("size budget exceeded: if the growth is intended, raise the numbers in "
                  f"{a.check} in the same change and say why in docs/BENCHMARKS.md")
            sys.exit(1)


if __name__ == "__main__":
    main()
