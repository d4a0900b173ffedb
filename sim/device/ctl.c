/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device control interface: state dump and fault injection (power cuts, reboot) as JSON lines. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "ctl"

static const char *owner_json(const struct sdfu_dfu_lock_owner *o, char *buf, size_t size)
{
	if (o == NULL) {
		return "null";
	}
	(void)snprintf(buf, size, "\"%s\"", o->name != NULL ? o->name : "?");
	return buf;
}

static void reply_state(struct device *d, int fd)
{
	struct device_core *c = &d->core;
	const struct device_ble *b = &d->ble;
	const struct sim_flash_stats *fs = &d->flash.stats;
	char own[48];
	char prev[48];
	char cc[256] = "null";
	char mc[400] = "null";
	bool on = d->powered;
	char link[512];
	char ft[256] = "{\"on\": false}";

	/* the link's physics (sim/ble) and the flash timing (sim/flash/flash_timing.c) */
	(void)snprintf(link, sizeof(link),
		       "\"phy\": %u, \"data_len\": %u, \"ll_eff\": %u, \"ce_len\": %u, "
		       "\"encrypted\": %s, \"bufs\": %u, \"max_in_use\": %u, \"naks\": %llu, "
		       "\"events\": %llu, \"lost\": %llu, \"skipped\": %llu, \"exchanges\": %llu, \"air_us\": %llu, \"write_limit\": %.0f, \"write_steady\": %.0f, \"write_bound\": %.0f",
		       b->phy, b->data_len, b->connected ? b->conn.ll_eff : 0u, b->ce_len,
		       b->connected && b->conn.link.encrypted ? "true" : "false", b->bufs,
		       b->max_in_use, (unsigned long long)b->conn.stats.naks,
		       (unsigned long long)b->conn.stats.events,
		       (unsigned long long)b->conn.stats.lost,
		       (unsigned long long)b->conn.stats.skipped, (unsigned long long)b->conn.stats.exchanges, (unsigned long long)b->conn.stats.air_us,
		       b->connected ? ble_air_write_limit(&b->conn.link) : 0.0,
		       b->connected ? ble_air_write_steady(&b->conn.link) : 0.0,
		       b->connected ? ble_air_write_bound(&b->conn.link) : 0.0);
	if (d->ftiming_on) {
		const struct flash_timing *t = &d->ftiming;

		(void)snprintf(ft, sizeof(ft),
			       "{\"on\": true, \"chip\": \"%s\", \"erase_unit\": %u, \"erase_us\": %u, "
			       "\"write_unit\": %u, \"write_us\": %u, \"charged_us\": %llu}",
			       t->tab->chip, t->tab->erase_unit, t->tab->erase_us, t->tab->write_unit,
			       t->tab->write_us, (unsigned long long)(t->erase_us + t->write_us));
	}

	if (on && c->stack.cfgchan_on) {
		(void)snprintf(cc, sizeof(cc),
			       "{\"owns_lock\": %s, \"completions\": %u, \"timeouts\": %u, "
			       "\"refused\": %u, \"erased_sectors\": %u, \"stores\": %u, "
			       "\"csum_errors\": %u}",
			       sdfu_dfu_cfgchan_owns_lock(&c->stack.cfgchan) ? "true" : "false",
			       c->stack.cfgchan.stats.completions, c->stack.cfgchan.stats.timeouts,
			       c->stack.cfgchan.stats.refused, c->stack.cfgchan.stats.erased_sectors,
			       c->stack.cfgchan.stats.stores, c->stack.cfgchan.stats.csum_errors);
	}
	if (on && c->stack.mcumgr_on) {
		const struct sdfu_dfu_mcumgr_stats *s = &c->stack.mcumgr.stats;

		(void)snprintf(mc, sizeof(mc),
			       "{\"owns_lock\": %s, \"evt_in_flight\": %s, \"dfu_cmds\": %u, "
			       "\"accepted\": %u, \"rejected\": %u, \"timeouts\": %u, "
			       "\"upload_resets\": %u, \"completions\": %u, \"confirm_errors\": %u}",
			       sdfu_dfu_mcumgr_owns_lock(&c->stack.mcumgr) ? "true" : "false",
			       sdfu_dfu_mcumgr_evt_in_flight(&c->stack.mcumgr) ? "true" : "false",
			       s->dfu_cmds, s->accepted, s->rejected, s->timeouts, s->upload_resets,
			       s->completions, s->confirm_errors);
	}
	line_reply(fd,
		   "{\"ok\": true, \"power\": \"%s\", \"power_cuts\": %u, \"last_cut\": %s%s%s, "
		   "\"boot_count\": %u, "
		   "\"boot_mode\": \"%s\", \"booted\": %s, "
		   "\"running\": {\"slot\": %d, \"version\": \"%s\"}, "
		   "\"dfu_module\": %s, \"confirm_at_boot\": %s, "
		   "\"lock\": {\"owner\": %s, \"previous\": %s}, "
		   "\"upload\": {\"slot\": %d, \"off\": %u, \"size\": %u}, "
		   "\"transfer_events\": {\"submitted\": %u, \"processed\": %u}, "
		   "\"mcumgr\": %s, \"cfgchan\": %s, "
		   "\"ble\": {\"enabled\": %s, \"connected\": %s, \"secured\": %s, \"mtu\": %u, "
		   "\"interval\": %u, \"latency\": %u, \"timeout\": %u, \"param_requests\": %u, "
		   "\"param_updates\": %u, \"low_latency\": %s, \"writes\": %u, "
		   "\"notifications\": %u, \"frames_out\": %u, \"rx_frames\": %u, \"rx_refused\": %u, "
		   "\"rx_dropped\": %u, %s}, "
		   "\"smp\": {\"rx_frames\": %u, \"tx_frames\": %u}, "
		   "\"flash\": {\"powered\": %s, \"reads\": %llu, \"writes\": %llu, "
		   "\"erases\": %llu, \"sectors_erased\": %llu, \"ops_since_arm\": %llu, "
		   "\"cut_armed\": %s, \"cut_happened\": %s, \"file_errors\": %llu}, "
		   "\"flash_timing\": %s}",
		   on ? "on" : "off", d->power_cuts, d->last_cut ? "\"" : "",
		   d->last_cut ? d->last_cut : "null", d->last_cut ? "\"" : "", d->boots, sim_boot_cfg_mode_name(&(struct sim_boot_cfg){ .mode = d->opts->mode, .overwrite_fast = d->opts->overwrite_fast }),
		   c->booted ? "true" : "false", c->booted ? c->boot_report.booted_slot : -1,
		   c->version, c->stack.mcumgr_on ? "true" : "false",
		   d->opts->confirm_at_boot ? "true" : "false",
		   owner_json(sdfu_dfu_lock_owner_get(&c->stack.lock), own, sizeof(own)),
		   owner_json(sdfu_dfu_lock_previous(&c->stack.lock), prev, sizeof(prev)),
		   (int)c->stack.img.upload.slot, c->stack.img.upload.off, c->stack.img.upload.size,
		   c->stack.mcumgr_on ? c->stack.mcumgr.stats.evt_submitted : 0u, c->xfer_processed, mc, cc,
		   b->lfd >= 0 ? "true" : "false", b->connected ? "true" : "false",
		   b->secured ? "true" : "false", b->mtu, b->interval, b->latency, b->timeout,
		   c->stack.lat_on ? c->stack.lat.requests : 0u, b->param_updates,
		   c->stack.lat_on && (c->stack.lat.state & SDFU_BLE_LAT_ENABLED) ? "true" : "false", b->writes,
		   b->notifications, b->frames_out, b->ep.rx.frames, b->ep.rx.refused,
		   b->ep.rx.dropped, link, c->stack.srv.rx_frames, c->stack.srv.tx_frames,
		   d->flash.powered ? "true" : "false", (unsigned long long)fs->reads,
		   (unsigned long long)fs->writes, (unsigned long long)fs->erases,
		   (unsigned long long)fs->sectors_erased,
		   (unsigned long long)sim_flash_ops(&d->flash),
		   d->flash.cut_at != 0u && !d->flash.cut_happened ? "true" : "false",
		   d->flash.cut_happened ? "true" : "false", (unsigned long long)fs->file_errors, ft);
}

