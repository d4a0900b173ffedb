/* SPDX-License-Identifier: Apache-2.0 */
/* Shared libFuzzer harness: a RAM nrf52840 device with OS + image groups and a provisioned image. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zcbor_decode.h>

#include "fake_port.h"
#include "sdfu/err.h"

struct fz_dev fz;
static bool fz_inited;

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "FUZZ INVARIANT FAILED %s:%d: %s\n", file, line, what);
	fprintf(stderr, "last log: %s\n", fake_port_last_log());
	abort();
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	FZ_CHECK(ib_sha256(p, n, out) == 0);
}

static void mark_dirty(uint32_t off, size_t len)
{
	uint32_t end = (uint32_t)(off + len);

	if (end > fz.fl.dev.size) {
		end = fz.fl.dev.size;
	}
	if (off < fz.dirty_lo) {
		fz.dirty_lo = off;
	}
	if (end > fz.dirty_hi) {
		fz.dirty_hi = end;
	}
}

static void guard(const char *op, uint32_t off, size_t len)
{
	if (fz.guard_on && (off < fz.guard_lo || (uint64_t)off + len > fz.guard_hi)) {
		fprintf(stderr, "FUZZ: %s outside the allowed range: off=0x%x len=0x%zx (allowed 0x%x..0x%x)\n",
			op, (unsigned)off, len, (unsigned)fz.guard_lo, (unsigned)fz.guard_hi);
		abort();
	}
}

static int guarded_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	guard("write", off, len);
	mark_dirty(off, len);
	return fz.real_write(ctx, off, buf, len);
}

static int guarded_erase(void *ctx, uint32_t off, size_t len)
{
	guard("erase", off, len);
	mark_dirty(off, len);
	return fz.real_erase(ctx, off, len);
}

void fz_flash_sha(uint32_t off, uint32_t len, uint8_t out[32])
{
	FZ_CHECK((uint64_t)off + len <= fz.fl.dev.size);
	sha256(fz.fl.mem + off, len, out);
}

void fz_check_primary_unchanged(void)
{
	const struct sdfu_flash_area *p = sim_flash_area(&fz.fl, SDFU_FA_PRIMARY);

	/* the snapshot was taken right after provisioning */
	FZ_CHECK(memcmp(fz.fl.mem + p->off, fz.snap.mem + p->off, p->size) == 0);
}

void fz_check_running_image_unchanged(void)
{
	const struct sdfu_flash_area *p = sim_flash_area(&fz.fl, SDFU_FA_PRIMARY);

	FZ_CHECK(memcmp(fz.fl.mem + p->off, fz.running.buf, fz.running.len) == 0);
}

void fz_dev_init(void)
{
	const struct sdfu_flash_area *p;

	if (fz_inited) {
		return;
	}
	fz_inited = true;
	memset(&fz, 0, sizeof(fz));
	FZ_CHECK(sim_flash_open(&fz.fl, sim_layout_get("nrf52840"), NULL) == 0);
	fz.real_write = fz.fl.dev.write;
	fz.real_erase = fz.fl.dev.erase;
	fz.fl.dev.write = guarded_write;
	fz.fl.dev.erase = guarded_erase;
	FZ_CHECK(ib_build(&fz.running, 1, 0, 0, 3000, 1, 0) == 0);
	FZ_CHECK(ib_build(&fz.update, 1, 1, 0, 5001, 2, 0) == 0);
	p = sim_flash_area(&fz.fl, SDFU_FA_PRIMARY);
	FZ_CHECK(sim_flash_poke(&fz.fl, p->off, fz.running.buf, fz.running.len) == 0);
	fz_flash_sha(p->off, p->size, fz.primary_sha);
	FZ_CHECK(sim_flash_snapshot_take(&fz.fl, &fz.snap) == 0);
	fz.dirty_lo = fz.fl.dev.size;
	fz.dirty_hi = 0;
	fz_dev_reset();
}

void fz_dev_reset(void)
{
	static const struct sdfu_os_info info = {.kernel_name = "smpdfu", .node_name = "fuzz"};

	fz_dev_init();
	if (fz.dirty_hi > fz.dirty_lo) {
		FZ_CHECK(sim_flash_snapshot_restore_range(&fz.fl, &fz.snap, fz.dirty_lo,
							  fz.dirty_hi - fz.dirty_lo) == 0);
	}
	fz.dirty_lo = fz.fl.dev.size;
	fz.dirty_hi = 0;
	fz.guard_on = false;
	sim_flash_stats_reset(&fz.fl);
	fake_port_reset_state();
	memset(&fz.boot, 0, sizeof(fz.boot));
	fz.boot.mode = SDFU_BOOT_MODE_SWAP_MOVE;
	fz.boot.slot[0] = sim_flash_area(&fz.fl, SDFU_FA_PRIMARY);
	fz.boot.slot[1] = sim_flash_area(&fz.fl, SDFU_FA_SECONDARY);
	fz.boot.active_slot = 0;
	sdfu_timer_list_init(&fz.timers);
	sdfu_smp_server_init(&fz.srv);
	FZ_CHECK(sdfu_os_init(&fz.os, &fz.srv, &fz.timers, &fz.boot, &info) == 0);
	FZ_CHECK(sdfu_img_init(&fz.img, &fz.srv, &fz.boot) == 0);
}

