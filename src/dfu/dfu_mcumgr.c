/* SPDX-License-Identifier: Apache-2.0 */
/* DFU MCUmgr module: SMP CMD_RECV gate on the DFU lock, 5 s inactivity release, transfer hints. */
#include "sdfu/dfu_mcumgr.h"

#include <string.h>

#include "sdfu/err.h"
#include "sdfu/os.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "dfu_mcumgr"

SDFU_EVT_TYPE_DEFINE(sdfu_ble_smp_transfer_evt, NULL);

#if SDFU_DFU_MCUMGR

/*
 * Concurrency: every entry (CMD_RECV hook, timer expiry, event handlers) runs
 * on the core loop, so "re-arm + claim" and "timeout + release" can never
 * interleave (the race of spec 12.6 cannot happen). On top of that the module
 * records its ownership in `owns`: the timeout only releases when it believes
 * it owns the lock, and a refused release is logged and counted, never
 * asserted. The only code that may run in another context is owner_changed()
 * (in a claimer's context, inside the port critical section): it touches only
 * the image group through its thread-safe sdfu_img_upload_reset().
 */

static bool has(const struct sdfu_dfu_mcumgr *m, uint32_t flag)
{
	return (m->cfg.flags & flag) != 0u;
}

void sdfu_dfu_mcumgr_cfg_default(struct sdfu_dfu_mcumgr_cfg *cfg)
{
	cfg->flags = SDFU_DFU_MCUMGR_F_DEFAULT;
	cfg->timeout_ms = SDFU_DFU_MCUMGR_TIMEOUT_MS;
	cfg->version = NULL;
}

/* DFU command: any image-group command, or OS reset. */
static bool is_dfu_cmd(const struct sdfu_smp_cmd_info *info)
{
	return info->group == SDFU_SMP_GROUP_IMG ||
	       (info->group == SDFU_SMP_GROUP_OS && info->id == SDFU_OS_ID_RESET);
}

/* Read-only image commands (image list, slot info) for F_READONLY_UNLOCKED. */
static bool is_readonly_img(const struct sdfu_smp_cmd_info *info)
{
	return info->group == SDFU_SMP_GROUP_IMG && info->op == SDFU_SMP_OP_READ &&
	       (info->id == SDFU_IMG_ID_STATE || info->id == SDFU_IMG_ID_SLOT_INFO);
}

/* Submit one ble_smp_transfer_event unless one is already in flight. */
static void submit_transfer_evt(struct sdfu_dfu_mcumgr *m, const struct sdfu_smp_cmd_info *info)
{
	struct sdfu_ble_smp_transfer_evt e;
	bool was;
	int rc;

	if (!has(m, SDFU_DFU_MCUMGR_F_BLE_TRANSPORT)) {
		return;
	}
	if (has(m, SDFU_DFU_MCUMGR_F_EVT_BLE_ONLY) &&
	    (info->transport == NULL || (info->transport->flags & SDFU_SMP_TRANSPORT_F_BLE) == 0u)) {
		return;
	}
	sdfu_port_crit_enter();
	was = m->evt_in_flight;
	m->evt_in_flight = true;
	sdfu_port_crit_exit();
	if (was) {
		m->stats.evt_skipped++;
		return;
	}
	memset(&e, 0, sizeof(e));
	e.hdr.type = &sdfu_ble_smp_transfer_evt_type;
	rc = sdfu_evt_submit(m->d.bus, &e.hdr, sizeof(e));
	if (rc != SDFU_OK) {
		/* the bus logged it; clear the flag so the next command retries */
		sdfu_port_crit_enter();
		m->evt_in_flight = false;
		sdfu_port_crit_exit();
		m->stats.evt_failed++;
		SDFU_LOGW("transfer event not submitted (%d)", rc);
		return;
	}
	m->stats.evt_submitted++;
}

