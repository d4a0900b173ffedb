/* SPDX-License-Identifier: Apache-2.0 */
/* Config-channel DFU: staged writes to the update slot under the DFU lock, background erase. */
#include "sdfu/dfu_cfgchan.h"

#include <string.h>

#include "sdfu/crc32.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "dfu_cfgchan"

SDFU_EVT_TYPE_DEFINE(sdfu_config_evt, NULL);
SDFU_MODULE_ID_DEFINE(dfu_cfgchan);

/* Both direct-XIP modes: the update goes to the slot that is not running. */
static bool is_xip(const struct sdfu_dfu_cfgchan *cc)
{
	return SDFU_BOOT_IS_DIRECT_XIP(cc->d.boot->mode);
}

/*
 * Plain direct-XIP only: no upgrade request, no confirmation, variant "MCUBOOT+XIP".
 * Direct-XIP with revert is handled like the swap modes (nRF Connect SDK dfu.c keys all
 * three on CONFIG_DESKTOP_CONFIG_CHANNEL_DFU_MCUBOOT_DIRECT_XIP, which defaults to
 * CONFIG_MCUBOOT_BOOTLOADER_MODE_DIRECT_XIP and so is off in the revert mode): MCUboot
 * erases a slot without trailer magic, and an image it tried once that nobody confirmed.
 */
static bool is_plain_xip(const struct sdfu_dfu_cfgchan *cc)
{
	return SDFU_BOOT_MODE_IS(cc->d.boot->mode, SDFU_BOOT_MODE_DIRECT_XIP);
}

bool sdfu_dfu_cfgchan_owns_lock(const struct sdfu_dfu_cfgchan *cc)
{
	return cc->d.lock != NULL && sdfu_dfu_lock_owner_get(cc->d.lock) == &cc->owner;
}

static int claim(struct sdfu_dfu_cfgchan *cc)
{
	if (cc->d.lock == NULL) {
		return SDFU_OK;
	}
	return sdfu_dfu_lock_claim(cc->d.lock, &cc->owner);
}

static void release(struct sdfu_dfu_cfgchan *cc)
{
	if (sdfu_dfu_cfgchan_owns_lock(cc)) {
		(void)sdfu_dfu_lock_release(cc->d.lock, &cc->owner);
	}
}

/* Release unless something of ours still needs the slot (spec: terminate_dfu). */
static void release_if_idle(struct sdfu_dfu_cfgchan *cc)
{
	if (!cc->active && !cc->storing && !cc->erasing && !cc->reboot_pending) {
		release(cc);
	}
}

static void announce(struct sdfu_dfu_cfgchan *cc, uint8_t opt)
{
	struct sdfu_config_evt e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = &sdfu_config_evt_type;
	e.opt = opt;
	e.is_request = true;
	(void)sdfu_evt_submit(cc->d.bus, &e.hdr, sizeof(e)); /* a full pool is logged by the bus */
}

/* owner_changed: another transport claimed after we released (its context, critical section). */
static void owner_changed(const struct sdfu_dfu_lock_owner *self,
			  const struct sdfu_dfu_lock_owner *new_owner)
{
	struct sdfu_dfu_cfgchan *cc = self->user;

	(void)new_owner;
	cc->slot_dirty = true;
}

static void reset_progress(struct sdfu_dfu_cfgchan *cc)
{
	cc->img_length = 0;
	cc->img_csum = 0;
	cc->offset = 0;
	cc->buf_len = 0;
}

static void schedule_erase(struct sdfu_dfu_cfgchan *cc, uint32_t delay_ms)
{
	cc->erasing = true;
	cc->slot_clean = false;
	cc->erase_off = 0;
	sdfu_timer_start(cc->d.timers, &cc->erase_timer, delay_ms);
}

static void stop_transfer(struct sdfu_dfu_cfgchan *cc)
{
	cc->active = false;
	cc->storing = false;
	sdfu_timer_stop(cc->d.timers, &cc->timeout);
	sdfu_timer_stop(cc->d.timers, &cc->store_timer);
}

/* End the transfer (completion, error, timeout) and release unless something is pending. */
static void terminate(struct sdfu_dfu_cfgchan *cc)
{
	stop_transfer(cc);
	release_if_idle(cc);
}