/*
 * Test hook: make the flash FILE refuse a write, as a full disk or a failing medium does.
 * {"op": "file_fail", "after": N (default 1: the next pwrite), "errno": "EIO"|"ENOSPC",
 *  "sticky": bool}; "after": 0 disarms.
 */
static void file_fail(struct device *d, int fd, const char *line)
{
	long long after = 1;
	char en[16] = "EIO";
	bool sticky = false;
	int err;

	(void)json_get_int(line, "after", &after);
	(void)json_get_str(line, "errno", en, sizeof(en));
	(void)json_get_bool(line, "sticky", &sticky);
	if (strcmp(en, "EIO") == 0) {
		err = EIO;
	} else if (strcmp(en, "ENOSPC") == 0) {
		err = ENOSPC;
	} else {
		line_reply(fd, "{\"ok\": false, \"error\": \"errno is EIO or ENOSPC\"}");
		return;
	}
	if (after < 0) {
		line_reply(fd, "{\"ok\": false, \"error\": \"bad after\"}");
		return;
	}
	sim_flash_file_fail(&d->flash, (uint64_t)after, err, sticky);
	SDFU_LOGW("flash file write #%lld from now will fail with %s%s", after, en, sticky ? " (sticky)" : "");
	line_reply(fd, "{\"ok\": true, \"after\": %lld}", after);
}

