/* SPDX-License-Identifier: Apache-2.0 */
/* One negative error enum for the whole core; mapped to SMP codes only at the SMP edge. */
#ifndef SDFU_ERR_H
#define SDFU_ERR_H

/**
 * Error codes returned by every sdfu_ function that can fail.
 * 0 is success; failures are negative, errno-like. Functions that return a size
 * return it as a non-negative int.
 */
enum sdfu_err {
	SDFU_OK = 0,
	SDFU_ERR_PERM = -1,        /**< not the owner / operation not permitted */
	SDFU_ERR_NOENT = -2,       /**< no such entry (no image, no slot, no hash match) */
	SDFU_ERR_IO = -5,          /**< flash or device I/O failure */
	SDFU_ERR_NOMEM = -12,      /**< a static pool or buffer is exhausted */
	SDFU_ERR_ACCES = -13,      /**< access denied (e.g. DFU lock held by another owner) */
	SDFU_ERR_BUSY = -16,       /**< resource busy, retry later */
	SDFU_ERR_EXIST = -17,      /**< already present / already pending */
	SDFU_ERR_INVAL = -22,      /**< invalid argument or request field */
	SDFU_ERR_NOSPC = -28,      /**< does not fit (image too large, flash full) */
	SDFU_ERR_RANGE = -34,      /**< offset or length outside the allowed range */
	SDFU_ERR_BADSTATE = -77,   /**< current state forbids the operation */
	SDFU_ERR_CORRUPT = -84,    /**< malformed data (frame, header, TLV, trailer) */
	SDFU_ERR_MSGSIZE = -90,    /**< message larger than the buffer */
	SDFU_ERR_NOTSUP = -95,     /**< not supported */
	SDFU_ERR_TIMEOUT = -110,   /**< timed out */
	SDFU_ERR_ALREADY = -114,   /**< already in that state */
	SDFU_ERR_VERIFY = -200,    /**< hash or signature check failed */
	SDFU_ERR_VERSION = -201,   /**< version check failed (not newer) */
};

#endif /* SDFU_ERR_H */
