/* SPDX-License-Identifier: Apache-2.0 */
/* SMP over BLE GATT: write reassembly by the SMP header length, notification fragmentation at MTU-3. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/ble.h"
#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "ble"

void sdfu_ble_rx_init(struct sdfu_ble_rx *rx, uint16_t max_frame)
{
	memset(rx, 0, sizeof(*rx));
	if (max_frame == 0u || max_frame > SDFU_BLE_RX_BUF_SIZE) {
		max_frame = SDFU_BLE_RX_BUF_SIZE;
	}
	rx->max_frame = max_frame;
}

void sdfu_ble_rx_reset(struct sdfu_ble_rx *rx)
{
	if (rx->expected != 0u) {
		SDFU_LOGW("partial frame dropped (%u of %u bytes)", (unsigned)rx->got,
			  (unsigned)rx->expected);
		rx->dropped++;
	}
	rx->expected = 0;
	rx->got = 0;
}

bool sdfu_ble_rx_busy(const struct sdfu_ble_rx *rx)
{
	return rx->expected != 0u;
}

int sdfu_ble_rx_write(struct sdfu_ble_rx *rx, const uint8_t *data, size_t len,
		      const uint8_t **frame, size_t *frame_len)
{
	if (rx == NULL || data == NULL || len == 0u) {
		return SDFU_ERR_INVAL;
	}
	if (rx->expected == 0u) {
		uint32_t total;

		if (len < SDFU_SMP_HDR_SIZE) {
			SDFU_LOGW("first write of %u bytes is shorter than the header: refused",
				  (unsigned)len);
			rx->refused++;
			return SDFU_ERR_CORRUPT;
		}
		/* header length field: bytes 2..3, big-endian */
		total = SDFU_SMP_HDR_SIZE + (((uint32_t)data[2] << 8) | (uint32_t)data[3]);
		if (total > rx->max_frame) {
			SDFU_LOGW("frame of %u bytes exceeds %u: refused", (unsigned)total,
				  (unsigned)rx->max_frame);
			rx->refused++;
			return SDFU_ERR_MSGSIZE;
		}
		rx->expected = (uint16_t)total;
		rx->got = 0;
	}
	if ((size_t)rx->got + len > rx->expected) {
		SDFU_LOGW("write of %u bytes overruns the frame (%u of %u): dropped", (unsigned)len,
			  (unsigned)rx->got, (unsigned)rx->expected);
		rx->dropped++;
		rx->expected = 0;
		rx->got = 0;
		return SDFU_ERR_RANGE;
	}
	memcpy(&rx->buf[rx->got], data, len);
	rx->got = (uint16_t)(rx->got + len);
	if (rx->got < rx->expected) {
		return 0;
	}
	if (frame != NULL) {
		*frame = rx->buf;
	}
	if (frame_len != NULL) {
		*frame_len = rx->got;
	}
	rx->frames++;
	rx->expected = 0;
	rx->got = 0;
	return 1;
}

int sdfu_ble_tx_frame(const uint8_t *frame, size_t len, uint16_t att_mtu, sdfu_ble_notify_fn notify,
		      void *ctx)
{
	size_t chunk;
	size_t off = 0;
	int sent = 0;

	if (frame == NULL || len == 0u || notify == NULL || att_mtu < SDFU_BLE_ATT_MTU_MIN) {
		return SDFU_ERR_INVAL;
	}
	chunk = (size_t)att_mtu - SDFU_BLE_ATT_OVERHEAD;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		int rc = notify(ctx, &frame[off], n);

		if (rc == SDFU_ERR_NOMEM || rc == SDFU_ERR_BUSY) {
			if (chunk <= SDFU_BLE_MIN_CHUNK) {
				SDFU_LOGE("notification refused at %u bytes (%d)", (unsigned)chunk, rc);
				return rc;
			}
			chunk /= 2u;
			if (chunk < SDFU_BLE_MIN_CHUNK) {
				chunk = SDFU_BLE_MIN_CHUNK;
			}
			continue;
		}
		if (rc != 0) {
			SDFU_LOGE("notification failed (%d); rest of the frame not sent", rc);
			return rc;
		}
		off += n;
		sent++;
	}
	return sent;
}

void sdfu_ble_init(struct sdfu_ble *b, struct sdfu_smp_server *srv, uint16_t max_frame,
		   sdfu_smp_tx_fn tx, void *tx_ctx)
{
	if (max_frame == 0u) {
		max_frame = srv->buf_size;
	}
	sdfu_ble_rx_init(&b->rx, max_frame);
	b->srv = srv;
	b->transport.name = "ble";
	b->transport.flags = SDFU_SMP_TRANSPORT_F_BLE;
	b->transport.mtu = 0;
	b->tx = tx;
	b->tx_ctx = tx_ctx;
}

int sdfu_ble_write(struct sdfu_ble *b, const uint8_t *data, size_t len)
{
	const uint8_t *frame = NULL;
	size_t frame_len = 0;
	int rc = sdfu_ble_rx_write(&b->rx, data, len, &frame, &frame_len);

	if (rc == 1) {
		int n = sdfu_smp_process(b->srv, &b->transport, frame, frame_len, b->tx, b->tx_ctx);

		if (n < 0) {
			SDFU_LOGD("frame of %u bytes ignored (%d)", (unsigned)frame_len, n);
		}
	}
	return rc;
}