static enum sdfu_smp_cb_ret on_cmd_recv(struct sdfu_dfu_mcumgr *m, enum sdfu_smp_cb_ret prev,
					int32_t *rc, const struct sdfu_smp_cmd_info *info)
{
	SDFU_LOGD("SMP command group %u id %u op %u", (unsigned)info->group, (unsigned)info->id,
		  (unsigned)info->op);
	if (!is_dfu_cmd(info)) {
		SDFU_LOGD("not a DFU command");
		return SDFU_SMP_CB_OK;
	}
	if (prev != SDFU_SMP_CB_OK) {
		/* an earlier callback already vetoed: the command will not run, do not claim */
		return SDFU_SMP_CB_OK;
	}
	m->stats.dfu_cmds++;
	if (has(m, SDFU_DFU_MCUMGR_F_READONLY_UNLOCKED) && is_readonly_img(info)) {
		/* no lock, no timer: harmless reads; still a hint that SMP traffic flows */
		m->stats.accepted++;
		submit_transfer_evt(m, info);
		return SDFU_SMP_CB_OK;
	}
	/* Re-arm first, then claim (spec 12.7). */
	sdfu_timer_start(m->d.timers, &m->timeout, m->cfg.timeout_ms);
	if (has(m, SDFU_DFU_MCUMGR_F_LOCK)) {
		int err = sdfu_dfu_lock_claim(m->d.lock, &m->owner);

		if (err != SDFU_OK) {
			sdfu_timer_stop(m->d.timers, &m->timeout);
			m->owns = false;
			m->stats.rejected++;
			SDFU_LOGD("DFU lock held by another owner: command rejected");
			*rc = SDFU_MGMT_EACCESSDENIED;
			return SDFU_SMP_CB_ERROR_RC;
		}
		m->owns = true;
	}
	m->stats.accepted++;
	submit_transfer_evt(m, info);
	return SDFU_SMP_CB_OK;
}

/* Update finished (RELEASE_ON_COMPLETE): give the lock back now instead of after the timeout. */
static void complete(struct sdfu_dfu_mcumgr *m, const char *why)
{
	m->upload_pending = false;
	sdfu_timer_stop(m->d.timers, &m->timeout);
	if (m->owns) {
		m->owns = false;
		if (sdfu_dfu_lock_release(m->d.lock, &m->owner) != SDFU_OK) {
			m->stats.release_errors++;
		}
	}
	m->stats.completions++;
	SDFU_LOGI("DFU complete (%s): lock released", why);
}

static void on_cmd_done(struct sdfu_dfu_mcumgr *m, const struct sdfu_smp_cmd_done *done)
{
	/* An accepted state write (test/confirm) after a finished upload completes the update. */
	if (done->group == SDFU_SMP_GROUP_IMG && done->id == SDFU_IMG_ID_STATE &&
	    done->op == SDFU_SMP_OP_WRITE && done->rc == 0 && !done->group_err &&
	    m->upload_pending) {
		complete(m, "image marked for test");
	}
}

static enum sdfu_smp_cb_ret smp_cb(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
				   uint16_t *group, bool *abort_more, void *data, size_t data_size,
				   void *user)
{
	struct sdfu_dfu_mcumgr *m = user;

	(void)group;
	(void)abort_more;
	switch (event) {
	case SDFU_SMP_EVT_CMD_RECV:
		if (data == NULL || data_size != sizeof(struct sdfu_smp_cmd_info)) {
			SDFU_LOGE("CMD_RECV with bad data size %u", (unsigned)data_size);
			*rc = SDFU_MGMT_EUNKNOWN;
			return SDFU_SMP_CB_ERROR_RC;
		}
		return on_cmd_recv(m, prev, rc, data);
	case SDFU_SMP_EVT_CMD_DONE:
		if (data != NULL && data_size == sizeof(struct sdfu_smp_cmd_done)) {
			on_cmd_done(m, data);
		}
		return SDFU_SMP_CB_OK;
	case SDFU_IMG_EVT_DFU_STARTED:
	case SDFU_IMG_EVT_DFU_STOPPED:
		m->upload_pending = false;
		return SDFU_SMP_CB_OK;
	case SDFU_IMG_EVT_DFU_PENDING:
		m->upload_pending = true;
		return SDFU_SMP_CB_OK;
	case SDFU_IMG_EVT_DFU_CONFIRMED:
		if (m->owns || !has(m, SDFU_DFU_MCUMGR_F_LOCK)) {
			complete(m, "image confirmed");
		}
		return SDFU_SMP_CB_OK;
	default:
		SDFU_LOGE("unexpected SMP event 0x%08x", (unsigned)event);
		*rc = SDFU_MGMT_EUNKNOWN;
		return SDFU_SMP_CB_ERROR_RC;
	}
}

