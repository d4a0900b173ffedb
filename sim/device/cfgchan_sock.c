/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device config-channel DFU socket: start / data / sync / reboot as JSON lines. */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "sdfu/base64.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "cfgchan"

static const char *state_name(uint8_t s)
{
	static const char *const names[] = {"INACTIVE", "ACTIVE_CONFIG_CHANNEL", "STORING",
					    "CLEANING", "ACTIVE_OTHER"};

	return s < 5u ? names[s] : "?";
}

static const char *err_name(int rc)
{
	switch (rc) {
	case SDFU_ERR_ACCES:
		return "ACCES";
	case SDFU_ERR_BUSY:
		return "BUSY";
	case SDFU_ERR_INVAL:
		return "INVAL";
	case SDFU_ERR_BADSTATE:
		return "BADSTATE";
	case SDFU_ERR_NOSPC:
		return "NOSPC";
	case SDFU_ERR_RANGE:
		return "RANGE";
	default:
		return "ERROR";
	}
}

static void reply_rc(int fd, int rc)
{
	if (rc == 0) {
		line_reply(fd, "{\"ok\": true, \"rc\": 0}");
	} else {
		line_reply(fd, "{\"ok\": false, \"rc\": %d, \"error\": \"%s\"}", rc, err_name(rc));
	}
}

static void do_start(struct device *d, int fd, const char *line)
{
	long long size;
	long long crc;
	long long off = 0;
	int rc;

	if (json_get_int(line, "size", &size) != 0 || json_get_int(line, "crc", &crc) != 0 ||
	    size <= 0 || size > 0xFFFFFFFFLL || crc < 0 || crc > 0xFFFFFFFFLL) {
		line_reply(fd, "{\"ok\": false, \"error\": \"start needs size and crc\"}");
		return;
	}
	(void)json_get_int(line, "offset", &off);
	if (off < 0 || off > size) {
		line_reply(fd, "{\"ok\": false, \"error\": \"bad offset\"}");
		return;
	}
	rc = sdfu_dfu_cfgchan_start(&d->core.stack.cfgchan, (uint32_t)size, (uint32_t)crc, (uint32_t)off);
	if (rc == 0) {
		d->cfg_next_off = (uint32_t)off;
	}
	reply_rc(fd, rc);
}

static void do_data(struct device *d, int fd, const char *line)
{
	static char b64[DEVICE_LINE_MAX];
	static uint8_t bin[DEVICE_LINE_MAX];
	long long off;
	size_t n = 0;
	int rc;

	if (json_get_int(line, "offset", &off) != 0 ||
	    json_get_str(line, "data", b64, sizeof(b64)) != 0 ||
	    sdfu_base64_decode(bin, sizeof(bin), &n, (const uint8_t *)b64, strlen(b64)) != 0 ||
	    n == 0u) {
		line_reply(fd, "{\"ok\": false, \"error\": \"data needs offset and base64 data\"}");
		return;
	}
	if ((uint64_t)off != d->cfg_next_off) {
		line_reply(fd, "{\"ok\": false, \"error\": \"offset\", \"expected\": %u}",
			   d->cfg_next_off);
		return;
	}
	rc = sdfu_dfu_cfgchan_data(&d->core.stack.cfgchan, bin, n);
	if (rc == 0) {
		d->cfg_next_off += (uint32_t)n;
	}
	reply_rc(fd, rc);
}

void device_cfg_handle(struct device *d, int fd, char *line)
{
	char op[16];

	if (json_get_str(line, "op", op, sizeof(op)) != 0) {
		line_reply(fd, "{\"ok\": false, \"error\": \"missing op\"}");
		return;
	}
	if (!d->powered) {
		line_reply(fd, "{\"ok\": false, \"error\": \"powered off\"}");
		return;
	}
	if (strcmp(op, "start") == 0) {
		do_start(d, fd, line);
	} else if (strcmp(op, "data") == 0) {
		do_data(d, fd, line);
	} else if (strcmp(op, "sync") == 0) {
		struct sdfu_dfu_cfgchan_sync s;

		memset(&s, 0, sizeof(s));
		sdfu_dfu_cfgchan_sync(&d->core.stack.cfgchan, &s);
		line_reply(fd,
			   "{\"ok\": true, \"state\": %u, \"state_name\": \"%s\", \"offset\": %u, "
			   "\"length\": %u, \"crc\": %u, \"sync_buffer_size\": %u}",
			   s.state, state_name(s.state), s.offset, s.img_length, s.img_csum,
			   s.sync_buffer_size);
	} else if (strcmp(op, "reboot") == 0) {
		bool ok = sdfu_dfu_cfgchan_reboot(&d->core.stack.cfgchan);

		line_reply(fd, "{\"ok\": true, \"reboot\": %s}", ok ? "true" : "false");
	} else if (strcmp(op, "variant") == 0) {
		line_reply(fd, "{\"ok\": true, \"variant\": \"%s\"}",
			   sdfu_dfu_cfgchan_variant(&d->core.stack.cfgchan));
	} else if (strcmp(op, "in_use") == 0) {
		sdfu_dfu_cfgchan_device_in_use(&d->core.stack.cfgchan);
		line_reply(fd, "{\"ok\": true}");
	} else {
		line_reply(fd, "{\"ok\": false, \"error\": \"unknown op '%s'\"}", op);
	}
}
