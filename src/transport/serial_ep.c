/* SPDX-License-Identifier: Apache-2.0 */
/* Serial SMP endpoint: received lines -> frames -> sdfu_smp_process -> encoded response lines. */
#include <stddef.h>
#include <stdint.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sdfu/transport.h"

#define SDFU_LOG_MODULE "serial"

static int serial_smp_tx(void *ctx, const uint8_t *frame, size_t len)
{
	struct sdfu_serial *s = ctx;
	int rc = sdfu_serial_tx_frame(&s->tx, frame, len);

	if (rc < 0) {
		s->tx_errors++;
		SDFU_LOGW("response not sent (%d)", rc);
	}
	return rc;
}

static void serial_on_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct sdfu_serial *s = ctx;

	(void)sdfu_smp_process(s->srv, &s->transport, frame, len, serial_smp_tx, s);
}

void sdfu_serial_init(struct sdfu_serial *s, struct sdfu_smp_server *srv, uint16_t line_len,
		      sdfu_serial_out_fn out, void *out_ctx)
{
	sdfu_serial_rx_init(&s->rx);
	sdfu_serial_tx_init(&s->tx, line_len, out, out_ctx);
	s->srv = srv;
	s->transport.name = "serial";
	s->transport.flags = 0;
	s->transport.mtu = 0;
	s->tx_errors = 0;
}

int sdfu_serial_feed(struct sdfu_serial *s, const uint8_t *data, size_t len)
{
	return sdfu_serial_rx_feed(&s->rx, data, len, serial_on_frame, s);
}
