/* SPDX-License-Identifier: Apache-2.0 */
/* Enumeration management group (10): group count, list, single group by index, details (Zephyr compatible). */
#include "sdfu/enum.h"
#include "sdfu/err.h"

#define ENUM_MAX_INDEX 65535u

static uint32_t group_count(const struct sdfu_smp_server *srv)
{
	uint32_t n = 0;

	for (const struct sdfu_smp_group *g = srv->groups; g != NULL; g = g->next) {
		n++;
	}
	return n;
}

/* ---- 10/0 count ---------------------------------------------------------------- */
static int enum_count(struct sdfu_smp_ctx *ctx)
{
	if (!zcbor_tstr_put_lit(ctx->zse, "count") || !zcbor_uint32_put(ctx->zse, group_count(ctx->srv))) {
		return SDFU_ERR_MSGSIZE;
	}
	return SDFU_OK;
}

/* ---- 10/1 list ----------------------------------------------------------------- */
static int enum_list(struct sdfu_smp_ctx *ctx)
{
	zcbor_state_t *zse = ctx->zse;
	uint32_t n = group_count(ctx->srv);
	bool ok = zcbor_tstr_put_lit(zse, "groups") && zcbor_list_start_encode(zse, n);

	for (const struct sdfu_smp_group *g = ctx->srv->groups; ok && g != NULL; g = g->next) {
		ok = zcbor_uint32_put(zse, g->group_id);
	}
	ok = ok && zcbor_list_end_encode(zse, n);
	return ok ? SDFU_OK : SDFU_ERR_MSGSIZE;
}

/* ---- 10/2 single ---------------------------------------------------------------- */
static int enum_single(struct sdfu_smp_ctx *ctx)
{
	uint32_t index = 0;
	struct sdfu_cbor_field f[] = {
		{ .key = "index", .type = SDFU_CBOR_UINT32, .out = &index },
	};
	const struct sdfu_smp_group *g;
	uint32_t i = 0;
	int rc = sdfu_smp_decode_map(ctx, f, 1);

	if (rc != 0 || index > ENUM_MAX_INDEX) {
		return SDFU_ERR_INVAL;
	}
	for (g = ctx->srv->groups; g != NULL && i < index; g = g->next) {
		i++;
	}
	if (g == NULL) {
		return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_ENUM, SDFU_ENUM_ERR_INDEX_TOO_LARGE);
	}
	if (!zcbor_tstr_put_lit(ctx->zse, "group") || !zcbor_uint32_put(ctx->zse, g->group_id) ||
	    (g->next == NULL && (!zcbor_tstr_put_lit(ctx->zse, "end") || !zcbor_bool_put(ctx->zse, true)))) {
		return SDFU_ERR_MSGSIZE;
	}
	return SDFU_OK;
}

/* ---- 10/3 details ---------------------------------------------------------------- */

/* The optional filter: "groups": [uint, ...]. */
struct enum_filter {
	uint32_t ids[SDFU_ENUM_DETAILS_MAX_FILTER];
	uint32_t count; /**< entries in the request (may exceed the capacity) */
};

static bool key_is(const struct zcbor_string *k, const char *lit)
{
	size_t i;

	for (i = 0; i < k->len; i++) {
		if (lit[i] == '\0' || (uint8_t)lit[i] != k->value[i]) {
			return false;
		}
	}
	return lit[i] == '\0';
}

/* 0, or SDFU_ERR_INVAL for a malformed request. */
static int decode_filter(zcbor_state_t *zsd, struct enum_filter *flt)
{
	bool seen = false;

	flt->count = 0;
	while (!zcbor_array_at_end(zsd)) {
		struct zcbor_string key;

		if (!zcbor_tstr_decode(zsd, &key) || !key_is(&key, "groups")) {
			/* another key (or a non-text one): skip its value */
			if (!zcbor_any_skip(zsd, NULL)) {
				return SDFU_ERR_INVAL;
			}
			continue;
		}
		if (seen || !zcbor_list_start_decode(zsd)) {
			return SDFU_ERR_INVAL;
		}
		seen = true;
		while (!zcbor_array_at_end(zsd)) {
			uint64_t id;

			if (!zcbor_uint64_decode(zsd, &id)) {
				return SDFU_ERR_INVAL;
			}
			if (flt->count < SDFU_ENUM_DETAILS_MAX_FILTER) {
				flt->ids[flt->count] = id > UINT32_MAX ? UINT32_MAX : (uint32_t)id;
			}
			flt->count++;
		}
		if (!zcbor_list_end_decode(zsd)) {
			return SDFU_ERR_INVAL;
		}
	}
	return SDFU_OK;
}

