/* SPDX-License-Identifier: Apache-2.0 */
/* Shared SMP test helper: build request frames, run them through the server, read the responses. */
#ifndef SDFU_SMP_TEST_H
#define SDFU_SMP_TEST_H

/*
 * Typical use in a cmocka test:
 *
 *   struct sdfu_smp_server srv;
 *   sdfu_smp_server_init(&srv);
 *   ... register your group ...
 *
 *   const struct smp_test_kv req[] = {
 *       SMP_KV_UINT("off", 0),
 *       SMP_KV_BSTR("data", chunk, sizeof(chunk)),
 *       SMP_KV_BOOL("upgrade", false),
 *   };
 *   const struct smp_rsp *rsp = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2,
 *                                            1, 1, req, SMP_KV_N(req));
 *   uint64_t off;
 *   assert_true(smp_rsp_get_uint(rsp, "off", &off));
 *   assert_false(smp_rsp_has(rsp, "rc"));
 *
 * smp_test_req() asserts (cmocka) that exactly one response came back, that its
 * header echoes the request (op + 1, version, group, id, sequence, flags 0,
 * length = payload) and that its payload is one well-formed CBOR map with text
 * keys that appear once. The returned pointer refers to static storage that the
 * next smp_test_req()/smp_test_run() overwrites.
 *
 * For raw/multi-frame cases: build frames with smp_test_build() (or write bytes
 * yourself), then smp_test_run() and look at cap->rsp[0..cap->count-1].
 *
 * Value accessors work on any CBOR map given as bytes (smp_map_*), so nested
 * maps (e.g. one entry of img "images") can be read the same way: fetch the raw
 * value with smp_rsp_get_raw()/smp_array_get() and call smp_map_get_*() on it.
 * All getters return false when the key is absent or has another CBOR type.
 * Maps and arrays may be definite or indefinite (the server emits indefinite).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/smp.h"

/* ---- request description ------------------------------------------------ */
enum smp_test_type {
	SMP_T_UINT,  /**< v.u */
	SMP_T_INT,   /**< v.i (negative values encode as CBOR nint) */
	SMP_T_BOOL,  /**< v.b */
	SMP_T_TSTR,  /**< v.s (NUL-terminated) */
	SMP_T_BSTR,  /**< v.bs.p / v.bs.len */
	SMP_T_NULL,  /**< CBOR null */
	SMP_T_RAW,   /**< v.bs: already encoded CBOR value bytes, copied verbatim */
};

struct smp_test_kv {
	const char *key;
	enum smp_test_type type;
	union {
		uint64_t u;
		int64_t i;
		bool b;
		const char *s;
		struct {
			const uint8_t *p;
			size_t len;
		} bs;
	} v;
};

#define SMP_KV_UINT(k, x) { .key = (k), .type = SMP_T_UINT, .v.u = (x) }
#define SMP_KV_INT(k, x) { .key = (k), .type = SMP_T_INT, .v.i = (x) }
#define SMP_KV_BOOL(k, x) { .key = (k), .type = SMP_T_BOOL, .v.b = (x) }
#define SMP_KV_TSTR(k, x) { .key = (k), .type = SMP_T_TSTR, .v.s = (x) }
#define SMP_KV_BSTR(k, ptr, n) { .key = (k), .type = SMP_T_BSTR, .v.bs = { (ptr), (n) } }
#define SMP_KV_NULL(k) { .key = (k), .type = SMP_T_NULL }
#define SMP_KV_RAW(k, ptr, n) { .key = (k), .type = SMP_T_RAW, .v.bs = { (ptr), (n) } }
#define SMP_KV_N(arr) (sizeof(arr) / sizeof((arr)[0]))

/** Flags for smp_test_build(). */
#define SMP_TEST_F_INDEF 0x01u  /**< indefinite-length map (BF .. FF) instead of definite */
#define SMP_TEST_F_NO_MAP 0x02u /**< payload length 0 (kv must be empty) */

/** Header fields of a request to build. */
struct smp_test_req_hdr {
	uint8_t op;
	uint8_t ver;
	uint16_t group;
	uint8_t id;
	uint8_t seq;
};

/**
 * Encode header + map into `out` (capacity `cap`). The header length field is
 * set to the payload length. Returns the frame length; fails the test (cmocka)
 * if it does not fit.
 */
size_t smp_test_build(uint8_t *out, size_t cap, const struct smp_test_req_hdr *hdr,
		      const struct smp_test_kv *kv, size_t n, unsigned flags);

/* ---- response capture ---------------------------------------------------- */
#ifndef SMP_TEST_MAX_RSP
#define SMP_TEST_MAX_RSP 8
#endif
#define SMP_TEST_FRAME_MAX (SDFU_SMP_BUF_SIZE + 64)

/** One captured response frame. */
struct smp_rsp {
	uint8_t frame[SMP_TEST_FRAME_MAX];
	size_t len;                 /**< whole frame */
	struct sdfu_smp_hdr hdr;    /**< decoded header */
	const uint8_t *payload;     /**< = frame + 8 */
	size_t payload_len;         /**< len - 8 */
	bool map_ok;                /**< payload is exactly one well-formed map, unique tstr keys */
};

