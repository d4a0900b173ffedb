/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device BLE link model: a central on a SOCK_SEQPACKET socket, GATT SMP over the event engine. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "ble"

/* Messages, see docs/PROTOCOL.md: central -> device */
#define BLE_OP_CONNECT 0x01
#define BLE_OP_SECURE 0x02
#define BLE_OP_CCCD 0x03
#define BLE_OP_WRITE 0x04
#define BLE_OP_DISCONNECT 0x05
#define BLE_OP_PARAMS 0x06
/* device -> central */
#define BLE_EV_CONNECTED 0x80
#define BLE_EV_NOTIFY 0x81
#define BLE_EV_WRITE_ERROR 0x82
#define BLE_EV_PARAMS 0x83
#define BLE_EV_SECURED 0x84
#define BLE_EV_DISCONNECTED 0x85
#define BLE_EV_PARAM_REQUEST 0x86

/* ATT error codes used in WRITE_ERROR */
#define ATT_ERR_INVALID_LEN 0x0D
#define ATT_ERR_INSUFF_ENC 0x0F
#define ATT_ERR_INSUFF_RES 0x11
#define ATT_ERR_VALUE_NOT_ALLOWED 0x13

/* HCI reason: unsupported LL parameter value (a CONNECT with values out of range) */
#define HCI_ERR_UNSUPP_LL_PARAM 0x20

#define PUMP_MAX 64

/* CONNECT flags */
#define BLE_CONNECT_F_REJECT_UPDATES 0x01 /* the central refuses the peripheral's requests */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static int ble_send(struct device_ble *b, const uint8_t *msg, size_t len)
{
	int tries;

	if (b->cfd < 0) {
		return SDFU_ERR_NOENT;
	}
	for (tries = 0; tries < 20; tries++) {
		ssize_t n = send(b->cfd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n == (ssize_t)len) {
			return 0;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = {.fd = b->cfd, .events = POLLOUT};

			(void)poll(&p, 1, 10);
			continue;
		}
		break;
	}
	SDFU_LOGW("central not reading: message dropped");
	return SDFU_ERR_IO;
}

static void send_params(struct device_ble *b, uint8_t op, uint16_t i, uint16_t l, uint16_t t)
{
	uint8_t m[7];

	m[0] = op;
	put16(&m[1], i);
	put16(&m[3], l);
	put16(&m[5], t);
	(void)ble_send(b, m, sizeof(m));
}

static void write_error(struct device_ble *b, uint8_t att, int err)
{
	uint8_t m[3] = {BLE_EV_WRITE_ERROR, att, (uint8_t)(int8_t)(err < -128 ? -128 : err)};

	(void)ble_send(b, m, sizeof(m));
}

/* SMP buffers held: request frames waiting, the one being reassembled, responses queued. */
static unsigned bufs_in_use(const struct device_ble *b)
{
	return b->rxq_count + (sdfu_ble_rx_busy(&b->ep.rx) ? 1u : 0u) + (b->in_app ? 1u : 0u) +
	       (b->connected ? ble_conn_tx_frames(&b->conn) : 0u);
}

/* ---- reading the central: one message held at a time ------------------------------- */

/* Read one message into the held slot with its send time; false when none (or the link is gone). */
static bool read_one(struct device *d)
{
	struct device_ble *b = &d->ble;
	struct iovec iov = {.iov_base = b->held_msg, .iov_len = sizeof(b->held_msg)};
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
			    .msg_controllen = sizeof(cbuf.buf)};
	struct cmsghdr *cm;
	uint64_t now = device_now_us();
	ssize_t n;

	if (b->held || b->cfd < 0) {
		return b->held;
	}
	n = recvmsg(b->cfd, &mh, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return false;
	}
	if (n <= 0) {
		device_ble_disconnect(d, 0x13);
		return false;
	}
	b->held = true;
	b->held_len = (uint16_t)n;
	b->held_us = now;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec sent;
			struct timespec real;
			uint64_t sent_us;
			uint64_t real_us;

			memcpy(&sent, CMSG_DATA(cm), sizeof(sent));
			clock_gettime(CLOCK_REALTIME, &real);
			sent_us = (uint64_t)sent.tv_sec * 1000000u + (uint64_t)sent.tv_nsec / 1000u;
			real_us = (uint64_t)real.tv_sec * 1000000u + (uint64_t)real.tv_nsec / 1000u;
			if (sent_us <= real_us && real_us - sent_us < now) {
				b->held_us = now - (real_us - sent_us);
			}
		}
	}
	return true;
}

