/* SPDX-License-Identifier: Apache-2.0 */
/* BLE air-time arithmetic: packet durations per PHY, connection-event packing, link limits. */
#include "ble/ble_air.h"

#include <stddef.h>

#define LL_HDR 2u       /* LL data PDU header */
#define LL_AA 4u        /* access address */
#define LL_CRC 3u
#define CODED_FEC1_US (80u + 256u + 16u + 24u) /* preamble, AA, CI, TERM1 (always S=8) */

int ble_air_link_check(const struct ble_air_link *l)
{
	if (l == NULL || l->phy < BLE_AIR_PHY_1M || l->phy > BLE_AIR_PHY_CODED_S2 ||
	    l->ll_octets < BLE_AIR_LL_MIN || l->ll_octets > BLE_AIR_LL_MAX ||
	    l->att_mtu < BLE_AIR_MTU_MIN || l->att_mtu > BLE_AIR_MTU_MAX ||
	    l->interval_us < BLE_AIR_INTERVAL_MIN_US || l->interval_us > BLE_AIR_INTERVAL_MAX_US ||
	    l->interval_us % 1250u != 0u || l->latency > BLE_AIR_LATENCY_MAX) {
		return -1;
	}
	return 0;
}

uint32_t ble_air_packet_us(uint8_t phy, uint16_t payload, bool encrypted)
{
	uint32_t pdu = LL_HDR + payload + (encrypted && payload > 0u ? BLE_AIR_MIC_LEN : 0u);

	switch (phy) {
	case BLE_AIR_PHY_1M:
		return (1u + LL_AA + pdu + LL_CRC) * 8u;
	case BLE_AIR_PHY_2M:
		return (2u + LL_AA + pdu + LL_CRC) * 8u / 2u;
	case BLE_AIR_PHY_CODED_S8:
		return CODED_FEC1_US + (pdu * 8u + 24u + 3u) * 8u;
	case BLE_AIR_PHY_CODED_S2:
		return CODED_FEC1_US + (pdu * 8u + 24u + 3u) * 2u;
	default:
		return 0u;
	}
}

uint32_t ble_air_budget_us(const struct ble_air_link *l)
{
	if (l->ce_len_us != 0u && l->ce_len_us < l->interval_us) {
		return l->ce_len_us;
	}
	return l->interval_us;
}

uint16_t ble_air_ll_eff(const struct ble_air_link *l)
{
	uint32_t budget = ble_air_budget_us(l);
	uint16_t n;

	for (n = l->ll_octets; n > BLE_AIR_LL_MIN; n--) {
		if (2u * ble_air_packet_us(l->phy, n, l->encrypted) + 2u * BLE_AIR_TIFS_US <= budget) {
			break;
		}
	}
	return n;
}

uint32_t ble_air_value_packets(uint32_t value_len, uint16_t ll_eff)
{
	uint32_t pdu = value_len + BLE_AIR_ATT_HDR + BLE_AIR_L2CAP_HDR;

	return (pdu + ll_eff - 1u) / ll_eff;
}

/* Exchange time of LL fragment `f` of a write: central packet, T_IFS, empty answer, T_IFS. */
static uint32_t frag_pair_us(const struct ble_air_link *l, uint16_t ll, uint32_t pdu, uint32_t f)
{
	uint32_t p = (pdu + ll - 1u) / ll;
	uint32_t size = f + 1u < p ? ll : pdu - (p - 1u) * ll;

	return ble_air_packet_us(l->phy, (uint16_t)size, l->encrypted) + BLE_AIR_TIFS_US +
	       ble_air_packet_us(l->phy, 0, l->encrypted) + BLE_AIR_TIFS_US;
}

/* Exchange time of a central packet of `n` bytes and an empty answer, both T_IFS included. */
static uint32_t pair_us(const struct ble_air_link *l, uint16_t n)
{
	return ble_air_packet_us(l->phy, n, l->encrypted) + BLE_AIR_TIFS_US +
	       ble_air_packet_us(l->phy, 0, l->encrypted) + BLE_AIR_TIFS_US;
}

