/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device transports: the UDP socket and the pty, both feeding one SMP server. */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "device"

/* Large enough for any UDP datagram; the SMP server checks the frame length itself. */
static uint8_t udp_rx_buf[65536];
static uint8_t ser_rx_buf[4096];

int device_transports_open(struct device *d)
{
	const struct device_opts *o = d->opts;

	d->udp.fd = -1;
	d->ser.fd = -1;
	d->ble.lfd = -1;
	d->ble.cfd = -1;
	d->ctl.lfd = -1;
	d->cfg.lfd = -1;
	d->ser.slave_fd = -1;
	if (o->udp != NULL) {
		if (posix_udp_open(&d->udp, o->udp) != 0) {
			return -1;
		}
		d->udp_on = true;
	}
	if (o->serial != NULL) {
		if (posix_serial_open(&d->ser, o->serial) != 0) {
			posix_udp_close(&d->udp);
			return -1;
		}
		d->ser_on = true;
	}
	if (device_ble_open(d) != 0) {
		device_transports_close(d);
		return -1;
	}
	if (o->ctl_path != NULL && line_srv_open(&d->ctl, o->ctl_path, "ctl", device_ctl_handle) != 0) {
		device_transports_close(d);
		return -1;
	}
	if (o->cfgchan_path != NULL &&
	    line_srv_open(&d->cfg, o->cfgchan_path, "cfgchan", device_cfg_handle) != 0) {
		device_transports_close(d);
		return -1;
	}
	if (!d->udp_on && !d->ser_on && d->ble.lfd < 0) {
		SDFU_LOGW("all SMP transports are off; the device only runs its timers");
	}
	return 0;
}

/* Responses are lost once the power is gone (an armed cut fired inside the handler). */
static int udp_send_powered(void *ctx, const uint8_t *frame, size_t len)
{
	if (device_current != NULL && !device_current->flash.powered) {
		return 0;
	}
	return posix_udp_send(ctx, frame, len);
}

static int serial_write_powered(void *ctx, const uint8_t *data, size_t len)
{
	if (device_current != NULL && !device_current->flash.powered) {
		return 0;
	}
	return posix_serial_write(ctx, data, len);
}

void device_transports_bind(struct device *d)
{
	sdfu_udp_init(&d->udp_ep, &d->core.stack.srv);
	sdfu_serial_init(&d->ser_ep, &d->core.stack.srv, d->opts->line_length, serial_write_powered,
			 &d->ser);
	device_ble_bind(d);
}

void device_print_ready(const struct device *d)
{
	char line[300];
	size_t n = (size_t)snprintf(line, sizeof(line), "ready");

	if (d->udp_on) {
		n += (size_t)snprintf(line + n, sizeof(line) - n, " udp=%s", d->udp.bound);
	}
	if (d->ser_on) {
		n += (size_t)snprintf(line + n, sizeof(line) - n, " serial=%s", d->ser.name);
	}
	fprintf(stdout, "%s\n", line);
	fflush(stdout);
}

static int add_fd(struct pollfd *fds, struct poll_slot *slots, int n, int fd, char kind, int idx)
{
	if (fd < 0 || n >= DEVICE_MAX_FDS) {
		return n;
	}
	fds[n].fd = fd;
	fds[n].events = POLLIN;
	fds[n].revents = 0;
	slots[n].kind = kind;
	slots[n].idx = idx;
	return n + 1;
}

int device_transports_pollfds(struct device *d, struct pollfd *fds, struct poll_slot *slots)
{
	int n = 0;
	int i;

	if (d->udp_on) {
		n = add_fd(fds, slots, n, d->udp.fd, 'u', 0);
	}
	if (d->ser_on) {
		n = add_fd(fds, slots, n, d->ser.fd, 's', 0);
	}
	n = add_fd(fds, slots, n, d->ble.lfd, 'B', 0);
	if (d->powered && device_ble_wants_input(d)) {
		n = add_fd(fds, slots, n, d->ble.cfd, 'b', 0);
	}
	n = add_fd(fds, slots, n, d->ctl.lfd, 'C', 0);
	n = add_fd(fds, slots, n, d->cfg.lfd, 'F', 0);
	for (i = 0; i < DEVICE_LINE_CLIENTS; i++) {
		if (d->ctl.lfd >= 0) {
			n = add_fd(fds, slots, n, d->ctl.cl[i].fd, 'c', i);
		}
		if (d->cfg.lfd >= 0) {
			n = add_fd(fds, slots, n, d->cfg.cl[i].fd, 'f', i);
		}
	}
	return n;
}