static bool held_is_write(const struct device_ble *b)
{
	return b->held && b->held_msg[0] == BLE_OP_WRITE;
}

/* ---- the event engine's view of the two hosts --------------------------------------- */

static uint64_t op_central_avail(void *ctx)
{
	struct device *d = ctx;

	(void)read_one(d);
	return held_is_write(&d->ble) ? d->ble.held_us : BLE_CONN_NEVER;
}

static size_t op_central_take(void *ctx, uint8_t *buf)
{
	struct device_ble *b = &((struct device *)ctx)->ble;
	size_t len = (size_t)b->held_len - 1u;

	if (len > BLE_AIR_MTU_MAX) {
		len = BLE_AIR_MTU_MAX; /* longer than any ATT value: refused at delivery */
	}
	memcpy(buf, &b->held_msg[1], len);
	b->held = false;
	b->writes++;
	return len;
}

static bool op_periph_accept(void *ctx, const uint8_t *val, size_t len)
{
	struct device_ble *b = &((struct device *)ctx)->ble;

	(void)val;
	(void)len;
	/* a write that starts a frame needs a free SMP buffer */
	return sdfu_ble_rx_busy(&b->ep.rx) || bufs_in_use(b) < b->bufs;
}

static void op_periph_write(void *ctx, const uint8_t *val, size_t len, uint64_t t)
{
	struct device *d = ctx;
	struct device_ble *b = &d->ble;
	const uint8_t *frame = NULL;
	size_t flen = 0;
	int rc;

	if (!b->secured) {
		write_error(b, ATT_ERR_INSUFF_ENC, SDFU_ERR_ACCES);
		return;
	}
	if (len == 0u || len > (size_t)b->mtu - SDFU_BLE_ATT_OVERHEAD) {
		write_error(b, ATT_ERR_INVALID_LEN, SDFU_ERR_MSGSIZE);
		return;
	}
	rc = sdfu_ble_rx_write(&b->ep.rx, val, len, &frame, &flen);
	if (rc == 1) {
		unsigned slot = (b->rxq_head + b->rxq_count) % BLE_RXQ_LEN;

		if (b->rxq_count == BLE_RXQ_LEN) {
			SDFU_LOGE("request queue full: frame of %u bytes dropped", (unsigned)flen);
			return;
		}
		b->rxq[slot].at = t; /* the device cannot act on it before its last packet is in */
		b->rxq[slot].len = (uint16_t)flen;
		memcpy(b->rxq[slot].data, frame, flen);
		b->rxq_count++;
		if (bufs_in_use(b) > b->max_in_use) {
			b->max_in_use = bufs_in_use(b);
		}
	} else if (rc == SDFU_ERR_MSGSIZE) {
		write_error(b, ATT_ERR_INSUFF_RES, rc);
	} else if (rc < 0) {
		write_error(b, ATT_ERR_VALUE_NOT_ALLOWED, rc);
	}
}

static void op_central_notify(void *ctx, const uint8_t *val, size_t len, uint64_t t)
{
	struct device_ble *b = &((struct device *)ctx)->ble;
	uint8_t m[1 + BLE_AIR_MTU_MAX];

	(void)t;
	m[0] = BLE_EV_NOTIFY;
	memcpy(&m[1], val, len);
	if (ble_send(b, m, len + 1u) == 0) {
		b->notifications++;
	}
}

static void op_param_request(void *ctx, uint64_t t, bool accepted)
{
	struct device_ble *b = &((struct device *)ctx)->ble;
	uint16_t i = (uint16_t)(b->conn.upd_interval_us / 1250u);

	(void)t;
	if (accepted) {
		SDFU_LOGI("connection parameter request sent: interval %u, latency %u, timeout %u; "
			  "instant at event %llu", i, b->conn.upd_latency, b->conn.upd_timeout,
			  (unsigned long long)b->conn.instant);
	} else {
		SDFU_LOGI("connection parameter request sent: interval %u, latency %u, timeout %u; "
			  "rejected by the central", i, b->conn.upd_latency, b->conn.upd_timeout);
	}
	send_params(b, BLE_EV_PARAM_REQUEST, i, b->conn.upd_latency, b->conn.upd_timeout);
}

