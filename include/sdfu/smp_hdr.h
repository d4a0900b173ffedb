/* SPDX-License-Identifier: Apache-2.0 */
/* SMP wire format: the 8-byte header codec, ops, versions and MGMT_ERR codes. */
#ifndef SDFU_SMP_HDR_H
#define SDFU_SMP_HDR_H

#include <stdint.h>

/* ---- Wire constants (MCUmgr) ------------------------------------------ */
#define SDFU_SMP_HDR_SIZE 8

enum sdfu_smp_op {
	SDFU_SMP_OP_READ = 0,
	SDFU_SMP_OP_READ_RSP = 1,
	SDFU_SMP_OP_WRITE = 2,
	SDFU_SMP_OP_WRITE_RSP = 3,
};

enum sdfu_smp_ver {
	SDFU_SMP_VER_1 = 0, /**< legacy "rc" errors */
	SDFU_SMP_VER_2 = 1, /**< group "err" errors */
};

/** MGMT_ERR_* values carried in "rc". */
enum sdfu_mgmt_err {
	SDFU_MGMT_EOK = 0,
	SDFU_MGMT_EUNKNOWN = 1,
	SDFU_MGMT_ENOMEM = 2,
	SDFU_MGMT_EINVAL = 3,
	SDFU_MGMT_ETIMEOUT = 4,
	SDFU_MGMT_ENOENT = 5,
	SDFU_MGMT_EBADSTATE = 6,
	SDFU_MGMT_EMSGSIZE = 7,
	SDFU_MGMT_ENOTSUP = 8,
	SDFU_MGMT_ECORRUPT = 9,
	SDFU_MGMT_EBUSY = 10,
	SDFU_MGMT_EACCESSDENIED = 11,
	SDFU_MGMT_UNSUPPORTED_TOO_OLD = 12,
	SDFU_MGMT_UNSUPPORTED_TOO_NEW = 13,
};

/** Decoded 8-byte SMP header (host order). */
struct sdfu_smp_hdr {
	uint8_t op;      /**< enum sdfu_smp_op (3 bits) */
	uint8_t ver;     /**< enum sdfu_smp_ver (2 bits) */
	uint8_t flags;
	uint16_t len;    /**< CBOR payload length */
	uint16_t group;
	uint8_t seq;
	uint8_t id;      /**< command id */
};

/** Encode `hdr` into 8 bytes at `out` (big-endian, byte by byte). */
void sdfu_smp_hdr_encode(const struct sdfu_smp_hdr *hdr, uint8_t out[SDFU_SMP_HDR_SIZE]);
/** Decode 8 bytes at `in`. Never fails; the caller checks the fields. */
void sdfu_smp_hdr_decode(const uint8_t in[SDFU_SMP_HDR_SIZE], struct sdfu_smp_hdr *hdr);

#endif /* SDFU_SMP_HDR_H */
