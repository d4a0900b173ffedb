/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device lifecycle: flash, keys, boot simulation, core init, the poll loop and resets. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "device"

volatile sig_atomic_t device_stop;
struct device *device_current;

int device_flash_open(struct device *d)
{
	const struct device_opts *o = d->opts;
	const struct sim_flash_layout *lay = sim_layout_get(o->layout);
	int rc;

	if (lay == NULL) {
		SDFU_LOGE("unknown layout '%s'", o->layout);
		return -1;
	}
	long holder = 0;
	long long have = 0;
	int lock_fd = -1;

	/* one device per flash file: a second one would mix two RAM copies into the file */
	rc = sim_flash_lock_file(o->flash_path, &lock_fd, &holder);
	if (rc == SDFU_ERR_BUSY) {
		if (holder > 0) {
			SDFU_LOGE("flash file %s is in use by another process (pid %ld); not starting", o->flash_path,
				  holder);
		} else {
			SDFU_LOGE("flash file %s is in use by another process; not starting", o->flash_path);
		}
		return -1;
	}
	if (rc != 0) {
		SDFU_LOGE("cannot open flash file %s", o->flash_path);
		return -1;
	}
	d->flash_lock_fd = lock_fd; /* kept open (and locked) until the process ends */
	/* never resize or erase an existing file of another size: that would lose its contents */
	if (sim_flash_file_check(o->flash_path, lay, &have) != 0 && !o->wipe) {
		SDFU_LOGE("flash file %s has %lld bytes but layout %s needs %u; not touching it "
			  "(use the matching --layout, or --wipe to start over with an erased flash)",
			  o->flash_path, have, lay->name, (unsigned)lay->size);
		return -1;
	}
	rc = sim_flash_open(&d->flash, lay, o->flash_path);
	if (rc != 0) {
		SDFU_LOGE("cannot open flash file %s (%d)", o->flash_path, rc);
		return -1;
	}
	SDFU_LOGI("flash %s, layout %s (%u KiB)", o->flash_path, lay->name,
		  (unsigned)(lay->size / 1024u));
	if (o->flash_timing) {
		/* datasheet erase/write times, charged by sleeping (the CPU halts); on after boot */
		const struct flash_timing_table *tab = flash_timing_table_get(lay->name);

		if (tab == NULL ||
		    flash_timing_attach(&d->ftiming, &d->flash.dev, tab,
					o->radio_sync ? device_ble_flash_stall : flash_timing_sleep,
					d) != 0) {
			SDFU_LOGE("--flash-timing on: no datasheet timing for layout %s", lay->name);
			return -1;
		}
		flash_timing_enable(&d->ftiming, false);
		d->ftiming_on = true;
		SDFU_LOGI("flash timing on: %s", tab->source);
	}
	if (o->wipe) {
		sim_flash_wipe(&d->flash);
		SDFU_LOGI("flash wiped");
	}
	if (o->provision != NULL && have != 0 && !o->wipe) {
		/* an existing flash is a device's state (maybe a confirmed update): keep it */
		SDFU_LOGW("flash file %s exists: kept its stored contents, not provisioning %s "
			  "(--wipe starts over)", o->flash_path, o->provision);
	} else if (o->provision != NULL) {
		rc = sim_boot_provision(&d->flash, o->provision);
		if (rc != 0) {
			SDFU_LOGE("cannot provision %s into the primary slot (%d)", o->provision, rc);
			return -1;
		}
		SDFU_LOGI("provisioned %s into the primary slot", o->provision);
	}
	return 0;
}

int device_keys_load(struct device *d)
{
	const struct device_opts *o = d->opts;
	unsigned i;

	for (i = 0; i < o->key_count; i++) {
		if (device_key_load(o->key_paths[i], &d->key_der[i], &d->keys[i]) != 0) {
			return -1;
		}
	}
	d->keyset.keys = d->keys;
	d->keyset.count = o->key_count;
	return 0;
}