static void service_udp(struct device *d)
{
	int i;

	/* bounded so the serial side and the timers get their turn */
	for (i = 0; i < 32 && !device_stop; i++) {
		struct posix_udp_peer peer;
		int n = posix_udp_recv(&d->udp, udp_rx_buf, sizeof(udp_rx_buf), &peer);

		if (n <= 0) {
			return;
		}
		if (posix_port_log_enabled(SDFU_LOG_DBG)) {
			char who[80];

			/* runtime-filtered (--log-level 4); the address is only formatted when the
			 * line will be printed (it was most of the per-datagram cost). */
			sdfu_port_log(SDFU_LOG_DBG, "device", "udp: %d bytes from %s", n,
				      posix_udp_peer_str(&peer, who, sizeof(who)));
		}
		(void)sdfu_udp_rx(&d->udp_ep, udp_rx_buf, (size_t)n, udp_send_powered, &peer);
		if (!d->flash.powered) {
			return;
		}
	}
}

static void serial_off(struct device *d, const char *why)
{
	SDFU_LOGE("serial: %s %s, serial transport off", d->ser.name, why);
	posix_serial_close(&d->ser);
	d->ser_on = false;
}

static void service_serial(struct device *d, short revents)
{
	int n = posix_serial_read(&d->ser, ser_rx_buf, sizeof(ser_rx_buf));

	if (n > 0) {
		sdfu_port_log(SDFU_LOG_DBG, "device", "serial: %d bytes in", n);
		(void)sdfu_serial_feed(&d->ser_ep, ser_rx_buf, (size_t)n);
		return;
	}
	/*
	 * Nothing read although poll said so: for an opened tty that is a hang-up
	 * (the other side went away for good). Our own pty never hangs up because
	 * we keep its slave open; if it ever does, stop rather than spin.
	 */
	if (n < 0 || (revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
		serial_off(d, n < 0 ? "read error" : "hung up");
	}
}

void device_transport_service(struct device *d, const struct poll_slot *slot, short revents)
{
	switch (slot->kind) {
	case 'u':
		service_udp(d);
		break;
	case 's':
		service_serial(d, revents);
		break;
	case 'B':
		device_ble_accept(d);
		break;
	case 'b':
		device_ble_service(d);
		break;
	case 'C': /* the ctl and cfgchan JSON-line servers: listener, then a client */
	case 'F':
		line_srv_accept(slot->kind == 'C' ? &d->ctl : &d->cfg);
		break;
	case 'c':
	case 'f':
		line_srv_service(d, slot->kind == 'c' ? &d->ctl : &d->cfg, slot->idx);
		break;
	default:
		break;
	}
}

void device_transports_drain(struct device *d)
{
	int i;

	for (i = 0; i < 64 && d->udp_on; i++) {
		struct posix_udp_peer peer;

		if (posix_udp_recv(&d->udp, udp_rx_buf, sizeof(udp_rx_buf), &peer) <= 0) {
			break;
		}
	}
	if (d->ser_on) {
		int n = posix_serial_read(&d->ser, ser_rx_buf, sizeof(ser_rx_buf));

		if (n < 0) {
			serial_off(d, "read error");
		} else if (n > 0) {
			/* a packet cut by the power loss must not merge with the next one */
			sdfu_serial_rx_init(&d->ser_ep.rx);
		}
	}
}

void device_transports_close(struct device *d)
{
	posix_udp_close(&d->udp);
	posix_serial_close(&d->ser);
	d->udp_on = false;
	d->ser_on = false;
	device_ble_close(d);
	line_srv_close(&d->ctl);
	line_srv_close(&d->cfg);
}
