/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: SMP frame decoder and dispatcher (OS + image groups) on a RAM nrf52840 device. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "sdfu/err.h"

/*
 * The input is one receive buffer given to sdfu_smp_process(): one or more SMP frames
 * back to back (so a buffer can hold a whole upload session). Checks: every response is
 * a well-formed frame with a CBOR map, the return value is the frame count or
 * SDFU_ERR_CORRUPT for a short buffer, the simulated flash saw no rule violation
 * (unaligned write, write over programmed bytes, partial-sector erase), the running
 * image in the primary slot is unchanged (only its trailer may be written), and the upload
 * session targets the secondary slot with an offset never past its length.
 */
int fz_smp_one(const uint8_t *data, size_t size)
{
	unsigned rsp = 0;
	int rc;

	fz_dev_reset();
	rc = sdfu_smp_process(&fz.srv, NULL, data, size, fz_tx_check, &rsp);
	if (size < SDFU_SMP_HDR_SIZE) {
		FZ_CHECK(rc == SDFU_ERR_CORRUPT && rsp == 0);
	} else {
		FZ_CHECK(rc >= 1);
		FZ_CHECK(rsp == (unsigned)rc); /* exactly one response per handled frame */
	}
	FZ_CHECK(fz.fl.stats.violations == 0);
	fz_check_running_image_unchanged();
	if (fz.img.upload.slot >= 0) {
		FZ_CHECK(fz.img.upload.off <= fz.img.upload.size);
		FZ_CHECK(fz.img.upload.slot == 1);
	}
	return 0;
}

#ifndef FZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_smp_one(data, size);
}
#endif
