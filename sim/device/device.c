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

int device_flash_open(struct device *d)
{
	const struct device_opts *o = d->opts;
	const struct sim_flash_layout *lay = sim_layout_get(o->layout);
	int rc;

	if (lay == NULL) {
		SDFU_LOGE("unknown layout '%s'", o->layout);
		return -1;
	}
	rc = sim_flash_open(&d->flash, lay, o->flash_path);
	if (rc != 0) {
		SDFU_LOGE("cannot open flash file %s (%d)", o->flash_path, rc);
		return -1;
	}
	SDFU_LOGI("flash %s, layout %s (%u KiB)", o->flash_path, lay->name,
		  (unsigned)(lay->size / 1024u));
	if (o->wipe) {
		sim_flash_wipe(&d->flash);
		SDFU_LOGI("flash wiped");
	}
	if (o->provision != NULL) {
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
	};
	int rc;

	memset(&c->boot, 0, sizeof(c->boot));
	memset(&c->boot_report, 0, sizeof(c->boot_report));
	d->boots++;
	rc = sim_boot_run_ex(&d->flash, &cfg, &c->boot, &c->boot_report);
	if (rc == SDFU_ERR_NOENT) {
		/* no valid application: keep serving SMP (like a recovery bootloader) */
		SDFU_LOGW("boot #%u: no bootable image, serving SMP anyway", d->boots);
		c->booted = false;
	} else if (rc != 0) {
		SDFU_LOGE("boot #%u: bootloader simulation failed (%d)", d->boots, rc);
		return -1;
	} else {
		char ver[32];

		sdfu_image_version_str(&c->boot_report.booted_ver, ver, sizeof(ver));
		SDFU_LOGI("boot #%u: running slot %d, version %s", d->boots,
			  c->boot_report.booted_slot, ver);
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

int device_init_core(struct device *d)
{
	struct device_core *c = &d->core;
	static const struct sdfu_os_info info = {
		.kernel_name = "smpdfu",
		.node_name = "smpdfu-device",
		.machine = "host",
		.processor = "sim",
		.platform = "posix",
		.os = "smpdfu-sim",
	};

	sdfu_timer_list_init(&c->timers);
	sdfu_smp_server_init(&c->srv);
	if (sdfu_os_init(&c->os, &c->srv, &c->timers, &c->boot, &info) != 0) {
		SDFU_LOGE("OS group init failed");
		return -1;
	}
	if (sdfu_img_init(&c->img, &c->srv, &c->boot) != 0) {
		SDFU_LOGE("image group init failed");
		return -1;
	}
	device_transports_bind(d);
	return 0;
}

int device_restart(struct device *d)
{
	SDFU_LOGI("reset: restarting the device (boot #%u)", d->boots + 1);
	if (device_boot(d) != 0 || device_init_core(d) != 0) {
		device_stop = 1;
		return -1;
	}
	return 0;
}

int device_loop(struct device *d)
{
	struct device_core *c = &d->core;
	sigset_t empty;

	sigemptyset(&empty);
	while (!device_stop) {
		struct pollfd fds[2];
		char kinds[2];
		struct timespec ts;
		struct timespec *tsp = NULL;
		int32_t next;
		int nfds;
		int n;
		int i;

		sdfu_timer_process(&c->timers, sdfu_port_uptime_ms());
		if (posix_port_take_reset()) {
			if (device_restart(d) != 0) {
				return 1;
			}
			continue;
		}
		next = sdfu_timer_next_ms(&c->timers, sdfu_port_uptime_ms());
		if (next >= 0) {
			ts.tv_sec = next / 1000;
			ts.tv_nsec = (long)(next % 1000) * 1000000L;
			tsp = &ts;
		}
		nfds = device_transports_pollfds(d, fds, kinds);
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
			if (fds[i].revents != 0) {
				device_transport_service(d, kinds[i], fds[i].revents);
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
