// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The generation state machine (agent/kern/generation.c) over private maps
 * of its own (a dry-run instance of the object, nothing pinned): start,
 * go live, refuse, reload, apply with and without a confirm window,
 * confirm, roll back, rewrite after drift.  What the maps hold is read
 * back from them; what the policy file holds, from the file.
 */
#include "harness.h"
#include "generation.h"

struct genv {
	struct ef_dp dp;
	struct ef_gen g;
	char dir[64], file[96], other[96];
	char *a, *b, *c; /* policy texts: the test policy, minus one rule, minus another */
	int live_calls;
	char last_verb[32];
};

static void went_live(void *ctx, const char *verb)
{
	struct genv *e = ctx;

	e->live_calls++;
	snprintf(e->last_verb, sizeof(e->last_verb), "%s", verb);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *get_file(const char *path)
{
	size_t len;
	struct ef_diag d;
	char *t;

	ef_diag_init(&d, path);
	t = ef_policy_read(path, &len, &d);
	ef_diag_free(&d);
	return t;
}

static __u32 maps_epoch(struct genv *e)
{
	__u32 ep = 0;

	assert_int_equal(ef_epoch_get(&e->dp.maps, &ep), 0);
	return ep;
}

/* The rule a generation's maps credit for TCP av:443 exists or not: read
 * from the rule names the generation holds. */
static bool has_rule(const struct ef_gen *g, const char *name)
{
	for (size_t i = 0; i < g->comp[0].nrules; i++)
		if (!strcmp(g->names[i], name))
			return true;
	return false;
}

static int gen_setup(void **state)
{
	struct ef_dp_opts o = { .dry_run = true, .only_hook = 1 + EF_HOOK_INGRESS };
	struct genv *e = calloc(1, sizeof(*e));
	struct ef_diag d;

	snprintf(e->dir, sizeof(e->dir), "/tmp/edgefw-gen-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->file, sizeof(e->file), "%s/policy.json", e->dir);
	snprintf(e->other, sizeof(e->other), "%s/other.json", e->dir);
	e->a = test_policy_text("enforce", "enforce", NULL);
	e->b = test_policy_text("enforce", "enforce", "ext-av-stun-tcp-443-in");
	e->c = test_policy_text("enforce", "enforce", "ext-webconf-psom-443-in");
	put_file(e->file, e->a);
	assert_int_equal(ef_dp_open(&e->dp, NULL, &o), 0);
	e->g.maps = &e->dp.maps;
	e->g.policy_path = e->file;
	e->g.node = "edge1";
	e->g.mode_override = -1;
	e->g.went_live = went_live;
	e->g.ctx = e;
	ef_diag_init(&d, e->file);
	assert_int_equal(ef_gen_load(&e->g, &d), 0);
	ef_diag_free(&d);
	assert_int_equal(ef_gen_start(&e->g, 1, NULL, 0), 0);
	*state = e;
	return 0;
}

static int gen_teardown(void **state)
{
	struct genv *e = *state;
	char cmd[128];

	ef_gen_free(&e->g);
	ef_dp_close(&e->dp, true);
	free(e->a);
	free(e->b);
	free(e->c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

static void test_gen_start_and_go_live(void **state)
{
	struct genv *e = *state;
	struct ef_diag d;

	assert_int_equal(maps_epoch(e), 1);
	assert_int_equal(e->g.epoch[0], 1);
	assert_true(has_rule(&e->g, "ext-av-stun-tcp-443-in"));
	assert_int_equal(e->live_calls, 0); /* the start is the owner's to report */
	ef_diag_init(&d, "b");
	assert_int_equal(ef_gen_go_live(&e->g, "b", strdup(e->b), strlen(e->b), &d), 0);
	ef_diag_free(&d);
	assert_int_equal(maps_epoch(e), 2);
	assert_int_equal(e->g.epoch[0], 2);
	assert_int_equal(e->g.epoch[1], 1);
	assert_false(has_rule(&e->g, "ext-av-stun-tcp-443-in"));
	assert_int_equal(e->live_calls, 1);
	assert_string_equal(e->last_verb, "reloaded");
	/* events of generation 1 still in flight still find their rule names */
	for (unsigned r = 0; r < e->g.comp[1].nrules; r++)
		assert_string_equal(ef_gen_rule_name(&e->g, 1, (__u16)r),
				    ef_compiled_rule_name(&e->g.comp[1], r));
	assert_null(ef_gen_rule_name(&e->g, 7, 0));
}

static void test_gen_refused_changes_nothing(void **state)
{
	struct genv *e = *state;
	char *moved = strdup(e->a), *p;
	struct ef_diag d;

	/* invalid: a reversed port range */
	ef_diag_init(&d, "bad");
	assert_int_equal(ef_gen_go_live(&e->g, "bad", strdup("{\"rules\": 7}"), 12, &d), -EINVAL);
	assert_true(d.errors > 0);
	ef_diag_free(&d);
	/* another NIC set: the programs would have to be attached again */
	p = strstr(moved, IF_EXT);
	assert_non_null(p);
	p[0] = 'X';
	ef_diag_init(&d, "moved");
	assert_int_equal(ef_gen_go_live(&e->g, "moved", moved, strlen(moved), &d), -EBUSY);
	assert_true(ef_diag_has(&d, "the node's interfaces changed; restart edgefw to re-attach"));
	ef_diag_free(&d);
	assert_int_equal(maps_epoch(e), 1);
	assert_int_equal(e->g.epoch[0], 1);
	assert_int_equal(e->live_calls, 0);
	assert_true(has_rule(&e->g, "ext-av-stun-tcp-443-in"));
}

static void test_gen_reload_reads_the_file(void **state)
{
	struct genv *e = *state;
	struct ef_diag d;

	put_file(e->file, e->b);
	ef_diag_init(&d, e->file);
	assert_int_equal(ef_gen_reload(&e->g, &d), 0);
	ef_diag_free(&d);
	assert_int_equal(maps_epoch(e), 2);
	assert_false(has_rule(&e->g, "ext-av-stun-tcp-443-in"));
	/* a reload is confirmed at once: nothing to confirm */
	ef_diag_init(&d, e->file);
	assert_int_equal(ef_gen_confirm(&e->g, &d), -ENOENT);
	assert_true(ef_diag_has(&d, "nothing to confirm"));
	ef_diag_free(&d);
	/* an invalid file: refused, the live generation stays */
	put_file(e->file, "{");
	ef_diag_init(&d, e->file);
	assert_true(ef_gen_reload(&e->g, &d) < 0);
	ef_diag_free(&d);
	assert_int_equal(maps_epoch(e), 2);
}

/* e->b written to e->other and applied (to be confirmed within seconds; 0:
 * at once), which must succeed */
static void apply_b(struct genv *e, long within)
{
	struct ef_diag d;

	put_file(e->other, e->b);
	ef_diag_init(&d, e->other);
	assert_int_equal(ef_gen_apply(&e->g, e->other, within, &d), 0);
	ef_diag_free(&d);
}

/* the policy file holds text */
static void file_holds(struct genv *e, const char *text)
{
	char *f = get_file(e->file);

	assert_string_equal(f, text);
	free(f);
}

static void test_gen_apply_confirmed_at_once(void **state)
{
	struct genv *e = *state;

	apply_b(e, 0);
	assert_int_equal(maps_epoch(e), 2);
	assert_int_equal(e->g.confirm_by, 0);
	/* written to the policy file */
	file_holds(e, e->b);
}

static void test_gen_apply_rolls_back_unless_confirmed(void **state)
{
	struct genv *e = *state;
	time_t t0 = time(NULL);
	struct ef_diag d;

	apply_b(e, 30);
	assert_int_equal(maps_epoch(e), 2);
	assert_true(e->g.confirm_by >= t0 + 30 && e->g.confirm_by <= time(NULL) + 30);
	/* not written until confirmed */
	file_holds(e, e->a);
	/* a reload inside the window stays unconfirmed: the rollback still
	 * returns to what was confirmed before the apply */
	put_file(e->file, e->c);
	ef_diag_init(&d, e->file);
	assert_int_equal(ef_gen_reload(&e->g, &d), 0);
	ef_diag_free(&d);
	assert_int_equal(maps_epoch(e), 3);
	assert_int_equal(ef_gen_tick(&e->g, e->g.confirm_by - 1), 0);
	assert_int_equal(maps_epoch(e), 3);
	assert_int_equal(ef_gen_tick(&e->g, e->g.confirm_by), 1);
	assert_int_equal(maps_epoch(e), 4);
	assert_int_equal(e->g.confirm_by, 0);
	assert_true(has_rule(&e->g, "ext-av-stun-tcp-443-in"));
	assert_true(has_rule(&e->g, "ext-webconf-psom-443-in"));
	assert_int_equal(e->g.live_len, strlen(e->a));
	assert_memory_equal(e->g.live, e->a, e->g.live_len);
	/* and the file holds the rolled-back policy again */
	file_holds(e, e->a);
	assert_int_equal(ef_gen_tick(&e->g, time(NULL) + 3600), 0); /* nothing due */
}

static void test_gen_apply_confirmed_in_time(void **state)
{
	struct genv *e = *state;
	struct ef_diag d;

	apply_b(e, 30);
	ef_diag_init(&d, e->file);
	assert_int_equal(ef_gen_confirm(&e->g, &d), 0);
	ef_diag_free(&d);
	assert_int_equal(e->g.confirm_by, 0);
	file_holds(e, e->b);
	/* past the old deadline: nothing rolls back */
	assert_int_equal(ef_gen_tick(&e->g, time(NULL) + 3600), 0);
	assert_int_equal(maps_epoch(e), 2);
	assert_false(has_rule(&e->g, "ext-av-stun-tcp-443-in"));
}

static void test_gen_rewrite_after_drift(void **state)
{
	struct genv *e = *state;
	struct ef_ctl ctl = { .epoch = 41 };
	__u32 k = 0;

	/* someone wrote another generation number into the maps */
	assert_int_equal(bpf_map_update_elem(e->dp.maps.ctl, &k, &ctl, BPF_ANY), 0);
	assert_int_equal(ef_gen_rewrite(&e->g), 0);
	assert_int_equal(maps_epoch(e), 42);
	assert_int_equal(e->g.epoch[0], 42);
	assert_int_equal(e->g.epoch[1], 0);
	assert_true(has_rule(&e->g, "ext-av-stun-tcp-443-in"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_gen_start_and_go_live, gen_setup, gen_teardown),
	cmocka_unit_test_setup_teardown(test_gen_refused_changes_nothing, gen_setup, gen_teardown),
	cmocka_unit_test_setup_teardown(test_gen_reload_reads_the_file, gen_setup, gen_teardown),
	cmocka_unit_test_setup_teardown(test_gen_apply_confirmed_at_once, gen_setup, gen_teardown),
	cmocka_unit_test_setup_teardown(test_gen_apply_rolls_back_unless_confirmed, gen_setup,
					gen_teardown),
	cmocka_unit_test_setup_teardown(test_gen_apply_confirmed_in_time, gen_setup, gen_teardown),
	cmocka_unit_test_setup_teardown(test_gen_rewrite_after_drift, gen_setup, gen_teardown),
};

const struct prog_group generation_group = {
	.name = "generation",
	.what = "the policy generations: go live, refuse, reload, apply, confirm, roll back",
	.tests = tests,
	.n = sizeof(tests) / sizeof(tests[0]),
};