uint32_t ble_air_event_max(const struct ble_air_link *l)
{
	uint16_t ll = ble_air_ll_eff(l);
	/* an exchange fits when it ends inside the budget; its trailing T_IFS may overhang */
	uint32_t room = ble_air_budget_us(l) + BLE_AIR_TIFS_US;
	uint32_t full = pair_us(l, ll);
	uint32_t k = room / full;
	uint32_t bytes = k * ll;
	uint16_t n;

	if (k == 0u) {
		return ll; /* ll_eff guarantees one exchange of full packets per event */
	}
	room -= k * full;
	for (n = (uint16_t)(ll - 1u); n > 0u; n--) {
		if (pair_us(l, n) <= room) {
			bytes += n;
			break;
		}
	}
	return bytes;
}

double ble_air_write_limit(const struct ble_air_link *l)
{
	double ratio;

	if (ble_air_link_check(l) != 0) {
		return 0.0;
	}
	ratio = (double)(l->att_mtu - BLE_AIR_ATT_HDR) / (double)(l->att_mtu + BLE_AIR_L2CAP_HDR);
	return ratio * (double)ble_air_event_max(l) * 1e6 / (double)l->interval_us;
}

double ble_air_write_steady(const struct ble_air_link *l)
{
	uint16_t ll = ble_air_ll_eff(l);
	uint32_t v = (uint32_t)l->att_mtu - BLE_AIR_ATT_HDR;
	uint32_t pdu = v + BLE_AIR_ATT_HDR + BLE_AIR_L2CAP_HDR;
	uint32_t p = (pdu + ll - 1u) / ll;
	uint32_t budget = ble_air_budget_us(l);
	/* first event index and completed writes when an event starts at fragment f */
	int32_t seen_event[BLE_AIR_MTU_MAX / BLE_AIR_LL_MIN + 2];
	uint64_t seen_writes[BLE_AIR_MTU_MAX / BLE_AIR_LL_MIN + 2];
	uint32_t f = 0;
	uint64_t writes = 0;
	int32_t e;

	if (ble_air_link_check(l) != 0 || p > sizeof(seen_event) / sizeof(seen_event[0])) {
		return 0.0;
	}
	for (e = 0; e < (int32_t)p; e++) {
		seen_event[e] = -1;
	}
	for (e = 0;; e++) {
		uint32_t used = 0;

		if (seen_event[f] >= 0) {
			uint64_t w = writes - seen_writes[f];
			uint32_t events = (uint32_t)(e - seen_event[f]);

			return (double)w * (double)v * 1e6 / ((double)events * (double)l->interval_us);
		}
		seen_event[f] = e;
		seen_writes[f] = writes;
		for (;;) {
			uint32_t pair = frag_pair_us(l, ll, pdu, f);

			/* the last exchange needs no trailing T_IFS inside the event */
			if (used > 0u && used + pair - BLE_AIR_TIFS_US > budget) {
				break;
			}
			used += pair;
			if (f + 1u == p) {
				writes++;
			}
			f = (f + 1u) % p;
		}
	}
}

double ble_air_write_bound(const struct ble_air_link *l)
{
	uint16_t ll = ble_air_ll_eff(l);
	double ratio;

	if (ble_air_link_check(l) != 0) {
		return 0.0;
	}
	double per_event;

	ratio = (double)(l->att_mtu - BLE_AIR_ATT_HDR) / (double)(l->att_mtu + BLE_AIR_L2CAP_HDR);
	per_event = (double)ll * (double)(ble_air_budget_us(l) + BLE_AIR_TIFS_US) /
		    (double)pair_us(l, ll);
	if (per_event < (double)ll) {
		per_event = ll; /* an event always holds its first exchange */
	}
	return ratio * per_event * 1e6 / (double)l->interval_us;
}
