/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: image upload handler driven by sequences of requests with fuzzed fields. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <zcbor_encode.h>

#include "fake_port.h"
#include "harness.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"

/*
 * The input is a program: each op takes a kind byte and a few parameter bytes (reading
 * past the end gives zeros). Kinds: upload request (v2 or v1), state read, erase (no
 * slot / slot 0 / slot 1), slot info, sdfu_img_upload_reset(). Upload fields are
 * derived from the bytes: each key present or not, "off" = the session's next offset,
 * 0, a nearby value, or any u32/u64; "len" = the file length, any u32, around the slot
 * size, or the chunk length; "sha" = the file's, another image's, a wrong or short one;
 * "upgrade", "image", and one field with a wrong CBOR type. Chunk data comes from the
 * file (a valid 1.1.0 image, possibly with input bytes XORed in) or from the input.
 *
 * Invariants after every op: one well-formed response; the session offset never passes
 * its length and the session targets the secondary slot only; no write or erase outside
 * the secondary slot (guard) and no flash rule violation; at the end the primary slot is
 * byte-identical. When a response says "match": true, the first "off" bytes of the
 * secondary slot hash to the sha given with the session's first chunk.
 */
struct fz_up_in {
	const uint8_t *p;
	size_t n, pos;
};

static uint8_t fz_up_u8(struct fz_up_in *in)
{
	return in->pos < in->n ? in->p[in->pos++] : 0u;
}

static uint32_t fz_up_u32(struct fz_up_in *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		v = (v << 8) | fz_up_u8(in);
	}
	return v;
}

static uint8_t fz_up_file[FZ_IMG_MAX];
static size_t fz_up_file_len;
static uint8_t fz_up_file_sha[32];
static uint8_t fz_up_frame[SDFU_SMP_BUF_SIZE];
static uint8_t fz_up_rsp[SDFU_SMP_BUF_SIZE];
static size_t fz_up_rsp_len;
static unsigned fz_up_rsp_n;
static uint8_t fz_up_seq;
/* sha sent with the first chunk of the current session (for the "match" check) */
static uint8_t fz_up_sess_sha[32];
static size_t fz_up_sess_sha_len;

static int fz_up_tx(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	fz_check_rsp(frame, len);
	memcpy(fz_up_rsp, frame, len);
	fz_up_rsp_len = len;
	fz_up_rsp_n++;
	return 0;
}

/* Put a value of a wrong type for a key. */
static bool fz_up_wrong(zcbor_state_t *zs, uint8_t how)
{
	static const uint8_t junk[3] = {1, 2, 3};

	switch (how % 5u) {
	case 0:
		return zcbor_tstr_put_lit(zs, "12");
	case 1:
		return zcbor_int64_put(zs, -5);
	case 2:
		return zcbor_nil_put(zs, NULL);
	case 3:
		return zcbor_list_start_encode(zs, 1) && zcbor_uint32_put(zs, 1) &&
		       zcbor_list_end_encode(zs, 1);
	default:
		return zcbor_bstr_encode_ptr(zs, (const char *)junk, sizeof(junk));
	}
}

/* Send one request; returns the response fields. */
static void fz_up_send(uint8_t op, uint8_t ver, uint8_t id, size_t payload_len,
		       struct fz_rsp_fields *f)
{
	struct sdfu_smp_hdr h = {.op = op, .ver = ver, .len = (uint16_t)payload_len,
				 .group = SDFU_SMP_GROUP_IMG, .seq = fz_up_seq++, .id = id};
	int rc;

	sdfu_smp_hdr_encode(&h, fz_up_frame);
	fz_up_rsp_n = 0;
	rc = sdfu_smp_process(&fz.srv, NULL, fz_up_frame, SDFU_SMP_HDR_SIZE + payload_len, fz_up_tx,
			      NULL);
	FZ_CHECK(rc == 1 && fz_up_rsp_n == 1);
	fz_rsp_fields(fz_up_rsp, fz_up_rsp_len, f);
	if (getenv("FZ_VERBOSE") != NULL) {
		fprintf(stderr, "fuzz_upload: v%u op %u id %u len %zu -> off %d:%llu match %d:%d rc %d:%llu err %d:%llu\n",
			(unsigned)ver, (unsigned)op, (unsigned)id, payload_len, f->has_off,
			(unsigned long long)f->off, f->has_match, f->match, f->has_rc,
			(unsigned long long)f->rc, f->has_err, (unsigned long long)f->err_rc);
	}
}