static void op_params_applied(void *ctx, uint64_t t)
{
	struct device *d = ctx;
	struct device_ble *b = &d->ble;

	(void)t;
	b->interval = (uint16_t)(b->conn.link.interval_us / 1250u);
	b->latency = b->conn.link.latency;
	b->timeout = b->conn.timeout;
	b->param_updates++;
	SDFU_LOGI("connection parameters applied: interval %u, latency %u, timeout %u", b->interval,
		  b->latency, b->timeout);
	send_params(b, BLE_EV_PARAMS, b->interval, b->latency, b->timeout);
	if (d->core.stack.lat_on) {
		sdfu_ble_latency_params_updated(&d->core.stack.lat, b->interval, b->latency, b->timeout);
	}
}

static const struct ble_conn_ops conn_ops = {
	.central_avail = op_central_avail,
	.central_take = op_central_take,
	.periph_accept = op_periph_accept,
	.periph_write = op_periph_write,
	.central_notify = op_central_notify,
	.param_request = op_param_request,
	.params_applied = op_params_applied,
};

/* ---- SMP endpoint --------------------------------------------------------------------- */

/* sdfu_smp_tx_fn: a whole response frame, notified from now on at the link's pace. */
static int ble_tx(void *ctx, const uint8_t *frame, size_t len)
{
	struct device *d = ctx;
	struct device_ble *b = &d->ble;

	if (!b->connected || !d->powered) {
		return SDFU_ERR_NOENT;
	}
	if (!b->cccd) {
		return 0; /* not subscribed: the notification is not sent */
	}
	if (ble_conn_tx_frame(&b->conn, frame, len, device_now_us()) != 0) {
		/* cannot happen while requests wait for a free buffer; kept as a diagnostic */
		SDFU_LOGE("response of %u bytes not queued (%u queued)", (unsigned)len,
			  ble_conn_tx_frames(&b->conn));
		b->dropped_out++;
		return SDFU_ERR_NOMEM;
	}
	b->frames_out++;
	return 0;
}

/* ---- central messages other than writes --------------------------------------------- */

static void on_connect(struct device *d, const uint8_t *p, size_t n)
{
	struct device_ble *b = &d->ble;
	uint16_t mtu = n >= 2 ? get16(p) : SDFU_BLE_ATT_MTU_MIN;
	uint16_t interval = n >= 4 && get16(p + 2) != 0u ? get16(p + 2) : SDFU_BLE_INTERVAL_7_5MS;
	uint16_t latency = n >= 6 ? get16(p + 4) : 0u;
	uint16_t timeout = n >= 8 && get16(p + 6) != 0u ? get16(p + 6) : 400u;
	uint8_t phy = n >= 9 && p[8] != 0u ? p[8] : BLE_AIR_PHY_1M;
	uint16_t dlen = n >= 11 && get16(p + 9) != 0u ? get16(p + 9) : BLE_AIR_LL_MIN;
	uint16_t ce_len = n >= 13 ? get16(p + 11) : 0u;
	uint8_t flags = n >= 14 ? p[13] : 0u;
	struct ble_air_link link;
	uint8_t m[17];

	if (b->connected) {
		return;
	}
	if (mtu < SDFU_BLE_ATT_MTU_MIN) {
		mtu = SDFU_BLE_ATT_MTU_MIN;
	}
	if (mtu > d->opts->ble_mtu) {
		mtu = d->opts->ble_mtu;
	}
	link = (struct ble_air_link){.phy = phy, .encrypted = false, .ll_octets = dlen,
				     .att_mtu = mtu, .interval_us = (uint32_t)interval * 1250u,
				     .latency = latency, .ce_len_us = (uint32_t)ce_len * 625u};
	b->bufs = d->core.stack.srv.buf_count;
	if (b->bufs > BLE_RXQ_LEN || b->bufs > BLE_CONN_TXQ) {
		b->bufs = BLE_RXQ_LEN < BLE_CONN_TXQ ? BLE_RXQ_LEN : BLE_CONN_TXQ;
	}
	if (ble_conn_start(&b->conn, &link, timeout, &conn_ops, d, device_now_us()) != 0) {
		SDFU_LOGE("connect refused: parameters out of range (interval %u x 1.25 ms, latency "
			  "%u, phy %u, data length %u; see docs/PROTOCOL.md)", interval, latency, phy,
			  dlen);
		device_ble_disconnect(d, HCI_ERR_UNSUPP_LL_PARAM);
		return;
	}
	b->conn.reject_periph = (flags & BLE_CONNECT_F_REJECT_UPDATES) != 0u;
	b->mtu = mtu;
	b->interval = interval;
	b->latency = latency;
	b->timeout = timeout;
	b->phy = phy;
	b->data_len = dlen;
	b->ce_len = ce_len;
	b->connected = true;
	b->connections++;
	b->rxq_count = 0;
	sdfu_ble_rx_reset(&b->ep.rx);
	SDFU_LOGI("connected: MTU %u, interval %u, latency %u, timeout %u, PHY %u, data length %u "
		  "(%u used), event length %u us, %u SMP buffers", b->mtu, b->interval, b->latency,
		  b->timeout, phy, dlen, b->conn.ll_eff, ble_air_budget_us(&link), b->bufs);
	m[0] = BLE_EV_CONNECTED;
	put16(&m[1], b->mtu);
	put16(&m[3], b->interval);
	put16(&m[5], b->latency);
	put16(&m[7], b->timeout);
	put16(&m[9], b->ep.rx.max_frame);
	m[11] = phy;
	put16(&m[12], dlen);
	put16(&m[14], ce_len);
	m[16] = (uint8_t)b->bufs;
	(void)ble_send(b, m, sizeof(m));
	if (d->core.stack.lat_on) {
		sdfu_ble_latency_connected(&d->core.stack.lat, b->interval, b->latency, b->timeout);
	}
}

