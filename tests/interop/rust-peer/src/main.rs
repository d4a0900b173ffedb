// SPDX-License-Identifier: Apache-2.0
//! smpdfu-rust-peer: drives an MCUmgr/SMP device (normally smpdfu-device) through the
//! third-party `mcumgr-toolkit` client library and prints one JSON object per line.
//!
//! All SMP framing, CBOR and transport code is the library's own; this program only parses
//! its command line, calls the library and reports results. See `usage()` for the CLI.

use std::{
    io::Write,
    process::ExitCode,
    time::{Duration, Instant},
};

use mcumgr_toolkit::{
    MCUmgrClient,
    bootloader::{BootloaderInfo, BootloaderType},
    client::{FirmwareUpdateError, FirmwareUpdateParams, FirmwareUpdateStep, MCUmgrClientError},
    commands::image::ImageState,
    connection::ExecuteError,
    mcuboot,
    smp_errors::{DeviceError, MCUmgrErr},
    transport::{ReceiveError, SendError},
};
use serde_json::{Map, Value, json};

/// Exit codes (stable: pytest relies on them).
const EXIT_OK: u8 = 0;
const EXIT_ERROR: u8 = 1; // local error: file, image parse, bad reply, library error
const EXIT_USAGE: u8 = 2; // bad command line
const EXIT_DEVICE: u8 = 3; // the device answered with an SMP error (rc / err)
const EXIT_TRANSPORT: u8 = 4; // timeout or transport failure (no usable answer)

const USAGE: &str = "\
usage: smpdfu-rust-peer (--serial PATH [--baud N] | --udp HOST:PORT) [options] COMMAND [ARGS]
       smpdfu-rust-peer image-info FILE
       smpdfu-rust-peer --version | --help

Transport (exactly one; not needed for image-info):
  --serial PATH        SMP over console framing (base64 + CRC16 lines) on a tty/pty
  --baud N             serial baud rate (default 115200; irrelevant for a pty)
  --udp HOST:PORT      SMP over UDP, one frame per datagram

Options:
  --timeout-ms N       per-request timeout (default 5000)
  --retries N          library retries after a transport error (default 0 = one try)
  --frame-size N       max SMP frame size the client sends (default: ask the device
                       with MCUmgr params for upload/update, else library default 384)
  --no-auto-frame      do not query MCUmgr params; keep the library default 384
  --no-progress        do not print upload progress lines
  -v, --verbose        library debug log on stderr (repeat for trace)

Commands (each prints one JSON result line; errors print {\"ok\":false,...}):
  echo TEXT                  OS echo (0/0)
  params                     MCUmgr parameters (0/6): buf_size, buf_count
  app-info [FORMAT]          OS application info (0/7)
  bootloader-info            bootloader info (0/8)
  image-list                 image state read (1/0): slot, version, hash, flags
  upload FILE [--image N] [--upgrade-only]
                             image upload (1/1) with progress lines
  test HASH|FILE             image state write confirm=false (1/0)
  confirm [HASH|FILE]        image state write confirm=true (1/0); no hash = running image
  reset [--force] [--boot-mode N]
                             OS reset (0/5)
  erase [SLOT]               image erase (1/5); no slot = device default (1)
  slot-info                  image slot info (1/6)
  update FILE [--confirm] [--no-reboot] [--upgrade-only] [--bootloader mcuboot]
                             library's high-level firmware_update flow
  image-info FILE            parse an MCUboot image locally (version, TLV hash)

HASH is hex (the MCUboot SHA-256 TLV, as printed by image-list); FILE is an
imgtool-signed image, whose TLV hash is used.
Exit codes: 0 ok, 1 local/other error, 2 usage, 3 device SMP error, 4 timeout/transport.";

/// An error to report: message, exit code and optional structured device error.
struct Failure {
    code: u8,
    kind: &'static str,
    message: String,
    device: Option<Value>,
}

impl Failure {
    fn usage(msg: impl Into<String>) -> Self {
        Failure {
            code: EXIT_USAGE,
            kind: "usage",
            message: msg.into(),
            device: None,
        }
    }
    fn local(msg: impl Into<String>) -> Self {
        Failure {
            code: EXIT_ERROR,
            kind: "local",
            message: msg.into(),
            device: None,
        }
    }
}

/// Joins an error and its `source()` chain into one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        s.push_str(": ");
        s.push_str(&e.to_string());
        cur = e.source();
    }
    s
}

