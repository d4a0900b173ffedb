/* SPDX-License-Identifier: Apache-2.0 */
/* Boot flows through the bootloader simulation with imgtool images: swap, overwrite, direct-XIP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/sim_boot.h"
#include "fake_port.h"
#include "flash/sim_flash.h"
#include "image_builder.h"
#include "sdfu/boot.h"
#include "sdfu/err.h"

/*
 * Every flow is a scenario: a flash layout, a boot mode, up to NIMG imgtool images and a list
 * of steps. A step acts (write an image, request an upgrade, confirm, cut the power...) or
 * boots and checks what the bootloader reports; a field left 0 is not checked.
 */

#define NIMG 4
enum { I1 = 1, I2, I3, I4 }; /* image numbers in a scenario (0: none) */
#define PRI SDFU_FA_PRIMARY
#define SEC SDFU_FA_SECONDARY

/* An image: version, body length, body seed, EC signing key name ("a", "b"; NULL unsigned). */
struct img_spec {
	const char *ver;
	size_t body_len;
	uint32_t seed;
	const char *key;
};

struct run;

enum op {
	OP_END = 0,
	OP_WRITE,     /* image `img` into `slot` */
	OP_STAGE,     /* image 1 into the primary, image 2 into the secondary, request (arg: permanent) */
	OP_REQUEST,   /* request an upgrade of the secondary (arg: permanent) */
	OP_SET_NEXT,  /* direct-XIP: the secondary for the next boot */
	OP_CONFIRM,   /* confirm slot `arg` (0, 1) */
	OP_SWAP_TYPE, /* the application's view: sdfu_boot_swap_type() == arg */
	OP_FLIP,      /* image `img`: byte `arg` ^= mask (in memory) */
	OP_PROVISION, /* image `img` through a file and sim_boot_provision() */
	OP_REFUSE,    /* image `img` for upgrade (arg: permanent): refused and erased, image 1 boots */
	OP_CUT,       /* power cut at flash op `arg` (torn write) */
	OP_REOPEN,    /* the process dies: the flash file is opened again */
	OP_CALL,      /* only the step's check */
	OP_BOOT,      /* run the bootloader and check */
};

/* OP_BOOT expectations, stored + 1 so that 0 means "not checked" */
#define ACT(a) .act = (int)SIM_BOOT_ACT_##a + 1
#define SWAP(s) .swap = (int)SDFU_BOOT_SWAP_##s + 1
#define ACTIVE(s) .active = (s) + 1

struct step {
	enum op op;
	int img;
	enum sdfu_flash_area_id slot;
	int arg;
	uint8_t mask;
	int rc;                        /* OP_BOOT: return value */
	int act, swap, active;         /* OP_BOOT: action, swap type, active slot (+1) */
	int ver;                       /* OP_BOOT: the booted version is this image's */
	int pri, sec;                  /* OP_BOOT: the images the slots hold */
	bool resumed;                  /* OP_BOOT: an interrupted swap was completed */
	bool nokeys;                   /* OP_BOOT: without the scenario's trusted key */
	void (*check)(struct run *r);  /* after the op */
};

struct scenario {
	const char *name;
	const char *layout;
	enum sdfu_boot_mode mode;
	bool trust;                    /* boot with EC key "a" trusted */
	bool downgrade_prevention;
	bool file;                     /* a file-backed flash */
	struct img_spec img[NIMG];
	const struct step *steps;
};

struct img {
	uint8_t *b;
	size_t len;
};

struct run {
	const struct scenario *sc;
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img img[NIMG + 1];
	char path[600];
};

static uint8_t *ec_der;
static size_t ec_der_len;
static struct sdfu_boot_key ec_key;
static struct sdfu_boot_keys trust_ec;

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	if (ib_pubkey_der(ib_key(IB_KEY_EC, "a"), &ec_der, &ec_der_len) != 0) {
		return -1;
	}
	ec_key.alg = SDFU_SIG_ECDSA_P256;
	ec_key.der = ec_der;
	ec_key.der_len = ec_der_len;
	trust_ec.keys = &ec_key;
	trust_ec.count = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ec_der);
	return 0;
}

static struct img mk(struct sim_flash *f, const struct img_spec *s)
{
	struct ib_sign_opts o = { 0 };
	uint8_t *body = ib_body(s->body_len, s->seed);
	struct img i;

