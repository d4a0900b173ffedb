/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: SMP-over-BLE write reassembly, dispatch, and notification fragmentation. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "sdfu/ble.h"
#include "sdfu/err.h"

/*
 * Input: byte 0 = max_frame selector (0 = the server's buf_size, else byte * 8),
 * byte 1 = ATT MTU (23 + byte), byte 2 = notification refusal pattern, then records:
 * a length byte L (0xFF = CCCD disabled: sdfu_ble_rx_reset(), 0 = empty write) followed
 * by L bytes written as one characteristic value. Completed frames go through the SMP
 * server (OS + image groups). Checks: return values as documented, got <= expected <=
 * max_frame, completed frames are 8 + header length bytes, responses are well-formed and
 * fragment into notifications of at most MTU - 3 bytes that reassemble to the frame.
 */
static struct sdfu_ble fz_ble;
static uint16_t fz_ble_mtu;
static uint8_t fz_ble_refuse;
static unsigned fz_ble_calls;
static uint8_t fz_ble_re[SDFU_SMP_BUF_SIZE];
static size_t fz_ble_re_len;

static int fz_ble_notify(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	FZ_CHECK(len > 0 && len <= (size_t)fz_ble_mtu - SDFU_BLE_ATT_OVERHEAD);
	fz_ble_calls++;
	if (((fz_ble_refuse >> (fz_ble_calls % 8u)) & 1u) != 0u) {
		return (fz_ble_calls & 1u) ? SDFU_ERR_NOMEM : SDFU_ERR_BUSY;
	}
	FZ_CHECK(fz_ble_re_len + len <= sizeof(fz_ble_re));
	memcpy(fz_ble_re + fz_ble_re_len, data, len);
	fz_ble_re_len += len;
	return 0;
}

static int fz_ble_tx(void *ctx, const uint8_t *frame, size_t len)
{
	int n;

	(void)ctx;
	fz_check_rsp(frame, len);
	fz_ble_re_len = 0;
	n = sdfu_ble_tx_frame(frame, len, fz_ble_mtu, fz_ble_notify, NULL);
	if (n > 0) {
		FZ_CHECK(fz_ble_re_len == len && memcmp(fz_ble_re, frame, len) == 0);
	} else {
		FZ_CHECK(n == SDFU_ERR_NOMEM || n == SDFU_ERR_BUSY);
	}
	return 0;
}

int fz_ble_one(const uint8_t *data, size_t size)
{
	uint16_t max_frame;
	size_t pos = 3;

	if (size < 3) {
		return 0;
	}
	max_frame = (uint16_t)(data[0] * 8u);
	fz_ble_mtu = (uint16_t)(SDFU_BLE_ATT_MTU_MIN + data[1] * 2u);
	fz_ble_refuse = data[2];
	fz_ble_calls = 0;

	fz_dev_reset();
	sdfu_ble_init(&fz_ble, &fz.srv, max_frame, fz_ble_tx, NULL);
	FZ_CHECK(fz_ble.rx.max_frame <= SDFU_BLE_RX_BUF_SIZE && fz_ble.rx.max_frame > 0);
	while (pos < size) {
		uint8_t l = data[pos++];
		size_t n = l;
		bool was_busy = sdfu_ble_rx_busy(&fz_ble.rx);
		int rc;

		if (l == 0xFFu) {
			sdfu_ble_rx_reset(&fz_ble.rx);
			FZ_CHECK(!sdfu_ble_rx_busy(&fz_ble.rx));
			continue;
		}
		if (n > size - pos) {
			n = size - pos;
		}
		rc = sdfu_ble_write(&fz_ble, data + pos, n);
		if (n == 0) {
			FZ_CHECK(rc == SDFU_ERR_INVAL);
		} else if (!was_busy && n < SDFU_SMP_HDR_SIZE) {
			FZ_CHECK(rc == SDFU_ERR_CORRUPT);
		} else {
			FZ_CHECK(rc == 0 || rc == 1 || rc == SDFU_ERR_MSGSIZE || rc == SDFU_ERR_RANGE);
			FZ_CHECK(rc != SDFU_ERR_MSGSIZE || !was_busy);
		}
		FZ_CHECK(fz_ble.rx.got <= fz_ble.rx.expected || fz_ble.rx.expected == 0);
		FZ_CHECK(fz_ble.rx.expected <= fz_ble.rx.max_frame);
		if (rc == 1 || rc == SDFU_ERR_MSGSIZE || rc == SDFU_ERR_RANGE) {
			FZ_CHECK(!sdfu_ble_rx_busy(&fz_ble.rx));
		}
		if (rc == SDFU_ERR_INVAL || rc == SDFU_ERR_CORRUPT) {
			FZ_CHECK(sdfu_ble_rx_busy(&fz_ble.rx) == was_busy); /* ignored / refused */
		}
		pos += n;
	}
	FZ_CHECK(fz.fl.stats.violations == 0);
	fz_check_running_image_unchanged();
	return 0;
}

#ifndef FZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_ble_one(data, size);
}
#endif
