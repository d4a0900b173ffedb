/* SPDX-License-Identifier: Apache-2.0 */
/* Composition root: the one place that builds the core objects and their order (see sdfu/stack.h). */
#include "sdfu/stack.h"

#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "stack"

void sdfu_stack_cfg_default(struct sdfu_stack_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->allow_erase_pending = SDFU_IMG_ALLOW_ERASE_PENDING != 0;
#if SDFU_STACK_DFU
	cfg->dfu_mcumgr = SDFU_DFU_MCUMGR != 0;
	sdfu_dfu_mcumgr_cfg_default(&cfg->dfu);
	cfg->confirm_at_boot = true;
	cfg->ready = true;
#endif
}

#if SDFU_STACK_DFU
/* Step 4: the DFU modules, each when configured. */
static int init_dfu_modules(struct sdfu_stack *st, const struct sdfu_stack_cfg *cfg)
{
	int rc;

	if (cfg->dfu_mcumgr) {
		struct sdfu_dfu_mcumgr_deps md = {.srv = &st->srv, .bus = &st->bus,
						  .timers = &st->timers, .lock = &st->lock,
						  .img = &st->img, .boot = st->boot};

		if (!cfg->confirm_at_boot) {
			md.boot = NULL; /* no confirm; the module logs cfg->dfu.version */
		}
		rc = sdfu_dfu_mcumgr_init(&st->mcumgr, &md, &cfg->dfu);
		if (rc != 0) {
			SDFU_LOGE("dfu_mcumgr init failed (%d)", rc);
			return rc;
		}
		st->mcumgr_on = true;
	}
	if (cfg->cfgchan) {
		rc = sdfu_stack_add_cfgchan(st);
		if (rc != 0) {
			return rc;
		}
	}
	if (cfg->ble_link != NULL) {
#if SDFU_STACK_BLE_LATENCY
		rc = sdfu_ble_latency_init(&st->lat, cfg->ble_link, &st->bus, &st->timers,
					   cfg->ble_latency);
		if (rc != 0) {
			SDFU_LOGE("ble_latency init failed (%d)", rc);
			return rc;
		}
		st->lat_on = true;
#else
		return SDFU_ERR_NOTSUP; /* built without the BLE latency module */
#endif
	}
	return 0;
}

int sdfu_stack_add_cfgchan(struct sdfu_stack *st)
{
#if !SDFU_STACK_CFGCHAN
	(void)st;
	return SDFU_ERR_NOTSUP; /* built without the config-channel DFU */
#else
	struct sdfu_dfu_cfgchan_deps cd = {.bus = &st->bus, .timers = &st->timers,
					   .lock = &st->lock, .boot = st->boot};
	int rc;

	if (st->cfgchan_on) {
		return SDFU_ERR_ALREADY;
	}
	rc = sdfu_dfu_cfgchan_init(&st->cfgchan, &cd);
	if (rc != 0) {
		SDFU_LOGE("dfu_cfgchan init failed (%d)", rc);
		return rc;
	}
	st->cfgchan_on = true;
	return 0;
#endif
}
#endif

int sdfu_stack_init(struct sdfu_stack *st, const struct sdfu_stack_cfg *cfg)
{
	int rc;

	if (cfg->boot == NULL) {
		return SDFU_ERR_INVAL;
	}
	/* a (re)start: RAM state of the previous run is gone */
	memset(st, 0, sizeof(*st));
	/* 1. loop services */
	sdfu_timer_list_init(&st->timers);
#if SDFU_STACK_DFU
	st->boot = cfg->boot;
	sdfu_evt_init(&st->bus);
	sdfu_dfu_lock_init(&st->lock);
#endif
	/* 2. SMP server and the built-in groups */
	sdfu_smp_server_init(&st->srv);
	rc = sdfu_os_init(&st->os, &st->srv, &st->timers, cfg->boot, cfg->os_info);
	if (rc != 0) {
		SDFU_LOGE("OS group init failed (%d)", rc);
		return rc;
	}
	rc = sdfu_img_init(&st->img, &st->srv, cfg->boot);
	if (rc != 0) {
		SDFU_LOGE("image group init failed (%d)", rc);
		return rc;
	}
	st->img.allow_erase_pending = cfg->allow_erase_pending;
	/* 3. the application's groups, callbacks, subscribers and transports */
	if (cfg->extend != NULL) {
		rc = cfg->extend(st, cfg->user);
		if (rc != 0) {
			return rc;
		}
	}
#if SDFU_STACK_DFU
	/* 4. DFU modules */
	rc = init_dfu_modules(st, cfg);
	if (rc != 0) {
		return rc;
	}
	/* 5. main READY: the boot actions run before any transport is polled */
	if (cfg->ready) {
		(void)sdfu_module_set_state(&st->bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
		(void)sdfu_evt_process(&st->bus);
	}
#endif
	return 0;
}

int sdfu_stack_add_group(struct sdfu_stack *st, struct sdfu_smp_group *grp)
{
	return sdfu_smp_register_group(&st->srv, grp);
}

void sdfu_stack_poll(struct sdfu_stack *st, uint32_t now_ms)
{
	sdfu_timer_process(&st->timers, now_ms);
#if SDFU_STACK_DFU
	(void)sdfu_evt_process(&st->bus);
#endif
}

int32_t sdfu_stack_next_ms(const struct sdfu_stack *st, uint32_t now_ms)
{
#if SDFU_STACK_DFU
	if (sdfu_evt_pending(&st->bus) != 0u) {
		return 0;
	}
#endif
	return sdfu_timer_next_ms(&st->timers, now_ms);
}

void sdfu_stack_deinit(struct sdfu_stack *st)
{
#if SDFU_STACK_DFU
	if (st->mcumgr_on) {
		sdfu_dfu_mcumgr_deinit(&st->mcumgr);
		st->mcumgr_on = false;
	}
#if SDFU_STACK_CFGCHAN
	if (st->cfgchan_on) {
		sdfu_dfu_cfgchan_deinit(&st->cfgchan);
		st->cfgchan_on = false;
	}
#endif
#if SDFU_STACK_BLE_LATENCY
	if (st->lat_on) {
		sdfu_ble_latency_deinit(&st->lat);
		st->lat_on = false;
	}
#endif
#endif
	sdfu_timer_stop(&st->timers, &st->os.reset_timer);
}
