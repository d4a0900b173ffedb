/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device: local stream sockets carrying one flat JSON object per line (ctl, cfgchan). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "device"

int line_srv_open(struct line_srv *s, const char *path, const char *what,
		  void (*handle)(struct device *d, int fd, char *line))
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->lfd = -1;
	s->what = what;
	s->handle = handle;
	for (i = 0; i < DEVICE_LINE_CLIENTS; i++) {
		s->cl[i].fd = -1;
	}
	s->lfd = posix_unix_listen(path, SOCK_STREAM, 4);
	if (s->lfd < 0) {
		SDFU_LOGE("%s: cannot listen on %s: %s", what, path,
			  errno == ENAMETOOLONG ? "socket path too long" : strerror(errno));
		return -1;
	}
	strcpy(s->path, path);
	SDFU_LOGI("%s: listening on %s", what, path);
	return 0;
}

static void client_close(struct line_srv *s, int idx)
{
	if (s->cl[idx].fd >= 0) {
		close(s->cl[idx].fd);
	}
	s->cl[idx].fd = -1;
	s->cl[idx].len = 0;
}

void line_srv_close(struct line_srv *s)
{
	unsigned i;

	if (s->lfd < 0) {
		return;
	}
	for (i = 0; i < DEVICE_LINE_CLIENTS; i++) {
		client_close(s, (int)i);
	}
	close(s->lfd);
	s->lfd = -1;
	(void)unlink(s->path);
}

void line_srv_accept(struct line_srv *s)
{
	int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	unsigned i;

	if (fd < 0) {
		return;
	}
	for (i = 0; i < DEVICE_LINE_CLIENTS; i++) {
		if (s->cl[i].fd < 0) {
			s->cl[i].fd = fd;
			s->cl[i].len = 0;
			return;
		}
	}
	SDFU_LOGW("%s: too many clients, connection refused", s->what);
	line_reply(fd, "{\"ok\": false, \"error\": \"too many clients\"}");
	close(fd);
}

void line_srv_service(struct device *d, struct line_srv *s, int idx)
{
	char *buf = s->cl[idx].buf;
	ssize_t n = read(s->cl[idx].fd, buf + s->cl[idx].len, DEVICE_LINE_MAX - 1 - s->cl[idx].len);
	char *nl;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return;
		}
		client_close(s, idx);
		return;
	}
	s->cl[idx].len += (size_t)n;
	buf[s->cl[idx].len] = '\0';
	while (s->cl[idx].fd >= 0 && (nl = memchr(buf, '\n', s->cl[idx].len)) != NULL) {
		size_t used = (size_t)(nl - buf) + 1u;

		*nl = '\0';
		if (nl > buf && nl[-1] == '\r') {
			nl[-1] = '\0';
		}
		if (buf[0] != '\0') {
			s->handle(d, s->cl[idx].fd, buf);
		}
		memmove(buf, buf + used, s->cl[idx].len - used);
		s->cl[idx].len -= used;
		buf[s->cl[idx].len] = '\0';
	}
	if (s->cl[idx].fd >= 0 && s->cl[idx].len >= DEVICE_LINE_MAX - 1) {
		SDFU_LOGW("%s: request line too long, client dropped", s->what);
		line_reply(s->cl[idx].fd, "{\"ok\": false, \"error\": \"line too long\"}");
		client_close(s, idx);
	}
}

void line_reply(int fd, const char *fmt, ...)
{
	char out[4096];
	va_list ap;
	int n;
	size_t off = 0;

	va_start(ap, fmt);
	n = vsnprintf(out, sizeof(out) - 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	if ((size_t)n > sizeof(out) - 2) {
		n = (int)sizeof(out) - 2;
	}
	out[n++] = '\n';
	/* replies are small; a client that does not read gets a truncated stream */
	while (off < (size_t)n) {
		ssize_t w = send(fd, out + off, (size_t)n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return;
		}
		off += (size_t)w;
	}
}

/* Find the value of "key" in a flat object; returns a pointer to its first char or NULL. */
static const char *find_value(const char *line, const char *key)
{
	size_t kl = strlen(key);
	const char *p = line;

	while ((p = strchr(p, '"')) != NULL) {
		const char *q;

		if (strncmp(p + 1, key, kl) == 0 && p[1 + kl] == '"') {
			q = p + 2 + kl;
			while (*q == ' ' || *q == '\t') {
				q++;
			}
			if (*q == ':') {
				q++;
				while (*q == ' ' || *q == '\t') {
					q++;
				}
				return q;
			}
		}
		/* skip this string (keys and string values alike) */
		p++;
		while (*p != '\0' && *p != '"') {
			if (*p == '\\' && p[1] != '\0') {
				p++;
			}
			p++;
		}
		if (*p == '\0') {
			return NULL;
		}
		p++;
	}
	return NULL;
}

int json_get_str(const char *line, const char *key, char *out, size_t size)
{
	const char *v = find_value(line, key);
	size_t n = 0;

	if (v == NULL || *v != '"' || size == 0u) {
		return -1;
	}
	v++;
	while (*v != '\0' && *v != '"') {
		char c = *v;

		if (c == '\\' && v[1] != '\0') {
			v++;
			c = *v == 'n' ? '\n' : *v == 't' ? '\t' : *v;
		}
		if (n + 1 >= size) {
			return -1;
		}
		out[n++] = c;
		v++;
	}
	if (*v != '"') {
		return -1;
	}
	out[n] = '\0';
	return 0;
}

int json_get_int(const char *line, const char *key, long long *out)
{
	const char *v = find_value(line, key);
	char *end = NULL;
	long long x;

	if (v == NULL) {
		return -1;
	}
	errno = 0;
	x = strtoll(v, &end, 10);
	if (end == v || errno != 0 || (*end != ',' && *end != '}' && *end != ' ')) {
		return -1;
	}
	*out = x;
	return 0;
}

int json_get_bool(const char *line, const char *key, bool *out)
{
	const char *v = find_value(line, key);

	if (v == NULL) {
		return -1;
	}
	if (strncmp(v, "true", 4) == 0) {
		*out = true;
		return 0;
	}
	if (strncmp(v, "false", 5) == 0) {
		*out = false;
		return 0;
	}
	return -1;
}
