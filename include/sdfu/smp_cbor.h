/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR helpers on zcbor for SMP handlers: bulk decode of a request map. */
#ifndef SDFU_SMP_CBOR_H
#define SDFU_SMP_CBOR_H

#include <stdbool.h>
#include <stddef.h>

#include "sdfu/smp_server.h"

/* ---- CBOR helpers on zcbor (used by handlers) -------------------------- */
/** Types a bulk map decode can fill. */
enum sdfu_cbor_type {
	SDFU_CBOR_UINT32,   /**< uint32_t */
	SDFU_CBOR_UINT64,   /**< uint64_t */
	SDFU_CBOR_INT64,    /**< int64_t */
	SDFU_CBOR_BOOL,     /**< bool */
	SDFU_CBOR_BOOL_OR_UINT, /**< bool; an unsigned int is taken as != 0 (reset "force") */
	SDFU_CBOR_TSTR,     /**< struct zcbor_string */
	SDFU_CBOR_BSTR,     /**< struct zcbor_string */
	SDFU_CBOR_BSTR_OR_NULL, /**< struct zcbor_string; CBOR null gives len 0 */
};

/** One expected key of a request map. */
struct sdfu_cbor_field {
	const char *key;
	enum sdfu_cbor_type type;
	void *out;
	bool found; /**< set by the decoder */
};

/**
 * Decode the remaining entries of the request map at ctx->zsd into `fields`:
 * unknown keys are skipped, keys may come in any order, a known key with a wrong
 * type or present twice fails the request. Returns 0 or SDFU_ERR_INVAL.
 * Every `found` is reset first and set for the keys present. Unsigned values
 * are accepted in any encoded width. Call it once per request (it consumes the
 * map). Returning its error from the handler gives {"rc": 3}.
 */
int sdfu_smp_decode_map(struct sdfu_smp_ctx *ctx, struct sdfu_cbor_field *fields, size_t n);

#endif /* SDFU_SMP_CBOR_H */
