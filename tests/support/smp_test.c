/* SPDX-License-Identifier: Apache-2.0 */
/* Shared SMP test helper: build request frames, run them through the server, read the responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <zcbor_decode.h>
#include <zcbor_encode.h>

#include "smp_test.h"

#include "fake_port.h"

const struct sdfu_smp_transport smp_test_transport = {
	.name = "test",
	.flags = 0,
	.mtu = 0,
};

/* ---- building ------------------------------------------------------------ */
static bool encode_value(zcbor_state_t *zse, const struct smp_test_kv *kv)
{
	switch (kv->type) {
	case SMP_T_UINT:
		return zcbor_uint64_put(zse, kv->v.u);
	case SMP_T_INT:
		return zcbor_int64_put(zse, kv->v.i);
	case SMP_T_BOOL:
		return zcbor_bool_put(zse, kv->v.b);
	case SMP_T_TSTR:
		return zcbor_tstr_encode_ptr(zse, kv->v.s, strlen(kv->v.s));
	case SMP_T_BSTR:
		return zcbor_bstr_encode_ptr(zse, (const char *)kv->v.bs.p, kv->v.bs.len);
	case SMP_T_NULL:
		return zcbor_nil_put(zse, NULL);
	case SMP_T_RAW:
		if ((size_t)(zse->payload_end - zse->payload) < kv->v.bs.len) {
			return false;
		}
		memcpy(zse->payload_mut, kv->v.bs.p, kv->v.bs.len);
		zse->payload_mut += kv->v.bs.len;
		return true;
	}
	return false;
}

size_t smp_test_build(uint8_t *out, size_t cap, const struct smp_test_req_hdr *hdr,
		      const struct smp_test_kv *kv, size_t n, unsigned flags)
{
	struct sdfu_smp_hdr h = {
		.op = hdr->op, .ver = hdr->ver, .flags = 0, .len = 0,
		.group = hdr->group, .seq = hdr->seq, .id = hdr->id,
	};
	size_t plen = 0;

	assert_true(cap >= SDFU_SMP_HDR_SIZE);
	if ((flags & SMP_TEST_F_NO_MAP) != 0) {
		assert_int_equal(n, 0);
	} else {
		uint8_t *p = out + SDFU_SMP_HDR_SIZE;
		size_t room = cap - SDFU_SMP_HDR_SIZE;
		size_t hl = 0;

		if ((flags & SMP_TEST_F_INDEF) == 0) {
			/* Definite map header (major type 5); zcbor's non-canonical
			 * encoder only emits indefinite maps, clients send definite ones. */
			assert_true(n < 256);
			assert_true(room >= 2);
			if (n < 24) {
				p[0] = (uint8_t)(0xA0u | n);
				hl = 1;
			} else {
				p[0] = 0xB8u;
				p[1] = (uint8_t)n;
				hl = 2;
			}
		}
		ZCBOR_STATE_E(zse, 2, p + hl, room - hl, 0);
		bool ok = true;

		if ((flags & SMP_TEST_F_INDEF) != 0) {
			ok = zcbor_map_start_encode(zse, n);
		}
		for (size_t i = 0; ok && i < n; i++) {
			ok = zcbor_tstr_encode_ptr(zse, kv[i].key, strlen(kv[i].key)) &&
			     encode_value(zse, &kv[i]);
		}
		if (ok && (flags & SMP_TEST_F_INDEF) != 0) {
			ok = zcbor_map_end_encode(zse, n);
		}
		assert_true(ok);
		plen = (size_t)(zse->payload - p);
	}
	assert_true(plen <= 0xFFFFu);
	h.len = (uint16_t)plen;
	sdfu_smp_hdr_encode(&h, out);
	return SDFU_SMP_HDR_SIZE + plen;
}

/* ---- capture ------------------------------------------------------------- */
void smp_test_cap_clear(struct smp_test_cap *cap)
{
	cap->count = 0;
	cap->calls = 0;
	cap->tx_ret = 0;
}

void smp_test_server_with(struct sdfu_smp_server *srv, struct sdfu_smp_group *grp)
{
	fake_port_reset_state();
	sdfu_smp_server_init(srv);
	grp->next = NULL;
	assert_int_equal(sdfu_smp_register_group(srv, grp), 0);
}

int smp_test_tx(void *tx_ctx, const uint8_t *frame, size_t len)
{
	struct smp_test_cap *cap = tx_ctx;
	struct smp_rsp *r;

	cap->calls++;
	if (cap->count >= SMP_TEST_MAX_RSP) {
		return cap->tx_ret;
	}
	r = &cap->rsp[cap->count++];
	assert_true(len <= sizeof(r->frame));
	memcpy(r->frame, frame, len);
	r->len = len;
	memset(&r->hdr, 0, sizeof(r->hdr));
	r->payload = r->frame + SDFU_SMP_HDR_SIZE;
	r->payload_len = 0;
	r->map_ok = false;
	if (len >= SDFU_SMP_HDR_SIZE) {
		sdfu_smp_hdr_decode(r->frame, &r->hdr);
		r->payload_len = len - SDFU_SMP_HDR_SIZE;
		r->map_ok = smp_map_valid(r->payload, r->payload_len);
	}
	return cap->tx_ret;
}

