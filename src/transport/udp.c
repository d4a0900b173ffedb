/* SPDX-License-Identifier: Apache-2.0 */
/* UDP adapter: one SMP frame per datagram in, one datagram per response out (socket in the port). */
#include <stddef.h>
#include <stdint.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sdfu/transport.h"

#define SDFU_LOG_MODULE "udp"

void sdfu_udp_init(struct sdfu_udp *u, struct sdfu_smp_server *srv)
{
	u->srv = srv;
	u->transport.name = "udp";
	u->transport.flags = 0;
	u->transport.mtu = 0;
}

int sdfu_udp_rx(struct sdfu_udp *u, const uint8_t *dgram, size_t len, sdfu_smp_tx_fn tx,
		void *tx_ctx)
{
	int rc = sdfu_smp_process(u->srv, &u->transport, dgram, len, tx, tx_ctx);

	if (rc < 0) {
		SDFU_LOGD("datagram of %u bytes ignored (%d)", (unsigned)len, rc);
	}
	return rc;
}