	o.key = s->key != NULL ? ib_key(IB_KEY_EC, s->key) : NULL;
	o.version = s->ver;
	o.slot_size = f->areas[SDFU_FA_SECONDARY].size;
	o.align = f->dev.write_align;
	assert_int_equal(ib_sign(&o, body, s->body_len, &i.b, &i.len, NULL), 0);
	free(body);
	return i;
}

static const struct sdfu_flash_area *area(struct run *r, enum sdfu_flash_area_id id)
{
	return sim_flash_area(&r->f, id);
}

static void slot_has(struct run *r, enum sdfu_flash_area_id id, int n)
{
	const struct img *i = &r->img[n];
	uint8_t *buf = malloc(i->len);

	assert_int_equal(sim_flash_peek(&r->f, r->f.areas[id].off, buf, i->len), 0);
	assert_memory_equal(buf, i->b, i->len);
	free(buf);
}

static void write_img(struct run *r, enum sdfu_flash_area_id id, int n)
{
	assert_int_equal(sim_boot_write_image(&r->f, id, r->img[n].b, r->img[n].len), 0);
}

static void request(struct run *r, bool permanent)
{
	assert_int_equal(sdfu_boot_request_upgrade(area(r, SEC), r->sc->mode, permanent), 0);
}

/* The booted version is image n's (its "maj.min.rev" spec). */
static void check_version(struct run *r, int n)
{
	unsigned maj = 0, min = 0, rev = 0;

	assert_int_equal(sscanf(r->sc->img[n - 1].ver, "%u.%u.%u", &maj, &min, &rev), 3);
	assert_int_equal(r->rep.booted_ver.major, maj);
	assert_int_equal(r->rep.booted_ver.minor, min);
	assert_int_equal(r->rep.booted_ver.revision, rev);
}

static void boot(struct run *r, const struct step *s)
{
	struct sim_boot_cfg cfg = {
		.mode = r->sc->mode,
		.keys = r->sc->trust && !s->nokeys ? &trust_ec : NULL,
		.downgrade_prevention = r->sc->downgrade_prevention,
	};

	assert_int_equal(sim_boot_run_ex(&r->f, &cfg, &r->ctx, &r->rep), s->rc);
	if (s->act != 0) {
		assert_int_equal(r->rep.action, s->act - 1);
	}
	if (s->swap != 0) {
		assert_int_equal(r->rep.swap_type, s->swap - 1);
	}
	if (s->active != 0) {
		assert_int_equal(r->ctx.active_slot, s->active - 1);
	}
	if (s->ver != 0) {
		check_version(r, s->ver);
	}
	if (s->resumed) {
		assert_true(r->rep.resumed);
	}
	if (s->pri != 0) {
		slot_has(r, PRI, s->pri);
	}
	if (s->sec != 0) {
		slot_has(r, SEC, s->sec);
	}
}

/* Image n as an upgrade that must be refused: dropped (secondary erased), image 1 keeps running. */
static void refuse(struct run *r, int n, bool permanent)
{
	const struct step refused = { .op = OP_BOOT, ACT(REFUSED), SWAP(FAIL), .ver = I1, .pri = I1 };
	const struct step quiet = { .op = OP_BOOT, ACT(NONE) };

	write_img(r, SEC, n);
	request(r, permanent);
	boot(r, &refused);
	assert_true(sdfu_flash_area_is_erased(r->ctx.slot[1], 0, r->ctx.slot[1]->size));
	boot(r, &quiet);
}

static void open_flash(struct run *r)
{
	assert_int_equal(sim_flash_open(&r->f, sim_layout_get(r->sc->layout), r->sc->file ? r->path : NULL), 0);
}

