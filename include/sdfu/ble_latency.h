/* SPDX-License-Identifier: Apache-2.0 */
/* BLE latency module: drop the peripheral latency to 0 while SMP/config-channel traffic flows. */
#ifndef SDFU_BLE_LATENCY_H
#define SDFU_BLE_LATENCY_H

#include "sdfu/config.h"
#include <stdbool.h>
#include <stdint.h>

#include "sdfu/evt.h"
#include "sdfu/module_state.h"
#include "sdfu/timer.h"



/** Connection interval value of 7.5 ms, in 1.25 ms units. */
#define SDFU_BLE_INTERVAL_7_5MS 0x0006u
/** LLPM interval values carry this mask (Nordic LLPM, e.g. 0x0d01 = 1 ms). */
#define SDFU_BLE_LLPM_INTERVAL_MASK 0x0d00u

/**
 * The BLE link as the module sees it. The device's link model (or a test)
 * implements it. Intervals in 1.25 ms units, timeout in 10 ms units.
 */
struct sdfu_ble_link {
	/**
	 * Ask the peer for new connection parameters. Returns 0 (request sent),
	 * SDFU_ERR_ALREADY (already in effect) or another negative sdfu_err
	 * (logged, retried on the next event). The peer's answer comes back
	 * through sdfu_ble_latency_params_updated().
	 */
	int (*request_conn_params)(void *ctx, uint16_t interval_min, uint16_t interval_max,
				   uint16_t latency, uint16_t timeout);
	/** Disconnect the peer (security timeout). Optional. 0 or negative sdfu_err. */
	int (*disconnect)(void *ctx);
	void *ctx;
};

/** The module's id in module_state_event. */
SDFU_MODULE_ID_DECLARE(ble_latency);

/** Tunables; sdfu_ble_latency_cfg_default() fills them from the macros. */
struct sdfu_ble_latency_cfg {
	uint32_t check_ms;
	uint32_t security_timeout_ms;
	uint16_t pref_latency;
	uint16_t pref_timeout;   /**< timeout of the initial request, 10 ms units */
	bool llpm_lock;
	bool init_params;        /**< request the initial parameters on connect */
};

/** State bits. */
#define SDFU_BLE_LAT_ENABLED 0x01u  /**< peer latency is 0 (or requested so) */
#define SDFU_BLE_LAT_REQUIRED 0x02u /**< activity seen since the last check */
#define SDFU_BLE_LAT_LOCKED 0x04u   /**< LLPM lock active (not powered down) */
#define SDFU_BLE_LAT_IS_LLPM 0x08u  /**< current interval is an LLPM value */
#define SDFU_BLE_LAT_SECURED 0x10u  /**< link is secured */

/** The module object; caller-owned. */
struct sdfu_ble_latency {
	struct sdfu_ble_latency_cfg cfg;
	const struct sdfu_ble_link *link;
	struct sdfu_evt_bus *bus;
	struct sdfu_timer_list *timers;
	struct sdfu_timer check;
	struct sdfu_timer security;
	struct sdfu_evt_sub sub_transfer;
	struct sdfu_evt_sub sub_config;
	bool connected;
	uint8_t state; /**< SDFU_BLE_LAT_* */
	uint16_t interval;
	uint16_t latency;
	uint16_t timeout;
	uint32_t requests;  /**< statistics: parameter requests sent */
	uint32_t restores;  /**< latency raised back after a quiet period */
};

void sdfu_ble_latency_cfg_default(struct sdfu_ble_latency_cfg *cfg);

/**
 * Initialise and subscribe (NORMAL) to ble_smp_transfer_event and config_event.
 * Reports its module state READY. `cfg` NULL = defaults (copied). `link`,
 * `bus`, `timers` are caller-owned and must outlive the module.
 * Returns 0 or the subscribe/submit error. Loop context.
 */
int sdfu_ble_latency_init(struct sdfu_ble_latency *lat, const struct sdfu_ble_link *link,
			  struct sdfu_evt_bus *bus, struct sdfu_timer_list *timers,
			  const struct sdfu_ble_latency_cfg *cfg);
/** Unsubscribe and stop timers. Loop context. */
void sdfu_ble_latency_deinit(struct sdfu_ble_latency *lat);

/* Link notifications from the link model; all loop context. */
/**
 * A peer connected with these parameters; starts the security timer and, with
 * cfg.init_params, requests interval 7.5 ms, latency 0, cfg.pref_timeout (the peer's
 * answer comes back through sdfu_ble_latency_params_updated(), which starts the
 * quiet-period check that later raises the latency to cfg.pref_latency).
 */
void sdfu_ble_latency_connected(struct sdfu_ble_latency *lat, uint16_t interval, uint16_t latency,
				uint16_t timeout);
/** The link is now secured (encrypted); cancels the security timer. */
void sdfu_ble_latency_secured(struct sdfu_ble_latency *lat);
/** The peer applied new parameters (ble_peer_conn_params_event). */
void sdfu_ble_latency_params_updated(struct sdfu_ble_latency *lat, uint16_t interval,
				     uint16_t latency, uint16_t timeout);
/** The peer disconnected: all state cleared, timers stopped. */
void sdfu_ble_latency_disconnected(struct sdfu_ble_latency *lat);
/** Power-down (true) clears the LLPM lock, wake-up (false) sets it again. */
void sdfu_ble_latency_power_down(struct sdfu_ble_latency *lat, bool down);

#endif /* SDFU_BLE_LATENCY_H */
