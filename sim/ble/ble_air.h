/* SPDX-License-Identifier: Apache-2.0 */
/* BLE air-time arithmetic: packet durations per PHY, connection-event packing, link limits. */
#ifndef SDFU_SIM_BLE_AIR_H
#define SDFU_SIM_BLE_AIR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Pure functions, no state, no OS: the physical bounds of a BLE connection
 * (Core spec v5.x Vol 6 Part B 2.1 / 2.2 packet formats, 4.5.1 connection
 * events, 4.1.1 T_IFS). The formulas are documented in docs/PROTOCOL.md 3.2.
 *
 * Uncoded PHYs: preamble (1 B on 1M, 2 B on 2M) + access address 4 + header 2
 * + payload + MIC 4 (encrypted link, non-empty payload) + CRC 3, at 1 or 2 Mbit/s.
 * Coded PHY (S=2 or S=8): preamble 80 us + access address 256 us + CI 16 us +
 * TERM1 24 us at S=8, then (header 2 + payload + MIC) * 8 + CRC 24 + TERM2 3 bits
 * at S us per bit.
 */

#define BLE_AIR_TIFS_US 150u          /**< inter-frame space between packets */
#define BLE_AIR_MIC_LEN 4u            /**< MIC of an encrypted non-empty PDU */
#define BLE_AIR_L2CAP_HDR 4u          /**< L2CAP basic header: length + CID */
#define BLE_AIR_ATT_HDR 3u            /**< ATT opcode + handle of a write command / notification */
#define BLE_AIR_LL_MIN 27u            /**< LL payload without data length extension */
#define BLE_AIR_LL_MAX 251u           /**< LL payload with data length extension */
#define BLE_AIR_MTU_MIN 23u
#define BLE_AIR_MTU_MAX 517u
#define BLE_AIR_INTERVAL_MIN_US 7500u
#define BLE_AIR_INTERVAL_MAX_US 4000000u
#define BLE_AIR_LATENCY_MAX 499u

/** PHY codes of the socket protocol (docs/PROTOCOL.md). */
enum ble_air_phy {
	BLE_AIR_PHY_1M = 1,
	BLE_AIR_PHY_2M = 2,
	BLE_AIR_PHY_CODED_S8 = 3,
	BLE_AIR_PHY_CODED_S2 = 4,
};

/** Parameters of one connection as both sides use them. */
struct ble_air_link {
	uint8_t phy;          /**< enum ble_air_phy */
	bool encrypted;       /**< MIC on non-empty packets */
	uint16_t ll_octets;   /**< LL payload limit (data length), both directions, 27..251 */
	uint16_t att_mtu;     /**< 23..517 */
	uint32_t interval_us; /**< 7500..4000000, a multiple of 1250 */
	uint16_t latency;     /**< peripheral latency, events it may skip */
	uint32_t ce_len_us;   /**< longest connection event; 0 = the whole interval */
};

/** 0 when every field is in range (see the defines), else -1. */
int ble_air_link_check(const struct ble_air_link *l);

/** Air time of one LL data packet with `payload` bytes (0 = empty packet), us; 0 for a bad PHY. */
uint32_t ble_air_packet_us(uint8_t phy, uint16_t payload, bool encrypted);

/** Time a connection event may use: min(ce_len, interval), us. */
uint32_t ble_air_budget_us(const struct ble_air_link *l);

/**
 * LL payload actually used per packet: ll_octets, lowered (like connMaxTxTime)
 * until one exchange of two such packets plus 2 T_IFS fits the event budget.
 */
uint16_t ble_air_ll_eff(const struct ble_air_link *l);

/** LL packets carrying one ATT write / notification value of `value_len` bytes. */
uint32_t ble_air_value_packets(uint32_t value_len, uint16_t ll_eff);

/**
 * Most L2CAP bytes the central can get through in one event when the peripheral
 * answers with empty packets: as many full ll_eff packets as fit, then the largest
 * shorter packet that still fits (packing any other way carries less).
 */
uint32_t ble_air_event_max(const struct ble_air_link *l);

/**
 * The link limit: ATT write value bytes per second no traffic pattern can beat:
 * ble_air_event_max() per interval, times (mtu-3)/(mtu+4) (a write of value v costs
 * v + 7 L2CAP bytes, and v <= mtu-3). Peripheral latency does not lower it (a busy
 * peripheral listens at every event), notifications and NAKs only take room. B/s.
 */
double ble_air_write_limit(const struct ble_air_link *l);

/**
 * Steady stream of full writes (mtu-3 bytes each), whole exchanges packed per event
 * over a cycle of events: what a long upload of full writes gets. <= the limit. B/s.
 * (2M PHY, DLE 251, MTU 247, 7.5 ms, encrypted: 5 writes per event, 162.7 kB/s.)
 */
double ble_air_write_steady(const struct ble_air_link *l);

/**
 * A looser closed form: full-packet efficiency times the whole event,
 * (mtu-3)/(mtu+4) * ll * (budget + T_IFS) / (T(ll) + T_IFS + T(0) + T_IFS) / interval.
 * >= ble_air_write_limit(). B/s.
 */
double ble_air_write_bound(const struct ble_air_link *l);

#endif /* SDFU_SIM_BLE_AIR_H */