static void do_step(struct run *r, const struct step *s)
{
	switch (s->op) {
	case OP_WRITE:
		write_img(r, s->slot, s->img);
		break;
	case OP_STAGE:
		write_img(r, PRI, I1);
		write_img(r, SEC, I2);
		request(r, s->arg != 0);
		break;
	case OP_REQUEST:
		request(r, s->arg != 0);
		break;
	case OP_SET_NEXT:
		assert_int_equal(sdfu_boot_set_next(area(r, SEC), r->sc->mode, false, false), 0);
		break;
	case OP_CONFIRM:
		assert_int_equal(sdfu_boot_confirm(area(r, s->arg == 0 ? PRI : SEC), r->sc->mode), 0);
		break;
	case OP_SWAP_TYPE:
		assert_int_equal(sdfu_boot_swap_type(area(r, PRI), area(r, SEC), r->sc->mode), s->arg);
		break;
	case OP_FLIP:
		r->img[s->img].b[s->arg] ^= s->mask;
		break;
	case OP_PROVISION: {
		char path[700];

		snprintf(path, sizeof(path), "%s/img%d.bin", ib_tmpdir(), s->img);
		assert_int_equal(ib_save(path, r->img[s->img].b, r->img[s->img].len), 0);
		assert_int_equal(sim_boot_provision(&r->f, path), 0);
		break;
	}
	case OP_REFUSE:
		refuse(r, s->img, s->arg != 0);
		break;
	case OP_CUT:
		sim_flash_cut_at(&r->f, (uint64_t)s->arg, SIM_FLASH_CUT_TORN_WRITE, 50);
		break;
	case OP_REOPEN:
		sim_flash_close(&r->f);
		open_flash(r);
		break;
	case OP_BOOT:
		boot(r, s);
		break;
	case OP_CALL:
	case OP_END:
	default:
		break;
	}
	if (s->check != NULL) {
		s->check(r);
	}
}

static void run_scenario(void **state)
{
	const struct scenario *sc = *state;
	struct run r = { .sc = sc };

	snprintf(r.path, sizeof(r.path), "%s/flash.bin", ib_tmpdir());
	open_flash(&r);
	for (int n = 0; n < NIMG && sc->img[n].ver != NULL; n++) {
		r.img[n + 1] = mk(&r.f, &sc->img[n]);
	}
	for (const struct step *s = sc->steps; s->op != OP_END; s++) {
		do_step(&r, s);
	}
	assert_int_equal(r.f.stats.violations, 0);
	for (int n = 1; n <= NIMG; n++) {
		free(r.img[n].b);
	}
	sim_flash_close(&r.f);
}

/* ---- checks of their own ---------------------------------------------------------- */

static void first_boot_ctx(struct run *r)
{
	assert_int_equal(r->ctx.mode, r->sc->mode);
	assert_ptr_equal(r->ctx.slot[0], area(r, PRI));
	assert_int_equal(r->ctx.active_slot, 0);
}

static void trust_passed_on(struct run *r)
{
	assert_ptr_equal(r->ctx.keys.keys, &ec_key);
	assert_int_equal(r->ctx.keys.count, 1);
}

/* Scratch: the second image ends inside the sector holding the trailer (last sector at
 * 0x75000, trailer from 0x76000 - 1584). */
static void ends_in_trailer_sector(struct run *r)
{
	assert_true(r->img[I2].len > 0x75000 && r->img[I2].len <= 0x76000 - 1584);
}

/* No stale progress left in the scratch trailer: it is no status source (as in MCUboot it
 * may hold the image data of the last step, never a GOOD magic). */
static void scratch_not_good(struct run *r)
{
	struct sdfu_boot_trailer tr;

	assert_int_equal(sdfu_boot_trailer_read(area(r, SDFU_FA_SCRATCH), r->sc->mode, &tr), 0);
	assert_int_not_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
}

/* Status writes in the primary trailer fail always (MCUboot run_with_status_fails). */
static void status_writes_fail(struct run *r)
{
	const struct sdfu_flash_area *pri = area(r, PRI);
	struct sdfu_boot_trailer_layout lo;

	sdfu_boot_trailer_layout(pri, r->sc->mode, &lo);
	sim_flash_bad_region(&r->f, pri->off + lo.status_off, lo.swap_size_off - lo.status_off, 1000, 3);
}

static void writes_failed(struct run *r)
{
	assert_true(r->f.stats.failed > 0);
}

static void secondary_gone(struct run *r)
{
	struct sdfu_image_info info;

	assert_int_equal(sdfu_image_read_info(r->ctx.slot[1], &info), SDFU_ERR_NOENT);
}

static void nothing_booted(struct run *r)
{
	assert_int_equal(r->rep.booted_slot, -1);
}

static void primary_erased(struct run *r)
{
	assert_true(sdfu_flash_area_is_erased(r->ctx.slot[0], 0, 64));
}

static void power_lost(struct run *r)
{
	assert_false(r->f.powered); /* only the harness knows it was a power cut */
}

/* ---- the flows -------------------------------------------------------------------- */