static int parse_cut_mode(const char *s, enum sim_flash_cut_mode *m)
{
	if (strcmp(s, "atomic") == 0) {
		*m = SIM_FLASH_CUT_ATOMIC;
	} else if (strcmp(s, "torn") == 0) {
		*m = SIM_FLASH_CUT_TORN_WRITE;
	} else if (strcmp(s, "partial-erase") == 0) {
		*m = SIM_FLASH_CUT_PARTIAL_ERASE;
	} else {
		return -1;
	}
	return 0;
}

/* Power-on policy of a cut: "restart_ms" (default --power-off-ms; 0 = wait for power_on). */
static void set_restart(struct device *d, const char *line)
{
	long long ms = (long long)d->opts->power_off_ms;

	(void)json_get_int(line, "restart_ms", &ms);
	d->auto_power_on = ms > 0;
	d->restart_ms = ms > 0 ? (uint32_t)ms : 0u;
}

static void power_cut(struct device *d, int fd, const char *line)
{
	long long after = 0;
	long long param = 50;
	char mode[24] = "atomic";
	enum sim_flash_cut_mode m;

	if (!d->powered) {
		line_reply(fd, "{\"ok\": false, \"error\": \"already off\"}");
		return;
	}
	(void)json_get_str(line, "mode", mode, sizeof(mode));
	(void)json_get_int(line, "param", &param);
	if (parse_cut_mode(mode, &m) != 0 || param < 0 || param > 100) {
		line_reply(fd, "{\"ok\": false, \"error\": \"bad mode or param\"}");
		return;
	}
	set_restart(d, line);
	if (json_get_int(line, "after_ops", &after) == 0 && after > 0) {
		sim_flash_cut_at(&d->flash, (uint64_t)after, m, (uint32_t)param);
		SDFU_LOGI("power cut armed at flash op %lld (%s, %lld%%)", after, mode, param);
		line_reply(fd, "{\"ok\": true, \"armed\": true, \"after_ops\": %lld}", after);
		return;
	}
	d->last_cut = "now";
	device_power_off(d, "ctl power_cut");
	line_reply(fd, "{\"ok\": true, \"power\": \"off\"}");
}

void device_ctl_handle(struct device *d, int fd, char *line)
{
	char op[32];

	if (json_get_str(line, "op", op, sizeof(op)) != 0) {
		line_reply(fd, "{\"ok\": false, \"error\": \"missing op\"}");
		return;
	}
	if (strcmp(op, "state") == 0) {
		reply_state(d, fd);
	} else if (strcmp(op, "power_cut") == 0) {
		power_cut(d, fd, line);
	} else if (strcmp(op, "file_fail") == 0) {
		file_fail(d, fd, line);
	} else if (strcmp(op, "disarm") == 0) {
		sim_flash_disarm(&d->flash);
		line_reply(fd, "{\"ok\": true}");
	} else if (strcmp(op, "power_on") == 0) {
		if (d->powered) {
			line_reply(fd, "{\"ok\": false, \"error\": \"already on\"}");
			return;
		}
		if (device_power_on(d) != 0) {
			line_reply(fd, "{\"ok\": false, \"error\": \"boot failed\"}");
			return;
		}
		line_reply(fd, "{\"ok\": true, \"boot_count\": %u}", d->boots);
	} else if (strcmp(op, "reboot") == 0) {
		if (!d->powered) {
			line_reply(fd, "{\"ok\": false, \"error\": \"powered off\"}");
			return;
		}
		/* a warm reset: the same path as an SMP reset */
		sdfu_port_reset();
		line_reply(fd, "{\"ok\": true}");
	} else if (strcmp(op, "ble_disconnect") == 0) {
		device_ble_disconnect(d, 0x13);
		line_reply(fd, "{\"ok\": true}");
	} else {
		line_reply(fd, "{\"ok\": false, \"error\": \"unknown op '%s'\"}", op);
	}
}