fn device_error_json(d: &DeviceError) -> Value {
    match d {
        DeviceError::V1 { rc, rsn } => json!({
            "version": 1, "rc": rc, "rsn": rsn, "name": MCUmgrErr::err_to_string(*rc),
            "text": d.to_string(),
        }),
        DeviceError::V2 { group, rc } => json!({
            "version": 2, "group": group, "rc": rc, "text": d.to_string(),
        }),
    }
}

fn exec_failure(context: &str, e: &ExecuteError, full: String) -> Failure {
    let (code, kind, device) = match e {
        ExecuteError::ErrorResponse(d) => (EXIT_DEVICE, "device", Some(device_error_json(d))),
        ExecuteError::ReceiveFailed(ReceiveError::Timeout)
        | ExecuteError::SendFailed(SendError::Timeout) => (EXIT_TRANSPORT, "timeout", None),
        ExecuteError::ReceiveFailed(_) | ExecuteError::SendFailed(_) => {
            (EXIT_TRANSPORT, "transport", None)
        }
        _ => (EXIT_ERROR, "protocol", None),
    };
    Failure {
        code,
        kind,
        message: format!("{context}: {full}"),
        device,
    }
}

fn client_failure(context: &str, e: &MCUmgrClientError) -> Failure {
    let full = chain(e);
    match e {
        MCUmgrClientError::ExecuteError(inner) => exec_failure(context, inner, full),
        _ => Failure {
            code: EXIT_ERROR,
            kind: "client",
            message: format!("{context}: {full}"),
            device: None,
        },
    }
}

fn update_failure(e: &FirmwareUpdateError) -> Failure {
    use FirmwareUpdateError as F;
    let inner = match e {
        F::BootloaderDetectionFailed(c)
        | F::GetStateFailed(c)
        | F::ImageUploadFailed(c)
        | F::SetStateFailed(c)
        | F::RebootFailed(c) => Some(c),
        _ => None,
    };
    match inner {
        Some(c) => {
            let mut f = client_failure("update", c);
            f.message = format!("update: {}", chain(e));
            f
        }
        None => Failure {
            code: EXIT_ERROR,
            kind: "update",
            message: format!("update: {}", chain(e)),
            device: None,
        },
    }
}