/* test -> reboot -> new runs -> reboot without confirm -> old back; then test -> confirm -> stays. */
static const struct step test_revert_confirm[] = {
	{ .op = OP_WRITE, .img = I1, .slot = PRI },
	{ .op = OP_BOOT, ACT(NONE), .ver = I1, .check = first_boot_ctx },
	{ .op = OP_WRITE, .img = I2, .slot = SEC },
	{ .op = OP_REQUEST },
	{ .op = OP_BOOT, ACT(UPGRADE), SWAP(TEST), .ver = I2, .pri = I2, .sec = I1 },
	{ .op = OP_SWAP_TYPE, .arg = SDFU_BOOT_SWAP_REVERT }, /* the application sees a pending revert */
	{ .op = OP_BOOT, ACT(REVERT), SWAP(REVERT), .ver = I1, .pri = I1, .sec = I2 },
	{ .op = OP_BOOT, ACT(NONE), .ver = I1 },
	{ .op = OP_REQUEST },
	{ .op = OP_BOOT, .ver = I2 },
	{ .op = OP_CONFIRM, .arg = 0 },
	{ .op = OP_SWAP_TYPE, .arg = SDFU_BOOT_SWAP_NONE },
	{ .op = OP_BOOT, ACT(NONE), .ver = I2, .pri = I2 },
	{ .op = OP_END },
};
#define TEST_REVERT_IMAGES { { "1.0.0", 9000, 1, NULL }, { "2.0.0", 13000, 2, NULL } }

/* An image using all sectors below the trailer (0x76000 slot = 118 sectors, trailer in the
 * last: 117 usable by scratch): too big for move, fine for scratch. */
#define MAX_SIZE_IMAGES { { "1.0.0", 5000, 20, NULL }, { "3.0.0", 116u * 4096u + 1000u, 21, NULL } }
static const struct step max_size_move[] = {
	{ .op = OP_STAGE },
	{ .op = OP_BOOT, ACT(REFUSED), .ver = I1 },
	{ .op = OP_END },
};
static const struct step max_size_scratch[] = {
	{ .op = OP_STAGE },
	{ .op = OP_BOOT, ACT(UPGRADE), .ver = I2, .pri = I2, .sec = I1 },
	{ .op = OP_BOOT, ACT(REVERT), .pri = I1, .sec = I2 },
	{ .op = OP_END },
};

/* Scratch: images that end inside the sector holding the trailer swap and revert. */
static const struct step scratch_trailer_sector[] = {
	{ .op = OP_CALL, .check = ends_in_trailer_sector },
	{ .op = OP_STAGE },
	{ .op = OP_BOOT, ACT(UPGRADE), .ver = I2, .pri = I2, .sec = I1, .check = scratch_not_good },
	{ .op = OP_BOOT, ACT(REVERT), .pri = I1, .sec = I2 },
	{ .op = OP_REQUEST, .arg = 1 },
	{ .op = OP_BOOT, .ver = I2 },
	{ .op = OP_BOOT, ACT(NONE), .ver = I2 },
	{ .op = OP_END },
};

/* Status writes that always fail do not stop a swap. */
static const struct step status_write_failures[] = {
	{ .op = OP_STAGE, .check = status_writes_fail },
	{ .op = OP_BOOT, .ver = I2, .pri = I2, .sec = I1, .check = writes_failed },
	{ .op = OP_BOOT, ACT(REVERT), .pri = I1 },
	{ .op = OP_END },
};

/* Permanent: a smaller new image, the old bigger one is fully in the secondary. */
static const struct step swap_permanent[] = {
	{ .op = OP_STAGE, .arg = 1 },
	{ .op = OP_BOOT, SWAP(PERM), .ver = I2, .pri = I2, .sec = I1, .check = trust_passed_on },
	{ .op = OP_BOOT, ACT(NONE), .ver = I2 },
	{ .op = OP_BOOT, ACT(NONE), .ver = I2 },
	{ .op = OP_END },
};

