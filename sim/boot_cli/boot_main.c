// SPDX-License-Identifier: Apache-2.0
// smpdfu-boot: run the MCUboot bootloader simulation once on a flash file and print what it did.
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot/sim_boot.h"
#include "device/device.h"
#include "flash/sim_flash.h"
#include "sdfu/err.h"

static void usage(FILE *o)
{
	fprintf(o,
		"usage: smpdfu-boot --flash FILE --mode MODE [options]\n"
		"Runs the MCUboot bootloader simulation once on FILE, in place, and prints one JSON line:\n"
		"  {\"booted_slot\": \"primary\"|\"secondary\"|null, \"version\": \"1.1.0+0\"|null,\n"
		"   \"swap_type\": \"none|test|perm|revert|fail|panic|n/a\", \"action\": \"...\", \"ops\": N}\n"
		"Exit status: 0 an image boots, 1 no bootable image, 2 bad arguments or unusable file.\n"
		"\n"
		"  --flash FILE            flash image (must have the layout's exact size; never resized)\n"
		"  --layout NAME           nrf52840 (default), mixed8, large128k, big1m, mps2\n"
		"  --mode MODE             swap-move (alias swap), swap-scratch, overwrite-only (alias\n"
		"                          overwrite), overwrite-only-fast, direct-xip, direct-xip-revert\n"
		"  --key PEM               trust this public or private key (repeatable; none = hash only)\n"
		"  --downgrade-prevention  erase, not install, an upgrade with a lower version (swap and\n"
		"                          overwrite modes; MCUboot has none in direct-XIP)\n"
		"  --oplog FILE            write every flash write/erase as 'W|E 0x<off> <len>' (golden format)\n"
		"  --cut-after N           power cut: perform N flash ops, cut op N+1, then stop\n"
		"  --cut-kind atomic|torn  what the cut op does (default atomic; torn lands half a write)\n"
		"  --dry-run               work on a RAM copy; the file is not modified\n"
		"  --help                  this text\n");
}

static const char *action_name(enum sim_boot_action a)
{
	switch (a) {
	case SIM_BOOT_ACT_UPGRADE:
		return "upgrade";
	case SIM_BOOT_ACT_REVERT:
		return "revert";
	case SIM_BOOT_ACT_REFUSED:
		return "refused";
	case SIM_BOOT_ACT_NO_IMAGE:
		return "no-image";
	default:
		return "none";
	}
}