int device_boot(struct device *d)
{
	struct device_core *c = &d->core;
	struct sim_boot_cfg cfg = {
		.mode = d->opts->mode,
		.keys = &d->keyset,
		.downgrade_prevention = d->opts->downgrade_prevention,
		.overwrite_fast = d->opts->overwrite_fast,
	};
	int rc;

	memset(&c->boot, 0, sizeof(c->boot));
	memset(&c->boot_report, 0, sizeof(c->boot_report));
	d->boots++;
	if (d->ftiming_on) {
		flash_timing_enable(&d->ftiming, false); /* the bootloader's copy time is not modelled */
	}
	rc = sim_boot_run_ex(&d->flash, &cfg, &c->boot, &c->boot_report);
	if (d->ftiming_on) {
		flash_timing_enable(&d->ftiming, true);
	}
	if (rc == SDFU_ERR_NOENT) {
		/* no valid application: keep serving SMP (like a recovery bootloader) */
		SDFU_LOGW("boot #%u: no bootable image, serving SMP anyway", d->boots);
		c->booted = false;
		(void)snprintf(c->version, sizeof(c->version), "none");
	} else if (rc != 0) {
		SDFU_LOGE("boot #%u: bootloader simulation failed (%d)", d->boots, rc);
		return -1;
	} else {
		char ver[32];

		sdfu_image_version_str(&c->boot_report.booted_ver, ver, sizeof(ver));
		SDFU_LOGI("boot #%u: running slot %d, version %s", d->boots,
			  c->boot_report.booted_slot, ver);
		(void)snprintf(c->version, sizeof(c->version), "%s", ver);
		c->booted = true;
	}
	/* the application context must be usable even without an image */
	c->boot.mode = d->opts->mode;
	c->boot.slot[0] = sim_flash_area(&d->flash, SDFU_FA_PRIMARY);
	c->boot.slot[1] = sim_flash_area(&d->flash, SDFU_FA_SECONDARY);
	c->boot.keys = d->keyset;
	c->boot.downgrade_prevention = d->opts->downgrade_prevention;
	if (!c->booted) {
		c->boot.active_slot = 0;
	}
	return 0;
}

/* FINAL is dfu_mcumgr's; this NORMAL observer counts transfer events seen by the subscribers. */
static bool on_transfer(const struct sdfu_evt_hdr *evt, void *user)
{
	struct device_core *c = user;

	(void)evt;
	c->xfer_processed++;
	return false;
}

/* Names the enum group reports (Zephyr's group names). */
static const struct sdfu_enum_name device_group_names[] = {
	{ SDFU_SMP_GROUP_OS, "os mgmt" },
	{ SDFU_SMP_GROUP_IMG, "img mgmt" },
	{ SDFU_SMP_GROUP_ENUM, "enum mgmt" },
};
#define DEVICE_GROUP_NAME_COUNT (sizeof(device_group_names) / sizeof(device_group_names[0]))

/* Stack step 3: bind the transports to the new server, count transfer events. */
static int core_extend(struct sdfu_stack *st, void *user)
{
	struct device *d = user;
	struct device_core *c = &d->core;

	device_transports_bind(d);
	c->xfer_processed = 0;
	/* discovery (enum group 10): lists the groups registered at the time of each request */
	if (sdfu_enum_init(&c->en, &st->srv, device_group_names, DEVICE_GROUP_NAME_COUNT) != 0) {
		SDFU_LOGE("enum group init failed");
		return -1;
	}
	return sdfu_evt_subscribe_fn(&st->bus, &c->sub_xfer, &sdfu_ble_smp_transfer_evt_type,
				     SDFU_EVT_PRIO_NORMAL, on_transfer, c);
}

int device_init_core(struct device *d)
{
	const struct device_opts *o = d->opts;
	struct device_core *c = &d->core;
	/* plain direct-XIP only: direct-xip-revert confirms at boot (docs/DFU_MODULE.md) */
	bool xip = o->mode == SDFU_BOOT_MODE_DIRECT_XIP;
	static const struct sdfu_os_info info = {
		.kernel_name = "smpdfu",
		.node_name = "smpdfu-device",
		.machine = "host",
		.processor = "sim",
		.platform = "posix",
		.os = "smpdfu-sim",
	};
	struct sdfu_stack_cfg cfg;

	/* the nRF Desktop DFU modules per the options (docs/DFU_MODULE.md) */
	sdfu_stack_cfg_default(&cfg);
	cfg.boot = &c->boot;
	cfg.os_info = &info;
	cfg.allow_erase_pending = o->allow_erase_pending;
	cfg.extend = core_extend;
	cfg.user = d;
	cfg.dfu_mcumgr = o->dfu_module;
	cfg.dfu.timeout_ms = o->dfu_timeout_ms;
	cfg.dfu.flags |= SDFU_DFU_MCUMGR_F_LOCK | SDFU_DFU_MCUMGR_F_BLE_TRANSPORT;
	cfg.dfu.flags |= o->readonly_unlocked ? SDFU_DFU_MCUMGR_F_READONLY_UNLOCKED : 0u;
	cfg.dfu.flags |= o->evt_ble_only ? SDFU_DFU_MCUMGR_F_EVT_BLE_ONLY : 0u;
	cfg.dfu.flags |= o->release_on_complete ? SDFU_DFU_MCUMGR_F_RELEASE_ON_COMPLETE : 0u;
	cfg.confirm_at_boot = o->confirm_at_boot && !xip && c->booted;
	if (!cfg.confirm_at_boot) {
		cfg.dfu.version = c->version; /* no boot context: log our version string */
	}
	cfg.cfgchan = o->cfgchan_path != NULL;
	cfg.ble_link = o->ble_path != NULL ? &d->ble.link : NULL;
	/* main READY: boot actions (confirm, hooks, cfgchan claim + erase) before any transport */
	if (sdfu_stack_init(&c->stack, &cfg) != 0) {
		SDFU_LOGE("core init failed");
		return -1;
	}
	return 0;
}

