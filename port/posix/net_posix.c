/* SPDX-License-Identifier: Apache-2.0 */
/* Host port: the UDP socket of the device (bind HOST:PORT, reply to each sender). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "port_posix.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "udp"

/* Split "HOST:PORT", "[V6]:PORT" or "PORT" into host and port strings. */
static int split_host_port(const char *spec, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon;
	size_t hl;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (end == NULL || end[1] != ':') {
			return -1;
		}
		hl = (size_t)(end - spec - 1);
		if (hl >= hsize) {
			return -1;
		}
		memcpy(host, spec + 1, hl);
		host[hl] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			snprintf(host, hsize, "127.0.0.1");
			colon = spec - 1;
		} else {
			hl = (size_t)(colon - spec);
			if (hl >= hsize) {
				return -1;
			}
			memcpy(host, spec, hl);
			host[hl] = '\0';
		}
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= psize) {
		return -1;
	}
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

/* Render a socket address as HOST:PORT ([V6]:PORT). */
static void addr_str(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	} else {
		snprintf(buf, size, "?");
	}
}

int posix_udp_open(struct posix_udp *u, const char *spec)
{
	char host[256];
	char port[16];
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	struct addrinfo *ai;
	int rc;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	if (split_host_port(spec, host, sizeof(host), port, sizeof(port)) != 0) {
		SDFU_LOGE("bad UDP address '%s' (want HOST:PORT)", spec);
		return SDFU_ERR_INVAL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		SDFU_LOGE("cannot resolve '%s': %s", spec, gai_strerror(rc));
		return SDFU_ERR_INVAL;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);

		if (fd < 0) {
			continue;
		}
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			u->fd = fd;
			break;
		}
		rc = errno;
		close(fd);
		errno = rc;
	}
	freeaddrinfo(res);
	if (u->fd < 0) {
		SDFU_LOGE("cannot bind UDP %s: %s", spec, strerror(errno));
		return SDFU_ERR_IO;
	}
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockname(u->fd, (struct sockaddr *)&ss, &sl) == 0) {
			addr_str((const struct sockaddr *)&ss, u->bound, sizeof(u->bound));
		}
	}
	SDFU_LOGI("listening on udp %s", u->bound);
	return SDFU_OK;
}

void posix_udp_close(struct posix_udp *u)
{
	if (u->fd >= 0) {
		close(u->fd);
	}
	u->fd = -1;
}

int posix_udp_recv(struct posix_udp *u, uint8_t *buf, size_t size, struct posix_udp_peer *peer)
{
	ssize_t n;

	peer->fd = u->fd;
	peer->len = sizeof(peer->addr);
	n = recvfrom(u->fd, buf, size, MSG_TRUNC, (struct sockaddr *)&peer->addr, &peer->len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			return 0;
		}
		SDFU_LOGW("udp recv: %s", strerror(errno));
		return SDFU_ERR_IO;
	}
	if ((size_t)n > size) {
		char who[80];

		addr_str((const struct sockaddr *)&peer->addr, who, sizeof(who));
		SDFU_LOGW("datagram of %zd bytes from %s exceeds %zu, dropped", n, who, size);
		return 0;
	}
	return (int)n;
}

const char *posix_udp_peer_str(const struct posix_udp_peer *peer, char *buf, size_t size)
{
	addr_str((const struct sockaddr *)&peer->addr, buf, size);
	return buf;
}

int posix_udp_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct posix_udp_peer *peer = ctx;
	ssize_t n = sendto(peer->fd, frame, len, 0, (const struct sockaddr *)&peer->addr, peer->len);

	if (n < 0 || (size_t)n != len) {
		SDFU_LOGW("udp send of %zu bytes failed: %s", len, n < 0 ? strerror(errno) : "short");
		return SDFU_ERR_IO;
	}
	return SDFU_OK;
}

int posix_unix_listen(const char *path, int type, int backlog)
{
	struct sockaddr_un a;
	int fd;
	int err;

	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, strlen(path) + 1);
	(void)unlink(path);
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, backlog) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}