/// Prints one JSON object as a line on stdout and flushes (pytest reads line by line).
fn emit(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn image_state_json(s: &ImageState) -> Value {
    let mut flags = Vec::new();
    for (set, name) in [
        (s.bootable, "bootable"),
        (s.pending, "pending"),
        (s.confirmed, "confirmed"),
        (s.active, "active"),
        (s.permanent, "permanent"),
    ] {
        if set {
            flags.push(name);
        }
    }
    json!({
        "image": s.image, "slot": s.slot, "version": s.version,
        "hash": s.hash.as_ref().map(hex::encode),
        "bootable": s.bootable, "pending": s.pending, "confirmed": s.confirmed,
        "active": s.active, "permanent": s.permanent, "flags": flags,
    })
}

fn images_json(list: &[ImageState]) -> Value {
    Value::Array(list.iter().map(image_state_json).collect())
}

/// Parsed global options.
struct Opts {
    serial: Option<String>,
    baud: u32,
    udp: Option<String>,
    timeout: Duration,
    retries: u8,
    frame_size: Option<usize>,
    auto_frame: bool,
    progress: bool,
    verbose: u8,
}

fn parse_num<T: std::str::FromStr>(opt: &str, v: Option<String>) -> Result<T, Failure> {
    let v = v.ok_or_else(|| Failure::usage(format!("{opt} needs a value")))?;
    let v2 = v.clone();
    if let Some(hex) = v.strip_prefix("0x") {
        // Only integers accept hex; go through u64.
        let n = u64::from_str_radix(hex, 16)
            .map_err(|_| Failure::usage(format!("{opt}: bad number '{v2}'")))?;
        return n
            .to_string()
            .parse()
            .map_err(|_| Failure::usage(format!("{opt}: bad number '{v2}'")));
    }
    v.parse()
        .map_err(|_| Failure::usage(format!("{opt}: bad number '{v2}'")))
}

/// Splits argv into global options and the command words (options may precede the command).
fn parse_args(args: Vec<String>) -> Result<(Opts, Vec<String>), Failure> {
    let mut o = Opts {
        serial: None,
        baud: 115_200,
        udp: None,
        timeout: Duration::from_millis(5000),
        retries: 0,
        frame_size: None,
        auto_frame: true,
        progress: true,
        verbose: 0,
    };
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--serial" => {
                o.serial = Some(
                    it.next()
                        .ok_or_else(|| Failure::usage("--serial needs a path"))?,
                )
            }
            "--udp" => {
                o.udp = Some(
                    it.next()
                        .ok_or_else(|| Failure::usage("--udp needs HOST:PORT"))?,
                )
            }
            "--baud" => o.baud = parse_num("--baud", it.next())?,
            "--timeout-ms" => {
                o.timeout = Duration::from_millis(parse_num("--timeout-ms", it.next())?)
            }
            "--retries" => o.retries = parse_num("--retries", it.next())?,
            "--frame-size" => o.frame_size = Some(parse_num("--frame-size", it.next())?),
            "--no-auto-frame" => o.auto_frame = false,
            "--no-progress" => o.progress = false,
            "-v" | "--verbose" => o.verbose += 1,
            "-vv" => o.verbose += 2,
            _ => rest.push(a),
        }
    }
    Ok((o, rest))
}

fn connect(o: &Opts) -> Result<(MCUmgrClient, &'static str), Failure> {
    let client = match (&o.serial, &o.udp) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage("give either --serial or --udp, not both"));
        }
        (None, None) => {
            return Err(Failure::usage(
                "no transport: give --serial PATH or --udp HOST:PORT",
            ));
        }
        (Some(path), None) => {
            let port = serialport::new(path, o.baud)
                .timeout(o.timeout)
                .open()
                .map_err(|e| Failure {
                    code: EXIT_TRANSPORT,
                    kind: "transport",
                    message: format!("cannot open serial port {path}: {}", chain(&e)),
                    device: None,
                })?;
            (MCUmgrClient::new_from_serial(port), "serial")
        }
        (None, Some(addr)) => {
            let c = MCUmgrClient::new_from_udp(addr.as_str(), o.timeout).map_err(|e| Failure {
                code: EXIT_TRANSPORT,
                kind: "transport",
                message: format!("cannot open UDP socket to {addr}: {}", chain(&e)),
                device: None,
            })?;
            (c, "udp")
        }
    };
    client.0.set_retries(o.retries);
    client
        .0
        .set_timeout(o.timeout)
        .map_err(|e| client_failure("set timeout", &e))?;
    if let Some(n) = o.frame_size {
        client.0.set_frame_size(n);
    }
    Ok(client)
}

/// For transfers: size frames from the device's MCUmgr params unless told otherwise.
/// Returns a JSON note describing the frame-size decision.
fn configure_frame(client: &MCUmgrClient, o: &Opts) -> Result<Value, Failure> {
    if let Some(n) = o.frame_size {
        return Ok(json!({"source": "option", "frame_size": n}));
    }
    if !o.auto_frame {
        return Ok(json!({"source": "library-default", "frame_size": 384}));
    }
    match client.use_auto_frame_size() {
        Ok(()) => Ok(json!({"source": "params"})),
        Err(e) if e.command_not_supported() => {
            log::warn!("device does not support MCUmgr params; keeping frame size 384");
            Ok(json!({"source": "library-default", "frame_size": 384, "params": "unsupported"}))
        }
        Err(e) => Err(client_failure("params (auto frame size)", &e)),
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::local(format!("cannot read {path}: {e}")))
}

