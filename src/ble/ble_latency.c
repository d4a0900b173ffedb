/* SPDX-License-Identifier: Apache-2.0 */
/* BLE latency module: latency 0 on transfer/config events, restored after a quiet check period. */
#include "sdfu/ble_latency.h"

#include <string.h>

#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "ble_latency"

SDFU_MODULE_ID_DEFINE(ble_latency);

void sdfu_ble_latency_cfg_default(struct sdfu_ble_latency_cfg *cfg)
{
	cfg->check_ms = SDFU_BLE_LATENCY_CHECK_MS;
	cfg->security_timeout_ms = SDFU_BLE_SECURITY_FAIL_TIMEOUT_MS;
	cfg->pref_latency = SDFU_BLE_LATENCY_PREF;
	cfg->pref_timeout = SDFU_BLE_PREF_TIMEOUT;
	cfg->llpm_lock = SDFU_BLE_LOW_LATENCY_LOCK != 0;
	cfg->init_params = SDFU_BLE_LATENCY_INIT_PARAMS != 0;
}

static bool is_llpm_interval(uint16_t interval)
{
	return (interval & SDFU_BLE_LLPM_INTERVAL_MASK) == SDFU_BLE_LLPM_INTERVAL_MASK;
}

static bool llpm_locked(const struct sdfu_ble_latency *lat)
{
	const uint8_t need = SDFU_BLE_LAT_LOCKED | SDFU_BLE_LAT_IS_LLPM;

	return lat->cfg.llpm_lock && (lat->state & need) == need;
}

