/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-32/ISO-HDLC, bitwise (no table: a few hundred bytes of code, no RAM). */
#include "sdfu/crc32.h"

uint32_t sdfu_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++) {
			/* shift right; xor the reflected polynomial when the dropped bit was 1 */
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
		}
	}
	return ~crc;
}