fn image_info(path: &str) -> Result<(mcuboot::ImageInfo, Vec<u8>), Failure> {
    let data = read_file(path)?;
    let info = mcuboot::get_image_info(std::io::Cursor::new(&data))
        .map_err(|e| Failure::local(format!("{path}: {}", chain(&e))))?;
    Ok((info, data))
}

/// HASH argument: hex text, or the path of an MCUboot image whose TLV hash is used.
fn hash_arg(arg: &str) -> Result<Vec<u8>, Failure> {
    if std::path::Path::new(arg).is_file() {
        let (info, _) = image_info(arg)?;
        return Ok(Vec::from(info.hash));
    }
    let h = hex::decode(arg)
        .map_err(|_| Failure::usage(format!("'{arg}' is neither a hex hash nor a file")))?;
    if h.is_empty() {
        return Err(Failure::usage("empty hash"));
    }
    Ok(h)
}

fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    before != args.len()
}

fn take_value(args: &mut Vec<String>, flag: &str) -> Result<Option<String>, Failure> {
    if let Some(i) = args.iter().position(|a| a == flag) {
        if i + 1 >= args.len() {
            return Err(Failure::usage(format!("{flag} needs a value")));
        }
        let v = args.remove(i + 1);
        args.remove(i);
        return Ok(Some(v));
    }
    Ok(None)
}

fn no_more(cmd: &str, args: &[String]) -> Result<(), Failure> {
    if let Some(a) = args.first() {
        return Err(Failure::usage(format!("{cmd}: unexpected argument '{a}'")));
    }
    Ok(())
}