/* Request `latency` at the current interval (an LLPM interval is replaced by 7.5 ms). */
static int request_latency(struct sdfu_ble_latency *lat, uint16_t latency)
{
	uint16_t interval = (lat->state & SDFU_BLE_LAT_IS_LLPM) ? SDFU_BLE_INTERVAL_7_5MS
								 : lat->interval;
	int rc;

	if (lat->link == NULL || lat->link->request_conn_params == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	rc = lat->link->request_conn_params(lat->link->ctx, interval, interval, latency,
					    lat->timeout);
	if (rc == SDFU_OK) {
		lat->requests++;
	}
	return rc;
}

/* A transfer or config event: make sure the latency is (or goes) to 0. */
static void activity(struct sdfu_ble_latency *lat)
{
	int rc;

	if (!lat->connected) {
		return;
	}
	if (lat->state & SDFU_BLE_LAT_ENABLED) {
		lat->state |= SDFU_BLE_LAT_REQUIRED;
		return;
	}
	if (lat->latency == 0u) {
		SDFU_LOGD("latency already 0");
		lat->state |= SDFU_BLE_LAT_ENABLED;
		return;
	}
	rc = request_latency(lat, 0);
	if (rc == SDFU_OK || rc == SDFU_ERR_ALREADY) {
		/* optimistic: the peer's answer arrives via params_updated */
		lat->state |= SDFU_BLE_LAT_ENABLED;
	} else {
		SDFU_LOGW("low latency request failed (%d)", rc);
	}
}

static bool on_event(const struct sdfu_evt_hdr *evt, void *user)
{
	(void)evt;
	activity(user);
	return false; /* never consume: dfu_mcumgr's FINAL subscriber must see it */
}

static void check_fn(struct sdfu_timer *t)
{
	struct sdfu_ble_latency *lat = t->ctx;
	int rc;

	if (!lat->connected) {
		return;
	}
	if (!(lat->state & SDFU_BLE_LAT_SECURED)) {
		/* never raise the latency before the link is secured */
		sdfu_timer_start(lat->timers, &lat->check, lat->cfg.check_ms);
		return;
	}
	if (lat->state & SDFU_BLE_LAT_REQUIRED) {
		lat->state &= (uint8_t)~SDFU_BLE_LAT_REQUIRED;
		sdfu_timer_start(lat->timers, &lat->check, lat->cfg.check_ms);
		return;
	}
	if (llpm_locked(lat)) {
		sdfu_timer_start(lat->timers, &lat->check, lat->cfg.check_ms);
		return;
	}
	SDFU_LOGI("Low latency timed out");
	rc = request_latency(lat, lat->cfg.pref_latency);
	if (rc == SDFU_OK || rc == SDFU_ERR_ALREADY) {
		lat->restores++;
	} else {
		SDFU_LOGW("latency restore failed (%d)", rc);
		sdfu_timer_start(lat->timers, &lat->check, lat->cfg.check_ms);
	}
}

static void security_fn(struct sdfu_timer *t)
{
	struct sdfu_ble_latency *lat = t->ctx;
	int rc;

	if (!lat->connected || (lat->state & SDFU_BLE_LAT_SECURED)) {
		return;
	}
	SDFU_LOGW("security not established: disconnect");
	if (lat->link == NULL || lat->link->disconnect == NULL) {
		return;
	}
	rc = lat->link->disconnect(lat->link->ctx);
	if (rc != SDFU_OK && rc != SDFU_ERR_NOENT) {
		SDFU_LOGE("disconnect failed (%d)", rc);
		(void)sdfu_module_set_state(lat->bus, &sdfu_module_ble_latency,
					    SDFU_MODULE_STATE_ERROR);
	}
}

int sdfu_ble_latency_init(struct sdfu_ble_latency *lat, const struct sdfu_ble_link *link,
			  struct sdfu_evt_bus *bus, struct sdfu_timer_list *timers,
			  const struct sdfu_ble_latency_cfg *cfg)
{
	int rc;

	memset(lat, 0, sizeof(*lat));
	if (bus == NULL || timers == NULL) {
		return SDFU_ERR_INVAL;
	}
	if (cfg != NULL) {
		lat->cfg = *cfg;
	} else {
		sdfu_ble_latency_cfg_default(&lat->cfg);
	}
	lat->link = link;
	lat->bus = bus;
	lat->timers = timers;
	sdfu_timer_init(&lat->check, check_fn, lat);
	sdfu_timer_init(&lat->security, security_fn, lat);
	rc = sdfu_evt_subscribe_fn(bus, &lat->sub_transfer, &sdfu_ble_smp_transfer_evt_type,
				   SDFU_EVT_PRIO_NORMAL, on_event, lat);
	if (rc == SDFU_OK) {
		rc = sdfu_evt_subscribe_fn(bus, &lat->sub_config, &sdfu_config_evt_type,
					   SDFU_EVT_PRIO_NORMAL, on_event, lat);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_module_set_state(bus, &sdfu_module_ble_latency, SDFU_MODULE_STATE_READY);
	}
	if (rc != SDFU_OK) {
		sdfu_ble_latency_deinit(lat);
	}
	return rc;
}

void sdfu_ble_latency_deinit(struct sdfu_ble_latency *lat)
{
	if (lat->bus == NULL || lat->timers == NULL) {
		return; /* never initialised */
	}
	sdfu_evt_unsubscribe(lat->bus, &lat->sub_transfer);
	sdfu_evt_unsubscribe(lat->bus, &lat->sub_config);
	sdfu_timer_stop(lat->timers, &lat->check);
	sdfu_timer_stop(lat->timers, &lat->security);
	lat->connected = false;
}

void sdfu_ble_latency_connected(struct sdfu_ble_latency *lat, uint16_t interval, uint16_t latency,
				uint16_t timeout)
{
	lat->connected = true;
	lat->interval = interval;
	lat->latency = latency;
	lat->timeout = timeout;
	lat->state = lat->cfg.llpm_lock ? SDFU_BLE_LAT_LOCKED : 0u;
	if (is_llpm_interval(interval)) {
		lat->state |= SDFU_BLE_LAT_IS_LLPM;
	}
	if (lat->cfg.init_params && lat->link != NULL && lat->link->request_conn_params != NULL) {
		int rc = lat->link->request_conn_params(lat->link->ctx, SDFU_BLE_INTERVAL_7_5MS,
							SDFU_BLE_INTERVAL_7_5MS, 0,
							lat->cfg.pref_timeout);

		if (rc == SDFU_OK || rc == SDFU_ERR_ALREADY) {
			if (rc == SDFU_OK) {
				lat->requests++;
			}
			SDFU_LOGI("Init connection parameters are set");
		} else {
			SDFU_LOGW("Failed to update conn parameters (%d)", rc);
		}
	}
	if (lat->cfg.security_timeout_ms != 0u) {
		sdfu_timer_start(lat->timers, &lat->security, lat->cfg.security_timeout_ms);
	}
}

void sdfu_ble_latency_secured(struct sdfu_ble_latency *lat)
{
	if (!lat->connected) {
		return;
	}
	lat->state |= SDFU_BLE_LAT_SECURED;
	sdfu_timer_stop(lat->timers, &lat->security);
}

void sdfu_ble_latency_params_updated(struct sdfu_ble_latency *lat, uint16_t interval,
				     uint16_t latency, uint16_t timeout)
{
	if (!lat->connected) {
		return;
	}
	lat->interval = interval;
	lat->latency = latency;
	lat->timeout = timeout;
	if (is_llpm_interval(interval)) {
		lat->state |= SDFU_BLE_LAT_IS_LLPM;
	} else {
		lat->state &= (uint8_t)~SDFU_BLE_LAT_IS_LLPM;
	}
	if (latency == 0u) {
		lat->state |= SDFU_BLE_LAT_ENABLED;
		lat->state &= (uint8_t)~SDFU_BLE_LAT_REQUIRED;
		sdfu_timer_start(lat->timers, &lat->check, lat->cfg.check_ms);
	} else {
		lat->state &= (uint8_t)~SDFU_BLE_LAT_ENABLED;
		sdfu_timer_stop(lat->timers, &lat->check);
		if (llpm_locked(lat)) {
			(void)request_latency(lat, 0);
		}
	}
}

void sdfu_ble_latency_disconnected(struct sdfu_ble_latency *lat)
{
	lat->connected = false;
	lat->state = 0;
	lat->interval = 0;
	lat->latency = 0;
	lat->timeout = 0;
	sdfu_timer_stop(lat->timers, &lat->check);
	sdfu_timer_stop(lat->timers, &lat->security);
}

void sdfu_ble_latency_power_down(struct sdfu_ble_latency *lat, bool down)
{
	if (!lat->cfg.llpm_lock) {
		return;
	}
	if (down) {
		lat->state &= (uint8_t)~SDFU_BLE_LAT_LOCKED;
		return;
	}
	lat->state |= SDFU_BLE_LAT_LOCKED;
	if (lat->connected && llpm_locked(lat) && lat->latency != 0u) {
		(void)request_latency(lat, 0);
	}
}
