/* SPDX-License-Identifier: Apache-2.0 */
/* BLE connection-event engine: moves ATT writes and notifications packet by packet, on air time. */
#include "ble/ble_conn.h"

#include <string.h>

#define PDU_OVERHEAD (BLE_AIR_ATT_HDR + BLE_AIR_L2CAP_HDR)
/* the central answers an update request in the next event; the instant is latency + 6 after it */
#define INSTANT_EVENTS 6u

uint64_t ble_conn_event_us(const struct ble_conn *c, uint64_t e)
{
	return c->anchor_us + (e - c->anchor_event) * (uint64_t)c->link.interval_us;
}

/* First event at or after c->event whose start is >= t. */
static uint64_t event_at_or_after(const struct ble_conn *c, uint64_t t)
{
	uint64_t e;

	if (t <= c->anchor_us) {
		e = c->anchor_event;
	} else {
		e = c->anchor_event + (t - c->anchor_us + c->link.interval_us - 1u) / c->link.interval_us;
	}
	return e < c->event ? c->event : e;
}

int ble_conn_start(struct ble_conn *c, const struct ble_air_link *link, uint16_t timeout,
		   const struct ble_conn_ops *ops, void *ctx, uint64_t now)
{
	if (ble_air_link_check(link) != 0 || ops == NULL) {
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->link = *link;
	c->timeout = timeout;
	c->ll_eff = ble_air_ll_eff(&c->link);
	c->ops = ops;
	c->ctx = ctx;
	c->anchor_us = now;
	return 0;
}

static bool tx_ready(const struct ble_conn *c, uint64_t t)
{
	return c->tx_count > 0u && c->txq[c->tx_head].ready_us <= t;
}

static uint64_t central_avail(const struct ble_conn *c)
{
	return c->cw_have ? 0u : c->ops->central_avail(c->ctx);
}

/* Earliest time anything can happen on the link; BLE_CONN_NEVER when idle. */
static uint64_t next_work(const struct ble_conn *c)
{
	uint64_t t = central_avail(c);

	if (c->tx_count > 0u && c->txq[c->tx_head].ready_us < t) {
		t = c->txq[c->tx_head].ready_us;
	}
	if (c->upd_want) {
		t = 0;
	}
	if (c->upd_ind) {
		uint64_t ti = ble_conn_event_us(c, c->instant);

		t = ti < t ? ti : t;
	}
	return t;
}

static void apply_update(struct ble_conn *c, uint64_t e, uint64_t t0)
{
	c->link.interval_us = c->upd_interval_us;
	c->link.latency = c->upd_latency;
	c->timeout = c->upd_timeout;
	c->ll_eff = ble_air_ll_eff(&c->link);
	c->anchor_us = t0;
	c->anchor_event = e;
	c->upd_ind = false;
	if (c->ops->params_applied != NULL) {
		c->ops->params_applied(c->ctx, t0);
	}
}

/* Start of the next exchange of the event under way (= end of its last one). */
static uint64_t ev_next_us(const struct ble_conn *c)
{
	return c->ev_t0 + c->ev_used;
}

/* Close the event under way: its last exchange ended at ev_next_us(). */
static void close_event(struct ble_conn *c)
{
	c->stats.air_us += c->ev_used;
	c->last_end_us = ev_next_us(c);
	c->in_event = false;
	c->event++;
}

/*
 * One exchange of the event under way, starting at ev_next_us(): the central's packet (its
 * write if one is available by then, else empty), T_IFS, the peripheral's (a notification
 * fragment if a frame is ready by then, else empty), T_IFS. Each side sets MD when it has more
 * to send at the start of the exchange (both packets are prepared by then); the event goes on
 * while either did and the next pair fits the budget, so data that becomes ready while the
 * event is open goes out in it.
 */
static void exchange(struct ble_conn *c)
{
	const struct ble_conn_ops *ops = c->ops;
	uint32_t budget = ble_air_budget_us(&c->link);
	uint64_t t = ev_next_us(c);
	uint16_t mlen = 0;
	uint16_t slen = 0;
	uint32_t s_pdu = 0;
	uint16_t s_val = 0;
	bool nak = false;
	bool md_m;
	bool md_s;
	uint32_t m_us;
	uint32_t s_us;
	uint32_t pair;

	if (!c->cw_have && ops->central_avail(c->ctx) <= t) {
		c->cw_len = (uint16_t)ops->central_take(c->ctx, c->cw);
		c->cw_sent = 0;
		c->cw_have = c->cw_len > 0u;
	}
	if (c->cw_have) {
		uint32_t left = (uint32_t)c->cw_len + PDU_OVERHEAD - c->cw_sent;

		mlen = (uint16_t)(left < c->ll_eff ? left : c->ll_eff);
		if (c->cw_sent == 0u && !ops->periph_accept(c->ctx, c->cw, c->cw_len)) {
			nak = true;
		}
	}
	m_us = ble_air_packet_us(c->link.phy, mlen, c->link.encrypted);
	if (tx_ready(c, t)) {
		uint32_t left = (uint32_t)c->txq[c->tx_head].len - c->txq[c->tx_head].off;
		uint32_t maxv = (uint32_t)c->link.att_mtu - BLE_AIR_ATT_HDR;

		s_val = (uint16_t)(left < maxv ? left : maxv);
		s_pdu = (uint32_t)s_val + PDU_OVERHEAD;
		left = s_pdu - c->nv_sent;
		slen = (uint16_t)(left < c->ll_eff ? left : c->ll_eff);
	}
	s_us = ble_air_packet_us(c->link.phy, slen, c->link.encrypted);
	pair = m_us + BLE_AIR_TIFS_US + s_us + BLE_AIR_TIFS_US;
	if (c->ev_used > 0u && c->ev_used + pair - BLE_AIR_TIFS_US > budget) {
		close_event(c); /* no room left in this event */
		return;
	}
	c->ev_used += pair;
	c->stats.exchanges++;
	/* MD: more to send after this packet, known when the packet starts; after a NAK the
	 * central tries again in the next event */
	md_m = c->cw_have && !nak &&
	       (c->cw_sent + mlen < c->cw_len + PDU_OVERHEAD || ops->central_avail(c->ctx) <= t);
	if (nak) {
		c->stats.naks++;
	} else if (mlen > 0u) {
		c->stats.m_data++;
		c->cw_sent = (uint16_t)(c->cw_sent + mlen);
		if (c->cw_sent == c->cw_len + PDU_OVERHEAD) {
			c->cw_have = false;
			c->stats.writes++;
			c->stats.bytes_up += c->cw_len;
			ops->periph_write(c->ctx, c->cw, c->cw_len, t + m_us);
		}
	}
	md_s = false;
	if (slen > 0u) {
		uint64_t ts = t + m_us + BLE_AIR_TIFS_US;
		unsigned h = c->tx_head;

		c->stats.s_data++;
		c->nv_sent = (uint16_t)(c->nv_sent + slen);
		md_s = c->nv_sent < s_pdu || c->txq[h].off + s_val < c->txq[h].len ||
		       (c->tx_count > 1u && c->txq[(h + 1u) % BLE_CONN_TXQ].ready_us <= t);
		if (c->nv_sent == s_pdu) {
			c->nv_sent = 0;
			c->stats.notifications++;
			c->stats.bytes_down += s_val;
			ops->central_notify(c->ctx, &c->txq[h].data[c->txq[h].off], s_val, ts + s_us);
			c->txq[h].off = (uint16_t)(c->txq[h].off + s_val);
			if (c->txq[h].off >= c->txq[h].len) {
				c->tx_head = (c->tx_head + 1u) % BLE_CONN_TXQ;
				c->tx_count--;
			}
		}
	}
	if (!md_m && !md_s) {
		close_event(c);
	}
}

/* The request goes out: its parameters become the indicated ones. */
static void take_request(struct ble_conn *c)
{
	c->upd_want = false;
	c->upd_ind = true;
	c->upd_interval_us = c->req_interval_us;
	c->upd_latency = c->req_latency;
	c->upd_timeout = c->req_timeout;
}

static void run_event(struct ble_conn *c, uint64_t e, uint64_t t0)
{
	bool listen;

	if (c->upd_ind && e >= c->instant) {
		apply_update(c, e, t0);
	}
	if (t0 < c->radio_off_until) {
		c->stats.lost++; /* the flash holds the radio: the central's packet goes unanswered */
		return;
	}
	if (c->upd_want && !c->upd_ind && !c->upd_from_periph) {
		/* the central's own update: the indication goes out now */
		take_request(c);
		c->instant = e + c->link.latency + INSTANT_EVENTS;
	}
	listen = (e - c->anchor_event) % ((uint64_t)c->link.latency + 1u) == 0u || tx_ready(c, t0) ||
		 (c->upd_want && !c->upd_ind);
	if (!listen) {
		c->stats.skipped++;
		return;
	}
	c->stats.events++;
	c->in_event = true;
	c->ev_t0 = t0;
	c->ev_used = 0;
	if (c->upd_want && !c->upd_ind) {
		/* the peripheral's request (L2CAP signalling) goes in this event, the answer in the next */
		take_request(c);
		c->instant = e + 1u + c->link.latency + INSTANT_EVENTS;
		if (c->reject_periph) {
			c->upd_ind = false; /* L2CAP Connection Parameter Update Response: rejected */
		}
		if (c->ops->param_request != NULL) {
			c->ops->param_request(c->ctx, t0, !c->reject_periph);
		}
	}
}

void ble_conn_run(struct ble_conn *c, uint64_t now)
{
	for (;;) {
		uint64_t t;
		uint64_t want;

		if (c->in_event) {
			/* the event under way, one exchange at a time as its start time comes */
			if (ev_next_us(c) > now) {
				return;
			}
			exchange(c);
			continue;
		}
		t = ble_conn_event_us(c, c->event);
		if (t > now) {
			return;
		}
		want = next_work(c);
		if (want > t) {
			/* nothing to do before `want`: skip the idle events */
			uint64_t e = event_at_or_after(c, want == BLE_CONN_NEVER ? now + 1u : want);

			if (e > c->event) {
				c->event = e;
				continue;
			}
		}
		run_event(c, c->event, t);
		if (!c->in_event) {
			c->event++; /* slept through or lost */
		}
	}
}

void ble_conn_end_event(struct ble_conn *c)
{
	if (c->in_event) {
		close_event(c);
	}
}

uint64_t ble_conn_next_us(struct ble_conn *c)
{
	uint64_t want;

	if (c->in_event) {
		return ev_next_us(c);
	}
	want = next_work(c);

	if (want == BLE_CONN_NEVER) {
		return BLE_CONN_NEVER;
	}
	return ble_conn_event_us(c, event_at_or_after(c, want));
}

int ble_conn_tx_frame(struct ble_conn *c, const uint8_t *frame, size_t len, uint64_t ready_us)
{
	unsigned slot;

	if (c->tx_count >= BLE_CONN_TXQ || len == 0u || len > BLE_CONN_FRAME_MAX) {
		return -1;
	}
	if (c->tx_count > 0u) {
		unsigned last = (c->tx_head + c->tx_count - 1u) % BLE_CONN_TXQ;

		if (c->txq[last].ready_us > ready_us) {
			ready_us = c->txq[last].ready_us; /* order kept */
		}
	}
	slot = (c->tx_head + c->tx_count) % BLE_CONN_TXQ;
	c->txq[slot].ready_us = ready_us;
	c->txq[slot].len = (uint16_t)len;
	c->txq[slot].off = 0;
	memcpy(c->txq[slot].data, frame, len);
	c->tx_count++;
	return 0;
}

unsigned ble_conn_tx_frames(const struct ble_conn *c)
{
	return c->tx_count;
}

void ble_conn_tx_flush(struct ble_conn *c)
{
	c->tx_count = 0;
	c->nv_sent = 0;
}

void ble_conn_set_encrypted(struct ble_conn *c, bool on)
{
	c->link.encrypted = on;
	c->ll_eff = ble_air_ll_eff(&c->link);
}

int ble_conn_update(struct ble_conn *c, uint32_t interval_us, uint16_t latency, uint16_t timeout,
		    bool from_periph)
{
	if (interval_us < BLE_AIR_INTERVAL_MIN_US || interval_us > BLE_AIR_INTERVAL_MAX_US ||
	    interval_us % 1250u != 0u || latency > BLE_AIR_LATENCY_MAX) {
		return -1;
	}
	/* replaces a request not sent yet; while an indication waits for its instant this
	 * one is sent after it (one procedure at a time) */
	c->upd_want = true;
	c->upd_from_periph = from_periph;
	c->req_interval_us = interval_us;
	c->req_latency = latency;
	c->req_timeout = timeout;
	return 0;
}

void ble_conn_radio_off(struct ble_conn *c, uint64_t until)
{
	if (until > c->radio_off_until) {
		c->radio_off_until = until;
	}
}
