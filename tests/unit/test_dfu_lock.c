/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the DFU lock (spec nrf_desktop_dfu 7 and 15.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/err.h"

struct note {
	const struct sdfu_dfu_lock_owner *self;
	const struct sdfu_dfu_lock_owner *new_owner;
	int crit_depth; /* critical-section depth seen inside the callback */
};

static struct note notes[8];
static unsigned note_n;
static struct sdfu_dfu_lock lock;

static void changed(const struct sdfu_dfu_lock_owner *self,
		    const struct sdfu_dfu_lock_owner *new_owner)
{
	if (note_n < 8) {
		notes[note_n].self = self;
		notes[note_n].new_owner = new_owner;
		notes[note_n].crit_depth = fake_port_crit_depth();
	}
	note_n++;
}

static const struct sdfu_dfu_lock_owner a = {"A", changed, NULL};
static const struct sdfu_dfu_lock_owner b = {"B", changed, NULL};
static const struct sdfu_dfu_lock_owner c = {"C", changed, NULL};
static const struct sdfu_dfu_lock_owner quiet = {"quiet", NULL, NULL};

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	sdfu_dfu_lock_init(&lock);
	note_n = 0;
	memset(notes, 0, sizeof(notes));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(fake_port_crit_depth(), 0);
	return 0;
}

static void test_claim_release_basic(void **state)
{
	(void)state;
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_null(sdfu_dfu_lock_owner_get(&lock));
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &a), 0);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &a);
	/* claim by the current owner: no-op, no callback */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &a), 0);
	/* held by other: ACCES on claim */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &b), SDFU_ERR_ACCES);
	assert_int_equal(lock.claims_refused, 1);
	/* release by a non-owner: PERM, nothing changes (distinct from the claim error) */
	assert_int_equal(sdfu_dfu_lock_release(&lock, &b), SDFU_ERR_PERM);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &a);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &a), 0);
	assert_ptr_equal(sdfu_dfu_lock_previous(&lock), &a);
	/* release when free: PERM */
	assert_int_equal(sdfu_dfu_lock_release(&lock, &a), SDFU_ERR_PERM);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, NULL), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_dfu_lock_release(&lock, NULL), SDFU_ERR_PERM);
	assert_int_equal(note_n, 0);
}

static void test_notify_previous_on_handover(void **state)
{
	(void)state;
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &a), 0);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &a), 0);
	/* same owner again: not notified */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &a), 0);
	assert_int_equal(note_n, 0);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &a), 0);
	/* a different owner: A is told, inside the critical section, with B as argument */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &b), 0);
	assert_int_equal(note_n, 1);
	assert_ptr_equal(notes[0].self, &a);
	assert_ptr_equal(notes[0].new_owner, &b);
	assert_true(notes[0].crit_depth >= 1);
	/* B re-claims while holding: nothing */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &b), 0);
	assert_int_equal(note_n, 1);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &b), 0);
	/* previous is overwritten on release: now B is notified when A claims */
	assert_ptr_equal(sdfu_dfu_lock_previous(&lock), &b);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &a), 0);
	assert_int_equal(note_n, 2);
	assert_ptr_equal(notes[1].self, &b);
	assert_ptr_equal(notes[1].new_owner, &a);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &a), 0);
}

static void test_previous_not_cleared_and_three_owners(void **state)
{
	(void)state;
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &a), 0);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &a), 0);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &b), 0); /* A notified */
	assert_int_equal(note_n, 1);
	/* a refused claim while B holds changes nothing and notifies nobody */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &c), SDFU_ERR_ACCES);
	assert_int_equal(note_n, 1);
	/* previous stays A (not cleared by the notification) while B holds */
	assert_ptr_equal(sdfu_dfu_lock_previous(&lock), &a);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &b), 0);
	/* C claims: only B (the last releaser) is notified, not A again */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &c), 0);
	assert_int_equal(note_n, 2);
	assert_ptr_equal(notes[1].self, &b);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &c), 0);
	/* an owner without a callback is fine as previous */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &quiet), 0); /* C notified */
	assert_int_equal(note_n, 3);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &quiet), 0);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &a), 0);
	assert_int_equal(note_n, 3);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_release_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_previous_on_handover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_previous_not_cleared_and_three_owners, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