static void erase_fn(struct sdfu_timer *t)
{
	struct sdfu_dfu_cfgchan *cc = t->ctx;
	uint32_t so;
	uint32_t ss;
	int rc;

	if (!cc->erasing) {
		return;
	}
	if (cc->erase_off >= cc->slot->size) {
		cc->erasing = false;
		cc->slot_clean = true;
		SDFU_LOGI("update slot clean");
		release_if_idle(cc);
		return;
	}
	rc = sdfu_flash_area_sector(cc->slot, cc->erase_off, &so, &ss);
	if (rc == SDFU_OK && !sdfu_flash_area_is_erased(cc->slot, so, ss)) {
		rc = sdfu_flash_area_erase(cc->slot, so, ss);
		if (rc == SDFU_OK) {
			cc->stats.erased_sectors++;
		}
	}
	if (rc != SDFU_OK) {
		SDFU_LOGE("background erase failed at 0x%x (%d)", (unsigned)cc->erase_off, rc);
		cc->stats.flash_errors++;
		cc->erasing = false;
		release_if_idle(cc);
		return;
	}
	cc->erase_off = so + ss;
	sdfu_timer_start(cc->d.timers, &cc->erase_timer, SDFU_DFU_CFGCHAN_ERASE_STEP_MS);
}

/* CRC-32 of the first img_length bytes of the slot, read back from flash. */
static int slot_crc(struct sdfu_dfu_cfgchan *cc, uint32_t *crc)
{
	uint8_t chunk[64];
	uint32_t off = 0;

	*crc = 0;
	while (off < cc->img_length) {
		size_t n = cc->img_length - off;
		int rc;

		if (n > sizeof(chunk)) {
			n = sizeof(chunk);
		}
		rc = sdfu_flash_area_read(cc->slot, off, chunk, n);
		if (rc != SDFU_OK) {
			return rc;
		}
		*crc = sdfu_crc32(*crc, chunk, n);
		off += (uint32_t)n;
	}
	return SDFU_OK;
}

static void complete(struct sdfu_dfu_cfgchan *cc)
{
	uint32_t crc;
	int rc = slot_crc(cc, &crc);

	if (rc != SDFU_OK || crc != cc->img_csum) {
		SDFU_LOGE("image checksum mismatch (0x%08x != 0x%08x, %d)", (unsigned)crc,
			  (unsigned)cc->img_csum, rc);
		cc->stats.csum_errors++;
		reset_progress(cc);
		cc->slot_clean = false; /* next start erases */
		terminate(cc);
		return;
	}
	if (!is_plain_xip(cc)) {
		/* a test boot; in direct-xip-revert this writes the update slot's magic */
		rc = sdfu_boot_request_upgrade(cc->slot, cc->d.boot->mode, false);
		if (rc != SDFU_OK) {
			SDFU_LOGE("cannot request the upgrade (%d)", rc);
			cc->stats.flash_errors++;
		}
	}
	cc->stats.completions++;
	SDFU_LOGI("DFU image stored (%u bytes)", (unsigned)cc->img_length);
	terminate(cc);
}

/*
 * Open the image stream at the stored offset (0, or a resume point: a multiple of the
 * staging buffer, so write-aligned). The slot was erased by the background erase, so
 * the stream is told not to erase again; it stops at the announced length.
 */
static int open_stream(struct sdfu_dfu_cfgchan *cc)
{
	int rc = sdfu_flash_stream_init(&cc->stream, cc->slot, cc->offset);

	if (rc == SDFU_OK) {
		cc->stream.erased_end = cc->slot->size;
		cc->stream.limit = cc->img_length;
	}
	return rc;
}

static void store_fn(struct sdfu_timer *t)
{
	struct sdfu_dfu_cfgchan *cc = t->ctx;
	bool last;
	int rc;

	if (!cc->storing) {
		return;
	}
	/* The one write path: the stream writer (the last block is padded with the erased value). */
	last = cc->offset + cc->buf_len == cc->img_length;
	rc = sdfu_flash_stream_offset(&cc->stream) == cc->offset
		     ? sdfu_flash_stream_write(&cc->stream, cc->buf, cc->buf_len, last)
		     : SDFU_ERR_BADSTATE;
	cc->storing = false;
	if (rc != SDFU_OK) {
		SDFU_LOGE("store at 0x%x failed (%d)", (unsigned)cc->offset, rc);
		cc->stats.flash_errors++;
		reset_progress(cc);
		cc->slot_clean = false;
		terminate(cc);
		return;
	}
	cc->stats.stores++;
	cc->offset += cc->buf_len;
	cc->buf_len = 0;
	if (cc->offset >= cc->img_length) {
		complete(cc);
	}
}

static void timeout_fn(struct sdfu_timer *t)
{
	struct sdfu_dfu_cfgchan *cc = t->ctx;

	if (cc->storing) {
		/* the store runs within milliseconds; check again after it */
		sdfu_timer_start(cc->d.timers, &cc->timeout, SDFU_DFU_CFGCHAN_TIMEOUT_MS);
		return;
	}
	SDFU_LOGW("config channel DFU timed out");
	cc->stats.timeouts++;
	cc->buf_len = 0; /* unstored bytes are lost; the host resumes at `offset` */
	terminate(cc);
}