static void timeout_fn(struct sdfu_timer *t)
{
	struct sdfu_dfu_mcumgr *m = t->ctx;

	SDFU_LOGW("MCUmgr DFU timed out");
	m->stats.timeouts++;
	if (!has(m, SDFU_DFU_MCUMGR_F_LOCK) || !m->owns) {
		return;
	}
	m->owns = false;
	if (sdfu_dfu_lock_release(m->d.lock, &m->owner) != SDFU_OK) {
		/* Tolerated (spec 15.3): someone released on our behalf. Never asserted. */
		m->stats.release_errors++;
		SDFU_LOGE("timeout: lock was not held by MCUmgr");
	}
}

/* owner_changed: runs in the new claimer's context inside the lock's critical section. */
static void owner_changed(const struct sdfu_dfu_lock_owner *self,
			  const struct sdfu_dfu_lock_owner *new_owner)
{
	struct sdfu_dfu_mcumgr *m = self->user;

	SDFU_LOGD("DFU lock taken by %s: reset MCUmgr upload", new_owner->name);
	if (m->d.img != NULL) {
		sdfu_img_upload_reset(m->d.img);
		m->stats.upload_resets++;
	}
	m->upload_pending = false;
}

static void log_version(struct sdfu_dfu_mcumgr *m)
{
	const struct sdfu_boot_ctx *boot = m->d.boot;
	struct sdfu_image_header hdr;
	uint8_t buf[SDFU_IMAGE_HEADER_SIZE];
	char ver[32];

	if (m->cfg.version != NULL) {
		SDFU_LOGI("MCUboot image version: %s", m->cfg.version);
		return;
	}
	if (boot == NULL || boot->active_slot > 1u || boot->slot[boot->active_slot] == NULL) {
		return;
	}
	if (sdfu_flash_area_read(boot->slot[boot->active_slot], 0, buf, sizeof(buf)) != SDFU_OK ||
	    sdfu_image_header_parse(buf, sizeof(buf), &hdr) != SDFU_OK) {
		SDFU_LOGW("MCUboot image version: unknown");
		return;
	}
	(void)sdfu_image_version_str(&hdr.ver, ver, sizeof(ver));
	SDFU_LOGI("MCUboot image version: %s", ver);
}

void sdfu_dfu_mcumgr_start(struct sdfu_dfu_mcumgr *m)
{
	const struct sdfu_boot_ctx *boot = m->d.boot;

	if (m->started) {
		return;
	}
	m->started = true;
	/*
	 * 1. confirm the running image, except in plain direct-XIP (MCUboot boots the higher
	 * version and keeps no test state). Direct-XIP with revert is revert-capable like the
	 * swap modes: an image MCUboot booted once and nobody confirmed is erased at the next
	 * boot, so it is confirmed here (nRF Connect SDK dfu_mcumgr.c, dfu_backend_init()).
	 */
	if (boot != NULL && !SDFU_BOOT_MODE_IS(boot->mode, SDFU_BOOT_MODE_DIRECT_XIP) &&
	    boot->active_slot <= 1u && boot->slot[boot->active_slot] != NULL) {
		int rc = sdfu_boot_confirm(boot->slot[boot->active_slot], boot->mode);

		if (rc != SDFU_OK) {
			m->stats.confirm_errors++;
			SDFU_LOGE("Cannot confirm a running image (%d)", rc);
		}
	}
	/* 2. the timer was initialised in init; 3. install the hook(s) */
	sdfu_smp_cb_register(m->d.srv, &m->cb_recv);
	if (has(m, SDFU_DFU_MCUMGR_F_RELEASE_ON_COMPLETE)) {
		sdfu_smp_cb_register(m->d.srv, &m->cb_done);
		sdfu_smp_cb_register(m->d.srv, &m->cb_img);
	}
	/* 4. log the version */
	log_version(m);
}

static bool on_module_state(const struct sdfu_evt_hdr *evt, void *user)
{
	struct sdfu_dfu_mcumgr *m = user;

	if (sdfu_module_check_state(evt, &sdfu_module_main, SDFU_MODULE_STATE_READY)) {
		sdfu_dfu_mcumgr_start(m);
	}
	return false;
}

