/* SPDX-License-Identifier: Apache-2.0 */
/* SMP dispatcher: group registry, per-frame checks, handler calls, v1 "rc" / v2 "err" responses. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sdfu/smp_cb.h"
#include "sdfu/smp_server.h"

#define SDFU_LOG_MODULE "smp"

/* zcbor states for one direction: the handler's backups plus the two zcbor needs. */
#define SMP_ZSTATES (SDFU_SMP_CBOR_STATES + 2)
/* The response encoder's: zcbor writes indefinite-length maps and lists without backups
 * unless it is built ZCBOR_CANONICAL (then every level takes one). */
#ifdef ZCBOR_CANONICAL
#define SMP_ZSTATES_ENC SMP_ZSTATES
#else
#define SMP_ZSTATES_ENC (SDFU_SMP_RSP_BACKUPS + 2)
#endif
/* Smallest response frame we can always build: header + {"rc": 255}. */
#define SMP_MIN_RSP (SDFU_SMP_HDR_SIZE + 8)

#if SDFU_SMP_BUF_SIZE > 0xFFFF || SDFU_SMP_BUF_SIZE < 64
#error "SDFU_SMP_BUF_SIZE must be 64..65535"
#endif

/* Outcome of one request, before it is encoded. */
enum smp_outcome {
	SMP_OUT_OK,        /* handler map as encoded */
	SMP_OUT_RC,        /* SMP-level error {"rc": N}; aborts the rest of the buffer */
	SMP_OUT_GROUP_ERR, /* group error: v2 "err", v1 translated "rc" */
};

struct smp_result {
	enum smp_outcome out;
	int rc;           /* SMP_OUT_RC */
	uint16_t err_group;
	uint16_t err_rc;
	size_t ok_len;    /* SMP_OUT_OK: CBOR bytes already in rsp + 8 */
};

void sdfu_smp_server_init(struct sdfu_smp_server *srv)
{
	memset(srv, 0, sizeof(*srv));
	srv->buf_size = (uint16_t)SDFU_SMP_BUF_SIZE;
	srv->buf_count = (uint16_t)SDFU_SMP_BUF_COUNT;
}

int sdfu_smp_register_group(struct sdfu_smp_server *srv, struct sdfu_smp_group *grp)
{
	struct sdfu_smp_group **pp = &srv->groups;

	if (grp == NULL || (grp->handlers == NULL && grp->handler_count != 0)) {
		return SDFU_ERR_INVAL;
	}
	while (*pp != NULL) {
		if (*pp == grp || (*pp)->group_id == grp->group_id) {
			return SDFU_ERR_EXIST;
		}
		pp = &(*pp)->next;
	}
	grp->next = NULL;
	*pp = grp;
	return SDFU_OK;
}

int sdfu_smp_set_group_err(struct sdfu_smp_ctx *ctx, uint16_t group, uint16_t rc)
{
	ctx->has_group_err = true;
	ctx->err_group = group;
	ctx->err_rc = rc;
	return 0;
}

/* sdfu_err (negated) -> MGMT_ERR_*; errors not listed are EUNKNOWN. */
static const uint8_t err_map[][2] = {
	{ (uint8_t)-SDFU_ERR_NOMEM, SDFU_MGMT_ENOMEM },
	{ (uint8_t)-SDFU_ERR_INVAL, SDFU_MGMT_EINVAL },
	{ (uint8_t)-SDFU_ERR_TIMEOUT, SDFU_MGMT_ETIMEOUT },
	{ (uint8_t)-SDFU_ERR_NOENT, SDFU_MGMT_ENOENT },
	{ (uint8_t)-SDFU_ERR_BADSTATE, SDFU_MGMT_EBADSTATE },
	{ (uint8_t)-SDFU_ERR_MSGSIZE, SDFU_MGMT_EMSGSIZE },
	{ (uint8_t)-SDFU_ERR_NOTSUP, SDFU_MGMT_ENOTSUP },
	{ (uint8_t)-SDFU_ERR_CORRUPT, SDFU_MGMT_ECORRUPT },
	{ (uint8_t)-SDFU_ERR_BUSY, SDFU_MGMT_EBUSY },
	{ (uint8_t)-SDFU_ERR_ACCES, SDFU_MGMT_EACCESSDENIED },
};

