/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device BLE link model: a central on a SOCK_SEQPACKET socket, GATT SMP, connection-event timing. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* connection events between a parameter request and its instant (LL procedure) */
#define BLE_NEGOTIATION_EVENTS 6u

static uint8_t ble_rx_msg[SDFU_BLE_RX_BUF_SIZE + 16];

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

/* Start of the next connection event the peripheral listens to, at or after `now`. */
static uint64_t next_listen_us(const struct device_ble *b, uint64_t now)
{
	uint64_t p = (uint64_t)(b->latency + 1u) * b->interval * 1250u;
	uint64_t k;

	if (p == 0u || now <= b->anchor_us) {
		return b->anchor_us > now ? b->anchor_us : now;
	}
	k = (now - b->anchor_us + p - 1u) / p;
	return b->anchor_us + k * p;
}

static void arm_tx(struct device *d)
{
	struct device_ble *b = &d->ble;
	uint64_t now = device_now_us();
	uint64_t due;

	if (b->q_count == 0u) {
		sdfu_timer_stop(&d->core.stack.timers, &b->tx_timer);
		return;
	}
	due = b->q[b->q_head].due_us;
	sdfu_timer_start(&d->core.stack.timers, &b->tx_timer,
			 due <= now ? 0u : (uint32_t)((due - now + 999u) / 1000u));
}

static int notify(void *ctx, const uint8_t *data, size_t len)
{
	struct device *d = ctx;
	uint8_t m[1 + 600];

	if (len + 1u > sizeof(m)) {
		return SDFU_ERR_NOMEM;
	}
	if (!d->ble.cccd) {
		return 0; /* notifications disabled: the value is not sent */
	}
	m[0] = BLE_EV_NOTIFY;
	memcpy(&m[1], data, len);
	if (ble_send(&d->ble, m, len + 1u) != 0) {
		return SDFU_ERR_IO;
	}
	d->ble.notifications++;
	return 0;
}

static void tx_fire(struct sdfu_timer *t)
{
	struct device *d = t->ctx;
	struct device_ble *b = &d->ble;
	uint64_t now = device_now_us();

	while (b->q_count > 0u && b->q[b->q_head].due_us <= now + 999u) {
		if (b->connected && d->powered) {
			(void)sdfu_ble_tx_frame(b->q[b->q_head].data, b->q[b->q_head].len, b->mtu,
						notify, d);
			b->frames_out++;
		}
		b->q_head = (b->q_head + 1u) % BLE_TXQ_LEN;
		b->q_count--;
	}
	arm_tx(d);
}

/* sdfu_smp_tx_fn of the endpoint: queue the response until the next listened connection event. */
static int ble_tx(void *ctx, const uint8_t *frame, size_t len)
{
	struct device *d = ctx;
	struct device_ble *b = &d->ble;
	unsigned slot;
	uint64_t due;

	if (!b->connected || !d->powered) {
		return SDFU_ERR_NOENT;
	}
	if (b->q_count == BLE_TXQ_LEN || len > sizeof(b->q[0].data)) {
		SDFU_LOGW("response queue full: %u bytes dropped", (unsigned)len);
		b->dropped_out++;
		return SDFU_ERR_NOMEM;
	}
	due = next_listen_us(b, device_now_us());
	if (due < b->last_due_us) {
		due = b->last_due_us; /* keep the order */
	}
	b->last_due_us = due;
	slot = (b->q_head + b->q_count) % BLE_TXQ_LEN;
	b->q[slot].due_us = due;
	b->q[slot].len = (uint16_t)len;
	memcpy(b->q[slot].data, frame, len);
	b->q_count++;
	arm_tx(d);
	return 0;
}

