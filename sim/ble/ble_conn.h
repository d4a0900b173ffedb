/* SPDX-License-Identifier: Apache-2.0 */
/* BLE connection-event engine: moves ATT writes and notifications packet by packet, on air time. */
#ifndef SDFU_SIM_BLE_CONN_H
#define SDFU_SIM_BLE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble/ble_air.h"
#include "sdfu/config.h"

/*
 * One connection between a central and the peripheral, run on a caller-given
 * clock in microseconds (wall clock in smpdfu-device, a virtual clock in the unit
 * tests). Nothing crosses the link faster than the air allows:
 *  - connection event e starts at anchor + (e - anchor_event) * interval and may
 *    use ble_air_budget_us(); it is a sequence of exchanges: a central packet,
 *    T_IFS, a peripheral packet, T_IFS. An exchange starts only if its two packets
 *    end inside the budget. Each side sends an empty packet when it has nothing.
 *    Exchanges run as their start time comes (ble_conn_run(now) runs those that
 *    start at or before now): each packet carries what its side has ready when it
 *    starts, with MD set when that side has more; the event goes on while either
 *    side set MD, so a write or response that becomes ready while the event is
 *    open goes out in it, and one that comes after both sides said "no more"
 *    waits for the next event.
 *  - the central sends its ATT write values (from ops->central_*) as L2CAP PDUs of
 *    value + 7 bytes cut into LL packets of ble_air_ll_eff() bytes; the peripheral
 *    does the same with notifications of at most ATT_MTU - 3 bytes of the response
 *    frames queued with ble_conn_tx_frame().
 *  - before the first packet of a write the peripheral host is asked
 *    (ops->periph_accept); a refusal is a NAK: the packet used its air time and is
 *    sent again in the next exchange (back-pressure: the central's writes wait).
 *  - peripheral latency L: the peripheral listens at events (e - anchor_event) %
 *    (L + 1) == 0, and at every event while it has something to send.
 *  - a parameter update (peripheral request or central's own) is sent in the next
 *    listened event; the central answers with LL_CONNECTION_UPDATE_IND in the next
 *    event, whose instant is that event + latency + 6; the new parameters apply
 *    at the instant (anchor = that event's start).
 * Single-threaded; caller-owned.
 */

#define BLE_CONN_TXQ 8u                          /**< response frames queued at most */
#define BLE_CONN_FRAME_MAX SDFU_SMP_BUF_SIZE     /**< largest response frame */
#define BLE_CONN_NEVER UINT64_MAX

struct ble_conn;

/** What the engine asks of the two hosts. All called from ble_conn_run(). */
struct ble_conn_ops {
	/** Time the central's next write value became available, BLE_CONN_NEVER when none. */
	uint64_t (*central_avail)(void *ctx);
	/** Take that value into `buf` (room for BLE_AIR_MTU_MAX bytes); returns its length. */
	size_t (*central_take)(void *ctx, uint8_t *buf);
	/** May the peripheral host take this value now? false = NAK. */
	bool (*periph_accept)(void *ctx, const uint8_t *val, size_t len);
	/** A whole write value reached the peripheral host at time `t`. */
	void (*periph_write)(void *ctx, const uint8_t *val, size_t len, uint64_t t);
	/** A whole notification value reached the central at time `t`. */
	void (*central_notify)(void *ctx, const uint8_t *val, size_t len, uint64_t t);
	/** The peripheral's update request reached the central (optional); `accepted` false when
	 * the central refuses it (ble_conn.reject_periph): nothing changes then. */
	void (*param_request)(void *ctx, uint64_t t, bool accepted);
	/** New parameters are in effect from `t` (optional). */
	void (*params_applied)(void *ctx, uint64_t t);
};

/** Counters since ble_conn_start(). */
struct ble_conn_stats {
	uint64_t events;        /**< events the peripheral listened to */
	uint64_t skipped;       /**< events slept through (peripheral latency) */
	uint64_t exchanges;     /**< packet pairs */
	uint64_t m_data, s_data;/**< non-empty packets central / peripheral */
	uint64_t naks;          /**< central packets refused for lack of buffers */
	uint64_t writes, notifications;
	uint64_t bytes_up, bytes_down; /**< ATT values delivered */
	uint64_t air_us;        /**< time used by exchanges */
	uint64_t lost;          /**< events the peripheral missed: its radio was given to the flash */
};

