/* SPDX-License-Identifier: Apache-2.0 */
/* Host port: the serial side of the device, a new pseudo-terminal (raw) or an existing tty. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "port_posix.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "serial"

/* How long a write may wait for the reader before the rest of a line is dropped. */
#define SERIAL_WRITE_WAIT_MS 200

static void make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(fd, TCSANOW, &t);
	}
}

static int open_pty(struct posix_serial *s)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0) {
		SDFU_LOGE("posix_openpt: %s", strerror(errno));
		return SDFU_ERR_IO;
	}
	if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, s->name, sizeof(s->name)) != 0) {
		SDFU_LOGE("pty setup: %s", strerror(errno));
		close(m);
		return SDFU_ERR_IO;
	}
	/*
	 * Keep a slave fd open for the life of the device: clients may open and close
	 * the pty many times (and across device resets) without the master seeing a
	 * hang-up, and raw mode (no echo, no CR/LF mapping) stays set in between.
	 */
	s->slave_fd = open(s->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->slave_fd < 0) {
		SDFU_LOGE("open %s: %s", s->name, strerror(errno));
		close(m);
		return SDFU_ERR_IO;
	}
	make_raw(s->slave_fd);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	s->fd = m;
	s->is_pty = true;
	return SDFU_OK;
}

int posix_serial_open(struct posix_serial *s, const char *spec)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->slave_fd = -1;
	if (spec == NULL || strcmp(spec, "pty") == 0) {
		rc = open_pty(s);
	} else {
		snprintf(s->name, sizeof(s->name), "%s", spec);
		s->fd = open(spec, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (s->fd < 0) {
			SDFU_LOGE("open %s: %s", spec, strerror(errno));
			return SDFU_ERR_IO;
		}
		if (isatty(s->fd)) {
			make_raw(s->fd);
		}
		rc = SDFU_OK;
	}
	if (rc == SDFU_OK) {
		SDFU_LOGI("serial on %s", s->name);
	}
	return rc;
}

void posix_serial_close(struct posix_serial *s)
{
	if (s->fd >= 0) {
		close(s->fd);
	}
	if (s->slave_fd >= 0) {
		close(s->slave_fd);
	}
	s->fd = -1;
	s->slave_fd = -1;
}

int posix_serial_read(struct posix_serial *s, uint8_t *buf, size_t size)
{
	ssize_t n = read(s->fd, buf, size);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			return 0;
		}
		/* EIO on a pty master means no slave is open; we hold one, so report it */
		SDFU_LOGW("serial read: %s", strerror(errno));
		return SDFU_ERR_IO;
	}
	return (int)n;
}

int posix_serial_write(void *ctx, const uint8_t *data, size_t len)
{
	struct posix_serial *s = ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(s->fd, data + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = s->fd, .events = POLLOUT};

			/* once blocked, drop at once until a write goes through again */
			if (!s->warned_full && poll(&p, 1, SERIAL_WRITE_WAIT_MS) > 0 &&
			    (p.revents & POLLOUT)) {
				continue;
			}
			if (!s->warned_full) {
				SDFU_LOGW("serial output blocked (no reader?), dropping output");
				s->warned_full = true;
			}
			return SDFU_ERR_BUSY;
		}
		SDFU_LOGW("serial write: %s", n < 0 ? strerror(errno) : "0 bytes");
		return SDFU_ERR_IO;
	}
	s->warned_full = false;
	return SDFU_OK;
}