void fz_check_rsp(const uint8_t *frame, size_t len)
{
	struct sdfu_smp_hdr h;
	zcbor_state_t zs[4];

	FZ_CHECK(len >= SDFU_SMP_HDR_SIZE);
	FZ_CHECK(len <= SDFU_SMP_BUF_SIZE);
	sdfu_smp_hdr_decode(frame, &h);
	FZ_CHECK((size_t)h.len + SDFU_SMP_HDR_SIZE == len);
	FZ_CHECK(h.op == SDFU_SMP_OP_READ_RSP || h.op == SDFU_SMP_OP_WRITE_RSP);
	FZ_CHECK(h.ver <= SDFU_SMP_VER_2);
	FZ_CHECK(h.flags == 0);
	FZ_CHECK(h.len > 0);
	FZ_CHECK((frame[SDFU_SMP_HDR_SIZE] >> 5) == ZCBOR_MAJOR_TYPE_MAP);
	/* one item, exactly filling the payload (zcbor_any_skip walks nested containers) */
	zcbor_new_decode_state(zs, 4, frame + SDFU_SMP_HDR_SIZE, h.len, 1, NULL, 0);
	FZ_CHECK(zcbor_any_skip(zs, NULL));
	FZ_CHECK(zs->payload == frame + len);
}

static bool key_is(const struct zcbor_string *k, const char *want)
{
	size_t n = strlen(want);

	return k->len == n && memcmp(k->value, want, n) == 0;
}

void fz_rsp_fields(const uint8_t *frame, size_t len, struct fz_rsp_fields *f)
{
	zcbor_state_t zs[5];

	memset(f, 0, sizeof(*f));
	zcbor_new_decode_state(zs, 5, frame + SDFU_SMP_HDR_SIZE, len - SDFU_SMP_HDR_SIZE, 1, NULL, 0);
	FZ_CHECK(zcbor_map_start_decode(zs));
	while (!zcbor_array_at_end(zs)) {
		struct zcbor_string k;

		FZ_CHECK(zcbor_tstr_decode(zs, &k));
		if (key_is(&k, "off")) {
			FZ_CHECK(zcbor_uint64_decode(zs, &f->off));
			f->has_off = true;
		} else if (key_is(&k, "match")) {
			FZ_CHECK(zcbor_bool_decode(zs, &f->match));
			f->has_match = true;
		} else if (key_is(&k, "rc")) {
			FZ_CHECK(zcbor_uint64_decode(zs, &f->rc));
			f->has_rc = true;
		} else if (key_is(&k, "err")) {
			FZ_CHECK(zcbor_map_start_decode(zs));
			while (!zcbor_array_at_end(zs)) {
				struct zcbor_string k2;

				FZ_CHECK(zcbor_tstr_decode(zs, &k2));
				if (key_is(&k2, "group")) {
					FZ_CHECK(zcbor_uint64_decode(zs, &f->err_group));
				} else if (key_is(&k2, "rc")) {
					FZ_CHECK(zcbor_uint64_decode(zs, &f->err_rc));
				} else {
					FZ_CHECK(zcbor_any_skip(zs, NULL));
				}
			}
			FZ_CHECK(zcbor_map_end_decode(zs));
			f->has_err = true;
		} else {
			FZ_CHECK(zcbor_any_skip(zs, NULL));
		}
	}
	FZ_CHECK(zcbor_map_end_decode(zs));
}

int fz_tx_check(void *ctx, const uint8_t *frame, size_t len)
{
	unsigned *n = ctx;

	fz_check_rsp(frame, len);
	if (n != NULL) {
		(*n)++;
	}
	return 0;
}

static int ram_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct fz_ram_flash *r = ctx;

	FZ_CHECK((uint64_t)off + len <= r->dev.size);
	memcpy(buf, r->mem + off, len);
	return 0;
}

static int ram_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	FZ_CHECK(!"parser wrote to flash");
	return SDFU_ERR_IO;
}

static int ram_erase(void *ctx, uint32_t off, size_t len)
{
	(void)ctx;
	(void)off;
	(void)len;
	FZ_CHECK(!"parser erased flash");
	return SDFU_ERR_IO;
}

void fz_ram_flash_init(struct fz_ram_flash *r, uint32_t size, const uint8_t *data, size_t len)
{
	FZ_CHECK(size % 4096u == 0 && size > 0 && size <= FZ_RAM_FLASH_MAX);
	memset(&r->dev, 0, sizeof(r->dev));
	r->dev.ctx = r;
	r->dev.read = ram_read;
	r->dev.write = ram_write;
	r->dev.erase = ram_erase;
	r->dev.size = size;
	r->dev.write_align = 4;
	r->dev.erased_val = 0xFF;
	r->dev.sector_range_count = 1;
	r->dev.sectors[0].count = size / 4096u;
	r->dev.sectors[0].size = 4096u;
	r->fa.id = SDFU_FA_SECONDARY;
	r->fa.dev = &r->dev;
	r->fa.off = 0;
	r->fa.size = size;
	if (len > size) {
		len = size;
	}
	memcpy(r->mem, data, len);
	memset(r->mem + len, 0xFF, size - len);
}