static void reboot_fn(struct sdfu_timer *t)
{
	(void)t;
	SDFU_LOGI("reboot");
	sdfu_port_reset();
}

int sdfu_dfu_cfgchan_start(struct sdfu_dfu_cfgchan *cc, uint32_t length, uint32_t csum,
			   uint32_t offset)
{
	announce(cc, SDFU_DFU_CFGCHAN_OPT_START);
	if (cc->reboot_pending) {
		return SDFU_ERR_BUSY;
	}
	if (claim(cc) != SDFU_OK) {
		SDFU_LOGW("another DFU transport is active");
		cc->stats.refused++;
		return SDFU_ERR_ACCES;
	}
	if (cc->slot_dirty) {
		/* another owner wrote the slot: clean it, the host retries afterwards */
		cc->slot_dirty = false;
		SDFU_LOGI("slot used by another transport: cleaning");
		stop_transfer(cc);
		reset_progress(cc);
		schedule_erase(cc, 0); /* keeps the lock until the slot is clean */
		return SDFU_ERR_BUSY;
	}
	if (cc->erasing || cc->storing) {
		return SDFU_ERR_BUSY;
	}
	if (length == 0u || length > cc->slot->size) {
		release_if_idle(cc);
		return SDFU_ERR_INVAL;
	}
	if (offset != 0u) {
		if (length != cc->img_length || csum != cc->img_csum || offset != cc->offset ||
		    cc->buf_len != 0u || offset >= length) {
			SDFU_LOGW("cannot resume at %u", (unsigned)offset);
			release_if_idle(cc);
			return SDFU_ERR_INVAL;
		}
	} else {
		if (!cc->slot_clean || cc->offset != 0u || cc->buf_len != 0u) {
			stop_transfer(cc);
			reset_progress(cc);
			schedule_erase(cc, 0);
			return SDFU_ERR_BUSY;
		}
		cc->img_length = length;
		cc->img_csum = csum;
		cc->offset = 0;
		cc->buf_len = 0;
	}
	if (open_stream(cc) != SDFU_OK) {
		/* cannot happen: the offset is buffer-aligned and inside the slot */
		SDFU_LOGE("cannot open the image stream at %u", (unsigned)offset);
		release_if_idle(cc);
		return SDFU_ERR_INVAL;
	}
	cc->active = true;
	sdfu_timer_start(cc->d.timers, &cc->timeout, SDFU_DFU_CFGCHAN_TIMEOUT_MS);
	SDFU_LOGI("DFU started: %u bytes from %u", (unsigned)length, (unsigned)offset);
	return SDFU_OK;
}

int sdfu_dfu_cfgchan_data(struct sdfu_dfu_cfgchan *cc, const uint8_t *data, size_t len)
{
	announce(cc, SDFU_DFU_CFGCHAN_OPT_DATA);
	if (!cc->active || (cc->d.lock != NULL && !sdfu_dfu_cfgchan_owns_lock(cc))) {
		return SDFU_ERR_BADSTATE;
	}
	if (cc->storing) {
		return SDFU_ERR_BUSY;
	}
	if ((uint64_t)cc->offset + cc->buf_len + len > cc->img_length) {
		return SDFU_ERR_RANGE;
	}
	if (cc->buf_len + len > sizeof(cc->buf)) {
		return SDFU_ERR_NOSPC;
	}
	memcpy(&cc->buf[cc->buf_len], data, len);
	cc->buf_len = (uint16_t)(cc->buf_len + len);
	sdfu_timer_start(cc->d.timers, &cc->timeout, SDFU_DFU_CFGCHAN_TIMEOUT_MS);
	if (cc->buf_len == sizeof(cc->buf) || cc->offset + cc->buf_len == cc->img_length) {
		cc->storing = true;
		sdfu_timer_start(cc->d.timers, &cc->store_timer,
				 SDFU_DFU_CFGCHAN_STORE_DELAY_MS);
	}
	return SDFU_OK;
}

void sdfu_dfu_cfgchan_sync(struct sdfu_dfu_cfgchan *cc, struct sdfu_dfu_cfgchan_sync *out)
{
	announce(cc, SDFU_DFU_CFGCHAN_OPT_SYNC);
	out->img_length = cc->img_length;
	out->img_csum = cc->img_csum;
	out->offset = cc->offset;
	out->sync_buffer_size = (uint16_t)sizeof(cc->buf);
	if (claim(cc) != SDFU_OK) {
		out->state = SDFU_DFU_CFGCHAN_ACTIVE_OTHER;
		return;
	}
	if (cc->storing) {
		out->state = SDFU_DFU_CFGCHAN_STORING;
	} else if (cc->erasing) {
		out->state = SDFU_DFU_CFGCHAN_CLEANING;
	} else if (cc->active) {
		out->state = SDFU_DFU_CFGCHAN_ACTIVE_CONFIG_CHANNEL;
	} else {
		out->state = SDFU_DFU_CFGCHAN_INACTIVE;
	}
	release_if_idle(cc);
}