int sdfu_smp_err_to_mgmt(int err)
{
	if (err >= 0) {
		return SDFU_MGMT_EOK;
	}
	for (size_t i = 0; i < sizeof(err_map) / sizeof(err_map[0]); i++) {
		if (-err == (int)err_map[i][0]) {
			return err_map[i][1];
		}
	}
	return SDFU_MGMT_EUNKNOWN;
}

static const struct sdfu_smp_group *find_group(const struct sdfu_smp_server *srv,
					       uint16_t group_id)
{
	const struct sdfu_smp_group *g;

	for (g = srv->groups; g != NULL; g = g->next) {
		if (g->group_id == group_id) {
			return g;
		}
	}
	return NULL;
}

static const struct sdfu_smp_handler *find_handler(const struct sdfu_smp_server *srv,
						   uint16_t group_id, uint8_t id,
						   const struct sdfu_smp_group **grp_out)
{
	const struct sdfu_smp_group *g = find_group(srv, group_id);

	*grp_out = g;
	return (g != NULL && id < g->handler_count) ? &g->handlers[id] : NULL;
}

/*
 * The whole request payload must be one well-formed CBOR map (keys/values of any
 * type, an even number of items in every map). The walk is iterative and its
 * nesting depth is bounded by the zcbor backups (SDFU_SMP_CBOR_STATES), so the
 * zcbor_any_skip() calls the handlers make later (it recurses) stay bounded too.
 */
#define SMP_MAX_DEPTH 31u

static bool request_map_ok(const uint8_t *payload, size_t len)
{
	zcbor_state_t zs[SMP_ZSTATES];
	uint32_t is_map = 1u; /* bit d: container at depth d is a map */
	uint32_t odd = 0u;    /* bit d: odd number of items completed at depth d */
	unsigned depth = 1u;

	zcbor_new_decode_state(zs, SMP_ZSTATES, payload, len, 1, NULL, 0);
	if (!zcbor_map_start_decode(zs)) {
		return false;
	}
	while (depth > 0u) {
		const unsigned d = depth - 1u;
		uint32_t tag;

		if (zcbor_array_at_end(zs)) {
			const bool m = ((is_map >> d) & 1u) != 0u;

			if (m && ((odd >> d) & 1u) != 0u) {
				return false; /* a key without a value */
			}
			if (!(m ? zcbor_map_end_decode(zs) : zcbor_list_end_decode(zs))) {
				return false;
			}
			odd &= ~(1u << d);
			depth--;
			if (depth > 0u) {
				odd ^= 1u << (depth - 1u);
			}
			continue;
		}
		if (zs->payload >= zs->payload_end) {
			return false;
		}
		switch (ZCBOR_MAJOR_TYPE(*zs->payload)) {
		case ZCBOR_MAJOR_TYPE_MAP:
		case ZCBOR_MAJOR_TYPE_LIST: {
			const bool m = ZCBOR_MAJOR_TYPE(*zs->payload) == ZCBOR_MAJOR_TYPE_MAP;

			if (depth >= SMP_MAX_DEPTH ||
			    !(m ? zcbor_map_start_decode(zs) : zcbor_list_start_decode(zs))) {
				return false; /* malformed, or nested deeper than our states allow */
			}
			if (m) {
				is_map |= 1u << depth;
			} else {
				is_map &= ~(1u << depth);
			}
			odd &= ~(1u << depth);
			depth++;
			break;
		}
		case ZCBOR_MAJOR_TYPE_TAG:
			if (!zcbor_tag_decode(zs, &tag)) {
				return false;
			}
			break;
		default:
			/* a scalar or string: zcbor_any_skip does not recurse here */
			if (!zcbor_any_skip(zs, NULL)) {
				return false;
			}
			odd ^= 1u << d;
			break;
		}
	}
	return true;
}