static void neg_fire(struct sdfu_timer *t)
{
	struct device *d = t->ctx;
	struct device_ble *b = &d->ble;

	if (!b->req_pending || !b->connected) {
		return;
	}
	b->req_pending = false;
	b->interval = b->req_interval;
	b->latency = b->req_latency;
	b->timeout = b->req_timeout;
	b->anchor_us = device_now_us();
	b->param_updates++;
	SDFU_LOGI("connection parameters applied: interval %u, latency %u, timeout %u",
		  b->interval, b->latency, b->timeout);
	send_params(b, BLE_EV_PARAMS, b->interval, b->latency, b->timeout);
	if (d->core.stack.lat_on) {
		sdfu_ble_latency_params_updated(&d->core.stack.lat, b->interval, b->latency, b->timeout);
	}
}

/* struct sdfu_ble_link: a peripheral parameter update request; the central accepts it. */
static int link_request(void *ctx, uint16_t imin, uint16_t imax, uint16_t latency, uint16_t timeout)
{
	struct device *d = ctx;
	struct device_ble *b = &d->ble;
	uint64_t now = device_now_us();
	uint64_t at;

	(void)imax;
	if (!b->connected) {
		return SDFU_ERR_NOENT;
	}
	if (imin == b->interval && latency == b->latency && timeout == b->timeout &&
	    !b->req_pending) {
		return SDFU_ERR_ALREADY;
	}
	b->req_pending = true;
	b->req_interval = imin;
	b->req_latency = latency;
	b->req_timeout = timeout;
	/* sent at the next listened event; the instant is a few events later */
	at = next_listen_us(b, now) + (uint64_t)BLE_NEGOTIATION_EVENTS * b->interval * 1250u;
	b->req_apply_us = at;
	SDFU_LOGI("connection parameter request: interval %u, latency %u, timeout %u", imin,
		  latency, timeout);
	send_params(b, BLE_EV_PARAM_REQUEST, imin, latency, timeout);
	sdfu_timer_start(&d->core.stack.timers, &b->neg_timer, (uint32_t)((at - now + 999u) / 1000u));
	return 0;
}

static int link_disconnect(void *ctx)
{
	device_ble_disconnect(ctx, 0x13);
	return 0;
}

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

	sdfu_timer_init(&b->tx_timer, tx_fire, d);
	sdfu_timer_init(&b->neg_timer, neg_fire, d);
	sdfu_ble_init(&b->ep, &d->core.stack.srv, 0, ble_tx, d);
	b->link.request_conn_params = link_request;
	b->link.disconnect = link_disconnect;
	b->link.ctx = d;
	b->q_head = 0;
	b->q_count = 0;
	b->req_pending = false;
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
	b->req_pending = false;
	b->q_count = 0;
	sdfu_ble_rx_reset(&b->ep.rx);
	sdfu_timer_stop(&d->core.stack.timers, &b->tx_timer);
	sdfu_timer_stop(&d->core.stack.timers, &b->neg_timer);
	if (was && d->core.stack.lat_on) {
		sdfu_ble_latency_disconnected(&d->core.stack.lat);
	}
	SDFU_LOGI("disconnected (reason 0x%02x)", reason);
}