/** Capture of every response produced by one sdfu_smp_process() call. */
struct smp_test_cap {
	unsigned count;                   /**< frames captured (at most SMP_TEST_MAX_RSP kept) */
	unsigned calls;                   /**< tx calls (including ones beyond the limit) */
	int tx_ret;                       /**< what the tx function returns (default 0) */
	struct smp_rsp rsp[SMP_TEST_MAX_RSP];
};

/** A transport identity for tests: name "test", no flags, mtu 0. */
extern const struct sdfu_smp_transport smp_test_transport;

/** The capturing tx function (tx_ctx = struct smp_test_cap *). */
int smp_test_tx(void *tx_ctx, const uint8_t *frame, size_t len);

/** Clear a capture (count = 0, tx_ret = 0). */
void smp_test_cap_clear(struct smp_test_cap *cap);

/** A fresh server with one group: the fake port reset, `srv` initialised, `grp` registered. */
void smp_test_server_with(struct sdfu_smp_server *srv, struct sdfu_smp_group *grp);

/**
 * Clear `cap`, run `buf` through sdfu_smp_process() with smp_test_transport (or
 * `tr` when not NULL) and capture the responses. Returns what
 * sdfu_smp_process() returned.
 */
int smp_test_run_tr(struct sdfu_smp_server *srv, const struct sdfu_smp_transport *tr,
		    const uint8_t *buf, size_t len, struct smp_test_cap *cap);
int smp_test_run(struct sdfu_smp_server *srv, const uint8_t *buf, size_t len,
		 struct smp_test_cap *cap);

/**
 * Build one request (automatic sequence number), run it, check the response
 * header echoes it and the payload is a valid map (cmocka asserts), and return
 * the response (static storage). smp_test_last_cap() gives the full capture.
 */
const struct smp_rsp *smp_test_req(struct sdfu_smp_server *srv, uint8_t op, uint8_t ver,
				   uint16_t group, uint8_t id, const struct smp_test_kv *kv,
				   size_t n);
/** Same with an explicit transport. */
const struct smp_rsp *smp_test_req_tr(struct sdfu_smp_server *srv,
				      const struct sdfu_smp_transport *tr, uint8_t op,
				      uint8_t ver, uint16_t group, uint8_t id,
				      const struct smp_test_kv *kv, size_t n);
/** The capture used by smp_test_req(). */
struct smp_test_cap *smp_test_last_cap(void);

/* ---- response accessors (top-level map of a response) --------------------- */
bool smp_rsp_has(const struct smp_rsp *rsp, const char *key);
/** Number of top-level entries, or -1 if the payload is not a valid map. */
int smp_rsp_count(const struct smp_rsp *rsp);
bool smp_rsp_get_uint(const struct smp_rsp *rsp, const char *key, uint64_t *v);
bool smp_rsp_get_int(const struct smp_rsp *rsp, const char *key, int64_t *v);
bool smp_rsp_get_bool(const struct smp_rsp *rsp, const char *key, bool *v);
/** Text string; `v` points into the response frame. */
bool smp_rsp_get_tstr(const struct smp_rsp *rsp, const char *key, struct zcbor_string *v);
/** True when `key` is a text string equal to `expect`. */
bool smp_rsp_tstr_eq(const struct smp_rsp *rsp, const char *key, const char *expect);
bool smp_rsp_get_bstr(const struct smp_rsp *rsp, const char *key, struct zcbor_string *v);
/** Raw CBOR bytes of the value of `key` (any type). */
bool smp_rsp_get_raw(const struct smp_rsp *rsp, const char *key, const uint8_t **p, size_t *len);
/** SMP-level error: true when the map holds "rc" (uint); *rc gets it. */
bool smp_rsp_rc(const struct smp_rsp *rsp, int64_t *rc);
/** Group error: true when the map holds "err": {"group": g, "rc": r}. */
bool smp_rsp_err(const struct smp_rsp *rsp, uint16_t *group, uint16_t *rc);
/** Either error as one number: the SMP "rc", SMP_RSP_GROUP_RC + the group rc, or 0 (none). */
#define SMP_RSP_GROUP_RC 1000
int64_t smp_rsp_any_rc(const struct smp_rsp *rsp);

/* ---- the same on any CBOR map given as bytes ------------------------------ */
bool smp_map_valid(const uint8_t *map, size_t len);
int smp_map_count(const uint8_t *map, size_t len);
bool smp_map_has(const uint8_t *map, size_t len, const char *key);
bool smp_map_get_uint(const uint8_t *map, size_t len, const char *key, uint64_t *v);
bool smp_map_get_int(const uint8_t *map, size_t len, const char *key, int64_t *v);
bool smp_map_get_bool(const uint8_t *map, size_t len, const char *key, bool *v);
bool smp_map_get_tstr(const uint8_t *map, size_t len, const char *key, struct zcbor_string *v);
bool smp_map_get_bstr(const uint8_t *map, size_t len, const char *key, struct zcbor_string *v);
bool smp_map_get_raw(const uint8_t *map, size_t len, const char *key, const uint8_t **p,
		     size_t *vlen);

/* ---- arrays (e.g. img "images") ------------------------------------------- */
/** Number of elements of the CBOR array at `arr`, or -1 if it is not an array. */
int smp_array_len(const uint8_t *arr, size_t len);
/** Raw bytes of element `idx` of the array. */
bool smp_array_get(const uint8_t *arr, size_t len, size_t idx, const uint8_t **p, size_t *elen);

#endif /* SDFU_SMP_TEST_H */