bool sdfu_dfu_cfgchan_reboot(struct sdfu_dfu_cfgchan *cc)
{
	announce(cc, SDFU_DFU_CFGCHAN_OPT_REBOOT);
	if (claim(cc) != SDFU_OK) {
		cc->stats.refused++;
		return false;
	}
	cc->reboot_pending = true;
	sdfu_timer_start(cc->d.timers, &cc->reboot_timer, SDFU_DFU_CFGCHAN_REBOOT_DELAY_MS);
	return true;
}

void sdfu_dfu_cfgchan_device_in_use(struct sdfu_dfu_cfgchan *cc)
{
	if (cc->erasing) {
		sdfu_timer_start(cc->d.timers, &cc->erase_timer,
				 SDFU_DFU_CFGCHAN_ERASE_BACKOFF_MS);
	}
}

const char *sdfu_dfu_cfgchan_variant(const struct sdfu_dfu_cfgchan *cc)
{
	return is_plain_xip(cc) ? "MCUBOOT+XIP" : "MCUBOOT";
}

void sdfu_dfu_cfgchan_boot(struct sdfu_dfu_cfgchan *cc)
{
	const struct sdfu_boot_ctx *boot = cc->d.boot;

	if (cc->started) {
		return;
	}
	cc->started = true;
	if (!is_plain_xip(cc)) {
		int rc = sdfu_boot_confirm(boot->slot[boot->active_slot], boot->mode);

		if (rc != SDFU_OK) {
			SDFU_LOGE("cannot confirm the running image (%d)", rc);
		}
	}
	if (claim(cc) != SDFU_OK) {
		/* e.g. SMP over UART was live at boot (spec 12.8): do not assume we are first */
		SDFU_LOGW("DFU lock taken before boot erase: slot treated as dirty");
		cc->slot_clean = false;
		return;
	}
	schedule_erase(cc, 0);
}

static bool on_module_state(const struct sdfu_evt_hdr *evt, void *user)
{
	if (sdfu_module_check_state(evt, &sdfu_module_main, SDFU_MODULE_STATE_READY)) {
		sdfu_dfu_cfgchan_boot(user);
	}
	return false;
}

int sdfu_dfu_cfgchan_init(struct sdfu_dfu_cfgchan *cc, const struct sdfu_dfu_cfgchan_deps *deps)
{
	const struct sdfu_boot_ctx *boot;

	memset(cc, 0, sizeof(*cc));
	if (deps == NULL || deps->bus == NULL || deps->timers == NULL || deps->boot == NULL) {
		return SDFU_ERR_INVAL;
	}
	cc->d = *deps;
	boot = deps->boot;
	if (boot->active_slot > 1u || boot->slot[boot->active_slot] == NULL) {
		return SDFU_ERR_INVAL;
	}
	cc->slot = is_xip(cc) ? boot->slot[boot->active_slot ^ 1u] : boot->slot[1];
	if (cc->slot == NULL) {
		(void)sdfu_module_set_state(deps->bus, &sdfu_module_dfu_cfgchan,
					    SDFU_MODULE_STATE_ERROR);
		return SDFU_ERR_INVAL;
	}
	cc->owner.name = "Config Channel";
	cc->owner.owner_changed = owner_changed;
	cc->owner.user = cc;
	sdfu_timer_init(&cc->timeout, timeout_fn, cc);
	sdfu_timer_init(&cc->erase_timer, erase_fn, cc);
	sdfu_timer_init(&cc->store_timer, store_fn, cc);
	sdfu_timer_init(&cc->reboot_timer, reboot_fn, cc);
	return sdfu_evt_subscribe_fn(deps->bus, &cc->sub_state, &sdfu_module_state_evt_type,
				     SDFU_EVT_PRIO_NORMAL, on_module_state, cc);
}

void sdfu_dfu_cfgchan_deinit(struct sdfu_dfu_cfgchan *cc)
{
	if (cc->d.bus == NULL) {
		return;
	}
	sdfu_evt_unsubscribe(cc->d.bus, &cc->sub_state);
	sdfu_timer_stop(cc->d.timers, &cc->timeout);
	sdfu_timer_stop(cc->d.timers, &cc->erase_timer);
	sdfu_timer_stop(cc->d.timers, &cc->store_timer);
	sdfu_timer_stop(cc->d.timers, &cc->reboot_timer);
	cc->active = false;
	cc->storing = false;
	cc->erasing = false;
	cc->reboot_pending = false;
	release(cc);
}
