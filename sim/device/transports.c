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
	if (!d->udp_on && !d->ser_on) {
		SDFU_LOGW("both transports are off; the device only runs its timers");
	}
	return 0;
}

void device_transports_bind(struct device *d)
{
	sdfu_udp_init(&d->udp_ep, &d->core.srv);
	sdfu_serial_init(&d->ser_ep, &d->core.srv, d->opts->line_length, posix_serial_write,
			 &d->ser);
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

int device_transports_pollfds(struct device *d, struct pollfd *fds, char *kinds)
{
	int n = 0;

	if (d->udp_on) {
		fds[n].fd = d->udp.fd;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		kinds[n++] = 'u';
	}
	if (d->ser_on) {
		fds[n].fd = d->ser.fd;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		kinds[n++] = 's';
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
		{
			char who[80];

			/* runtime-filtered (--log-level 4), not compiled out like SDFU_LOGD */
			sdfu_port_log(SDFU_LOG_DBG, "device", "udp: %d bytes from %s", n,
				      posix_udp_peer_str(&peer, who, sizeof(who)));
		}
		(void)sdfu_udp_rx(&d->udp_ep, udp_rx_buf, (size_t)n, posix_udp_send, &peer);
		if (posix_port_take_reset()) {
			/* the core asked for a reset from inside a handler: restart now */
			(void)device_restart(d);
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
		if (posix_port_take_reset()) {
			(void)device_restart(d);
		}
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

void device_transport_service(struct device *d, char kind, short revents)
{
	if (kind == 'u') {
		service_udp(d);
	} else if (kind == 's') {
		service_serial(d, revents);
	}
}

void device_transports_close(struct device *d)
{
	posix_udp_close(&d->udp);
	posix_serial_close(&d->ser);
	d->udp_on = false;
	d->ser_on = false;
}