/* Bad signature, unsigned, corrupt: refused; the bad-signature image is fine without keys. */
static const struct step refused_upgrades[] = {
	{ .op = OP_FLIP, .img = I4, .arg = 0x200 + 10, .mask = 0x80 },
	{ .op = OP_WRITE, .img = I1, .slot = PRI },
	{ .op = OP_REFUSE, .img = I2 },
	{ .op = OP_REFUSE, .img = I3, .arg = 1 },
	{ .op = OP_REFUSE, .img = I4 },
	{ .op = OP_WRITE, .img = I2, .slot = SEC },
	{ .op = OP_REQUEST },
	{ .op = OP_BOOT, .ver = I2, .nokeys = true },
	{ .op = OP_END },
};
#define REFUSED_IMAGES { { "1.0.0", 7000, 5, "a" }, { "2.0.0", 7000, 6, "b" }, \
		{ "2.0.0", 7000, 7, NULL }, { "2.0.0", 7000, 8, "a" } }

/* "test" is effectively permanent; a downgrade is refused. */
static const struct step overwrite_only[] = {
	{ .op = OP_STAGE },
	{ .op = OP_BOOT, ACT(UPGRADE), .ver = I2, .pri = I2, .check = secondary_gone },
	{ .op = OP_BOOT, ACT(NONE), .ver = I2 },
	{ .op = OP_WRITE, .img = I3, .slot = SEC },
	{ .op = OP_REQUEST, .arg = 1 },
	{ .op = OP_BOOT, ACT(REFUSED), .ver = I2 },
	{ .op = OP_END },
};

/* The higher version wins, wherever it is; a corrupt higher version is erased. */
static const struct step direct_xip[] = {
	{ .op = OP_BOOT, .rc = SDFU_ERR_NOENT, .check = nothing_booted },
	{ .op = OP_WRITE, .img = I1, .slot = PRI },
	{ .op = OP_BOOT, ACTIVE(0) },
	{ .op = OP_WRITE, .img = I2, .slot = SEC },
	{ .op = OP_BOOT, ACTIVE(1), .ver = I2 },
	{ .op = OP_WRITE, .img = I3, .slot = PRI },
	{ .op = OP_BOOT, ACTIVE(0) },
	{ .op = OP_FLIP, .img = I3, .arg = 0x200, .mask = 1 },
	{ .op = OP_WRITE, .img = I3, .slot = PRI },
	{ .op = OP_BOOT, ACTIVE(1), .check = primary_erased },
	{ .op = OP_END },
};

/* An image without trailer magic is not bootable in this mode: provisioning adds it. A test
 * of image 2 boots once (copy_done set), then is reverted; confirmed, it stays. */
static const struct step direct_xip_revert[] = {
	{ .op = OP_WRITE, .img = I1, .slot = PRI },
	{ .op = OP_BOOT, .rc = SDFU_ERR_NOENT },
	{ .op = OP_PROVISION, .img = I1 },
	{ .op = OP_BOOT, ACTIVE(0) },
	{ .op = OP_WRITE, .img = I2, .slot = SEC },
	{ .op = OP_BOOT, ACTIVE(0) }, /* no magic yet: erased, not chosen */
	{ .op = OP_WRITE, .img = I2, .slot = SEC },
	{ .op = OP_SET_NEXT },
	{ .op = OP_BOOT, ACTIVE(1) },
	{ .op = OP_BOOT, ACT(REVERT), ACTIVE(0) },
	{ .op = OP_WRITE, .img = I2, .slot = SEC },
	{ .op = OP_SET_NEXT },
	{ .op = OP_BOOT, ACTIVE(1) },
	{ .op = OP_CONFIRM, .arg = 1 },
	{ .op = OP_BOOT, ACTIVE(1) },
	{ .op = OP_BOOT, ACTIVE(1) },
	{ .op = OP_END },
};

/* A file-backed device: a power cut mid-swap, the process "dies", a new one resumes. */
static const struct step file_backed_resume[] = {
	{ .op = OP_STAGE },
	{ .op = OP_CUT, .arg = 12 },
	{ .op = OP_BOOT, .rc = SDFU_ERR_IO, .check = power_lost },
	{ .op = OP_REOPEN },
	{ .op = OP_BOOT, .resumed = true, .ver = I2, .pri = I2, .sec = I1 },
	{ .op = OP_END },
};

#define MOVE SDFU_BOOT_MODE_SWAP_MOVE
#define SCRATCH SDFU_BOOT_MODE_SWAP_SCRATCH
#define OVERWRITE SDFU_BOOT_MODE_OVERWRITE_ONLY

/* The test / revert / confirm flow on a layout in a swap mode. */
#define TEST_REVERT(layout, mode, mode_name)                                                        \
	{ "test_revert_confirm/" layout "/" mode_name, layout, mode, .img = TEST_REVERT_IMAGES,     \
	  .steps = test_revert_confirm }

