/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-16/XMODEM: the checksum of SMP-over-console (serial) packets. */
#ifndef SDFU_CRC16_H
#define SDFU_CRC16_H

#include <stddef.h>
#include <stdint.h>

/**
 * Continue a CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final XOR) over
 * `len` bytes. Start with `crc` = 0. CRC of "123456789" is 0x31C3; CRC of data
 * followed by its big-endian CRC is 0. `data` may be NULL when len is 0. Pure
 * function, any context. Implementation by SDFU_CRC16_TABLE (config.h): a 256-entry
 * table (512 B of flash, ~5 instructions per byte) or a table-free byte-wise formula
 * (~40 B of code, ~12 instructions per byte).
 */
uint16_t sdfu_crc16_xmodem(uint16_t crc, const uint8_t *data, size_t len);

#endif /* SDFU_CRC16_H */
