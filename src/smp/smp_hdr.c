/* SPDX-License-Identifier: Apache-2.0 */
/* SMP 8-byte header codec: big-endian, byte by byte (op:3 ver:2 res:3 | flags | len | group | seq | id). */
#include "sdfu/byteorder.h"
#include "sdfu/smp_hdr.h"

void sdfu_smp_hdr_encode(const struct sdfu_smp_hdr *hdr, uint8_t out[SDFU_SMP_HDR_SIZE])
{
	out[0] = (uint8_t)(((unsigned)(hdr->ver & 0x03u) << 3) | (hdr->op & 0x07u));
	out[1] = hdr->flags;
	sdfu_put_be16(&out[2], hdr->len);
	sdfu_put_be16(&out[4], hdr->group);
	out[6] = hdr->seq;
	out[7] = hdr->id;
}

void sdfu_smp_hdr_decode(const uint8_t in[SDFU_SMP_HDR_SIZE], struct sdfu_smp_hdr *hdr)
{
	hdr->op = (uint8_t)(in[0] & 0x07u);
	hdr->ver = (uint8_t)((in[0] >> 3) & 0x03u);
	hdr->flags = in[1];
	hdr->len = sdfu_get_be16(&in[2]);
	hdr->group = sdfu_get_be16(&in[4]);
	hdr->seq = in[6];
	hdr->id = in[7];
}