static void on_params(struct device *d, const uint8_t *p, size_t n)
{
	struct device_ble *b = &d->ble;
	uint16_t i;

	if (!b->connected || n < 6u) {
		return;
	}
	i = get16(p) != 0u ? get16(p) : b->interval;
	if (ble_conn_update(&b->conn, (uint32_t)i * 1250u, get16(p + 2), get16(p + 4), false) != 0) {
		SDFU_LOGW("central parameter update out of range ignored (interval %u, latency %u)", i,
			  get16(p + 2));
		return;
	}
	SDFU_LOGI("central parameter update: interval %u, latency %u, timeout %u", i, get16(p + 2),
		  get16(p + 4));
}

/* Act on the held message unless it is a write (those the link carries). False after a disconnect. */
static bool handle_held(struct device *d)
{
	struct device_ble *b = &d->ble;
	const uint8_t *p = &b->held_msg[1];
	size_t plen = (size_t)b->held_len - 1u;
	uint8_t op = b->held_msg[0];

	if (!b->held || (op == BLE_OP_WRITE && b->connected)) {
		return true;
	}
	b->held = false;
	switch (op) {
	case BLE_OP_CONNECT:
		on_connect(d, p, plen);
		break;
	case BLE_OP_SECURE:
		if (b->connected && !b->secured) {
			uint8_t m = BLE_EV_SECURED;

			b->secured = true;
			ble_conn_set_encrypted(&b->conn, true);
			SDFU_LOGI("link secured");
			(void)ble_send(b, &m, 1);
			if (d->core.stack.lat_on) {
				sdfu_ble_latency_secured(&d->core.stack.lat);
			}
		}
		break;
	case BLE_OP_CCCD:
		b->cccd = plen >= 1u && p[0] != 0u;
		if (!b->cccd) {
			sdfu_ble_rx_reset(&b->ep.rx);
			if (b->connected) {
				ble_conn_tx_flush(&b->conn);
			}
		}
		break;
	case BLE_OP_WRITE:
		b->writes++; /* before CONNECT: nothing to write to */
		break;
	case BLE_OP_DISCONNECT:
		device_ble_disconnect(d, 0x16);
		return false;
	case BLE_OP_PARAMS:
		on_params(d, p, plen);
		break;
	default:
		SDFU_LOGW("unknown message 0x%02x ignored", op);
		break;
	}
	return b->cfd >= 0;
}

/* ---- the pump: link events, then the application, until caught up -------------------- */