fn ok(cmd: &str, mut fields: Map<String, Value>, transport: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("cmd".into(), cmd.into());
    m.insert("ok".into(), true.into());
    if let Some(t) = transport {
        m.insert("transport".into(), t.into());
    }
    m.append(&mut fields);
    Value::Object(m)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Runs one command; returns its JSON result line.
fn run(o: &Opts, words: Vec<String>) -> Result<Value, Failure> {
    let mut words = words.into_iter();
    let cmd = words
        .next()
        .ok_or_else(|| Failure::usage("no command given"))?;
    let mut args: Vec<String> = words.collect();

    // Local command: needs no device.
    if cmd == "image-info" {
        let path = args
            .pop()
            .ok_or_else(|| Failure::usage("image-info needs FILE"))?;
        no_more(&cmd, &args)?;
        let (info, data) = image_info(&path)?;
        return Ok(ok(
            &cmd,
            obj(json!({
                "file": path, "size": data.len(), "version": info.version.to_string(),
                "hash_type": info.hash.get_hash_type(), "hash": hex::encode(info.hash.as_ref()),
            })),
            None,
        ));
    }

    let (client, tname) = connect(o)?;
    let t = Some(tname);
    match cmd.as_str() {
        "echo" => {
            if args.len() != 1 {
                return Err(Failure::usage("echo needs exactly one TEXT argument"));
            }
            let r = client
                .os_echo(&args[0])
                .map_err(|e| client_failure("echo", &e))?;
            Ok(ok(&cmd, obj(json!({"r": r})), t))
        }
        "params" => {
            no_more(&cmd, &args)?;
            let p = client
                .os_mcumgr_parameters()
                .map_err(|e| client_failure("params", &e))?;
            Ok(ok(
                &cmd,
                obj(json!({"buf_size": p.buf_size, "buf_count": p.buf_count})),
                t,
            ))
        }
        "app-info" => {
            let fmt = args.pop();
            no_more(&cmd, &args)?;
            let out = client
                .os_application_info(fmt.as_deref())
                .map_err(|e| client_failure("app-info", &e))?;
            Ok(ok(&cmd, obj(json!({"output": out})), t))
        }
        "bootloader-info" => {
            no_more(&cmd, &args)?;
            let b = client
                .os_bootloader_info()
                .map_err(|e| client_failure("bootloader-info", &e))?;
            let v = match b {
                BootloaderInfo::MCUboot { mode, no_downgrade } => {
                    json!({"bootloader": "MCUboot", "mode": mode, "no_downgrade": no_downgrade})
                }
                BootloaderInfo::Unknown { name } => json!({"bootloader": name}),
            };
            Ok(ok(&cmd, obj(v), t))
        }
        "image-list" => {
            no_more(&cmd, &args)?;
            let list = client
                .image_get_state()
                .map_err(|e| client_failure("image-list", &e))?;
            Ok(ok(&cmd, obj(json!({"images": images_json(&list)})), t))
        }
        "slot-info" => {
            no_more(&cmd, &args)?;
            let list = client
                .image_slot_info()
                .map_err(|e| client_failure("slot-info", &e))?;
            let v = serde_json::to_value(&list).map_err(|e| Failure::local(e.to_string()))?;
            Ok(ok(&cmd, obj(json!({"images": v})), t))
        }
        "upload" => {
            let image: Option<u32> = match take_value(&mut args, "--image")? {
                Some(v) => Some(parse_num("--image", Some(v))?),
                None => None,
            };
            let upgrade_only = take_flag(&mut args, "--upgrade-only");
            if args.len() != 1 {
                return Err(Failure::usage("upload needs exactly one FILE"));
            }
            let path = &args[0];
            let data = read_file(path)?;
            let info = mcuboot::get_image_info(std::io::Cursor::new(&data)).ok();
            let frame = configure_frame(&client, o)?;
            let show = o.progress;
            let mut chunks: u64 = 0;
            let mut cb = |off: u64, total: u64| {
                chunks += 1;
                if show {
                    emit(&json!({"event": "progress", "cmd": "upload", "off": off, "len": total}));
                }
                true
            };
            let start = Instant::now();
            client
                .image_upload(&data, image, None, upgrade_only, Some(&mut cb))
                .map_err(|e| client_failure("upload", &e))?;
            let ms = start.elapsed().as_millis() as u64;
            Ok(ok(
                &cmd,
                obj(json!({
                    "file": path, "len": data.len(), "image": image, "chunks": chunks,
                    "elapsed_ms": ms, "frame": frame,
                    "version": info.map(|i| i.version.to_string()),
                    "hash": info.map(|i| hex::encode(i.hash.as_ref())),
                })),
                t,
            ))
        }
        "test" | "confirm" => {
            let confirm = cmd == "confirm";
            let hash = match args.pop() {
                Some(a) => Some(hash_arg(&a)?),
                None if confirm => None,
                None => return Err(Failure::usage("test needs HASH or FILE")),
            };
            no_more(&cmd, &args)?;
            let list = client
                .image_set_state(hash.as_deref(), confirm)
                .map_err(|e| client_failure(&cmd, &e))?;
            Ok(ok(
                &cmd,
                obj(json!({
                    "hash": hash.as_ref().map(hex::encode), "images": images_json(&list),
                })),
                t,
            ))
        }
        "reset" => {
            let force = take_flag(&mut args, "--force");
            let boot_mode: Option<u8> = match take_value(&mut args, "--boot-mode")? {
                Some(v) => Some(parse_num("--boot-mode", Some(v))?),
                None => None,
            };
            no_more(&cmd, &args)?;
            client
                .os_system_reset(force, boot_mode)
                .map_err(|e| client_failure("reset", &e))?;
            Ok(ok(&cmd, obj(json!({"force": force})), t))
        }
        "erase" => {
            let slot: Option<u32> = match args.pop() {
                Some(v) => Some(parse_num("erase SLOT", Some(v))?),
                None => None,
            };
            no_more(&cmd, &args)?;
            client
                .image_erase(slot)
                .map_err(|e| client_failure("erase", &e))?;
            Ok(ok(&cmd, obj(json!({"slot": slot})), t))
        }
        "update" => {
            let params = FirmwareUpdateParams {
                bootloader_type: match take_value(&mut args, "--bootloader")? {
                    Some(b) if b.eq_ignore_ascii_case("mcuboot") => Some(BootloaderType::MCUboot),
                    Some(b) => return Err(Failure::usage(format!("unknown bootloader '{b}'"))),
                    None => None,
                },
                skip_reboot: take_flag(&mut args, "--no-reboot"),
                force_confirm: take_flag(&mut args, "--confirm"),
                upgrade_only: take_flag(&mut args, "--upgrade-only"),
            };
            if args.len() != 1 {
                return Err(Failure::usage("update needs exactly one FILE"));
            }
            let path = &args[0];
            let data = read_file(path)?;
            let frame = configure_frame(&client, o)?;
            let show = o.progress;
            let mut steps: Vec<String> = Vec::new();
            let mut cb = |step: FirmwareUpdateStep, prog: Option<(u64, u64)>| {
                let name = step_name(&step);
                if prog.is_none() && steps.last().map(String::as_str) != Some(name) {
                    steps.push(name.to_string());
                }
                if show || prog.is_none() {
                    let mut ev = json!({"event": "step", "cmd": "update", "step": name, "text": step.to_string()});
                    if let Some((off, len)) = prog {
                        ev = json!({"event": "progress", "cmd": "update", "off": off, "len": len});
                    }
                    emit(&ev);
                }
                true
            };
            let start = Instant::now();
            client
                .firmware_update(&data, None, params, Some(&mut cb))
                .map_err(|e| update_failure(&e))?;
            let ms = start.elapsed().as_millis() as u64;
            Ok(ok(
                &cmd,
                obj(json!({
                    "file": path, "len": data.len(), "elapsed_ms": ms, "frame": frame, "steps": steps,
                })),
                t,
            ))
        }
        other => Err(Failure::usage(format!(
            "unknown command '{other}' (see --help)"
        ))),
    }
}

fn step_name(s: &FirmwareUpdateStep) -> &'static str {
    match s {
        FirmwareUpdateStep::DetectingBootloader => "detecting-bootloader",
        FirmwareUpdateStep::BootloaderFound(_) => "bootloader-found",
        FirmwareUpdateStep::ParsingFirmwareImage => "parsing-image",
        FirmwareUpdateStep::QueryingDeviceState => "querying-state",
        FirmwareUpdateStep::UpdateInfo { .. } => "update-info",
        FirmwareUpdateStep::UploadingFirmware => "uploading",
        FirmwareUpdateStep::ActivatingFirmware => "activating",
        FirmwareUpdateStep::TriggeringReboot => "rebooting",
    }
}