static int fail_args(const char *msg, const char *arg)
{
	fprintf(stderr, "smpdfu-boot: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "try 'smpdfu-boot --help'\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"flash", required_argument, NULL, 'f'},  {"layout", required_argument, NULL, 'l'},
		{"mode", required_argument, NULL, 'm'},   {"key", required_argument, NULL, 'k'},
		{"downgrade-prevention", no_argument, NULL, 'd'},
		{"oplog", required_argument, NULL, 'o'},  {"cut-after", required_argument, NULL, 'c'},
		{"cut-kind", required_argument, NULL, 'K'}, {"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	static struct device_key dkeys[DEVICE_MAX_KEYS];
	static struct sdfu_boot_key keys[DEVICE_MAX_KEYS];
	static struct sim_flash f;
	const char *flash_path = NULL, *layout_name = "nrf52840", *mode_name = NULL, *oplog = NULL;
	const char *key_paths[DEVICE_MAX_KEYS];
	size_t nkeys = 0;
	struct sim_boot_cfg cfg = {0};
	struct sdfu_boot_keys keyset = {0};
	long long cut_after = -1;
	enum sim_flash_cut_mode cut_kind = SIM_FLASH_CUT_ATOMIC;
	bool dry = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			flash_path = optarg;
			break;
		case 'l':
			layout_name = optarg;
			break;
		case 'm':
			mode_name = optarg;
			break;
		case 'k':
			if (nkeys == DEVICE_MAX_KEYS) {
				return fail_args("too many --key options", NULL);
			}
			key_paths[nkeys++] = optarg;
			break;
		case 'd':
			cfg.downgrade_prevention = true;
			break;
		case 'o':
			oplog = optarg;
			break;
		case 'c': {
			char *end;
			errno = 0;
			cut_after = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || cut_after < 0) {
				return fail_args("--cut-after wants a number >= 0", optarg);
			}
			break;
		}
		case 'K':
			if (strcmp(optarg, "atomic") == 0) {
				cut_kind = SIM_FLASH_CUT_ATOMIC;
			} else if (strcmp(optarg, "torn") == 0) {
				cut_kind = SIM_FLASH_CUT_TORN_WRITE;
			} else {
				return fail_args("--cut-kind is atomic or torn", optarg);
			}
			break;
		case 'n':
			dry = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return fail_args("bad option", NULL);
		}
	}
	if (optind < argc) {
		return fail_args("unexpected argument", argv[optind]);
	}
	if (flash_path == NULL) {
		return fail_args("--flash FILE is required", NULL);
	}
	if (mode_name == NULL) {
		return fail_args("--mode MODE is required", NULL);
	}
	if (sim_boot_cfg_parse_mode(mode_name, &cfg) != SDFU_OK) {
		return fail_args("unknown mode", mode_name);
	}
	if (cfg.downgrade_prevention && !sim_boot_downgrade_supported(&cfg)) {
		fprintf(stderr,
			"smpdfu-boot: --downgrade-prevention has no effect in mode %s (MCUboot has no "
			"downgrade prevention in direct-XIP: the higher version boots anyway); refusing it\n",
			mode_name);
		return 2;
	}
	const struct sim_flash_layout *lo = sim_layout_get(layout_name);
	if (lo == NULL) {
		return fail_args("unknown layout", layout_name);
	}
	struct stat st;
	if (stat(flash_path, &st) != 0) {
		fprintf(stderr, "smpdfu-boot: cannot read %s: %s\n", flash_path, strerror(errno));
		return 2;
	}
	if ((unsigned long long)st.st_size != lo->size) {
		fprintf(stderr, "smpdfu-boot: %s has %lld bytes but layout %s needs %u; not touching it\n",
			flash_path, (long long)st.st_size, lo->name, (unsigned)lo->size);
		return 2;
	}
	for (size_t i = 0; i < nkeys; i++) {
		if (device_key_load(key_paths[i], &dkeys[i], &keys[i]) != 0) {
			fprintf(stderr, "smpdfu-boot: cannot use key %s\n", key_paths[i]);
			return 2;
		}
	}
	keyset.keys = keys;
	keyset.count = nkeys;
	cfg.keys = &keyset;

	int rc;
	if (!dry) {
		long holder = 0;
		int lock_fd = -1;

		rc = sim_flash_lock_file(flash_path, &lock_fd, &holder);
		if (rc != SDFU_OK) {
			fprintf(stderr, "smpdfu-boot: %s is in use by another process (pid %ld); use --dry-run to "
					"inspect it\n", flash_path, holder);
			return 2;
		}
		(void)lock_fd; /* held until exit */
	}
	if (dry) {
		rc = sim_flash_open(&f, lo, NULL);
		if (rc == SDFU_OK) {
			rc = sim_flash_load_file(&f, flash_path);
		}
	} else {
		rc = sim_flash_open(&f, lo, flash_path);
	}
	if (rc != SDFU_OK) {
		fprintf(stderr, "smpdfu-boot: cannot open %s (%d)\n", flash_path, rc);
		return 2;
	}
	FILE *ol = NULL;
	if (oplog != NULL) {
		ol = fopen(oplog, "w");
		if (ol == NULL) {
			fprintf(stderr, "smpdfu-boot: cannot write %s: %s\n", oplog, strerror(errno));
			sim_flash_close(&f);
			return 2;
		}
		f.oplog = ol;
	}
	if (cut_after >= 0) {
		sim_flash_cut_at(&f, (uint64_t)cut_after + 1, cut_kind, 50);
	}

	struct sim_boot_report rep;
	memset(&rep, 0, sizeof(rep));
	rc = sim_boot_run_ex(&f, &cfg, NULL, &rep);
	uint64_t ops = sim_flash_ops(&f);
	bool cut = f.cut_happened;
	if (cut && ops > 0) {
		ops--; /* the cut op did not complete */
	}
	if (ol != NULL) {
		fclose(ol);
		f.oplog = NULL;
	}
	sim_flash_close(&f);

	bool booted = rc == SDFU_OK && rep.booted_slot >= 0;
	char ver[48] = "null";
	if (booted) {
		snprintf(ver, sizeof(ver), "\"%u.%u.%u+%u\"", rep.booted_ver.major, rep.booted_ver.minor,
			 (unsigned)rep.booted_ver.revision, (unsigned)rep.booted_ver.build);
	}
	const char *swap = sim_boot_cfg_is_xip(&cfg) ? "n/a" : sim_boot_swap_name(rep.swap_type);
	const char *action = cut ? "power-cut" : action_name(rep.action);
	printf("{\"booted_slot\": %s, \"version\": %s, \"swap_type\": \"%s\", \"action\": \"%s\", \"ops\": %llu}\n",
	       booted ? (rep.booted_slot == 0 ? "\"primary\"" : "\"secondary\"") : "null", ver, swap, action,
	       (unsigned long long)ops);
	if (cut) {
		return 1;
	}
	return booted ? 0 : 1;
}