/* Encode {"rc": rc} or {"err": {"group": g, "rc": r}} at `out`. Returns length or 0.
 * Kept out of line so that its zcbor states never add to the handler chain's stack. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static size_t encode_error(uint8_t *out, size_t cap, bool group_err, int rc, uint16_t grp,
			   uint16_t grp_rc)
{
	zcbor_state_t zs[SMP_ZSTATES_ENC];
	bool ok;

	zcbor_new_encode_state(zs, SMP_ZSTATES_ENC, out, cap, 0);
	ok = zcbor_map_start_encode(zs, 1);
	if (group_err) {
		ok = ok && zcbor_tstr_put_lit(zs, "err") && zcbor_map_start_encode(zs, 2) &&
		     zcbor_tstr_put_lit(zs, "group") && zcbor_uint32_put(zs, grp) &&
		     zcbor_tstr_put_lit(zs, "rc") && zcbor_uint32_put(zs, grp_rc) &&
		     zcbor_map_end_encode(zs, 2);
	} else {
		ok = ok && zcbor_tstr_put_lit(zs, "rc") &&
		     zcbor_uint32_put(zs, (uint32_t)(rc < 0 ? SDFU_MGMT_EUNKNOWN : rc));
	}
	ok = ok && zcbor_map_end_encode(zs, 1);
	return ok ? (size_t)(zs->payload - out) : 0u;
}

static int translate_v1(const struct sdfu_smp_group *grp, uint16_t group_rc)
{
	int rc = SDFU_MGMT_EUNKNOWN;

	if (grp != NULL && grp->translate != NULL) {
		rc = grp->translate(group_rc);
		if (rc < 0) {
			rc = SDFU_MGMT_EUNKNOWN;
		}
	}
	return rc;
}

/* Run a found handler: CMD_RECV veto, request map, handler, response map. */
static void run_handler(struct sdfu_smp_server *srv, const struct sdfu_smp_transport *tr,
			const struct sdfu_smp_group *grp, const struct sdfu_smp_hdr *req,
			const uint8_t *payload, sdfu_smp_handler_fn fn, size_t cap,
			struct smp_result *res)
{
	zcbor_state_t zsd[SMP_ZSTATES];
	zcbor_state_t zse[SMP_ZSTATES_ENC];
	uint8_t empty_map[4];
	struct sdfu_smp_ctx ctx;
	struct sdfu_smp_cmd_info info = {
		.group = req->group, .id = req->id, .op = req->op, .transport = tr,
	};
	enum sdfu_smp_cb_ret cbr;
	int32_t cb_rc = 0;
	uint16_t cb_group = 0;
	int ret;

	cbr = sdfu_smp_cb_notify(srv, SDFU_SMP_EVT_CMD_RECV, &info, sizeof(info), &cb_rc,
				 &cb_group);
	if (cbr == SDFU_SMP_CB_ERROR_ERR) {
		res->out = SMP_OUT_GROUP_ERR;
		res->err_group = cb_group;
		res->err_rc = (uint16_t)cb_rc;
		return;
	}
	if (cbr != SDFU_SMP_CB_OK) {
		res->out = SMP_OUT_RC;
		res->rc = cb_rc > 0 ? (int)cb_rc : SDFU_MGMT_EUNKNOWN;
		return;
	}

