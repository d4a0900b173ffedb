/* SPDX-License-Identifier: Apache-2.0 */
/* OS management group (0): echo, delayed reset with veto hook, MCUmgr params, info, bootloader info. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "sdfu/smp_cbor.h"

#define SDFU_LOG_MODULE "os"

static struct sdfu_os *os_from_ctx(const struct sdfu_smp_ctx *ctx)
{
	return (ctx->grp != NULL) ? (struct sdfu_os *)ctx->grp->ctx : NULL;
}

/* ---- 0/0 echo -------------------------------------------------------------- */
#if SDFU_OS_ECHO
static int os_echo(struct sdfu_smp_ctx *ctx)
{
	struct zcbor_string d = { 0 };
	struct sdfu_cbor_field f[] = {
		{ .key = "d", .type = SDFU_CBOR_TSTR, .out = &d },
	};
	int rc = sdfu_smp_decode_map(ctx, f, 1);

	if (rc != 0) {
		return rc;
	}
	if (!f[0].found) {
		return SDFU_ERR_INVAL;
	}
	if (!zcbor_tstr_put_lit(ctx->zse, "r") || !zcbor_tstr_encode(ctx->zse, &d)) {
		return SDFU_ERR_MSGSIZE;
	}
	return SDFU_OK;
}
#define OS_ECHO_FN os_echo
#else
#define OS_ECHO_FN NULL /* compiled out: rc 8 */
#endif

/* ---- 0/5 reset --------------------------------------------------------------- */
static void os_reset_fire(struct sdfu_timer *t)
{
	struct sdfu_os *os = t->ctx;

	SDFU_LOGI("reset (boot_mode %u)", (unsigned)os->pending_boot_mode);
	sdfu_port_reset();
}

