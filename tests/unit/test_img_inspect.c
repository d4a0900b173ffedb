/* SPDX-License-Identifier: Apache-2.0 */
/* Table tests of the image group's pure parts: upload inspection and the next-boot/flag rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* The case table overrides FIRST() defaults on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"

#include "fake_port.h"
#include "flash/sim_flash.h"
#include "grp/img/img_priv.h"
#include "image_builder.h"
#include "sdfu/err.h"

/* ---- helpers -------------------------------------------------------------- */

/* A 64-byte first chunk: a 32-byte MCUboot header then filler. */
static void make_hdr(uint8_t *buf, uint32_t magic, uint8_t maj, uint8_t min, uint16_t rev,
		     uint32_t flags, uint32_t load_addr, uint16_t hdr_size)
{
	memset(buf, 0xA5, 64);
	ib_put_le32(buf + 0, magic);
	ib_put_le32(buf + 4, load_addr);
	ib_put_le16(buf + 8, hdr_size);
	ib_put_le16(buf + 10, 0);
	ib_put_le32(buf + 12, 1000);
	ib_put_le32(buf + 16, flags);
	buf[20] = maj;
	buf[21] = min;
	ib_put_le16(buf + 22, rev);
	ib_put_le32(buf + 24, 0);
	ib_put_le32(buf + 28, 0);
}

