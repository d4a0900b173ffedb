/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/util/base64.c: RFC 4648 section 10 vectors, round trips, bad input, buffer sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sdfu/base64.h"
#include "sdfu/err.h"

/* RFC 4648 section 10 test vectors (BASE64). */
static const struct {
	const char *raw;
	const char *b64;
} rfc_vectors[] = {
	{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
	{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

typedef int (*codec_fn)(uint8_t *dst, size_t dlen, size_t *olen, const uint8_t *src, size_t slen);

/* `fn` turns `in` into exactly `want`, and writes nothing after it (no terminator). */
static void check_codec(codec_fn fn, const char *in, const char *want)
{
	uint8_t out[16];
	size_t olen = 99;

	memset(out, '#', sizeof(out));
	assert_int_equal(fn(out, sizeof(out), &olen, (const uint8_t *)in, strlen(in)), SDFU_OK);
	assert_int_equal(olen, strlen(want));
	if (olen > 0) {
		assert_memory_equal(out, want, olen);
	}
	assert_int_equal(out[olen], '#');
}

static void test_rfc4648_encode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
		check_codec(sdfu_base64_encode, rfc_vectors[i].raw, rfc_vectors[i].b64);
		assert_int_equal(strlen(rfc_vectors[i].b64),
				 SDFU_BASE64_ENC_LEN(strlen(rfc_vectors[i].raw)));
	}
}

static void test_rfc4648_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
		check_codec(sdfu_base64_decode, rfc_vectors[i].b64, rfc_vectors[i].raw);
	}
}

/* Every byte value in every position of a 1-, 2- and 3-byte tail, and a long buffer. */
static void test_round_trip(void **state)
{
	uint8_t raw[300], txt[SDFU_BASE64_ENC_LEN(300)], back[300];
	size_t tlen, olen;

	(void)state;
	for (size_t i = 0; i < sizeof(raw); i++) {
		raw[i] = (uint8_t)(i * 7u + 3u);
	}
	for (size_t n = 0; n <= sizeof(raw); n++) {
		assert_int_equal(sdfu_base64_encode(txt, sizeof(txt), &tlen, raw, n), SDFU_OK);
		assert_int_equal(tlen, SDFU_BASE64_ENC_LEN(n));
		assert_int_equal(sdfu_base64_decode(back, sizeof(back), &olen, txt, tlen), SDFU_OK);
		assert_int_equal(olen, n);
		if (n > 0) {
			assert_memory_equal(back, raw, n);
		}
	}
	for (unsigned v = 0; v < 256u; v++) {
		uint8_t three[3] = {(uint8_t)v, (uint8_t)(255u - v), (uint8_t)(v ^ 0x5Au)};

		for (size_t n = 1; n <= 3u; n++) {
			assert_int_equal(sdfu_base64_encode(txt, sizeof(txt), &tlen, three, n), SDFU_OK);
			assert_int_equal(sdfu_base64_decode(back, sizeof(back), &olen, txt, tlen),
					 SDFU_OK);
			assert_int_equal(olen, n);
			assert_memory_equal(back, three, n);
		}
	}
}

/* Exactly the 64 alphabet characters decode; every other byte value is refused. */
static void test_alphabet(void **state)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	(void)state;
	for (unsigned c = 0; c < 256u; c++) {
		uint8_t in[4] = {'Q', 'U', 'J', (uint8_t)c};
		uint8_t out[3];
		size_t olen = 99;
		const char *pos = (c != 0u) ? strchr(alpha, (int)c) : NULL;
		int rc = sdfu_base64_decode(out, sizeof(out), &olen, in, 4);

		if (pos != NULL) {
			assert_int_equal(rc, SDFU_OK);
			assert_int_equal(olen, 3);
			assert_int_equal(out[2] & 63u, (unsigned)(pos - alpha));
		} else if (c == '=') {
			assert_int_equal(rc, SDFU_OK); /* "QUJ=": padding, 2 bytes "AB" */
			assert_int_equal(olen, 2);
			assert_memory_equal(out, "AB", 2);
		} else {
			assert_int_equal(rc, SDFU_ERR_CORRUPT);
			assert_int_equal(olen, 0);
		}
	}
}

