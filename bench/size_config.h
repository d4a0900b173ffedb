/* SPDX-License-Identifier: Apache-2.0 */
/* User config for the code-size build: capacities matching Zephyr smp_svr's serial defaults. */
#ifndef SDFU_BENCH_SIZE_CONFIG_H
#define SDFU_BENCH_SIZE_CONFIG_H

/* CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE=384, CONFIG_MCUMGR_TRANSPORT_NETBUF_COUNT=4 */
#define SDFU_SMP_BUF_SIZE 384
#define SDFU_SMP_BUF_COUNT 4
/* smp_svr serial: console lines of at most 128 bytes (CONFIG_UART_MCUMGR_RX_BUF_SIZE=128) */
#define SDFU_SERIAL_LINE_MAX 128
/* Zephyr's img_mgmt does not hash uploads by default (CONFIG_IMG_ENABLE_IMAGE_CHECK=n) */
#define SDFU_IMG_VERIFY_SHA 0
/* nRF52-class internal flash: 4-byte writes, one uniform sector range */
#define SDFU_FLASH_MAX_ALIGN 8
#define SDFU_FLASH_MAX_SECTOR_RANGES 1
/* OS info (0/7) output buffer: Zephyr CONFIG_MCUMGR_GRP_OS_INFO_MAX_RESPONSE_SIZE=128 */
#define SDFU_OS_INFO_OUTPUT_MAX 128
/*
 * Command set of Zephyr's smp_svr sample with overlay-serial.conf (see docs/BENCHMARKS.md,
 * "Size configuration"): OS echo and reset (MCUMGR_GRP_OS_ECHO default y, reset with REBOOT);
 * MCUMGR_GRP_OS_MCUMGR_PARAMS, _INFO, _BOOTLOADER_INFO default n; image state read/write,
 * upload and erase (always built); MCUMGR_GRP_IMG_SLOT_INFO default n with one image.
 */
#define SDFU_OS_ECHO 1
#define SDFU_OS_PARAMS 0
#define SDFU_OS_INFO 0
#define SDFU_OS_BOOTLOADER_INFO 0
#define SDFU_IMG_ERASE 1
#define SDFU_IMG_SLOT_INFO 0
/* No SMP callbacks (Zephyr MCUMGR_MGMT_NOTIFICATION_HOOKS default n); the DFU-module
 * variant needs them (dfu_mcumgr hooks commands and image events). */
#if defined(SIZE_APP_DFU) && SIZE_APP_DFU
#define SDFU_SMP_HOOKS 1
#else
#define SDFU_SMP_HOOKS 0
#endif
/* img_mgmt's state write checks the image header and TLVs, not hash/signature */
#define SDFU_IMG_VALIDATE_ON_TEST 0
/* One bootloader mode, as an MCUboot build has: swap-using-move (sysbuild's default) */
#define SDFU_BOOT_MODES (1 << 3)
/* Response encoder without zcbor backups: non-canonical zcbor needs none for maps and lists
 * (Zephyr smp_svr: MCUMGR_SMP_CBOR_MAX_ENCODING_LEVELS is 0 unless ZCBOR_CANONICAL) */
#define SDFU_SMP_RSP_BACKUPS 0
/* CRC-16 of the serial lines without its 512-byte table (Zephyr's crc16_itu_t is table-free too) */
#define SDFU_CRC16_TABLE 0
/* Logging compiled out (the size of the log backend is the application's) */
#define SDFU_LOG_LEVEL 0
/* Event bus pool for the DFU-module variant */
#define SDFU_EVT_POOL_SIZE 8

#endif /* SDFU_BENCH_SIZE_CONFIG_H */
