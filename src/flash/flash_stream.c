/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming image writer: progressive erase ahead, buffering to the write alignment, pad on flush. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/flash.h"

/* Bytes written directly from the caller's buffer per flash call (bounded op size). */
#define STREAM_CHUNK 4096u

int sdfu_flash_stream_init(struct sdfu_flash_stream *s, const struct sdfu_flash_area *fa,
			   uint32_t start)
{
	uint32_t a, so, ss;

	if (s == NULL || fa == NULL || fa->dev == NULL) {
		return SDFU_ERR_INVAL;
	}
	a = sdfu_flash_area_align(fa);
	if (a > SDFU_FLASH_MAX_ALIGN || start % a != 0 || start > fa->size) {
		return SDFU_ERR_INVAL;
	}
	memset(s, 0, sizeof(*s));
	s->fa = fa;
	s->off = start;
	s->limit = fa->size;
	s->erased_end = start;
	/*
	 * A start inside a sector: the rest of that sector is the caller's business
	 * (it must already be erased); erasing it would destroy the bytes below start.
	 */
	if (start < fa->size && sdfu_flash_area_sector(fa, start, &so, &ss) == SDFU_OK && so != start) {
		s->erased_end = so + ss;
	}
	return SDFU_OK;
}

/* Erase sectors until everything below `end` is erased. */
static int erase_ahead(struct sdfu_flash_stream *s, uint32_t end)
{
	uint32_t so, ss;
	int rc;

	while (s->erased_end < end) {
		rc = sdfu_flash_area_sector(s->fa, s->erased_end, &so, &ss);
		if (rc != SDFU_OK) {
			return rc;
		}
		if (so + ss > s->fa->size) {
			return SDFU_ERR_RANGE;
		}
		rc = sdfu_flash_area_erase(s->fa, so, ss);
		if (rc != SDFU_OK) {
			return rc;
		}
		s->erased_end = so + ss;
	}
	return SDFU_OK;
}

/* Write `len` aligned bytes at area offset `at`, erasing ahead first. */
static int put(struct sdfu_flash_stream *s, uint32_t at, const uint8_t *p, size_t len)
{
	int rc = erase_ahead(s, at + (uint32_t)len);

	if (rc != SDFU_OK) {
		return rc;
	}
	return sdfu_flash_area_write(s->fa, at, p, len);
}

int sdfu_flash_stream_write(struct sdfu_flash_stream *s, const void *data, size_t len, bool flush)
{
	const uint8_t *p = data;
	uint32_t a;
	int rc;

	if (s == NULL || s->fa == NULL || (data == NULL && len != 0)) {
		return SDFU_ERR_INVAL;
	}
	a = sdfu_flash_area_align(s->fa);
	/* A padded flush already closed the last block: no more data may follow. */
	if (s->buf_len == 0 && s->off % a != 0 && len != 0) {
		return SDFU_ERR_BADSTATE;
	}
	if (len > (size_t)(s->limit - s->off) || s->off > s->limit) {
		return SDFU_ERR_NOSPC;
	}
	/* The buffer's block starts at off - buf_len (aligned). */
	while (len > 0) {
		if (s->buf_len == 0 && len >= a) {
			size_t n = len - (len % a);

			if (n > STREAM_CHUNK) {
				n = STREAM_CHUNK - (STREAM_CHUNK % a);
			}
			rc = put(s, s->off, p, n);
			if (rc != SDFU_OK) {
				return rc;
			}
			s->off += (uint32_t)n;
			p += n;
			len -= n;
			continue;
		}
		size_t n = a - s->buf_len;

		if (n > len) {
			n = len;
		}
		memcpy(&s->buf[s->buf_len], p, n);
		s->buf_len = (uint16_t)(s->buf_len + n);
		s->off += (uint32_t)n;
		p += n;
		len -= n;
		if (s->buf_len == a) {
			rc = put(s, s->off - a, s->buf, a);
			if (rc != SDFU_OK) {
				/* keep the block buffered so a retry can resend it */
				s->off -= (uint32_t)n;
				s->buf_len = (uint16_t)(s->buf_len - n);
				return rc;
			}
			s->buf_len = 0;
		}
	}
	if (flush && s->buf_len > 0) {
		uint32_t at = s->off - s->buf_len;

		if ((uint64_t)at + a > s->fa->size) {
			return SDFU_ERR_NOSPC;
		}
		memset(&s->buf[s->buf_len], sdfu_flash_area_erased_val(s->fa), a - s->buf_len);
		rc = put(s, at, s->buf, a);
		if (rc != SDFU_OK) {
			return rc;
		}
		s->buf_len = 0;
	}
	return SDFU_OK;
}

uint32_t sdfu_flash_stream_offset(const struct sdfu_flash_stream *s)
{
	return s->off;
}