static bool in_filter(const struct enum_filter *flt, uint16_t id)
{
	if (flt->count == 0) {
		return true;
	}
	for (uint32_t i = 0; i < flt->count; i++) {
		if (flt->ids[i] == id) {
			return true;
		}
	}
	return false;
}

static const char *group_name(const struct sdfu_enum *en, uint16_t id, size_t *len)
{
	const char *name = "";

	for (size_t i = 0; en != NULL && en->names != NULL && i < en->name_count; i++) {
		if (en->names[i].group_id == id && en->names[i].name != NULL) {
			name = en->names[i].name;
			break;
		}
	}
	for (*len = 0; name[*len] != '\0'; (*len)++) {
	}
	return name;
}

static int enum_details(struct sdfu_smp_ctx *ctx)
{
	const struct sdfu_enum *en = ctx->grp != NULL ? ctx->grp->ctx : NULL;
	zcbor_state_t *zse = ctx->zse;
	struct enum_filter flt;
	uint32_t n = group_count(ctx->srv);
	bool ok;
	int rc = decode_filter(ctx->zsd, &flt);

	if (rc != 0) {
		return rc;
	}
	if (flt.count > SDFU_ENUM_DETAILS_MAX_FILTER) {
		return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_ENUM, SDFU_ENUM_ERR_TOO_MANY_GROUP_ENTRIES);
	}
	ok = zcbor_tstr_put_lit(zse, "groups") && zcbor_list_start_encode(zse, n);
	for (const struct sdfu_smp_group *g = ctx->srv->groups; ok && g != NULL; g = g->next) {
		size_t len;
		const char *name;

		if (!in_filter(&flt, g->group_id)) {
			continue;
		}
		name = group_name(en, g->group_id, &len);
		ok = zcbor_map_start_encode(zse, 3) && zcbor_tstr_put_lit(zse, "group") &&
		     zcbor_uint32_put(zse, g->group_id) && zcbor_tstr_put_lit(zse, "name") &&
		     zcbor_tstr_encode_ptr(zse, name, len) && zcbor_tstr_put_lit(zse, "handlers") &&
		     zcbor_uint32_put(zse, g->handler_count) && zcbor_map_end_encode(zse, 3);
	}
	ok = ok && zcbor_list_end_encode(zse, n);
	return ok ? SDFU_OK : SDFU_ERR_MSGSIZE;
}

/* ---- registration ------------------------------------------------------------------- */

static const struct sdfu_smp_handler enum_handlers[] = {
	[SDFU_ENUM_CMD_COUNT] = { enum_count, NULL },
	[SDFU_ENUM_CMD_LIST] = { enum_list, NULL },
	[SDFU_ENUM_CMD_SINGLE] = { enum_single, NULL },
	[SDFU_ENUM_CMD_DETAILS] = { enum_details, NULL },
};

int sdfu_enum_translate(uint16_t group_rc)
{
	return group_rc == SDFU_ENUM_ERR_TOO_MANY_GROUP_ENTRIES ? SDFU_MGMT_EINVAL : SDFU_MGMT_EUNKNOWN;
}

int sdfu_enum_init(struct sdfu_enum *en, struct sdfu_smp_server *srv, const struct sdfu_enum_name *names,
		   size_t name_count)
{
	if (en == NULL || srv == NULL) {
		return SDFU_ERR_INVAL;
	}
	en->names = names;
	en->name_count = names != NULL ? name_count : 0u;
	en->grp.next = NULL;
	en->grp.handlers = enum_handlers;
	en->grp.handler_count = (uint8_t)(sizeof(enum_handlers) / sizeof(enum_handlers[0]));
	en->grp.group_id = SDFU_SMP_GROUP_ENUM;
	en->grp.translate = sdfu_enum_translate;
	en->grp.ctx = en;
	return sdfu_smp_register_group(srv, &en->grp);
}
