/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device: command line, signals, and the start-up sequence of the simulated device. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "device"

const char *sdfu_sim_version(void);

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: smpdfu-device [OPTIONS]\n"
		"\n"
		"Simulated SMP/MCUmgr DFU device: the smpdfu core on a file-backed flash with an\n"
		"MCUboot-compatible bootloader simulation, served over UDP and a serial pty.\n"
		"When ready it prints one line on stdout, e.g.\n"
		"  ready udp=127.0.0.1:1337 serial=/dev/pts/5\n"
		"(fields only for enabled transports); logs go to stderr.\n"
		"\n"
		"Options:\n"
		"  --flash FILE         flash image file, created (erased) on first use\n"
		"                       [default: ./smpdfu.flash]\n"
		"  --udp HOST:PORT|off  UDP address to serve; port 0 picks a free port and the\n"
		"                       ready line shows the real one; [V6]:PORT for IPv6\n"
		"                       [default: 127.0.0.1:1337]\n"
		"  --serial pty|PATH|off\n"
		"                       'pty' creates a new raw pseudo-terminal (its slave path\n"
		"                       is in the ready line), PATH opens an existing tty\n"
		"                       [default: pty]\n"
		"  --layout NAME        flash geometry: nrf52840, mixed8, large128k, big1m, mps2\n"
		"                       [default: nrf52840]\n"
		"  --mode MODE          bootloader mode: swap-move (alias swap), swap-scratch,\n"
		"                       overwrite-only (alias overwrite), overwrite-only-fast,\n"
		"                       direct-xip, direct-xip-revert [default: swap-move]\n"
		"  --provision IMG      write the signed image file IMG into the primary slot\n"
		"                       before the first boot, only when the flash file is new\n"
		"                       (or with --wipe); an existing file keeps its contents\n"
		"  --key PUBKEY.pem     trust this key (PEM or DER; public or private key file,\n"
		"                       ECDSA P-256, RSA-2048 or Ed25519); repeat up to %d times.\n"
		"                       Without --key images are checked by hash only\n"
		"  --downgrade-prevention\n"
		"                       the bootloader erases, not installs, an upgrade with a\n"
		"                       lower version (swap and overwrite modes, as MCUboot;\n"
		"                       refused with an error in the direct-XIP modes)\n"
		"  --wipe               erase the whole flash file before starting (also the\n"
		"                       only way to reuse a file of another layout's size)\n"
		"  --line-length N      serial: max bytes per transmitted line, including the\n"
		"                       2 start bytes and the newline (%d..%d) [default: %d]\n"
		"  --log-level N        0 off, 1 error, 2 warning, 3 info, 4 debug [default: 3]\n"
		"  --log-time uptime|iso  log time stamps: device uptime [hh:mm:ss.mmm] (as Zephyr)\n"
		"                       or ISO 8601 UTC [default: uptime]\n"
		"\n"
		"DFU modules (docs/DFU_MODULE.md):\n"
		"  --dfu-module on|off  nRF Desktop dfu_mcumgr: DFU lock gating of image/reset\n"
		"                       commands (rc 11 while another owner holds it), inactivity\n"
		"                       release, transfer events; off = plain MCUmgr server\n"
		"                       [default: on]\n"
		"  --confirm-at-boot on|off\n"
		"                       dfu_mcumgr confirms the running image at boot (never in\n"
		"                       plain direct-xip) [default: on]\n"
		"  --no-confirm-at-boot same as --confirm-at-boot off\n"
		"  --dfu-timeout-ms N   inactivity before dfu_mcumgr releases the lock [default: 5000]\n"
		"  --dfu-readonly-unlocked\n"
		"                       image list / slot info pass without the lock\n"
		"  --dfu-evt-ble-only   transfer events only for commands received over BLE\n"
		"  --dfu-release-on-complete\n"
		"                       release the lock when an update completes\n"
		"  --erase-pending on|off\n"
		"                       image erase may clear a slot whose image is pending for\n"
		"                       the next boot (never the running slot or the revert\n"
		"                       target), so a client cures NO_FREE_SLOT by erasing\n"
		"                       (Zephyr MCUMGR_GRP_IMG_ALLOW_ERASE_PENDING) [default: on]\n"
		"\n"
		"Local sockets (docs/PROTOCOL.md):\n"
		"  --ble PATH           BLE link model: a central connects to this AF_UNIX\n"
		"                       SOCK_SEQPACKET socket (GATT SMP, MTU, latency timing)\n"
		"  --ble-mtu N          largest ATT MTU accepted (23..517) [default: 498]\n"
		"  --cfgchan PATH       config-channel DFU (JSON lines); enables the module, which\n"
		"                       claims the lock and erases the update slot at every boot\n"
		"  --ctl PATH           control interface (JSON lines): state, power cuts, reboot\n"
		"  --flash-timing on|off\n"
		"                       charge the chip's datasheet erase/write times per flash\n"
		"                       operation (nrf52840 layout: 85 ms per 4 KiB page erase,\n"
		"                       41 us per 32-bit word), during which the device does\n"
		"                       nothing else; not during the bootloader simulation\n"
		"                       [default: off]\n"
		"  --power-off-ms N     after a power cut the device stays off N ms, then boots\n"
		"                       again; 0 = stay off until the ctl \"power_on\" [default: 200]\n"
		"  --print-layout       print the flash layout (after --layout) as JSON and exit\n"
		"  --version            print the version and exit\n"
		"  --help               this text\n"
		"\n"
		"A reset request (SMP OS reset) restarts the device in-process: the bootloader\n"
		"simulation runs again on the flash file and the core is re-initialised; the UDP\n"
		"port and the pty stay the same. SIGINT/SIGTERM stop it cleanly.\n",
		DEVICE_MAX_KEYS, SDFU_SERIAL_LINE_MIN, SDFU_SERIAL_LINE_MAX, SDFU_SERIAL_LINE_LEN);
}

