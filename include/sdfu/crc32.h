/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-32/ISO-HDLC (IEEE 802.3, zlib's crc32): the config-channel image checksum. */
#ifndef SDFU_CRC32_H
#define SDFU_CRC32_H

#include <stddef.h>
#include <stdint.h>

/**
 * CRC-32/ISO-HDLC: polynomial 0x04C11DB7 reflected (0xEDB88320), init and xorout
 * 0xFFFFFFFF; check value 0xCBF43926 for "123456789". Start with `crc` = 0 and pass
 * the previous result to continue over more data (zlib's crc32() convention), so
 * crc(a || b) == sdfu_crc32(sdfu_crc32(0, a), b). Bitwise, no table; `data` may be
 * NULL when `len` is 0. Pure function, any context.
 */
uint32_t sdfu_crc32(uint32_t crc, const void *data, size_t len);

#endif /* SDFU_CRC32_H */