/* FINAL subscriber: every other subscriber has seen the event; allow the next one. */
static bool on_transfer_final(const struct sdfu_evt_hdr *evt, void *user)
{
	struct sdfu_dfu_mcumgr *m = user;
	bool was;

	(void)evt;
	sdfu_port_crit_enter();
	was = m->evt_in_flight;
	m->evt_in_flight = false;
	sdfu_port_crit_exit();
	if (!was) {
		m->stats.evt_unexpected++;
		SDFU_LOGE("transfer event reached FINAL while none was in flight");
	}
	return false;
}

int sdfu_dfu_mcumgr_init(struct sdfu_dfu_mcumgr *m, const struct sdfu_dfu_mcumgr_deps *deps,
			 const struct sdfu_dfu_mcumgr_cfg *cfg)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if (deps == NULL || deps->srv == NULL || deps->bus == NULL || deps->timers == NULL) {
		return SDFU_ERR_INVAL;
	}
	if (!SDFU_SMP_HOOKS) {
		return SDFU_ERR_NOTSUP; /* it works through SMP callbacks (config.h) */
	}
	m->d = *deps;
	if (cfg != NULL) {
		m->cfg = *cfg;
	} else {
		sdfu_dfu_mcumgr_cfg_default(&m->cfg);
	}
	if (has(m, SDFU_DFU_MCUMGR_F_LOCK) && m->d.lock == NULL) {
		return SDFU_ERR_INVAL;
	}
	m->owner.name = "MCUmgr";
	m->owner.owner_changed = owner_changed;
	m->owner.user = m;
	sdfu_timer_init(&m->timeout, timeout_fn, m);
	m->cb_recv.event_id = SDFU_SMP_EVT_CMD_RECV;
	m->cb_recv.fn = smp_cb;
	m->cb_recv.user = m;
	m->cb_done.event_id = SDFU_SMP_EVT_CMD_DONE;
	m->cb_done.fn = smp_cb;
	m->cb_done.user = m;
	m->cb_img.event_id = SDFU_IMG_EVT_DFU_STARTED | SDFU_IMG_EVT_DFU_STOPPED |
			     SDFU_IMG_EVT_DFU_PENDING | SDFU_IMG_EVT_DFU_CONFIRMED;
	m->cb_img.fn = smp_cb;
	m->cb_img.user = m;
	if (has(m, SDFU_DFU_MCUMGR_F_BLE_TRANSPORT)) {
		rc = sdfu_evt_subscribe_fn(m->d.bus, &m->sub_transfer,
					   &sdfu_ble_smp_transfer_evt_type, SDFU_EVT_PRIO_FINAL,
					   on_transfer_final, m);
		if (rc != SDFU_OK) {
			SDFU_LOGE("cannot be the FINAL subscriber of the transfer event (%d)", rc);
			return rc;
		}
	}
	rc = sdfu_evt_subscribe_fn(m->d.bus, &m->sub_state, &sdfu_module_state_evt_type,
				   SDFU_EVT_PRIO_NORMAL, on_module_state, m);
	if (rc != SDFU_OK) {
		sdfu_evt_unsubscribe(m->d.bus, &m->sub_transfer);
		return rc;
	}
	return SDFU_OK;
}

void sdfu_dfu_mcumgr_deinit(struct sdfu_dfu_mcumgr *m)
{
	if (m->started) {
		sdfu_smp_cb_unregister(m->d.srv, &m->cb_recv);
		if (has(m, SDFU_DFU_MCUMGR_F_RELEASE_ON_COMPLETE)) {
			sdfu_smp_cb_unregister(m->d.srv, &m->cb_done);
			sdfu_smp_cb_unregister(m->d.srv, &m->cb_img);
		}
	}
	if (m->d.bus != NULL) {
		sdfu_evt_unsubscribe(m->d.bus, &m->sub_state);
		sdfu_evt_unsubscribe(m->d.bus, &m->sub_transfer);
	}
	if (m->d.timers != NULL) {
		sdfu_timer_stop(m->d.timers, &m->timeout);
	}
	if (m->owns) {
		m->owns = false;
		(void)sdfu_dfu_lock_release(m->d.lock, &m->owner);
	}
	m->started = false;
}

bool sdfu_dfu_mcumgr_owns_lock(const struct sdfu_dfu_mcumgr *m)
{
	return m->owns;
}

bool sdfu_dfu_mcumgr_evt_in_flight(const struct sdfu_dfu_mcumgr *m)
{
	return m->evt_in_flight;
}

#endif /* SDFU_DFU_MCUMGR */