static const struct scenario scenarios[] = {
	{ "file_backed_resume", "nrf52840", MOVE, .file = true,
	  .img = { { "1.0.0", 9000, 50, NULL }, { "2.0.0", 12000, 51, NULL } }, .steps = file_backed_resume },
	TEST_REVERT("nrf52840", MOVE, "move"),
	TEST_REVERT("mixed8", MOVE, "move"),
	TEST_REVERT("large128k", MOVE, "move"),
	TEST_REVERT("nrf52840", SCRATCH, "scratch"),
	TEST_REVERT("mixed8", SCRATCH, "scratch"),
	TEST_REVERT("large128k", SCRATCH, "scratch"),
	{ "swap_permanent", "nrf52840", MOVE, .trust = true,
	  .img = { { "1.0.0", 20000, 3, "a" }, { "1.1.0", 5000, 4, "a" } }, .steps = swap_permanent },
	{ "max_size/move", "nrf52840", MOVE, .img = MAX_SIZE_IMAGES, .steps = max_size_move },
	{ "max_size/scratch", "nrf52840", SCRATCH, .img = MAX_SIZE_IMAGES, .steps = max_size_scratch },
	{ "status_write_failures/move", "nrf52840", MOVE,
	  .img = { { "1.0.0", 9000, 30, NULL }, { "2.0.0", 11000, 31, NULL } }, .steps = status_write_failures },
	{ "status_write_failures/scratch", "nrf52840", SCRATCH,
	  .img = { { "1.0.0", 9000, 30, NULL }, { "2.0.0", 11000, 31, NULL } }, .steps = status_write_failures },
	{ "scratch_trailer_sector", "nrf52840", SCRATCH,
	  .img = { { "1.0.0", 0x75000 - 0x200 + 1000, 40, NULL }, { "2.0.0", 0x75000 - 0x200 + 2400, 41, NULL } },
	  .steps = scratch_trailer_sector },
	{ "refused_upgrades/move", "nrf52840", MOVE, .trust = true, .img = REFUSED_IMAGES,
	  .steps = refused_upgrades },
	{ "refused_upgrades/overwrite", "nrf52840", OVERWRITE, .trust = true, .img = REFUSED_IMAGES,
	  .steps = refused_upgrades },
	{ "overwrite_only", "mixed8", OVERWRITE, .downgrade_prevention = true,
	  .img = { { "1.0.0", 30000, 9, NULL }, { "2.0.0", 17000, 10, NULL }, { "0.9.0", 17000, 11, NULL } },
	  .steps = overwrite_only },
	{ "direct_xip", "nrf52840", SDFU_BOOT_MODE_DIRECT_XIP,
	  .img = { { "1.0.0", 4000, 12, NULL }, { "1.0.1", 4000, 13, NULL }, { "1.0.2", 4000, 14, NULL } },
	  .steps = direct_xip },
	{ "direct_xip_revert", "mixed8", SDFU_BOOT_MODE_DIRECT_XIP_REVERT,
	  .img = { { "1.0.0", 4000, 15, NULL }, { "2.0.0", 4000, 16, NULL } }, .steps = direct_xip_revert },
};

#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

static void test_mode_names(void **state)
{
	enum sdfu_boot_mode m;

	(void)state;
	assert_int_equal(sim_boot_mode_parse("swap", &m), 0);
	assert_int_equal(m, SDFU_BOOT_MODE_SWAP_MOVE);
	assert_int_equal(sim_boot_mode_parse("direct-xip-revert", &m), 0);
	assert_int_equal(m, SDFU_BOOT_MODE_DIRECT_XIP_REVERT);
	assert_string_equal(sim_boot_mode_name(SDFU_BOOT_MODE_OVERWRITE_ONLY), "overwrite-only");
	assert_int_equal(sim_boot_mode_parse("nope", &m), SDFU_ERR_INVAL);
}

int main(void)
{
	struct CMUnitTest tests[NSCEN + 1] = { cmocka_unit_test(test_mode_names) };

	for (size_t i = 0; i < NSCEN; i++) {
		tests[i + 1] = (struct CMUnitTest){ .name = scenarios[i].name, .test_func = run_scenario,
						   .initial_state = (void *)&scenarios[i] };
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
