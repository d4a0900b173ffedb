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
/* Logging compiled out (the size of the log backend is the application's) */
#define SDFU_LOG_LEVEL 0
/* Event bus pool for the DFU-module variant */
#define SDFU_EVT_POOL_SIZE 8

#endif /* SDFU_BENCH_SIZE_CONFIG_H */