static int os_reset(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_os *os = os_from_ctx(ctx);
	bool force = false;
	uint32_t boot_mode = 0;
	struct sdfu_cbor_field f[] = {
		{ .key = "force", .type = SDFU_CBOR_BOOL_OR_UINT, .out = &force },
		{ .key = "boot_mode", .type = SDFU_CBOR_UINT32, .out = &boot_mode },
	};
	struct sdfu_os_reset_data data;
	enum sdfu_smp_cb_ret st;
	int32_t cb_rc = 0;
	uint16_t cb_group = 0;

	if (os == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	/* A core command: a malformed payload is ignored and defaults are used. */
	if (sdfu_smp_decode_map(ctx, f, 2) != 0) {
		force = false;
		boot_mode = 0;
	}
	data.force = force;
	data.boot_mode = (uint8_t)boot_mode;
	st = sdfu_smp_cb_notify(ctx->srv, SDFU_SMP_EVT_OS_RESET, &data, sizeof(data), &cb_rc,
				&cb_group);
	if (st == SDFU_SMP_CB_ERROR_ERR) {
		SDFU_LOGW("reset vetoed (group %u rc %ld)", (unsigned)cb_group, (long)cb_rc);
		return sdfu_smp_set_group_err(ctx, cb_group, (uint16_t)cb_rc);
	}
	if (st != SDFU_SMP_CB_OK) {
		SDFU_LOGW("reset vetoed (rc %ld)", (long)cb_rc);
		ctx->mgmt_rc = cb_rc > 0 ? (int)cb_rc : SDFU_MGMT_EUNKNOWN;
		return SDFU_ERR_BUSY;
	}
	os->pending_boot_mode = data.boot_mode;
	/* The empty-map response goes out now; the reset happens from the timer. */
	sdfu_timer_start(os->timers, &os->reset_timer, os->reset_delay_ms);
	return SDFU_OK;
}

/* ---- 0/6 MCUmgr parameters --------------------------------------------------- */
#if SDFU_OS_PARAMS
static int os_params(struct sdfu_smp_ctx *ctx)
{
	uint32_t size = ctx->srv->buf_size;

	if (ctx->transport != NULL && ctx->transport->mtu != 0 && ctx->transport->mtu < size) {
		size = ctx->transport->mtu;
	}
	if (!zcbor_tstr_put_lit(ctx->zse, "buf_size") || !zcbor_uint32_put(ctx->zse, size) ||
	    !zcbor_tstr_put_lit(ctx->zse, "buf_count") ||
	    !zcbor_uint32_put(ctx->zse, ctx->srv->buf_count)) {
		return SDFU_ERR_MSGSIZE;
	}
	return SDFU_OK;
}
#define OS_PARAMS_FN os_params
#else
#define OS_PARAMS_FN NULL /* compiled out: rc 8 */
#endif

/* ---- 0/7 OS / application info ----------------------------------------------- */
#if SDFU_OS_INFO
/* Output order is fixed; 'a' selects all of them. */
static const char info_letters[] = "snrvbmpio";

static const char *info_field(const struct sdfu_os_info *info, unsigned idx)
{
	const char *s = NULL;

	switch (idx) {
	case 0: s = info->kernel_name; break;
	case 1: s = info->node_name; break;
	case 2: s = info->release; break;
	case 3: s = info->version; break;
	case 4: s = info->build_date; break;
	case 5: s = info->machine; break;
	case 6: s = info->processor; break;
	case 7: s = info->platform; break;
	case 8: s = info->os; break;
	default: break;
	}
	return s != NULL ? s : "unknown";
}

static int os_info(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_os *os = os_from_ctx(ctx);
	struct zcbor_string fmt = { 0 };
	struct sdfu_cbor_field f[] = {
		{ .key = "format", .type = SDFU_CBOR_TSTR, .out = &fmt },
	};
	char out[SDFU_OS_INFO_OUTPUT_MAX];
	uint16_t mask = 0;
	size_t len = 0;
	size_t i;
	int rc;

	if (os == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	rc = sdfu_smp_decode_map(ctx, f, 1);
	if (rc != 0) {
		return rc;
	}
	if (!f[0].found || fmt.len == 0) {
		mask = 1u; /* "s" */
	}
	for (i = 0; f[0].found && i < fmt.len; i++) {
		const char c = (char)fmt.value[i];
		const char *p;

		if (c == 'a') {
			mask = (uint16_t)((1u << (sizeof(info_letters) - 1u)) - 1u);
			continue;
		}
		/* (a loop instead of strchr: no libc string search linked for this) */
		for (p = info_letters; *p != '\0' && *p != c; p++) {
		}
		if (*p == '\0') {
			return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_OS,
						      SDFU_OS_ERR_INVALID_FORMAT);
		}
		mask |= (uint16_t)(1u << (unsigned)(p - info_letters));
	}
	for (i = 0; i < sizeof(info_letters) - 1u; i++) {
		const char *s;
		size_t sl;

		if ((mask & (1u << i)) == 0u) {
			continue;
		}
		s = info_field(&os->info, (unsigned)i);
		sl = strlen(s);
		if (len + sl + (len != 0u ? 1u : 0u) > sizeof(out)) {
			return SDFU_ERR_MSGSIZE;
		}
		if (len != 0u) {
			out[len++] = ' ';
		}
		memcpy(&out[len], s, sl);
		len += sl;
	}
	if (!zcbor_tstr_put_lit(ctx->zse, "output") ||
	    !zcbor_tstr_encode_ptr(ctx->zse, out, len)) {
		return SDFU_ERR_MSGSIZE;
	}
	return SDFU_OK;
}
#define OS_INFO_FN os_info
#else
#define OS_INFO_FN NULL /* compiled out: rc 8 */
#endif

/* ---- 0/8 bootloader info -------------------------------------------------------- */
#if SDFU_OS_BOOTLOADER_INFO
static int os_bootloader_info(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_os *os = os_from_ctx(ctx);
	struct zcbor_string query = { 0 };
	struct sdfu_cbor_field f[] = {
		{ .key = "query", .type = SDFU_CBOR_TSTR, .out = &query },
	};
	int rc;
	bool ok;

	if (os == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	rc = sdfu_smp_decode_map(ctx, f, 1);
	if (rc != 0) {
		return rc;
	}
	if (!f[0].found) {
		ok = zcbor_tstr_put_lit(ctx->zse, "bootloader") &&
		     zcbor_tstr_put_lit(ctx->zse, "MCUboot");
		return ok ? SDFU_OK : SDFU_ERR_MSGSIZE;
	}
	if (query.len == 4u && memcmp(query.value, "mode", 4) == 0) {
		int32_t mode = (os->boot != NULL) ? (int32_t)os->boot->mode : -1;

		ok = zcbor_tstr_put_lit(ctx->zse, "mode") && zcbor_int32_put(ctx->zse, mode);
		if (ok && os->boot != NULL && os->boot->downgrade_prevention) {
			ok = zcbor_tstr_put_lit(ctx->zse, "no-downgrade") &&
			     zcbor_bool_put(ctx->zse, true);
		}
		return ok ? SDFU_OK : SDFU_ERR_MSGSIZE;
	}
	return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_OS, SDFU_OS_ERR_QUERY_YIELDS_NO_ANSWER);
}
#define OS_BOOTLOADER_INFO_FN os_bootloader_info
#else
#define OS_BOOTLOADER_INFO_FN NULL /* compiled out: rc 8 */
#endif

/* ---- registration ------------------------------------------------------------------ */
static const struct sdfu_smp_handler os_handlers[] = {
	[SDFU_OS_ID_ECHO] = { .read = OS_ECHO_FN, .write = OS_ECHO_FN },
	[SDFU_OS_ID_RESET] = { .read = NULL, .write = os_reset },
#if SDFU_OS_PARAMS || SDFU_OS_INFO || SDFU_OS_BOOTLOADER_INFO
	[SDFU_OS_ID_PARAMS] = { .read = OS_PARAMS_FN, .write = NULL },
#endif
#if SDFU_OS_INFO || SDFU_OS_BOOTLOADER_INFO
	[SDFU_OS_ID_INFO] = { .read = OS_INFO_FN, .write = NULL },
#endif
#if SDFU_OS_BOOTLOADER_INFO
	[SDFU_OS_ID_BOOTLOADER_INFO] = { .read = OS_BOOTLOADER_INFO_FN, .write = NULL },
#endif
};

/* Legacy rc per group error 0..4; anything else (1, 5, 6, unknown) is EUNKNOWN. */
static const uint8_t os_v1_rc[] = {
	[SDFU_OS_ERR_OK] = SDFU_MGMT_EOK,
	[SDFU_OS_ERR_UNKNOWN] = SDFU_MGMT_EUNKNOWN,
	[SDFU_OS_ERR_INVALID_FORMAT] = SDFU_MGMT_EINVAL,
	[SDFU_OS_ERR_QUERY_YIELDS_NO_ANSWER] = SDFU_MGMT_ENOENT,
	[SDFU_OS_ERR_RTC_NOT_SET] = SDFU_MGMT_ENOENT,
};

int sdfu_os_translate(uint16_t group_rc)
{
	return group_rc < sizeof(os_v1_rc) ? os_v1_rc[group_rc] : SDFU_MGMT_EUNKNOWN;
}

int sdfu_os_init(struct sdfu_os *os, struct sdfu_smp_server *srv, struct sdfu_timer_list *timers,
		 const struct sdfu_boot_ctx *boot, const struct sdfu_os_info *info)
{
	if (os == NULL || srv == NULL || timers == NULL) {
		return SDFU_ERR_INVAL;
	}
	memset(os, 0, sizeof(*os));
	os->srv = srv;
	os->timers = timers;
	os->boot = boot;
#if SDFU_OS_INFO
	if (info != NULL) {
		os->info = *info;
	}
	if (os->info.kernel_name == NULL) {
		os->info.kernel_name = SDFU_OS_INFO_KERNEL;
	}
	if (os->info.os == NULL) {
		os->info.os = SDFU_OS_INFO_KERNEL;
	}
	if (os->info.machine == NULL) {
		os->info.machine = SDFU_OS_INFO_MACHINE;
	}
#endif
	os->reset_delay_ms = SDFU_OS_RESET_DELAY_MS;
	sdfu_timer_init(&os->reset_timer, os_reset_fire, os);
	os->grp.handlers = os_handlers;
	os->grp.handler_count = (uint8_t)(sizeof(os_handlers) / sizeof(os_handlers[0]));
	os->grp.group_id = SDFU_SMP_GROUP_OS;
	os->grp.translate = sdfu_os_translate;
	os->grp.ctx = os;
	return sdfu_smp_register_group(srv, &os->grp);
}
