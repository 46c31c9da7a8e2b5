// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The block and allow list files: parsing (errors name the line), the
 * canonical form, the diff a sync writes, the map key layout, and the
 * atomic file round trip.  No BPF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "listfile.h"

static struct {
	struct ef_list l;
	struct ef_diag d;
	int rc;
} F;

static int teardown(void **state)
{
	(void)state;
	ef_list_free(&F.l);
	ef_diag_free(&F.d);
	memset(&F, 0, sizeof(F));
	return 0;
}

static void parse(const char *text)
{
	teardown(NULL);
	ef_diag_init(&F.d, "feed.txt");
	F.rc = ef_list_parse(text, strlen(text), &F.l, &F.d);
}

static const char *fmt(const struct ef_prefix *p)
{
	static char b[4][64];
	static int i;

	i = (i + 1) % 4;
	return ef_prefix_fmt(p, b[i], sizeof(b[i]));
}

/* The list parsed is want (NULL-terminated), in that order. */
static void has_list(const char *const *want)
{
	size_t n = 0;

	for (; want[n]; n++)
		if (n < F.l.n)
			assert_string_equal(fmt(&F.l.v[n]), want[n]);
	assert_int_equal(F.l.n, n);
}

#define want_list(...) has_list((const char *const[]){ __VA_ARGS__, NULL })

static bool has_msg(const char *m)
{
	for (int i = 0; i < F.d.n; i++)
		if (strcmp(F.d.msgs[i], m) == 0)
			return true;
	for (int i = 0; i < F.d.n; i++)
		print_error("  got: %s\n", F.d.msgs[i]);
	return false;
}

static void parse_entries_comments_blanks(void **state)
{
	(void)state;
	parse("# a threat feed\n"
	      "198.51.100.0/24\n"
	      "\n"
	      "   203.0.113.7   # one host, trailing comment\n"
	      "2001:db8:bad::/48\r\n"
	      "\t2001:db8::1\n"
	      "198.18.0.0/15"); /* no final newline */
	assert_int_equal(F.rc, 0);
	assert_int_equal(F.d.errors, 0);
	want_list("198.51.100.0/24", "203.0.113.7/32", "2001:db8:bad::/48", "2001:db8::1/128",
		  "198.18.0.0/15");
}

static void parse_errors_name_the_line(void **state)
{
	(void)state;
	parse("198.51.100.0/24\n"
	      "198.51.100.7/24\n"
	      "not-an-address\n"
	      "198.51.100.9 198.51.100.10\n"
	      "2001:db8::/129\n");
	assert_int_not_equal(F.rc, 0);
	assert_int_equal(F.d.errors, 4);
	assert_true(has_msg("feed.txt: line 2: \"198.51.100.7/24\": host bits set"));
	assert_true(has_msg("feed.txt: line 3: \"not-an-address\": not an IPv4 or IPv6 address"));
	assert_true(has_msg(
		"feed.txt: line 4: \"198.51.100.9 198.51.100.10\": one address or CIDR per line"));
	assert_true(has_msg(
		"feed.txt: line 5: \"2001:db8::/129\": prefix length is not a number in range"));
}

static void parse_empty_and_comment_only(void **state)
{
	(void)state;
	parse("");
	assert_int_equal(F.rc, 0);
	assert_int_equal(F.l.n, 0);
	parse("# nothing\n\n   \n");
	assert_int_equal(F.rc, 0);
	assert_int_equal(F.l.n, 0);
}

static void normalize_sorts_and_dedups(void **state)
{
	(void)state;
	parse("2001:db8::/32\n198.51.100.0/24\n198.51.100.0/25\n198.51.100.0/24\n"
	      "203.0.113.1\n2001:db8::/32\n198.18.0.0/15\n");
	ef_list_normalize(&F.l);
	/* IPv4 first, by address, then by length; IPv6 after */
	want_list("198.18.0.0/15", "198.51.100.0/24", "198.51.100.0/25", "203.0.113.1/32",
		  "2001:db8::/32");
	assert_true(ef_list_has(&F.l, &F.l.v[2]));
}

static void list_of(struct ef_list *l, const char *text)
{
	struct ef_diag d;

	ef_diag_init(&d, "x");
	assert_int_equal(ef_list_parse(text, strlen(text), l, &d), 0);
	ef_diag_free(&d);
	ef_list_normalize(l);
}

