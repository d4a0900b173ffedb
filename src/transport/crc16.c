/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final XOR) with a 16-entry nibble table. */
#include <stddef.h>
#include <stdint.h>

#include "sdfu/transport.h"

/* Each entry: the CRC register contribution of a 4-bit value shifted out of the top. */
static const uint16_t crc16_nibble[16] = {
	0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50A5, 0x60C6, 0x70E7,
	0x8108, 0x9129, 0xA14A, 0xB16B, 0xC18C, 0xD1AD, 0xE1CE, 0xF1EF,
};

uint16_t sdfu_crc16_xmodem(uint16_t crc, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t b = data[i];

		crc = (uint16_t)((crc << 4) ^ crc16_nibble[((crc >> 12) ^ (b >> 4)) & 0x0Fu]);
		crc = (uint16_t)((crc << 4) ^ crc16_nibble[((crc >> 12) ^ b) & 0x0Fu]);
	}
	return crc;
}