/* Boot through the bootloader simulation and start the core; a cut firing meanwhile powers off. */
static int boot_and_init(struct device *d)
{
	int rc = device_boot(d);

	if (rc == 0) {
		rc = device_init_core(d);
	}
	if (!d->flash.powered) {
		/* an armed power cut fired in the bootloader or at init (confirm): off again */
		d->last_cut = "armed";
		device_power_off(d, "armed flash power cut fired during boot");
		return 0;
	}
	if (rc != 0) {
		device_stop = 1;
		return -1;
	}
	return 0;
}

int device_restart(struct device *d)
{
	SDFU_LOGI("reset: restarting the device (boot #%u)", d->boots + 1);
	/* a reboot drops the BLE connection (the central sees a supervision timeout) */
	device_ble_disconnect(d, 0x08);
	return boot_and_init(d);
}

uint64_t device_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void device_power_off(struct device *d, const char *why)
{
	if (!d->powered) {
		return;
	}
	d->powered = false;
	d->power_cuts++;
	if (d->flash.powered) {
		sim_flash_power_off(&d->flash);
	}
	device_ble_disconnect(d, 0x08);
	(void)posix_port_take_reset(); /* a pending reset dies with the power */
	if (d->auto_power_on) {
		d->power_on_at_ms = (uint64_t)sdfu_port_uptime_ms() + d->restart_ms;
		SDFU_LOGW("power off (%s); power on in %u ms", why, (unsigned)d->restart_ms);
	} else {
		SDFU_LOGW("power off (%s); waiting for ctl power_on", why);
	}
}

int device_power_on(struct device *d)
{
	SDFU_LOGI("power on");
	sim_flash_power_on(&d->flash);
	d->powered = true;
	return boot_and_init(d);
}

/* Poll timeout in ms (-1 = none): core timers and events when on, the power-on time when off. */
static int32_t loop_wait(struct device *d)
{
	struct device_core *c = &d->core;
	uint32_t now = sdfu_port_uptime_ms();

	if (!d->powered) {
		if (!d->auto_power_on) {
			return -1;
		}
		return d->power_on_at_ms <= now ? 0 : (int32_t)(d->power_on_at_ms - now);
	}
	return sdfu_stack_next_ms(&c->stack, now);
}

/* One step of the core: timers, then events (docs/DFU_MODULE.md loop), then power and reset. */
static int loop_core(struct device *d)
{
	struct device_core *c = &d->core;

	if (!d->powered) {
		if (d->auto_power_on && sdfu_port_uptime_ms() >= d->power_on_at_ms) {
			return device_power_on(d);
		}
		return 0;
	}
	sdfu_stack_poll(&c->stack, sdfu_port_uptime_ms());
	if (!d->flash.powered) {
		/* an armed cut fired during a flash operation */
		d->last_cut = "armed";
		device_power_off(d, "armed flash power cut fired");
		return 0;
	}
	if (posix_port_take_reset()) {
		return device_restart(d);
	}
	return 0;
}

int device_loop(struct device *d)
{
	sigset_t empty;

	sigemptyset(&empty);
	while (!device_stop) {
		struct pollfd fds[DEVICE_MAX_FDS];
		struct poll_slot slots[DEVICE_MAX_FDS];
		struct timespec ts;
		struct timespec *tsp = NULL;
		int32_t next;
		int nfds;
		int n;
		int i;

		if (loop_core(d) != 0) {
			return 1;
		}
		next = loop_wait(d);
		if (next >= 0) {
			ts.tv_sec = next / 1000;
			ts.tv_nsec = (long)(next % 1000) * 1000000L;
			tsp = &ts;
		}
		nfds = device_transports_pollfds(d, fds, slots);
		/* SIGINT/SIGTERM are blocked except inside ppoll: no lost wake-up */
		n = ppoll(fds, (nfds_t)nfds, tsp, &empty);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			SDFU_LOGE("poll: %s", strerror(errno));
			return 1;
		}
		if (n > 0) {
			/*
			 * ppoll restores the blocking mask before returning when fds are
			 * ready, so under steady traffic a SIGTERM could stay pending.
			 */
			sigset_t pend;

			if (sigpending(&pend) == 0 &&
			    (sigismember(&pend, SIGINT) == 1 || sigismember(&pend, SIGTERM) == 1)) {
				device_stop = 1;
			}
		}
		for (i = 0; i < nfds && !device_stop; i++) {
			if (fds[i].revents == 0) {
				continue;
			}
			if (!d->powered) {
				/* off: only the control socket works; inputs are lost */
				if (slots[i].kind == 'u' || slots[i].kind == 's') {
					device_transports_drain(d);
					continue;
				}
			}
			device_transport_service(d, &slots[i], fds[i].revents);
			if (d->powered && !d->flash.powered) {
				break; /* a cut fired: loop_core powers off before anything else runs */
			}
		}
	}
	SDFU_LOGI("stopping");
	return 0;
}

void device_close(struct device *d)
{
	device_transports_close(d);
	sim_flash_close(&d->flash);
}