int smp_test_run_tr(struct sdfu_smp_server *srv, const struct sdfu_smp_transport *tr,
		    const uint8_t *buf, size_t len, struct smp_test_cap *cap)
{
	int ret = cap->tx_ret;

	smp_test_cap_clear(cap);
	cap->tx_ret = ret;
	return sdfu_smp_process(srv, tr != NULL ? tr : &smp_test_transport, buf, len,
				smp_test_tx, cap);
}

int smp_test_run(struct sdfu_smp_server *srv, const uint8_t *buf, size_t len,
		 struct smp_test_cap *cap)
{
	return smp_test_run_tr(srv, NULL, buf, len, cap);
}

static struct smp_test_cap last_cap;
static uint8_t req_buf[SDFU_SMP_BUF_SIZE * 2 + 64];
static uint8_t next_seq = 0x10;

struct smp_test_cap *smp_test_last_cap(void)
{
	return &last_cap;
}

const struct smp_rsp *smp_test_req_tr(struct sdfu_smp_server *srv,
				      const struct sdfu_smp_transport *tr, uint8_t op,
				      uint8_t ver, uint16_t group, uint8_t id,
				      const struct smp_test_kv *kv, size_t n)
{
	struct smp_test_req_hdr h = {
		.op = op, .ver = ver, .group = group, .id = id, .seq = next_seq++,
	};
	size_t len = smp_test_build(req_buf, sizeof(req_buf), &h, kv, n, 0);
	const struct smp_rsp *r;
	int ret;

	last_cap.tx_ret = 0;
	ret = smp_test_run_tr(srv, tr, req_buf, len, &last_cap);
	assert_int_equal(ret, 1);
	assert_int_equal(last_cap.count, 1);
	r = &last_cap.rsp[0];
	assert_true(r->len >= SDFU_SMP_HDR_SIZE);
	assert_int_equal(r->hdr.op, (op == SDFU_SMP_OP_READ) ? SDFU_SMP_OP_READ_RSP
							    : SDFU_SMP_OP_WRITE_RSP);
	assert_int_equal(r->hdr.ver, ver > 1 ? 1 : ver);
	assert_int_equal(r->hdr.flags, 0);
	assert_int_equal(r->hdr.group, group);
	assert_int_equal(r->hdr.id, id);
	assert_int_equal(r->hdr.seq, h.seq);
	assert_int_equal(r->hdr.len, r->payload_len);
	assert_true(r->map_ok);
	return r;
}

const struct smp_rsp *smp_test_req(struct sdfu_smp_server *srv, uint8_t op, uint8_t ver,
				   uint16_t group, uint8_t id, const struct smp_test_kv *kv,
				   size_t n)
{
	return smp_test_req_tr(srv, NULL, op, ver, group, id, kv, n);
}

/* ---- map parsing ----------------------------------------------------------- */
#define MAX_KEYS 64

/*
 * Walk a map. When `key` is not NULL, stop at it and return the value slice.
 * Returns the number of entries (walk to the end) or -1 on malformed input;
 * with a key: 1 found, 0 not found, -1 malformed.
 */
static int map_walk(const uint8_t *map, size_t len, const char *key, const uint8_t **vp,
		    size_t *vlen, bool check_unique)
{
	struct zcbor_string keys[MAX_KEYS];
	int count = 0;

	if (map == NULL || len == 0) {
		return -1;
	}
	ZCBOR_STATE_D(zsd, 4, map, len, 1, 0);
	if (!zcbor_map_start_decode(zsd)) {
		return -1;
	}
	while (!zcbor_array_at_end(zsd)) {
		struct zcbor_string k;
		const uint8_t *vs;

		if (!zcbor_tstr_decode(zsd, &k)) {
			return -1;
		}
		vs = zsd->payload;
		if (!zcbor_any_skip(zsd, NULL)) {
			return -1;
		}
		if (key != NULL && k.len == strlen(key) && memcmp(k.value, key, k.len) == 0) {
			*vp = vs;
			*vlen = (size_t)(zsd->payload - vs);
			return 1;
		}
		if (check_unique) {
			if (count >= MAX_KEYS) {
				return -1;
			}
			for (int i = 0; i < count; i++) {
				if (keys[i].len == k.len && memcmp(keys[i].value, k.value, k.len) == 0) {
					return -1;
				}
			}
			keys[count] = k;
		}
		count++;
	}
	if (!zcbor_map_end_decode(zsd)) {
		return -1;
	}
	if (key != NULL) {
		return 0;
	}
	if (zsd->payload != map + len) {
		return -1; /* trailing bytes */
	}
	return count;
}

bool smp_map_valid(const uint8_t *map, size_t len)
{
	return map_walk(map, len, NULL, NULL, NULL, true) >= 0;
}

int smp_map_count(const uint8_t *map, size_t len)
{
	return map_walk(map, len, NULL, NULL, NULL, true);
}