void device_ble_accept(struct device *d)
{
	struct device_ble *b = &d->ble;
	int fd = accept4(b->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

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
	b->cfd = fd;
	b->connected = false;
	b->secured = false;
	b->cccd = false;
}

static void write_error(struct device_ble *b, uint8_t att, int err)
{
	uint8_t m[3] = {BLE_EV_WRITE_ERROR, att, (uint8_t)(int8_t)(err < -128 ? -128 : err)};

	(void)ble_send(b, m, sizeof(m));
}

static void on_connect(struct device *d, const uint8_t *p, size_t n)
{
	struct device_ble *b = &d->ble;
	uint16_t mtu = n >= 2 ? get16(p) : SDFU_BLE_ATT_MTU_MIN;
	uint8_t m[11];

	if (b->connected) {
		return;
	}
	if (mtu < SDFU_BLE_ATT_MTU_MIN) {
		mtu = SDFU_BLE_ATT_MTU_MIN;
	}
	if (mtu > d->opts->ble_mtu) {
		mtu = d->opts->ble_mtu;
	}
	b->mtu = mtu;
	b->interval = n >= 4 && get16(p + 2) != 0u ? get16(p + 2) : SDFU_BLE_INTERVAL_7_5MS;
	b->latency = n >= 6 ? get16(p + 4) : 0u;
	b->timeout = n >= 8 && get16(p + 6) != 0u ? get16(p + 6) : 400u;
	b->anchor_us = device_now_us();
	b->last_due_us = 0;
	b->connected = true;
	b->connections++;
	sdfu_ble_rx_reset(&b->ep.rx);
	SDFU_LOGI("connected: MTU %u, interval %u, latency %u, timeout %u", b->mtu, b->interval,
		  b->latency, b->timeout);
	m[0] = BLE_EV_CONNECTED;
	put16(&m[1], b->mtu);
	put16(&m[3], b->interval);
	put16(&m[5], b->latency);
	put16(&m[7], b->timeout);
	put16(&m[9], b->ep.rx.max_frame);
	(void)ble_send(b, m, sizeof(m));
	if (d->core.stack.lat_on) {
		sdfu_ble_latency_connected(&d->core.stack.lat, b->interval, b->latency, b->timeout);
	}
}

static void on_write(struct device *d, const uint8_t *p, size_t n)
{
	struct device_ble *b = &d->ble;
	int rc;

	b->writes++;
	if (!b->connected) {
		return;
	}
	if (!b->secured) {
		write_error(b, ATT_ERR_INSUFF_ENC, SDFU_ERR_ACCES);
		return;
	}
	if (n == 0u || n > (size_t)b->mtu - SDFU_BLE_ATT_OVERHEAD) {
		write_error(b, ATT_ERR_INVALID_LEN, SDFU_ERR_MSGSIZE);
		return;
	}
	rc = sdfu_ble_write(&b->ep, p, n);
	if (rc == SDFU_ERR_MSGSIZE) {
		write_error(b, ATT_ERR_INSUFF_RES, rc);
	} else if (rc < 0) {
		write_error(b, ATT_ERR_VALUE_NOT_ALLOWED, rc);
	}
}

void device_ble_service(struct device *d)
{
	struct device_ble *b = &d->ble;
	int i;

	for (i = 0; i < 64 && b->cfd >= 0 && !device_stop; i++) {
		ssize_t n = recv(b->cfd, ble_rx_msg, sizeof(ble_rx_msg), MSG_DONTWAIT);
		const uint8_t *p = &ble_rx_msg[1];
		size_t plen;

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return;
		}
		if (n <= 0) {
			device_ble_disconnect(d, 0x13);
			return;
		}
		plen = (size_t)n - 1u;
		switch (ble_rx_msg[0]) {
		case BLE_OP_CONNECT:
			on_connect(d, p, plen);
			break;
		case BLE_OP_SECURE:
			if (b->connected && !b->secured) {
				uint8_t m = BLE_EV_SECURED;

				b->secured = true;
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
			}
			break;
		case BLE_OP_WRITE:
			on_write(d, p, plen);
			break;
		case BLE_OP_DISCONNECT:
			device_ble_disconnect(d, 0x16);
			return;
		case BLE_OP_PARAMS:
			if (b->connected && plen >= 6u) {
				b->interval = get16(p) != 0u ? get16(p) : b->interval;
				b->latency = get16(p + 2);
				b->timeout = get16(p + 4);
				b->anchor_us = device_now_us();
				b->param_updates++;
				send_params(b, BLE_EV_PARAMS, b->interval, b->latency, b->timeout);
				if (d->core.stack.lat_on) {
					sdfu_ble_latency_params_updated(&d->core.stack.lat, b->interval,
									b->latency, b->timeout);
				}
			}
			break;
		default:
			SDFU_LOGW("unknown message 0x%02x ignored", ble_rx_msg[0]);
			break;
		}
	}
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