struct ble_conn {
	struct ble_air_link link;
	uint16_t timeout;        /**< supervision timeout, 10 ms units (carried, not enforced) */
	uint16_t ll_eff;
	const struct ble_conn_ops *ops;
	void *ctx;
	uint64_t anchor_us;      /**< start of event anchor_event under the current parameters */
	uint64_t anchor_event;
	uint64_t event;          /**< next event to run */
	/* the write the central is sending */
	bool cw_have;
	uint16_t cw_len;
	uint16_t cw_sent;        /**< bytes of its L2CAP PDU acknowledged */
	uint8_t cw[BLE_AIR_MTU_MAX];
	/* response frames; the head one is cut into notifications */
	struct {
		uint64_t ready_us;
		uint16_t len;
		uint16_t off;    /**< bytes already notified */
		uint8_t data[BLE_CONN_FRAME_MAX];
	} txq[BLE_CONN_TXQ];
	unsigned tx_head, tx_count;
	uint16_t nv_sent;        /**< bytes of the current notification PDU sent */
	/* connection parameter update */
	bool upd_want;           /**< to be sent at the next listened event */
	bool upd_ind;            /**< LL_CONNECTION_UPDATE_IND sent, waiting for the instant */
	bool upd_from_periph;
	uint32_t req_interval_us;        /**< the request to send */
	uint16_t req_latency, req_timeout;
	uint64_t instant;
	uint32_t upd_interval_us;        /**< the indicated parameters, applied at the instant */
	uint16_t upd_latency, upd_timeout;
	bool reject_periph;      /**< the central refuses the peripheral's requests */
	uint64_t radio_off_until; /**< events starting before this are lost (ble_conn_radio_off) */
	uint64_t last_end_us;    /**< end of the last exchange of the last event closed */
	bool in_event;           /**< an event is under way (ev_t0, ev_used) */
	uint64_t ev_t0;          /**< its start */
	uint32_t ev_used;        /**< air time used so far: the next exchange starts at ev_t0 + ev_used */
	struct ble_conn_stats stats;
};

/**
 * Start a connection at time `now` (event 0) with `link` (checked with
 * ble_air_link_check: 0 or -1) and `ops` / `ctx` (caller-owned, outlive it).
 */
int ble_conn_start(struct ble_conn *c, const struct ble_air_link *link, uint16_t timeout,
		   const struct ble_conn_ops *ops, void *ctx, uint64_t now);

/** Run every connection event and exchange that starts at or before `now`. */
void ble_conn_run(struct ble_conn *c, uint64_t now);

/**
 * Close the event under way after its last exchange so far (the radio is taken away, as
 * Zephyr's radio-synchronized flash driver aborts the radio role before its timeslot).
 */
void ble_conn_end_event(struct ble_conn *c);

/**
 * When ble_conn_run() has work next: the next exchange while an event is under
 * way, else the start of the next event while anything is to be sent (a write
 * available at or before it, a frame, an update), the event at or after the next
 * write's availability, else BLE_CONN_NEVER.
 */
uint64_t ble_conn_next_us(struct ble_conn *c);

/** Queue a response frame (1..BLE_CONN_FRAME_MAX bytes) to notify from `ready_us`. 0 or -1 (full, size). */
int ble_conn_tx_frame(struct ble_conn *c, const uint8_t *frame, size_t len, uint64_t ready_us);
/** Response frames queued and not fully notified. */
unsigned ble_conn_tx_frames(const struct ble_conn *c);
/** Drop the queued responses (notifications disabled). */
void ble_conn_tx_flush(struct ble_conn *c);

/** Turn encryption on (MIC on non-empty packets from now on). */
void ble_conn_set_encrypted(struct ble_conn *c, bool on);

/**
 * Ask for new parameters (from the peripheral when `from_periph`, else the
 * central's own update). A request replaces one not yet sent; while an update
 * waits for its instant the new one is sent after it. 0, or -1 out of range.
 */
int ble_conn_update(struct ble_conn *c, uint32_t interval_us, uint16_t latency, uint16_t timeout,
		    bool from_periph);

/**
 * The peripheral's radio is unavailable until `until` (a flash operation holds it, as
 * Zephyr's radio-synchronized flash driver does on a single-core nRF52): events that start
 * before then are not run; the central's packet in them goes unanswered and is sent again in
 * the next event. Call ble_conn_run() up to the start of the outage first.
 */
void ble_conn_radio_off(struct ble_conn *c, uint64_t until);

/** Start time of event `e` under the current parameters. */
uint64_t ble_conn_event_us(const struct ble_conn *c, uint64_t e);

#endif /* SDFU_SIM_BLE_CONN_H */