bool smp_map_get_raw(const uint8_t *map, size_t len, const char *key, const uint8_t **p,
		     size_t *vlen)
{
	return map_walk(map, len, key, p, vlen, false) == 1;
}

bool smp_map_has(const uint8_t *map, size_t len, const char *key)
{
	const uint8_t *p;
	size_t l;

	return smp_map_get_raw(map, len, key, &p, &l);
}

/* smp_map_get_<name>: the value of `key` in a map, decoded by zcbor_<dec>_decode;
 * smp_rsp_get_<name>: the same in a response's payload. */
#define SMP_GETTERS(name, type, dec)                                                               \
	bool smp_map_get_##name(const uint8_t *map, size_t len, const char *key, type *v)          \
	{                                                                                          \
		const uint8_t *p;                                                                  \
		size_t l;                                                                          \
                                                                                                   \
		if (!smp_map_get_raw(map, len, key, &p, &l)) {                                     \
			return false;                                                              \
		}                                                                                  \
		ZCBOR_STATE_D(z, 1, p, l, 1, 0);                                                   \
		return zcbor_##dec##_decode(z, v);                                                 \
	}                                                                                          \
	bool smp_rsp_get_##name(const struct smp_rsp *rsp, const char *key, type *v)               \
	{                                                                                          \
		return smp_map_get_##name(rsp->payload, rsp->payload_len, key, v);                  \
	}

SMP_GETTERS(uint, uint64_t, uint64)
SMP_GETTERS(int, int64_t, int64)
SMP_GETTERS(bool, bool, bool)
SMP_GETTERS(tstr, struct zcbor_string, tstr)
SMP_GETTERS(bstr, struct zcbor_string, bstr)

/* ---- response wrappers ----------------------------------------------------- */
bool smp_rsp_has(const struct smp_rsp *rsp, const char *key)
{
	return smp_map_has(rsp->payload, rsp->payload_len, key);
}

int smp_rsp_count(const struct smp_rsp *rsp)
{
	return smp_map_count(rsp->payload, rsp->payload_len);
}

bool smp_rsp_tstr_eq(const struct smp_rsp *rsp, const char *key, const char *expect)
{
	struct zcbor_string s;

	return smp_rsp_get_tstr(rsp, key, &s) && s.len == strlen(expect) &&
	       memcmp(s.value, expect, s.len) == 0;
}

bool smp_rsp_get_raw(const struct smp_rsp *rsp, const char *key, const uint8_t **p, size_t *len)
{
	return smp_map_get_raw(rsp->payload, rsp->payload_len, key, p, len);
}

bool smp_rsp_rc(const struct smp_rsp *rsp, int64_t *rc)
{
	uint64_t v;

	if (!smp_rsp_get_uint(rsp, "rc", &v)) {
		return false;
	}
	*rc = (int64_t)v;
	return true;
}

bool smp_rsp_err(const struct smp_rsp *rsp, uint16_t *group, uint16_t *rc)
{
	const uint8_t *p;
	size_t l;
	uint64_t g, r;

	if (!smp_rsp_get_raw(rsp, "err", &p, &l)) {
		return false;
	}
	if (!smp_map_get_uint(p, l, "group", &g) || !smp_map_get_uint(p, l, "rc", &r)) {
		return false;
	}
	*group = (uint16_t)g;
	*rc = (uint16_t)r;
	return true;
}

int64_t smp_rsp_any_rc(const struct smp_rsp *rsp)
{
	int64_t rc = 0;
	uint16_t g = 0, grc = 0;

	if (smp_rsp_rc(rsp, &rc)) {
		return rc;
	}
	if (smp_rsp_err(rsp, &g, &grc)) {
		return SMP_RSP_GROUP_RC + grc;
	}
	return 0;
}

/* ---- arrays ------------------------------------------------------------------ */
int smp_array_len(const uint8_t *arr, size_t len)
{
	int n = 0;

	if (arr == NULL || len == 0) {
		return -1;
	}
	ZCBOR_STATE_D(zsd, 4, arr, len, 1, 0);
	if (!zcbor_list_start_decode(zsd)) {
		return -1;
	}
	while (!zcbor_array_at_end(zsd)) {
		if (!zcbor_any_skip(zsd, NULL)) {
			return -1;
		}
		n++;
	}
	if (!zcbor_list_end_decode(zsd)) {
		return -1;
	}
	return n;
}

bool smp_array_get(const uint8_t *arr, size_t len, size_t idx, const uint8_t **p, size_t *elen)
{
	size_t i = 0;

	if (arr == NULL || len == 0) {
		return false;
	}
	ZCBOR_STATE_D(zsd, 4, arr, len, 1, 0);
	if (!zcbor_list_start_decode(zsd)) {
		return false;
	}
	while (!zcbor_array_at_end(zsd)) {
		const uint8_t *s = zsd->payload;

		if (!zcbor_any_skip(zsd, NULL)) {
			return false;
		}
		if (i == idx) {
			*p = s;
			*elen = (size_t)(zsd->payload - s);
			return true;
		}
		i++;
	}
	return false;
}