static void test_bad_input(void **state)
{
	static const char *const bad[] = {
		"Z",        "Zg",       "Zg=",      "Zm9vY",    /* not a multiple of 4 */
		"Zg==Zg==", "Zm=v",     "Z===",     "====",     /* padding in the wrong place */
		"=Zm9",     "Zm9v ",    " Zm9",     "Zm9\n",    /* whitespace is not skipped */
		"Zm9v\r\nYmFy", "Zm9-",  "Zm9_",    "Zm9\x80",  /* other alphabets, 8-bit bytes */
		"Zm9vYmF=Zm9v", "Zg=A", "A=A=",
	};
	uint8_t out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t olen = 99;
		int rc = sdfu_base64_decode(out, sizeof(out), &olen, (const uint8_t *)bad[i],
					    strlen(bad[i]));

		if (rc != SDFU_ERR_CORRUPT) {
			fail_msg("\"%s\" gave %d", bad[i], rc);
		}
		assert_int_equal(olen, 0);
	}
	/* a NUL byte inside the text */
	{
		static const uint8_t nul[4] = {'Z', 'm', 0, 'v'};
		size_t olen = 99;

		assert_int_equal(sdfu_base64_decode(out, sizeof(out), &olen, nul, 4), SDFU_ERR_CORRUPT);
	}
}

static void test_buffer_sizes(void **state)
{
	uint8_t out[8];
	size_t olen = 0;

	(void)state;
	/* decode: one byte short is refused with the size needed, nothing written */
	memset(out, '#', sizeof(out));
	assert_int_equal(sdfu_base64_decode(out, 5, &olen, (const uint8_t *)"Zm9vYmFy", 8),
			 SDFU_ERR_MSGSIZE);
	assert_int_equal(olen, 6);
	assert_int_equal(out[0], '#');
	assert_int_equal(sdfu_base64_decode(out, 1, &olen, (const uint8_t *)"Zm8=", 4),
			 SDFU_ERR_MSGSIZE);
	assert_int_equal(olen, 2);
	assert_int_equal(sdfu_base64_decode(out, 2, &olen, (const uint8_t *)"Zm8=", 4), SDFU_OK);
	assert_int_equal(olen, 2);
	/* encode: the whole padded text must fit */
	memset(out, '#', sizeof(out));
	assert_int_equal(sdfu_base64_encode(out, 7, &olen, (const uint8_t *)"fooba", 5),
			 SDFU_ERR_MSGSIZE);
	assert_int_equal(olen, 8);
	assert_int_equal(out[0], '#');
	assert_int_equal(sdfu_base64_encode(out, 8, &olen, (const uint8_t *)"fooba", 5), SDFU_OK);
	assert_memory_equal(out, "Zm9vYmE=", 8);
	/* empty input, NULL source */
	assert_int_equal(sdfu_base64_encode(out, 0, &olen, NULL, 0), SDFU_OK);
	assert_int_equal(olen, 0);
	assert_int_equal(sdfu_base64_decode(out, 0, &olen, NULL, 0), SDFU_OK);
	assert_int_equal(olen, 0);
}

/* The streaming helper decodes whole groups of 4 alphabet characters and stops before any other. */
static void test_decode_groups(void **state)
{
	uint8_t out[12];

	(void)state;
	memset(out, '#', sizeof(out));
	assert_int_equal(sdfu_base64_decode_groups(out, (const uint8_t *)"Zm9vYmFy", 8), 2);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(out[6], '#');
	/* stops at a padded group, a bad character, whitespace; ignores a partial group */
	assert_int_equal(sdfu_base64_decode_groups(out, (const uint8_t *)"Zm9vYg==", 8), 1);
	assert_int_equal(sdfu_base64_decode_groups(out, (const uint8_t *)"Zm9vYm*y", 8), 1);
	assert_int_equal(sdfu_base64_decode_groups(out, (const uint8_t *)"Zm9v\nYmFy", 9), 1);
	assert_int_equal(sdfu_base64_decode_groups(out, (const uint8_t *)"Zm9vYmF", 7), 1);
	assert_int_equal(sdfu_base64_decode_groups(out, (const uint8_t *)"Zm9", 3), 0);
	assert_int_equal(sdfu_base64_decode_groups(out, (const uint8_t *)"", 0), 0);
}

/* One group with or without padding, as the serial line decoder uses it. */
static void test_decode_quad(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} q[] = {
		{"Zm9v", 3, "foo"}, {"Zm8=", 2, "fo"}, {"Zg==", 1, "f"}, {"Zm=v", 0, ""},
		{"Z===", 0, ""},    {"====", 0, ""},  {"=Zm9", 0, ""},   {"Zm9*", 0, ""},
		{"Zm9\n", 0, ""},   {"Zg=\x80", 0, ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		uint8_t out[3];
		size_t n = sdfu_base64_decode_quad(out, (const uint8_t *)q[i].in);

		if (n != q[i].n) {
			fail_msg("\"%s\" gave %zu bytes", q[i].in, n);
		}
		if (n > 0) {
			assert_memory_equal(out, q[i].out, n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_encode), cmocka_unit_test(test_rfc4648_decode),
		cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_alphabet),
		cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_buffer_sizes),
		cmocka_unit_test(test_decode_groups),  cmocka_unit_test(test_decode_quad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