static void fz_up_upload(struct fz_up_in *in, uint8_t ver)
{
	zcbor_state_t zs[4];
	uint8_t flags = fz_up_u8(in);
	uint8_t wrong = fz_up_u8(in);
	uint8_t offsel = fz_up_u8(in);
	uint32_t n = (((uint32_t)fz_up_u8(in) << 8) | fz_up_u8(in)) % 1600u;
	uint8_t lensel = fz_up_u8(in);
	uint8_t shasel = fz_up_u8(in);
	const struct sdfu_img_upload *s = &fz.img.upload;
	uint64_t expect = s->slot >= 0 ? s->off : 0u;
	uint64_t off = expect, len = fz_up_file_len;
	uint8_t sha[40];
	size_t sha_len = 32;
	const uint8_t *data;
	uint8_t own[1600];
	struct fz_rsp_fields f;
	bool ok = true;
	const uint32_t slot_size = fz.boot.slot[1]->size;

	switch (offsel % 8u) {
	case 1: off = 0; break;
	case 2: off = expect + (int8_t)fz_up_u8(in); break;
	case 3: off = fz_up_u32(in); break;
	case 4: off = ((uint64_t)fz_up_u32(in) << 32) | fz_up_u32(in); break;
	default: break;
	}
	switch (lensel % 6u) {
	case 3: len = fz_up_u32(in); break;
	case 4: len = (uint64_t)slot_size + (int8_t)fz_up_u8(in) * 512; break;
	case 5: len = n; break;
	default: break;
	}
	switch (shasel % 5u) {
	case 0: memcpy(sha, fz_up_file_sha, 32); break;
	case 1: memcpy(sha, fz.update.file_sha, 32); break;
	case 2: memcpy(sha, fz.running.file_sha, 32); break;
	case 3:
		memcpy(sha, fz_up_file_sha, 32);
		sha[fz_up_u8(in) % 32u] ^= 0x5A;
		break;
	default:
		sha_len = fz_up_u8(in) % 41u;
		for (size_t i = 0; i < sha_len; i++) {
			sha[i] = fz_up_u8(in);
		}
		break;
	}
	if ((flags & 0x40u) != 0u || off >= fz_up_file_len) {
		for (uint32_t i = 0; i < n; i++) {
			own[i] = fz_up_u8(in);
		}
		data = own;
	} else {
		if (n > fz_up_file_len - off) {
			n = (uint32_t)(fz_up_file_len - off);
		}
		data = fz_up_file + off;
	}

	zcbor_new_encode_state(zs, 4, fz_up_frame + SDFU_SMP_HDR_SIZE,
			       sizeof(fz_up_frame) - SDFU_SMP_HDR_SIZE, 0);
	ok = zcbor_map_start_encode(zs, 8);
	if (flags & 0x80u) {
		ok = ok && zcbor_tstr_put_lit(zs, "data") && zcbor_bstr_encode_ptr(zs, (const char *)data, n);
	}
	if (flags & 0x01u) {
		ok = ok && zcbor_tstr_put_lit(zs, "off") &&
		     ((wrong & 7u) == 1u ? fz_up_wrong(zs, wrong >> 3) : zcbor_uint64_put(zs, off));
	}
	if (flags & 0x02u) {
		ok = ok && zcbor_tstr_put_lit(zs, "len") &&
		     ((wrong & 7u) == 2u ? fz_up_wrong(zs, wrong >> 3) : zcbor_uint64_put(zs, len));
	}
	if (flags & 0x04u) {
		ok = ok && zcbor_tstr_put_lit(zs, "sha") &&
		     ((wrong & 7u) == 3u ? fz_up_wrong(zs, wrong >> 3)
					 : zcbor_bstr_encode_ptr(zs, (const char *)sha, sha_len));
	}
	if (flags & 0x08u) {
		ok = ok && zcbor_tstr_put_lit(zs, "upgrade") &&
		     ((wrong & 7u) == 4u ? fz_up_wrong(zs, wrong >> 3)
					 : zcbor_bool_put(zs, (flags & 0x20u) != 0u));
	}
	if (flags & 0x10u) {
		ok = ok && zcbor_tstr_put_lit(zs, "image") &&
		     ((wrong & 7u) == 5u ? fz_up_wrong(zs, wrong >> 3)
					 : zcbor_uint32_put(zs, fz_up_u8(in) % 3u));
	}
	if ((flags & 0x80u) == 0u) {
		ok = ok && zcbor_tstr_put_lit(zs, "data") &&
		     ((wrong & 7u) == 6u ? fz_up_wrong(zs, wrong >> 3)
					 : zcbor_bstr_encode_ptr(zs, (const char *)data, n));
	}
	ok = ok && zcbor_map_end_encode(zs, 8);
	FZ_CHECK(ok);
	fz_up_send(SDFU_SMP_OP_WRITE, ver, SDFU_IMG_ID_UPLOAD,
		   (size_t)(zs->payload - (fz_up_frame + SDFU_SMP_HDR_SIZE)), &f);

	if (f.has_off) {
		FZ_CHECK(!f.has_rc && !f.has_err);
		if (off == 0 && (flags & 0x01u) && f.off > 0 && !f.has_match) {
			/* a session (re)started or resumed with this chunk's sha */
			memcpy(fz_up_sess_sha, sha, sha_len > 32 ? 32 : sha_len);
			fz_up_sess_sha_len = (flags & 0x04u) && (wrong & 7u) != 3u ? sha_len : 0;
		}
		if (f.has_match && f.match) {
			uint8_t now[32];
			const struct sdfu_flash_area *sec = fz.boot.slot[1];

			FZ_CHECK(f.off <= sec->size);
			fz_flash_sha(sec->off, (uint32_t)f.off, now);
			if (off == 0) { /* skip-upload: this request's sha */
				FZ_CHECK(sha_len == 32 && memcmp(now, sha, 32) == 0);
			} else {
				FZ_CHECK(fz_up_sess_sha_len == 32 && memcmp(now, fz_up_sess_sha, 32) == 0);
			}
		}
	} else {
		FZ_CHECK(f.has_rc || f.has_err);
	}
}

