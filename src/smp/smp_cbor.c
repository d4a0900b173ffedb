/* SPDX-License-Identifier: Apache-2.0 */
/* Bulk decode of a request map on zcbor: known keys by type, unknown keys skipped, any order. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/smp_cbor.h"

static bool decode_value(zcbor_state_t *zsd, struct sdfu_cbor_field *f)
{
	switch (f->type) {
	case SDFU_CBOR_UINT32: {
		/* Via 64 bits so that an 8-byte encoding of a small value is accepted. */
		uint64_t u;

		if (!zcbor_uint64_decode(zsd, &u) || u > UINT32_MAX) {
			return false;
		}
		*(uint32_t *)f->out = (uint32_t)u;
		return true;
	}
	case SDFU_CBOR_UINT64:
		return zcbor_uint64_decode(zsd, (uint64_t *)f->out);
	case SDFU_CBOR_INT64:
		return zcbor_int64_decode(zsd, (int64_t *)f->out);
	case SDFU_CBOR_BOOL:
		return zcbor_bool_decode(zsd, (bool *)f->out);
	case SDFU_CBOR_BOOL_OR_UINT: {
		uint64_t u;

		if (zcbor_bool_decode(zsd, (bool *)f->out)) {
			return true;
		}
		if (zcbor_uint64_decode(zsd, &u)) {
			*(bool *)f->out = (u != 0u);
			return true;
		}
		return false;
	}
	case SDFU_CBOR_TSTR:
		return zcbor_tstr_decode(zsd, (struct zcbor_string *)f->out);
	case SDFU_CBOR_BSTR:
		return zcbor_bstr_decode(zsd, (struct zcbor_string *)f->out);
	case SDFU_CBOR_BSTR_OR_NULL: {
		struct zcbor_string *s = (struct zcbor_string *)f->out;

		if (zcbor_bstr_decode(zsd, s)) {
			return true;
		}
		if (zcbor_nil_expect(zsd, NULL)) {
			s->value = NULL;
			s->len = 0;
			return true;
		}
		return false;
	}
	default:
		return false;
	}
}

/* NUL-terminated `key` equals the `len` bytes at `v` (no strlen/memcmp pulled in). */
static bool key_eq(const char *key, const uint8_t *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (key[i] == '\0' || (uint8_t)key[i] != v[i]) {
			return false;
		}
	}
	return key[i] == '\0';
}

int sdfu_smp_decode_map(struct sdfu_smp_ctx *ctx, struct sdfu_cbor_field *fields, size_t n)
{
	zcbor_state_t *zsd = ctx->zsd;
	size_t i;

	for (i = 0; i < n; i++) {
		fields[i].found = false;
	}
	while (!zcbor_array_at_end(zsd)) {
		struct zcbor_string key;
		struct sdfu_cbor_field *f = NULL;

		if (!zcbor_tstr_decode(zsd, &key)) {
			/* A non-text key is never one of ours: skip the pair. */
			if (!zcbor_any_skip(zsd, NULL) || !zcbor_any_skip(zsd, NULL)) {
				return SDFU_ERR_INVAL;
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			if (key_eq(fields[i].key, key.value, key.len)) {
				f = &fields[i];
				break;
			}
		}
		if (f == NULL) {
			if (!zcbor_any_skip(zsd, NULL)) {
				return SDFU_ERR_INVAL;
			}
			continue;
		}
		if (f->found || !decode_value(zsd, f)) {
			return SDFU_ERR_INVAL;
		}
		f->found = true;
	}
	return SDFU_OK;
}