static void diff_adds_and_removes_only_changes(void **state)
{
	struct ef_list have = { 0 }, want = { 0 }, add = { 0 }, del = { 0 };

	(void)state;
	list_of(&have, "198.51.100.0/24\n203.0.113.0/24\n2001:db8:1::/48\n");
	list_of(&want, "203.0.113.0/24\n198.51.100.0/25\n2001:db8:1::/48\n2001:db8:2::/48\n");
	assert_int_equal(ef_list_diff(&have, &want, &add, &del), 0);
	assert_int_equal(add.n, 2);
	assert_string_equal(fmt(&add.v[0]), "198.51.100.0/25");
	assert_string_equal(fmt(&add.v[1]), "2001:db8:2::/48");
	assert_int_equal(del.n, 1);
	assert_string_equal(fmt(&del.v[0]), "198.51.100.0/24");
	ef_list_free(&add);
	ef_list_free(&del);
	/* identical lists: nothing to write */
	assert_int_equal(ef_list_diff(&want, &want, &add, &del), 0);
	assert_int_equal(add.n + del.n, 0);
	ef_list_free(&have);
	ef_list_free(&want);
}

static void key_layout_keeps_families_apart(void **state)
{
	struct ef_list_key k;
	struct ef_prefix p, back;

	(void)state;
	assert_int_equal(ef_prefix_parse("198.51.100.0/24", &p, NULL), 0);
	ef_list_key_of(&p, &k);
	assert_int_equal(k.family, 4);
	/* fixed bits, then the v4-mapped 96 bits, then the prefix */
	assert_int_equal(k.prefixlen, EF_LIST_KEY_FIXED_BITS + 96 + 24);
	ef_list_prefix_of(&k, &back);
	assert_string_equal(fmt(&back), "198.51.100.0/24");
	assert_int_equal(ef_prefix_parse("::/0", &p, NULL), 0);
	ef_list_key_of(&p, &k);
	assert_int_equal(k.family, 6);
	assert_int_equal(k.prefixlen, EF_LIST_KEY_FIXED_BITS);
	assert_int_equal(ef_prefix_parse("0.0.0.0/0", &p, NULL), 0);
	ef_list_key_of(&p, &k);
	assert_int_equal(k.family, 4);
	assert_int_equal(k.prefixlen, EF_LIST_KEY_FIXED_BITS + 96);
}

static void file_round_trip_is_canonical(void **state)
{
	char dir[] = "/tmp/edgefw-lists-XXXXXX", path[128];
	struct ef_list l = { 0 }, back = { 0 };
	struct ef_diag d;
	FILE *f;
	char line[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	ef_list_path(path, sizeof(path), dir, EF_LIST_BLOCK);
	assert_string_equal(strrchr(path, '/'), "/blocklist.txt");
	/* a missing file is an empty list */
	ef_diag_init(&d, path);
	assert_int_equal(ef_list_read(path, &back, &d), 0);
	assert_int_equal(back.n, 0);
	list_of(&l, "2001:db8::/32\n198.51.100.7\n198.51.100.7/32\n");
	assert_int_equal(ef_list_write(path, &l, EF_LIST_BLOCK), 0);
	assert_int_equal(ef_list_read(path, &back, &d), 0);
	assert_int_equal(d.errors, 0);
	ef_list_normalize(&back);
	assert_int_equal(back.n, 2);
	assert_string_equal(fmt(&back.v[0]), "198.51.100.7/32");
	assert_string_equal(fmt(&back.v[1]), "2001:db8::/32");
	/* the file: a comment line, then the entries; no temporary left */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(line[0], '#');
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "198.51.100.7/32\n");
	fclose(f);
	snprintf(line, sizeof(line), "rm -r %s", dir);
	assert_int_equal(system(line), 0);
	ef_diag_free(&d);
	ef_list_free(&l);
	ef_list_free(&back);
}

static void large_list_parses(void **state)
{
	size_t cap = 200000 * 20, len = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 200000; i++)
		len += (size_t)snprintf(text + len, cap - len, "198.%d.%d.%d\n", 18 + (i >> 16),
					(i >> 8) & 255, i & 255);
	teardown(NULL);
	ef_diag_init(&F.d, "big.txt");
	assert_int_equal(ef_list_parse(text, len, &F.l, &F.d), 0);
	assert_int_equal(F.l.n, 200000);
	ef_list_normalize(&F.l);
	assert_int_equal(F.l.n, 200000);
	free(text);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(parse_entries_comments_blanks),      T(parse_errors_name_the_line),
		T(parse_empty_and_comment_only),       T(normalize_sorts_and_dedups),
		T(diff_adds_and_removes_only_changes), T(key_layout_keeps_families_apart),
		T(file_round_trip_is_canonical),       T(large_list_parses),
	};

	return cmocka_run_group_tests_name("lists", tests, NULL, NULL);
}