static const uint8_t SHA_A[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t SHA_B[33] = {9, 9, 9, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
				  18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33};

/* ---- upload inspection table ---------------------------------------------- */

enum sess { S_NONE = 0, S_ACTIVE_SHA3, S_ACTIVE_NOSHA };
enum slots { SL_SWAP = 0, SL_BOTH_BUSY, SL_DXIP_ACTIVE1 };

struct icase {
	const char *name;
	/* request */
	bool has_off;
	uint64_t off;
	bool has_len;
	uint64_t len;
	size_t data_len;
	uint32_t magic;
	uint16_t hdr_size;
	uint8_t ver_major;
	uint32_t flags;
	uint32_t load_addr;
	const uint8_t *sha;
	size_t sha_len;
	uint32_t image;
	bool upgrade;
	/* environment */
	enum sess sess;
	enum slots slots;
	bool rom_check;
	bool no_running_ver;
	/* expectation */
	enum sdfu_img_upload_verdict verdict;
	uint16_t err;
	uint32_t exp_off;
	uint8_t exp_slot;
	bool exp_start;
	bool exp_last;
	uint32_t exp_write_len;
};

#define MAGIC SDFU_IMAGE_MAGIC
#define CAP 100000u
/* the session of S_ACTIVE_*: slot 1, 5000 bytes, 1000 done */
#define SESS_SIZE 5000u
#define SESS_OFF 1000u

#define FIRST(...) .has_off = true, .off = 0, .has_len = true, .magic = MAGIC, .hdr_size = 32, \
		.data_len = 64, .ver_major = 2, __VA_ARGS__
#define CONT(...) .has_off = true, __VA_ARGS__

static const struct icase icases[] = {
	{"no off", .has_off = false, .data_len = 64, .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 20},
	{"first: 31 data bytes", FIRST(.len = 5000, .data_len = 31), .verdict = SDFU_IMG_UPLOAD_ERROR,
	 .err = 22},
	{"first: no data", FIRST(.len = 5000, .data_len = 0), .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 22},
	{"first: no len", FIRST(.has_len = false), .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 21},
	{"first: bad magic", FIRST(.len = 5000, .magic = 0x96f3b83c), .verdict = SDFU_IMG_UPLOAD_ERROR,
	 .err = 23},
	{"first: sha 33 bytes", FIRST(.len = 5000, .sha = SHA_B, .sha_len = 33),
	 .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 24},
	{"first: ok, new session", FIRST(.len = 5000, .sha = SHA_A, .sha_len = 32),
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true, .exp_write_len = 64},
	{"first: whole image in one chunk", FIRST(.len = 64), .verdict = SDFU_IMG_UPLOAD_WRITE,
	 .exp_slot = 1, .exp_start = true, .exp_last = true, .exp_write_len = 64},
	{"first: resume same 3-byte sha", FIRST(.len = 5000, .sha = SHA_A, .sha_len = 3),
	 .sess = S_ACTIVE_SHA3, .verdict = SDFU_IMG_UPLOAD_REPLY, .exp_off = SESS_OFF, .exp_slot = 1},
	{"first: resume ignores slots busy", FIRST(.len = 5000, .sha = SHA_A, .sha_len = 3),
	 .sess = S_ACTIVE_SHA3, .slots = SL_BOTH_BUSY, .verdict = SDFU_IMG_UPLOAD_REPLY,
	 .exp_off = SESS_OFF, .exp_slot = 1},
	{"first: same prefix, other length restarts", FIRST(.len = 5000, .sha = SHA_A, .sha_len = 4),
	 .sess = S_ACTIVE_SHA3, .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true,
	 .exp_write_len = 64},
	{"first: other sha restarts", FIRST(.len = 5000, .sha = SHA_B, .sha_len = 3),
	 .sess = S_ACTIVE_SHA3, .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true,
	 .exp_write_len = 64},
	{"first: no sha restarts", FIRST(.len = 5000), .sess = S_ACTIVE_NOSHA,
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true, .exp_write_len = 64},
	{"first: no free slot", FIRST(.len = 5000), .slots = SL_BOTH_BUSY,
	 .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 9},
	{"first: image 1 taken as image 0", FIRST(.len = 5000, .image = 1),
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true, .exp_write_len = 64},
	{"first: image 2 invalid", FIRST(.len = 5000, .image = 2), .verdict = SDFU_IMG_UPLOAD_ERROR,
	 .err = 14},
	{"first: direct-XIP running slot 1 -> slot 0", FIRST(.len = 5000), .slots = SL_DXIP_ACTIVE1,
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 0, .exp_start = true, .exp_write_len = 64},
	{"first: len = capacity", FIRST(.len = CAP), .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1,
	 .exp_start = true, .exp_write_len = 64},
	{"first: len > capacity", FIRST(.len = CAP + 1), .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 30},
	{"first: len > 4 GiB", FIRST(.len = 0x100000000ull), .verdict = SDFU_IMG_UPLOAD_ERROR,
	 .err = 30},
	{"first: data longer than len", FIRST(.len = 40), .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 31},
	{"first: hdr_size < 32", FIRST(.len = 5000, .hdr_size = 16), .verdict = SDFU_IMG_UPLOAD_ERROR,
	 .err = 22},
	{"first: upgrade, older", FIRST(.len = 5000, .ver_major = 0, .upgrade = true),
	 .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 27},
	{"first: upgrade, equal", FIRST(.len = 5000, .ver_major = 1, .upgrade = true),
	 .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 27},
	{"first: upgrade, newer", FIRST(.len = 5000, .ver_major = 2, .upgrade = true),
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true, .exp_write_len = 64},
	{"first: older without upgrade", FIRST(.len = 5000, .ver_major = 0),
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true, .exp_write_len = 64},
	{"first: upgrade, running version unknown", FIRST(.len = 5000, .upgrade = true),
	 .no_running_ver = true, .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 26},
	{"first: ROM_FIXED wrong address", FIRST(.len = 5000, .flags = SDFU_IMAGE_F_ROM_FIXED,
						.load_addr = 0x1000), .rom_check = true,
	 .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 25},
	{"first: ROM_FIXED right address", FIRST(.len = 5000, .flags = SDFU_IMAGE_F_ROM_FIXED,
						.load_addr = 0x80000), .rom_check = true,
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true, .exp_write_len = 64},
	{"first: ROM_FIXED unchecked", FIRST(.len = 5000, .flags = SDFU_IMAGE_F_ROM_FIXED,
					    .load_addr = 0x1000),
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_slot = 1, .exp_start = true, .exp_write_len = 64},
	{"cont: no session -> off 0", CONT(.off = 1000, .data_len = 100),
	 .verdict = SDFU_IMG_UPLOAD_REPLY, .exp_off = 0},
	{"cont: off behind -> expected", CONT(.off = 500, .data_len = 100), .sess = S_ACTIVE_SHA3,
	 .verdict = SDFU_IMG_UPLOAD_REPLY, .exp_off = SESS_OFF, .exp_slot = 1},
	{"cont: off ahead -> expected", CONT(.off = 1100, .data_len = 100), .sess = S_ACTIVE_SHA3,
	 .verdict = SDFU_IMG_UPLOAD_REPLY, .exp_off = SESS_OFF, .exp_slot = 1},
	{"cont: off > 4 GiB -> expected", CONT(.off = 0x100000000ull + SESS_OFF, .data_len = 10),
	 .sess = S_ACTIVE_SHA3, .verdict = SDFU_IMG_UPLOAD_REPLY, .exp_off = SESS_OFF, .exp_slot = 1},
	{"cont: in order", CONT(.off = SESS_OFF, .data_len = 100), .sess = S_ACTIVE_SHA3,
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_off = SESS_OFF, .exp_slot = 1, .exp_write_len = 100},
	{"cont: last chunk", CONT(.off = SESS_OFF, .data_len = SESS_SIZE - SESS_OFF),
	 .sess = S_ACTIVE_SHA3, .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_off = SESS_OFF, .exp_slot = 1,
	 .exp_last = true, .exp_write_len = SESS_SIZE - SESS_OFF},
	{"cont: overrun by one", CONT(.off = SESS_OFF, .data_len = SESS_SIZE - SESS_OFF + 1),
	 .sess = S_ACTIVE_SHA3, .verdict = SDFU_IMG_UPLOAD_ERROR, .err = 31, .exp_slot = 1},
	{"cont: empty data", CONT(.off = SESS_OFF, .data_len = 0), .sess = S_ACTIVE_SHA3,
	 .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_off = SESS_OFF, .exp_slot = 1, .exp_write_len = 0},
	{"cont: no len needed, len ignored", CONT(.off = SESS_OFF, .has_len = true, .len = 1,
						 .data_len = 10),
	 .sess = S_ACTIVE_SHA3, .verdict = SDFU_IMG_UPLOAD_WRITE, .exp_off = SESS_OFF, .exp_slot = 1,
	 .exp_write_len = 10},
};

static void run_icase(const struct icase *c)
{
	static uint8_t data[SESS_SIZE + 16];
	struct sdfu_img_upload sess;
	struct sdfu_img_upload_req req;
	struct sdfu_img_upload_env env;
	struct sdfu_img_upload_action act;

	memset(data, 0x5A, sizeof(data));
	make_hdr(data, c->magic, c->ver_major, 0, 0, c->flags, c->load_addr, c->hdr_size);

	memset(&sess, 0, sizeof(sess));
	sess.slot = -1;
	if (c->sess != S_NONE) {
		sess.slot = 1;
		sess.size = SESS_SIZE;
		sess.off = SESS_OFF;
		if (c->sess == S_ACTIVE_SHA3) {
			memcpy(sess.sha, SHA_A, 3);
			sess.sha_len = 3;
		}
	}
	memset(&req, 0, sizeof(req));
	req.has_off = c->has_off;
	req.off = c->off;
	req.has_len = c->has_len;
	req.len = c->len;
	req.data = data;
	req.data_len = c->data_len;
	req.sha = c->sha;
	req.sha_len = c->sha_len;
	req.image = c->image;
	req.upgrade = c->upgrade;

	memset(&env, 0, sizeof(env));
	env.session = &sess;
	env.slot_capacity[0] = CAP;
	env.slot_capacity[1] = CAP;
	env.slot_addr[0] = 0x10000;
	env.slot_addr[1] = 0x80000;
	env.check_rom_fixed = c->rom_check;
	env.have_running_ver = !c->no_running_ver;
	env.running_ver.major = 1;
	switch (c->slots) {
	case SL_SWAP:
		env.slot_in_use[0] = true;
		break;
	case SL_BOTH_BUSY:
		env.slot_in_use[0] = true;
		env.slot_in_use[1] = true;
		break;
	case SL_DXIP_ACTIVE1:
		env.slot_in_use[1] = true;
		break;
	}

	memset(&act, 0xEE, sizeof(act));
	sdfu_img_upload_inspect(&req, &env, &act);

	if (act.verdict != c->verdict || (c->verdict == SDFU_IMG_UPLOAD_ERROR && act.err != c->err)) {
		print_error("case '%s': verdict %d err %u, expected %d err %u\n", c->name,
			    (int)act.verdict, (unsigned)act.err, (int)c->verdict, (unsigned)c->err);
		fail();
	}
	if (c->verdict == SDFU_IMG_UPLOAD_ERROR) {
		return;
	}
	if (act.off != c->exp_off || act.slot != c->exp_slot || act.start != c->exp_start ||
	    act.last != c->exp_last ||
	    (c->verdict == SDFU_IMG_UPLOAD_WRITE && act.write_len != c->exp_write_len)) {
		print_error("case '%s': off %u slot %u start %d last %d wlen %u\n", c->name,
			    (unsigned)act.off, (unsigned)act.slot, act.start, act.last,
			    (unsigned)act.write_len);
		fail();
	}
	if (c->exp_start) {
		assert_int_equal(act.size, (uint32_t)c->len);
	}
	/* inspect never touches the session */
	assert_int_equal(sess.off, c->sess != S_NONE ? SESS_OFF : 0);
}

static void test_inspect_table(void **state)
{
	(void)state;
	fake_port_reset_state();
	for (size_t i = 0; i < sizeof(icases) / sizeof(icases[0]); i++) {
		run_icase(&icases[i]);
	}
	assert_int_equal(fake_port_crit_depth(), 0);
}

static void test_select_slot(void **state)
{
	struct sdfu_img_upload_env env;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.slot_capacity[0] = CAP;
	env.slot_capacity[1] = CAP;
	assert_int_equal(sdfu_img_select_slot(&env, 0), 0);
	env.slot_in_use[0] = true;
	assert_int_equal(sdfu_img_select_slot(&env, 0), 1);
	assert_int_equal(sdfu_img_select_slot(&env, 1), 1);
	assert_int_equal(sdfu_img_select_slot(&env, 2), -1);
	env.slot_capacity[1] = 0; /* no such slot */
	assert_int_equal(sdfu_img_select_slot(&env, 0), -1);
}

/* ---- next-boot / flags / in-use / set-next rules ---------------------------- */

struct vcase {
	const char *name;
	enum sdfu_boot_mode mode;
	uint8_t active;
	enum sdfu_boot_swap_type swap;
	bool present[2];
	uint8_t ver[2]; /* major versions */
	/* direct-XIP revert trailers: magic good, image_ok, copy_done per slot */
	bool dx_magic[2], dx_ok[2], dx_copy[2];
	/* expectations */
	uint8_t next;
	enum sdfu_img_next_kind kind;
	uint8_t flags[2];
	bool in_use[2];
};

#define A SDFU_IMG_F_ACTIVE
#define C SDFU_IMG_F_CONFIRMED
#define P SDFU_IMG_F_PENDING
#define PERM SDFU_IMG_F_PERMANENT
#define SWAP SDFU_BOOT_MODE_SWAP_SCRATCH
#define DX SDFU_BOOT_MODE_DIRECT_XIP
#define DXR SDFU_BOOT_MODE_DIRECT_XIP_REVERT

static const struct vcase vcases[] = {
	{"swap none", SWAP, 0, SDFU_BOOT_SWAP_NONE, {1, 1}, {1, 2}, .next = 0,
	 .kind = SDFU_IMG_NEXT_NORMAL, .flags = {A | C, 0}, .in_use = {1, 0}},
	{"swap test", SWAP, 0, SDFU_BOOT_SWAP_TEST, {1, 1}, {1, 2}, .next = 1,
	 .kind = SDFU_IMG_NEXT_TEST, .flags = {A | C, P}, .in_use = {1, 1}},
	{"swap perm", SWAP, 0, SDFU_BOOT_SWAP_PERM, {1, 1}, {1, 2}, .next = 1,
	 .kind = SDFU_IMG_NEXT_NORMAL, .flags = {A | C, P | PERM}, .in_use = {1, 1}},
	{"swap revert", SWAP, 0, SDFU_BOOT_SWAP_REVERT, {1, 1}, {2, 1}, .next = 1,
	 .kind = SDFU_IMG_NEXT_REVERT, .flags = {A, C}, .in_use = {1, 1}},
	{"overwrite test", SDFU_BOOT_MODE_OVERWRITE_ONLY, 0, SDFU_BOOT_SWAP_TEST, {1, 1}, {1, 2},
	 .next = 1, .kind = SDFU_IMG_NEXT_TEST, .flags = {A | C, P}, .in_use = {1, 1}},
	{"swap fail counts as none", SWAP, 0, SDFU_BOOT_SWAP_FAIL, {1, 0}, {1, 0}, .next = 0,
	 .kind = SDFU_IMG_NEXT_NORMAL, .flags = {A | C, 0}, .in_use = {1, 0}},
	{"dxip other newer", DX, 0, SDFU_BOOT_SWAP_NONE, {1, 1}, {1, 2}, .next = 1,
	 .kind = SDFU_IMG_NEXT_NORMAL, .flags = {A | C, P | PERM}, .in_use = {1, 0}},
	{"dxip other older", DX, 0, SDFU_BOOT_SWAP_NONE, {1, 1}, {3, 2}, .next = 0,
	 .kind = SDFU_IMG_NEXT_NORMAL, .flags = {A | C, 0}, .in_use = {1, 0}},
	{"dxip running slot 1, slot 0 older", DX, 1, SDFU_BOOT_SWAP_NONE, {1, 1}, {1, 2}, .next = 1,
	 .kind = SDFU_IMG_NEXT_NORMAL, .flags = {0, A | C}, .in_use = {0, 1}},
	{"dxip other empty", DX, 0, SDFU_BOOT_SWAP_NONE, {1, 0}, {1, 0}, .next = 0,
	 .kind = SDFU_IMG_NEXT_NORMAL, .flags = {A | C, 0}, .in_use = {1, 0}},
	{"dxr other newer, once", DXR, 0, SDFU_BOOT_SWAP_NONE, {1, 1}, {1, 2}, .dx_magic = {1, 1},
	 .dx_ok = {1, 0}, .next = 1, .kind = SDFU_IMG_NEXT_TEST, .flags = {A | C, P},
	 .in_use = {1, 1}},
	{"dxr other newer, forever", DXR, 0, SDFU_BOOT_SWAP_NONE, {1, 1}, {1, 2}, .dx_magic = {1, 1},
	 .dx_ok = {1, 1}, .next = 1, .kind = SDFU_IMG_NEXT_NORMAL, .flags = {A | C, P | PERM},
	 .in_use = {1, 1}},
	{"dxr other newer, no trailer", DXR, 0, SDFU_BOOT_SWAP_NONE, {1, 1}, {1, 2},
	 .dx_magic = {1, 0}, .dx_ok = {1, 0}, .next = 0, .kind = SDFU_IMG_NEXT_NORMAL,
	 .flags = {A | C, 0}, .in_use = {1, 0}},
	{"dxr running unconfirmed test", DXR, 1, SDFU_BOOT_SWAP_NONE, {1, 1}, {1, 2},
	 .dx_magic = {1, 1}, .dx_ok = {1, 0}, .dx_copy = {0, 1}, .next = 0,
	 .kind = SDFU_IMG_NEXT_REVERT, .flags = {C, A}, .in_use = {1, 1}},
};

static void run_vcase(const struct vcase *c)
{
	struct sdfu_img_view v;
	enum sdfu_img_next_kind kind;

	memset(&v, 0, sizeof(v));
	v.mode = c->mode;
	v.active = c->active;
	v.swap = c->swap;
	for (int i = 0; i < 2; i++) {
		v.info_rc[i] = c->present[i] ? 0 : SDFU_ERR_NOENT;
		v.info[i].hdr.ver.major = c->ver[i];
		v.tr[i].magic = c->dx_magic[i] ? SDFU_BOOT_MAGIC_GOOD : SDFU_BOOT_MAGIC_UNSET;
		v.tr[i].image_ok = c->dx_ok[i] ? SDFU_BOOT_FLAG_SET : SDFU_BOOT_FLAG_UNSET;
		v.tr[i].copy_done = c->dx_copy[i] ? SDFU_BOOT_FLAG_SET : SDFU_BOOT_FLAG_UNSET;
	}
	uint8_t next = sdfu_img_next_boot(&v, &kind);

	if (next != c->next || kind != c->kind) {
		print_error("case '%s': next %u kind %d\n", c->name, next, (int)kind);
		fail();
	}
	for (uint8_t s = 0; s < 2; s++) {
		if (sdfu_img_slot_flags(&v, s) != c->flags[s] ||
		    sdfu_img_slot_in_use(&v, s) != c->in_use[s]) {
			print_error("case '%s' slot %u: flags %x in_use %d\n", c->name, s,
				    sdfu_img_slot_flags(&v, s), sdfu_img_slot_in_use(&v, s));
			fail();
		}
	}
}

static void test_view_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		run_vcase(&vcases[i]);
	}
}