static void link_arm(struct device *d)
{
	struct device_ble *b = &d->ble;
	uint64_t now = device_now_us();
	uint64_t next;

	if (!b->connected || b->cfd < 0) {
		sdfu_timer_stop(&d->core.stack.timers, &b->link_timer);
		return;
	}
	next = ble_conn_next_us(&b->conn);
	if (b->rxq_count > 0u) {
		uint64_t at = b->rxq[b->rxq_head].at > now ? b->rxq[b->rxq_head].at : now;

		next = at < next ? at : next;
	}
	if (next == BLE_CONN_NEVER) {
		sdfu_timer_stop(&d->core.stack.timers, &b->link_timer);
		return;
	}
	sdfu_timer_start(&d->core.stack.timers, &b->link_timer,
			 next <= now ? 0u : (uint32_t)((next - now + 999u) / 1000u));
}

static void link_pump(struct device *d)
{
	struct device_ble *b = &d->ble;
	int i;

	for (i = 0; i < PUMP_MAX && b->cfd >= 0 && d->powered && !device_stop; i++) {
		/* messages that are not writes act at once, in order */
		while (b->cfd >= 0 && read_one(d) && !(held_is_write(b) && b->connected)) {
			if (!handle_held(d)) {
				return;
			}
		}
		if (b->cfd < 0) {
			return;
		}
		if (!b->connected) {
			break;
		}
		ble_conn_run(&b->conn, device_now_us());
		if (b->held && !held_is_write(b)) {
			continue; /* a message behind the writes: act on it, then carry on */
		}
		if (b->rxq_count == 0u || b->rxq[b->rxq_head].at > device_now_us()) {
			break; /* nothing complete yet: its last packet is still on the air */
		}
		/* one request through the application; flash time may pass (flash_timing) */
		{
			unsigned h = b->rxq_head;
			int n;

			b->rxq_head = (b->rxq_head + 1u) % BLE_RXQ_LEN;
			b->rxq_count--;
			b->in_app = true; /* its buffer stays taken (link events may run in flash time) */
			n = sdfu_smp_process(b->ep.srv, &b->ep.transport, b->rxq[h].data,
					     b->rxq[h].len, ble_tx, d);
			b->in_app = false;
			if (n < 0) {
				SDFU_LOGD("frame of %u bytes ignored (%d)", (unsigned)b->rxq[h].len, n);
			}
		}
		if (!d->flash.powered) {
			return; /* a power cut fired in a flash operation: the loop powers off */
		}
	}
	link_arm(d);
}

static void link_fire(struct sdfu_timer *t)
{
	link_pump(t->ctx);
}

/* ---- --radio-sync: the flash takes the radio ------------------------------------------ */

static void sleep_until(uint64_t t)
{
	uint64_t now = device_now_us();

	if (t > now) {
		flash_timing_sleep(NULL, t - now, false);
	}
}

void device_ble_flash_stall(void *ctx, uint64_t us, bool erase)
{
	struct device *d = ctx;
	struct device_ble *b = &d->ble;
	uint32_t slot = d->ftiming.tab != NULL ? d->ftiming.tab->radio_slot_us : 0u;

	if (!b->connected || b->cfd < 0 || slot == 0u) {
		flash_timing_sleep(NULL, us, erase);
		return;
	}
	while (us > 0u) {
		uint64_t n = erase || us < slot ? us : slot;
		uint64_t now = device_now_us();

		if (!b->connected || b->cfd < 0) {
			flash_timing_sleep(NULL, us, erase); /* the link went away meanwhile */
			return;
		}
		/* the radio role is aborted after the exchange under way, then the NVMC gets its
		 * timeslot */
		ble_conn_run(&b->conn, now);
		ble_conn_end_event(&b->conn);
		sleep_until(b->conn.last_end_us);
		now = device_now_us();
		ble_conn_radio_off(&b->conn, now + n);
		flash_timing_sleep(NULL, n, erase);
		us -= n;
		if (us > 0u && b->connected && b->cfd >= 0) {
			/* the next timeslot comes after the next connection event, if one is due */
			uint64_t te;

			now = device_now_us();
			ble_conn_run(&b->conn, now); /* the events of the timeslot: lost */
			te = ble_conn_next_us(&b->conn);
			if (te != BLE_CONN_NEVER && te <= now + b->conn.link.interval_us) {
				/* that event runs through (the controller's own time) */
				do {
					sleep_until(te);
					ble_conn_run(&b->conn, device_now_us());
					te = ble_conn_next_us(&b->conn);
				} while (b->conn.in_event && b->connected && b->cfd >= 0);
			}
		}
	}
}