int fz_upload_one(const uint8_t *data, size_t size)
{
	struct fz_up_in in = {data, size, 0};
	struct fz_rsp_fields f;
	uint8_t mode;
	unsigned ops = 0;

	fz_dev_reset();
	fz.guard_on = true;
	fz.guard_lo = fz.boot.slot[1]->off;
	fz.guard_hi = fz.boot.slot[1]->off + fz.boot.slot[1]->size;
	fz_up_seq = 0;
	fz_up_sess_sha_len = 0;

	/* the file: the valid update image, optionally with input bytes XORed in */
	mode = fz_up_u8(&in);
	memcpy(fz_up_file, fz.update.buf, fz.update.len);
	fz_up_file_len = fz.update.len;
	if (mode & 1u) {
		for (unsigned i = 0; i < 4u; i++) {
			uint32_t at = (((uint32_t)fz_up_u8(&in) << 8) | fz_up_u8(&in)) % (uint32_t)fz_up_file_len;

			fz_up_file[at] ^= fz_up_u8(&in);
		}
	}
	if (mode & 2u) {
		fz_up_file_len -= fz_up_u8(&in); /* truncated file */
	}
	{
		struct sdfu_sha256 h;

		FZ_CHECK(sdfu_sha256_start(&h) == 0 && sdfu_sha256_update(&h, fz_up_file, fz_up_file_len) == 0 &&
			 sdfu_sha256_finish(&h, fz_up_file_sha) == 0);
	}

	while (in.pos < in.n && ops++ < 64u) {
		uint8_t kind = fz_up_u8(&in) % 16u;

		switch (kind) {
		case 11:
			fz_up_send(SDFU_SMP_OP_READ, SDFU_SMP_VER_2, SDFU_IMG_ID_STATE, 0, &f);
			FZ_CHECK(!f.has_rc && !f.has_err);
			break;
		case 12: {
			zcbor_state_t zs[3];
			uint8_t sl = fz_up_u8(&in) % 3u;

			zcbor_new_encode_state(zs, 3, fz_up_frame + SDFU_SMP_HDR_SIZE, 64, 0);
			FZ_CHECK(zcbor_map_start_encode(zs, 1));
			if (sl != 0u) {
				FZ_CHECK(zcbor_tstr_put_lit(zs, "slot") && zcbor_uint32_put(zs, sl - 1u));
			}
			FZ_CHECK(zcbor_map_end_encode(zs, 1));
			fz_up_send(SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, SDFU_IMG_ID_ERASE,
				   (size_t)(zs->payload - (fz_up_frame + SDFU_SMP_HDR_SIZE)), &f);
			if (sl == 1u) {
				FZ_CHECK(f.has_err); /* the running slot is never erased */
			}
			if (!f.has_err && !f.has_rc) {
				FZ_CHECK(fz.img.upload.slot == -1);
			}
			break;
		}
		case 13:
			sdfu_img_upload_reset(&fz.img);
			break;
		case 14:
			fz_up_upload(&in, SDFU_SMP_VER_1);
			break;
		case 15:
			fz_up_send(SDFU_SMP_OP_READ, SDFU_SMP_VER_2, SDFU_IMG_ID_SLOT_INFO, 0, &f);
			break;
		default:
			fz_up_upload(&in, SDFU_SMP_VER_2);
			break;
		}
		if (fz.img.upload.slot >= 0) {
			FZ_CHECK(fz.img.upload.slot == 1);
			FZ_CHECK(fz.img.upload.off <= fz.img.upload.size);
			FZ_CHECK(fz.img.upload.size <= fz.boot.slot[1]->size);
		}
		FZ_CHECK(fz.fl.stats.violations == 0);
		FZ_CHECK(fake_port_crit_depth() == 0);
	}
	fz_check_primary_unchanged();
	return 0;
}

#ifndef FZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_upload_one(data, size);
}
#endif