	if (req->len == 0) {
		/* No payload means "no parameters": hand the handler an empty map. */
		zcbor_new_encode_state(zse, SMP_ZSTATES_ENC, empty_map, sizeof(empty_map), 0);
		if (!zcbor_map_start_encode(zse, 0) || !zcbor_map_end_encode(zse, 0)) {
			res->out = SMP_OUT_RC;
			res->rc = SDFU_MGMT_EUNKNOWN;
			return;
		}
		payload = empty_map;
		zcbor_new_decode_state(zsd, SMP_ZSTATES, payload, (size_t)(zse->payload - empty_map),
				       1, NULL, 0);
	} else {
		if (!request_map_ok(payload, req->len)) {
			res->out = SMP_OUT_RC;
			res->rc = SDFU_MGMT_EINVAL;
			return;
		}
		zcbor_new_decode_state(zsd, SMP_ZSTATES, payload, req->len, 1, NULL, 0);
	}
	zcbor_new_encode_state(zse, SMP_ZSTATES_ENC, srv->rsp + SDFU_SMP_HDR_SIZE, cap, 0);
	if (!zcbor_map_start_decode(zsd)) {
		res->out = SMP_OUT_RC;
		res->rc = SDFU_MGMT_EINVAL;
		return;
	}
	if (!zcbor_map_start_encode(zse, 32)) {
		res->out = SMP_OUT_RC;
		res->rc = SDFU_MGMT_EMSGSIZE;
		return;
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.srv = srv;
	ctx.transport = tr;
	ctx.req_hdr = *req;
	ctx.zsd = zsd;
	ctx.zse = zse;
	ctx.grp = grp;
	ret = fn(&ctx);

	if (ret < 0 || ctx.mgmt_rc != 0) {
		res->out = SMP_OUT_RC;
		res->rc = ctx.mgmt_rc > 0 ? ctx.mgmt_rc : sdfu_smp_err_to_mgmt(ret);
		if (res->rc == SDFU_MGMT_EOK) {
			res->rc = SDFU_MGMT_EUNKNOWN;
		}
		if (zcbor_peek_error(zse) == ZCBOR_ERR_NO_PAYLOAD) {
			res->rc = SDFU_MGMT_EMSGSIZE;
		}
		return;
	}
	if (ctx.has_group_err) {
		res->out = SMP_OUT_GROUP_ERR;
		res->err_group = ctx.err_group;
		res->err_rc = ctx.err_rc;
		return;
	}
	if (zcbor_peek_error(zse) == ZCBOR_ERR_NO_PAYLOAD || !zcbor_map_end_encode(zse, 32)) {
		res->out = SMP_OUT_RC;
		res->rc = SDFU_MGMT_EMSGSIZE;
		return;
	}
	res->out = SMP_OUT_OK;
	res->ok_len = (size_t)(zse->payload - (srv->rsp + SDFU_SMP_HDR_SIZE));
}

/*
 * Handle one frame whose header is at `req` and whose available payload bytes
 * are `avail`. Sends exactly one response (unless even an error map does not
 * fit). Returns true when the rest of the buffer may be processed.
 */
static bool handle_frame(struct sdfu_smp_server *srv, const struct sdfu_smp_transport *tr,
			 const struct sdfu_smp_hdr *req, const uint8_t *payload, size_t avail,
			 sdfu_smp_tx_fn tx, void *tx_ctx)
{
	struct smp_result res = { .out = SMP_OUT_RC, .rc = SDFU_MGMT_ENOTSUP };
	const struct sdfu_smp_group *grp = NULL;
	const struct sdfu_smp_handler *h;
	sdfu_smp_handler_fn fn = NULL;
	struct sdfu_smp_hdr rsp_hdr;
	size_t limit = srv->buf_size;
	size_t plen;
	bool notified = false;
	bool as_err = false;

	if (limit > SDFU_SMP_BUF_SIZE) {
		limit = SDFU_SMP_BUF_SIZE;
	}
	if (tr != NULL && tr->mtu != 0 && tr->mtu < limit) {
		limit = tr->mtu;
	}
	if (limit < SMP_MIN_RSP) {
		SDFU_LOGE("response limit %u too small", (unsigned)limit);
		srv->rx_errors++;
		return false;
	}

	if (avail < req->len) {
		res.rc = SDFU_MGMT_ECORRUPT;
	} else if (req->ver > SDFU_SMP_VER_2) {
		res.rc = SDFU_MGMT_UNSUPPORTED_TOO_NEW;
	} else if ((size_t)SDFU_SMP_HDR_SIZE + req->len > srv->buf_size) {
		res.rc = SDFU_MGMT_EMSGSIZE;
	} else if (req->ver == SDFU_SMP_VER_1 && !SDFU_SMP_V1) {
		res.rc = SDFU_MGMT_UNSUPPORTED_TOO_OLD;
	} else if (req->op != SDFU_SMP_OP_READ && req->op != SDFU_SMP_OP_WRITE) {
		res.rc = SDFU_MGMT_ENOTSUP;
	} else {
		h = find_handler(srv, req->group, req->id, &grp);
		if (h != NULL) {
			fn = (req->op == SDFU_SMP_OP_READ) ? h->read : h->write;
		}
		if (fn != NULL) {
			notified = true;
			run_handler(srv, tr, grp, req, payload, fn, limit - SDFU_SMP_HDR_SIZE, &res);
		} else {
			res.rc = SDFU_MGMT_ENOTSUP;
		}
	}
	rsp_hdr = *req;
	rsp_hdr.op = (req->op == SDFU_SMP_OP_READ) ? SDFU_SMP_OP_READ_RSP : SDFU_SMP_OP_WRITE_RSP;
	rsp_hdr.ver = req->ver > SDFU_SMP_VER_2 ? SDFU_SMP_VER_2 : req->ver;
	rsp_hdr.flags = 0;

	plen = res.ok_len;
	if (res.out == SMP_OUT_GROUP_ERR) {
		/* v1: the translated "rc"; v2: "err" (the translation goes to CMD_DONE). */
		res.rc = translate_v1(find_group(srv, res.err_group), res.err_rc);
		as_err = (rsp_hdr.ver == SDFU_SMP_VER_2);
	} else if (res.out != SMP_OUT_OK) {
		SDFU_LOGD("grp %u id %u op %u: rc %d", (unsigned)req->group, (unsigned)req->id,
			  (unsigned)req->op, res.rc);
		srv->rx_errors++;
	}
	/* One encode_error() call site (it is inlined): "err", or "rc" if that did not fit. */
	while (res.out != SMP_OUT_OK) {
		plen = encode_error(srv->rsp + SDFU_SMP_HDR_SIZE, limit - SDFU_SMP_HDR_SIZE, as_err,
				    res.rc, res.err_group, res.err_rc);
		if (plen != 0 || !as_err) {
			break;
		}
		as_err = false;
		res.out = SMP_OUT_RC; /* "err" did not fit: fall back to rc 7 */
		res.rc = SDFU_MGMT_EMSGSIZE;
	}

	if (plen == 0 && res.out != SMP_OUT_OK) {
		SDFU_LOGE("cannot encode error response");
	} else {
		int txr;

		rsp_hdr.len = (uint16_t)plen;
		sdfu_smp_hdr_encode(&rsp_hdr, srv->rsp);
		txr = tx(tx_ctx, srv->rsp, SDFU_SMP_HDR_SIZE + plen);
		if (txr < 0) {
			SDFU_LOGW("tx failed: %d", txr);
		} else {
			srv->tx_frames++;
		}
	}

	if (notified) {
		struct sdfu_smp_cmd_done done = {
			.group = req->group,
			.id = req->id,
			.op = req->op,
			.rc = (res.out == SMP_OUT_OK) ? 0 : res.rc,
			.group_err = (res.out == SMP_OUT_GROUP_ERR),
			.err_group = (res.out == SMP_OUT_GROUP_ERR) ? res.err_group : 0,
			.err_rc = (res.out == SMP_OUT_GROUP_ERR) ? res.err_rc : 0,
			.transport = tr,
		};

		(void)sdfu_smp_cb_notify(srv, SDFU_SMP_EVT_CMD_DONE, &done, sizeof(done), NULL,
					 NULL);
	}
	return res.out != SMP_OUT_RC;
}

int sdfu_smp_process(struct sdfu_smp_server *srv, const struct sdfu_smp_transport *tr,
		     const uint8_t *buf, size_t len, sdfu_smp_tx_fn tx, void *tx_ctx)
{
	size_t pos = 0;
	int frames = 0;

	if (buf == NULL || tx == NULL || len < SDFU_SMP_HDR_SIZE) {
		srv->rx_errors++;
		return SDFU_ERR_CORRUPT;
	}
	while (len - pos >= SDFU_SMP_HDR_SIZE) {
		struct sdfu_smp_hdr req;
		size_t avail;

		sdfu_smp_hdr_decode(buf + pos, &req);
		avail = len - pos - SDFU_SMP_HDR_SIZE;
		srv->rx_frames++;
		frames++;
		if (!handle_frame(srv, tr, &req, buf + pos + SDFU_SMP_HDR_SIZE, avail, tx, tx_ctx)) {
			return frames;
		}
		pos += SDFU_SMP_HDR_SIZE + (size_t)req.len;
	}
	if (pos != len) {
		SDFU_LOGW("%u trailing bytes ignored", (unsigned)(len - pos));
	}
	return frames;
}