/* set_next admission, swap mode, active slot 0 */
struct scase {
	const char *name;
	enum sdfu_boot_swap_type swap;
	uint8_t slot;
	bool confirm;
	uint16_t err;
	bool noop;
};

static const struct scase scases[] = {
	{"none: test other", SDFU_BOOT_SWAP_NONE, 1, false, 0, false},
	{"none: perm other", SDFU_BOOT_SWAP_NONE, 1, true, 0, false},
	{"none: test active", SDFU_BOOT_SWAP_NONE, 0, false, 33, false},
	{"none: confirm active", SDFU_BOOT_SWAP_NONE, 0, true, 0, true},
	{"test: test same again", SDFU_BOOT_SWAP_TEST, 1, false, 0, true},
	{"test: make it permanent", SDFU_BOOT_SWAP_TEST, 1, true, 28, false},
	{"test: confirm active", SDFU_BOOT_SWAP_TEST, 0, true, 28, false},
	{"test: test active", SDFU_BOOT_SWAP_TEST, 0, false, 33, false},
	{"perm: confirm other again", SDFU_BOOT_SWAP_PERM, 1, true, 0, true},
	{"perm: test other", SDFU_BOOT_SWAP_PERM, 1, false, 28, false},
	{"perm: confirm active", SDFU_BOOT_SWAP_PERM, 0, true, 28, false},
	{"revert: confirm active", SDFU_BOOT_SWAP_REVERT, 0, true, 0, false},
	{"revert: confirm other", SDFU_BOOT_SWAP_REVERT, 1, true, 0, true},
	{"revert: test other", SDFU_BOOT_SWAP_REVERT, 1, false, 28, false},
};