/// Minimal stderr logger so `-v` shows the library's own debug output (TX/RX hex etc.).
struct StderrLog;
impl log::Log for StderrLog {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            eprintln!("[{} {}] {}", r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {}
}
static LOGGER: StderrLog = StderrLog;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") || args.is_empty() {
        let _ = writeln!(std::io::stdout(), "{USAGE}");
        return ExitCode::from(if args.is_empty() { EXIT_USAGE } else { EXIT_OK });
    }
    if args.iter().any(|a| a == "--version") {
        emit(
            &json!({"cmd": "version", "ok": true, "peer": env!("CARGO_PKG_VERSION"),
                     "library": "mcumgr-toolkit", "library_version": "0.20.0"}),
        );
        return ExitCode::from(EXIT_OK);
    }
    let (opts, words) = match parse_args(args) {
        Ok(v) => v,
        Err(f) => return report(None, f),
    };
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(match opts.verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    });
    let cmd = words.first().cloned();
    match run(&opts, words) {
        Ok(v) => {
            emit(&v);
            ExitCode::from(EXIT_OK)
        }
        Err(f) => report(cmd.as_deref(), f),
    }
}

fn report(cmd: Option<&str>, f: Failure) -> ExitCode {
    eprintln!("smpdfu-rust-peer: error: {}", f.message);
    if f.code == EXIT_USAGE {
        eprintln!("(run with --help for usage)");
    }
    emit(&json!({
        "cmd": cmd, "ok": false, "kind": f.kind, "error": f.message,
        "device_error": f.device, "exit": f.code,
    }));
    ExitCode::from(f.code)
}