/* struct sdfu_ble_link: a peripheral parameter update request (L2CAP signalling). */
static int link_request(void *ctx, uint16_t imin, uint16_t imax, uint16_t latency, uint16_t timeout)
{
	struct device *d = ctx;
	struct device_ble *b = &d->ble;

	(void)imax;
	if (!b->connected) {
		return SDFU_ERR_NOENT;
	}
	if (imin == b->interval && latency == b->latency && timeout == b->timeout &&
	    !b->conn.upd_want && !b->conn.upd_ind) {
		return SDFU_ERR_ALREADY;
	}
	if (ble_conn_update(&b->conn, (uint32_t)imin * 1250u, latency, timeout, true) != 0) {
		return SDFU_ERR_INVAL;
	}
	SDFU_LOGI("connection parameter request: interval %u, latency %u, timeout %u", imin,
		  latency, timeout);
	link_arm(d);
	return 0;
}

static int link_disconnect(void *ctx)
{
	device_ble_disconnect(ctx, 0x13);
	return 0;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

int device_ble_open(struct device *d)
{
	struct device_ble *b = &d->ble;
	struct sockaddr_un a;
	const char *path = d->opts->ble_path;

	b->lfd = -1;
	b->cfd = -1;
	if (path == NULL) {
		return 0;
	}
	if (strlen(path) >= sizeof(a.sun_path)) {
		SDFU_LOGE("socket path too long: %s", path);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	(void)unlink(path);
	b->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b->lfd < 0 || bind(b->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(b->lfd, 2) != 0) {
		SDFU_LOGE("cannot listen on %s: %s", path, strerror(errno));
		if (b->lfd >= 0) {
			close(b->lfd);
		}
		b->lfd = -1;
		return -1;
	}
	strcpy(b->path, path);
	SDFU_LOGI("BLE link model on %s (max ATT MTU %u)", path, d->opts->ble_mtu);
	return 0;
}

void device_ble_bind(struct device *d)
{
	struct device_ble *b = &d->ble;

	sdfu_timer_init(&b->link_timer, link_fire, d);
	sdfu_ble_init(&b->ep, &d->core.stack.srv, 0, ble_tx, d);
	b->link.request_conn_params = link_request;
	b->link.disconnect = link_disconnect;
	b->link.ctx = d;
	b->rxq_head = 0;
	b->rxq_count = 0;
}

void device_ble_disconnect(struct device *d, uint8_t reason)
{
	struct device_ble *b = &d->ble;
	uint8_t m[2] = {BLE_EV_DISCONNECTED, reason};
	bool was = b->connected;

	if (b->cfd < 0) {
		return;
	}
	(void)ble_send(b, m, sizeof(m));
	close(b->cfd);
	b->cfd = -1;
	b->connected = false;
	b->secured = false;
	b->cccd = false;
	b->held = false;
	b->rxq_count = 0;
	sdfu_ble_rx_reset(&b->ep.rx);
	sdfu_timer_stop(&d->core.stack.timers, &b->link_timer);
	if (was && d->core.stack.lat_on) {
		sdfu_ble_latency_disconnected(&d->core.stack.lat);
	}
	SDFU_LOGI("disconnected (reason 0x%02x)", reason);
}

void device_ble_accept(struct device *d)
{
	struct device_ble *b = &d->ble;
	int fd = accept4(b->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int on = 1;

	if (fd < 0) {
		return;
	}
	if (b->cfd >= 0 || !d->powered) {
		/* one connection at a time (BT_MAX_CONN 1); nothing advertises while off */
		uint8_t m[2] = {BLE_EV_DISCONNECTED, 0x3E};

		(void)send(fd, m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	/* the send time of each write: when it reached the central's controller */
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	b->cfd = fd;
	b->connected = false;
	b->secured = false;
	b->cccd = false;
	b->held = false;
}

void device_ble_service(struct device *d)
{
	link_pump(d);
}

bool device_ble_wants_input(const struct device *d)
{
	return d->ble.cfd >= 0 && !d->ble.held;
}

void device_ble_close(struct device *d)
{
	struct device_ble *b = &d->ble;

	if (b->cfd >= 0) {
		close(b->cfd);
		b->cfd = -1;
	}
	if (b->lfd >= 0) {
		close(b->lfd);
		b->lfd = -1;
		(void)unlink(b->path);
	}
}