static void test_set_next_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct scase *c = &scases[i];
		struct sdfu_img_view v;
		bool noop = true;

		memset(&v, 0, sizeof(v));
		v.mode = SWAP;
		v.swap = c->swap;
		uint16_t err = sdfu_img_set_next_check(&v, c->slot, c->confirm, &noop);

		if (err != c->err || (err == 0 && noop != c->noop)) {
			print_error("case '%s': err %u noop %d\n", c->name, err, noop);
			fail();
		}
	}
}

/* Capacity per boot mode on the nrf52840 layout (118 sectors of 4 KiB per slot): swap-move
 * must keep one sector free besides the trailer's; the other modes only lose the trailer. */
static void test_slot_capacity(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *sec;
	struct sdfu_boot_trailer_layout lo;
	uint32_t tr_sec;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
	sec = &f.areas[SDFU_FA_SECONDARY];
	assert_int_equal(sec->size, 118u * 4096u);

	sdfu_boot_trailer_layout(sec, SDFU_BOOT_MODE_SWAP_MOVE, &lo);
	tr_sec = (lo.trailer_size + 4095u) / 4096u;
	assert_int_equal(tr_sec, 1);
	assert_int_equal(sdfu_img_slot_capacity(sec, SDFU_BOOT_MODE_SWAP_MOVE), 116u * 4096u);

	sdfu_boot_trailer_layout(sec, SDFU_BOOT_MODE_SWAP_SCRATCH, &lo);
	assert_int_equal(sdfu_img_slot_capacity(sec, SDFU_BOOT_MODE_SWAP_SCRATCH),
			 sec->size - lo.trailer_size);
	sdfu_boot_trailer_layout(sec, SDFU_BOOT_MODE_OVERWRITE_ONLY, &lo);
	assert_int_equal(sdfu_img_slot_capacity(sec, SDFU_BOOT_MODE_OVERWRITE_ONLY),
			 sec->size - lo.trailer_size);
	assert_true(sdfu_img_slot_capacity(sec, SDFU_BOOT_MODE_OVERWRITE_ONLY) >
		    sdfu_img_slot_capacity(sec, SDFU_BOOT_MODE_SWAP_MOVE));
	assert_int_equal(sdfu_img_slot_capacity(NULL, SDFU_BOOT_MODE_SWAP_MOVE), 0);
	sim_flash_close(&f);
}

static void test_translate(void **state)
{
	(void)state;
	static const struct {
		uint16_t grp;
		int rc;
	} t[] = {{0, 0}, {1, 1}, {3, 5}, {4, 5}, {8, 1}, {9, 6}, {14, 3}, {15, 2}, {20, 3}, {21, 3},
		 {22, 3}, {23, 1}, {24, 3}, {25, 3}, {27, 6}, {28, 6}, {30, 1}, {31, 1}, {32, 1},
		 {33, 1}, {34, 1}, {999, 1}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sdfu_img_translate(t[i].grp), t[i].rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_table),
		cmocka_unit_test(test_select_slot),
		cmocka_unit_test(test_view_table),
		cmocka_unit_test(test_set_next_table),
		cmocka_unit_test(test_slot_capacity),
		cmocka_unit_test(test_translate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