static int parse_mode(const char *s, struct device_opts *o)
{
	struct sim_boot_cfg cfg = {0};

	if (sim_boot_cfg_parse_mode(s, &cfg) != 0) {
		return -1;
	}
	o->mode = cfg.mode;
	o->overwrite_fast = cfg.overwrite_fast;
	return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v = strtol(s, &end, 0);

	if (end == s || *end != '\0' || v < lo || v > hi) {
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_FLASH = 1000, OPT_UDP, OPT_SERIAL, OPT_LAYOUT, OPT_MODE, OPT_PROVISION, OPT_KEY,
	OPT_DOWNGRADE, OPT_WIPE, OPT_LINE, OPT_LOG, OPT_LOG_TIME, OPT_VERSION, OPT_HELP, OPT_PRINT_LAYOUT,
	OPT_DFU_MODULE, OPT_CONFIRM, OPT_DFU_TIMEOUT, OPT_RO_UNLOCKED, OPT_EVT_BLE_ONLY,
	OPT_RELEASE_COMPLETE, OPT_ALLOW_ERASE_PENDING, OPT_NO_CONFIRM, OPT_BLE, OPT_BLE_MTU, OPT_CFGCHAN, OPT_CTL, OPT_POWER_OFF,
	OPT_FLASH_TIMING,
};

static int parse_onoff(const char *name, const char *s, bool *out)
{
	if (strcmp(s, "on") == 0) {
		*out = true;
	} else if (strcmp(s, "off") == 0) {
		*out = false;
	} else {
		fprintf(stderr, "smpdfu-device: %s must be on or off\n", name);
		return -1;
	}
	return 0;
}

/* JSON description of a layout: device geometry and the SDFU_FA_* areas (absent ones omitted). */
static void print_layout(const struct sim_flash_layout *l)
{
	static const char *const names[SDFU_FA_COUNT] = {"bootloader", "primary", "secondary",
							 "scratch", "storage"};
	unsigned i;
	const char *sep = "";

	printf("{\"name\": \"%s\", \"size\": %u, \"write_align\": %u, \"erased_val\": %u, "
	       "\"sectors\": [",
	       l->name, (unsigned)l->size, (unsigned)l->write_align, (unsigned)l->erased_val);
	for (i = 0; i < l->sector_range_count; i++) {
		printf("%s{\"count\": %u, \"size\": %u}", i ? ", " : "",
		       (unsigned)l->sectors[i].count, (unsigned)l->sectors[i].size);
	}
	printf("], \"areas\": {");
	for (i = 0; i < SDFU_FA_COUNT; i++) {
		if (l->areas[i].size == 0) {
			continue;
		}
		printf("%s\"%s\": {\"id\": %u, \"off\": %u, \"size\": %u}", sep, names[i], i,
		       (unsigned)l->areas[i].off, (unsigned)l->areas[i].size);
		sep = ", ";
	}
	printf("}}\n");
}

static int parse_args(int argc, char **argv, struct device_opts *o)
{
	static const struct option longopts[] = {
		{"flash", required_argument, NULL, OPT_FLASH},
		{"udp", required_argument, NULL, OPT_UDP},
		{"serial", required_argument, NULL, OPT_SERIAL},
		{"layout", required_argument, NULL, OPT_LAYOUT},
		{"mode", required_argument, NULL, OPT_MODE},
		{"provision", required_argument, NULL, OPT_PROVISION},
		{"key", required_argument, NULL, OPT_KEY},
		{"downgrade-prevention", no_argument, NULL, OPT_DOWNGRADE},
		{"wipe", no_argument, NULL, OPT_WIPE},
		{"line-length", required_argument, NULL, OPT_LINE},
		{"log-level", required_argument, NULL, OPT_LOG},
		{"log-time", required_argument, NULL, OPT_LOG_TIME},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, OPT_HELP},
		{"print-layout", no_argument, NULL, OPT_PRINT_LAYOUT},
		{"dfu-module", required_argument, NULL, OPT_DFU_MODULE},
		{"confirm-at-boot", required_argument, NULL, OPT_CONFIRM},
		{"no-confirm-at-boot", no_argument, NULL, OPT_NO_CONFIRM},
		{"dfu-timeout-ms", required_argument, NULL, OPT_DFU_TIMEOUT},
		{"dfu-readonly-unlocked", no_argument, NULL, OPT_RO_UNLOCKED},
		{"dfu-evt-ble-only", no_argument, NULL, OPT_EVT_BLE_ONLY},
		{"dfu-release-on-complete", no_argument, NULL, OPT_RELEASE_COMPLETE},
		{"erase-pending", required_argument, NULL, OPT_ALLOW_ERASE_PENDING},
		{"ble", required_argument, NULL, OPT_BLE},
		{"ble-mtu", required_argument, NULL, OPT_BLE_MTU},
		{"cfgchan", required_argument, NULL, OPT_CFGCHAN},
		{"ctl", required_argument, NULL, OPT_CTL},
		{"power-off-ms", required_argument, NULL, OPT_POWER_OFF},
		{"flash-timing", required_argument, NULL, OPT_FLASH_TIMING},
		{NULL, 0, NULL, 0},
	};
	int c;
	long v;
	bool want_layout = false;

	memset(o, 0, sizeof(*o));
	o->flash_path = "./smpdfu.flash";
	o->udp = "127.0.0.1:1337";
	o->serial = "pty";
	o->layout = "nrf52840";
	o->mode = SDFU_BOOT_MODE_SWAP_MOVE;
	o->line_length = SDFU_SERIAL_LINE_LEN;
	o->log_level = SDFU_LOG_INF;
	o->dfu_module = true;
	o->confirm_at_boot = true;
	o->allow_erase_pending = true;
	o->dfu_timeout_ms = SDFU_DFU_MCUMGR_TIMEOUT_MS;
	o->ble_mtu = 498;
	o->power_off_ms = 200;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FLASH:
			o->flash_path = optarg;
			break;
		case OPT_UDP:
			o->udp = strcmp(optarg, "off") == 0 ? NULL : optarg;
			break;
		case OPT_SERIAL:
			o->serial = strcmp(optarg, "off") == 0 ? NULL : optarg;
			break;
		case OPT_LAYOUT:
			if (sim_layout_get(optarg) == NULL) {
				fprintf(stderr, "smpdfu-device: unknown layout '%s'\n", optarg);
				return -1;
			}
			o->layout = optarg;
			break;
		case OPT_MODE:
			if (parse_mode(optarg, o) != 0) {
				fprintf(stderr, "smpdfu-device: unknown mode '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_PROVISION:
			o->provision = optarg;
			break;
		case OPT_KEY:
			if (o->key_count >= DEVICE_MAX_KEYS) {
				fprintf(stderr, "smpdfu-device: at most %d --key\n", DEVICE_MAX_KEYS);
				return -1;
			}
			o->key_paths[o->key_count++] = optarg;
			break;
		case OPT_DOWNGRADE:
			o->downgrade_prevention = true;
			break;
		case OPT_WIPE:
			o->wipe = true;
			break;
		case OPT_LINE:
			if (parse_int(optarg, SDFU_SERIAL_LINE_MIN, SDFU_SERIAL_LINE_MAX, &v) != 0) {
				fprintf(stderr, "smpdfu-device: --line-length must be %d..%d\n",
					SDFU_SERIAL_LINE_MIN, SDFU_SERIAL_LINE_MAX);
				return -1;
			}
			o->line_length = (uint16_t)v;
			break;
		case OPT_LOG_TIME:
			if (strcmp(optarg, "uptime") != 0 && strcmp(optarg, "iso") != 0) {
				fprintf(stderr, "smpdfu-device: --log-time is uptime or iso\n");
				return -1;
			}
			posix_port_set_log_time_iso(strcmp(optarg, "iso") == 0);
			break;
		case OPT_LOG:
			if (parse_int(optarg, 0, 4, &v) != 0) {
				fprintf(stderr, "smpdfu-device: --log-level must be 0..4\n");
				return -1;
			}
			o->log_level = (int)v;
			break;
		case OPT_DFU_MODULE:
			if (parse_onoff("--dfu-module", optarg, &o->dfu_module) != 0) {
				return -1;
			}
			break;
		case OPT_CONFIRM:
			if (parse_onoff("--confirm-at-boot", optarg, &o->confirm_at_boot) != 0) {
				return -1;
			}
			break;
		case OPT_NO_CONFIRM:
			o->confirm_at_boot = false;
			break;
		case OPT_DFU_TIMEOUT:
			if (parse_int(optarg, 1, 3600000, &v) != 0) {
				fprintf(stderr, "smpdfu-device: --dfu-timeout-ms must be 1..3600000\n");
				return -1;
			}
			o->dfu_timeout_ms = (uint32_t)v;
			break;
		case OPT_RO_UNLOCKED:
			o->readonly_unlocked = true;
			break;
		case OPT_EVT_BLE_ONLY:
			o->evt_ble_only = true;
			break;
		case OPT_ALLOW_ERASE_PENDING:
			if (parse_onoff("--erase-pending", optarg, &o->allow_erase_pending) != 0) {
				return -1;
			}
			break;
		case OPT_RELEASE_COMPLETE:
			o->release_on_complete = true;
			break;
		case OPT_BLE:
			o->ble_path = optarg;
			break;
		case OPT_BLE_MTU:
			if (parse_int(optarg, 23, 517, &v) != 0) {
				fprintf(stderr, "smpdfu-device: --ble-mtu must be 23..517\n");
				return -1;
			}
			o->ble_mtu = (uint16_t)v;
			break;
		case OPT_CFGCHAN:
			o->cfgchan_path = optarg;
			break;
		case OPT_CTL:
			o->ctl_path = optarg;
			break;
		case OPT_POWER_OFF:
			if (parse_int(optarg, 0, 3600000, &v) != 0) {
				fprintf(stderr, "smpdfu-device: --power-off-ms must be 0..3600000\n");
				return -1;
			}
			o->power_off_ms = (uint32_t)v;
			break;
		case OPT_FLASH_TIMING:
			if (parse_onoff("--flash-timing", optarg, &o->flash_timing) != 0) {
				return -1;
			}
			break;
		case OPT_VERSION:
			printf("%s\n", sdfu_sim_version());
			exit(0);
		case OPT_PRINT_LAYOUT:
			want_layout = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smpdfu-device: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->downgrade_prevention) {
		struct sim_boot_cfg bc = { .mode = o->mode, .overwrite_fast = o->overwrite_fast };

		if (!sim_boot_downgrade_supported(&bc)) {
			fprintf(stderr, "smpdfu-device: --downgrade-prevention has no effect in mode %s: MCUboot "
					"has no downgrade prevention in direct-XIP\n",
				sim_boot_cfg_mode_name(&bc));
			return -1;
		}
	}
	if (o->flash_timing && flash_timing_table_get(o->layout) == NULL) {
		fprintf(stderr, "smpdfu-device: --flash-timing on: no datasheet timing table for layout "
				"%s (only nrf52840 has one)\n", o->layout);
		return -1;
	}
	if (o->mode == SDFU_BOOT_MODE_DIRECT_XIP) {
		/* MCUboot boots the higher version; never confirm (direct-xip-revert does) */
		o->confirm_at_boot = false;
	}
	if (want_layout) {
		print_layout(sim_layout_get(o->layout));
		exit(0);
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	device_stop = 1;
}

static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* delivered only inside ppoll() in the loop */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
}

int main(int argc, char **argv)
{
	static struct device dev;
	struct device_opts opts;
	int rc;

	if (parse_args(argc, argv, &opts) != 0) {
		return 2;
	}
	posix_port_set_log_level(opts.log_level);
	setup_signals();
	dev.opts = &opts;
	device_current = &dev;
	dev.powered = true;
	SDFU_LOGI("%s starting", sdfu_sim_version());

	if (device_keys_load(&dev) != 0 || device_flash_open(&dev) != 0) {
		sim_flash_close(&dev.flash);
		return 1;
	}
	if (device_transports_open(&dev) != 0) {
		sim_flash_close(&dev.flash);
		return 1;
	}
	if (device_boot(&dev) != 0 || device_init_core(&dev) != 0) {
		device_close(&dev);
		return 1;
	}
	device_print_ready(&dev);
	rc = device_loop(&dev);
	device_close(&dev);
	SDFU_LOGI("stopped");
	return rc;
}
