// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Golden outputs of `edgefw matrix` and `edgefw diff`: every case of
 * tests/golden/cases (an output file, then the command's arguments) is run
 * through the same code the command runs, and its output must equal the
 * file byte for byte.  A mismatch fails with the first differing line.
 *
 * After a deliberate change of the output: `make golden-update` (runs this
 * with EF_GOLDEN_UPDATE=1, which rewrites the files), then read the diff
 * of tests/golden/ before committing it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "compile.h"
#include "diag.h"
#include "diff.h"
#include "matrix.h"
#include "policy.h"
#include "testutil.h"

#define GOLDEN_DIR "tests/golden/"

/* A policy as the commands take it: valid, every node compiles. */
static struct ef_policy *load(const char *path)
{
	struct ef_diag d;
	struct ef_policy *p;

	ef_diag_init(&d, path);
	p = ef_policy_load(path, &d);
	for (size_t i = 0; p && !d.errors && i < p->nnodes; i++) {
		struct ef_compiled c;

		if (ef_compile(p, &p->nodes[i], -1, &c, &d) == 0)
			ef_compiled_free(&c);
	}
	if (!p || d.errors) {
		ef_diag_print(&d, stderr);
		fail_msg("%s is not a valid policy", path);
	}
	ef_diag_free(&d);
	return p;
}

/* Run one case's arguments ("matrix [--node N] [--format F] [--ref] FILE"
 * or "diff [--node N] OLD NEW"), parsed by the commands' own tables, into
 * a string. */
static char *run_case(int argc, char **argv)
{
	union {
		struct ef_matrix_cli m;
		struct ef_diff_opts d;
	} o;
	bool matrix = !strcmp(argv[0], "matrix");
	struct ef_args a;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!matrix && strcmp(argv[0], "diff"))
		fail_msg("a case is \"matrix [OPTIONS] POLICY\" or \"diff [--node NAME] OLD NEW\"");
	if (ef_cmd_parse(matrix ? &ef_cli_matrix : &ef_cli_diff, &o, argc, argv, &a) ||
	    a.argc != (matrix ? 1 : 2))
		fail_msg("bad options or operands in a case of %s", argv[0]);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	if (matrix) {
		struct ef_policy *p = load(a.argv[0]);
		struct ef_diag d;

		ef_diag_init(&d, a.argv[0]);
		assert_int_equal(ef_policy_matrix(p, &o.m.m, f, &d), 0);
		ef_diag_free(&d);
		ef_policy_free(p);
	} else {
		struct ef_policy *x = load(a.argv[0]), *y = load(a.argv[1]);

		assert_int_equal(ef_policy_diff(x, y, o.d.node, f, NULL), 0);
		ef_policy_free(x);
		ef_policy_free(y);
	}
	fclose(f);
	return text;
}

static void first_difference(const char *file, const char *want, const char *got)
{
	size_t at = 0, start = 0;
	int line = 1;

	while (want[at] && want[at] == got[at]) {
		if (want[at] == '\n') {
			line++;
			start = at + 1;
		}
		at++;
	}
	fail_msg("%s differs from the output at line %d:\n  file:   %.*s\n  output: %.*s\n"
		 "(after a deliberate change: make golden-update, and read git diff tests/golden/)",
		 file, line, (int)strcspn(want + start, "\n"), want + start,
		 (int)strcspn(got + start, "\n"), got + start);
}

static void test_cases(void **state)
{
	FILE *cases = fopen(GOLDEN_DIR "cases", "r");
	bool update = getenv("EF_GOLDEN_UPDATE") && !strcmp(getenv("EF_GOLDEN_UPDATE"), "1");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	(void)state;
	assert_non_null(cases);
	while (getline(&line, &cap, cases) > 0) {
		char *argv[16], *save = NULL, *tok, *got, *want, path[512];
		int argc = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!*line || *line == '#')
			continue;
		for (tok = strtok_r(line, " \t", &save); tok && argc < 16;
		     tok = strtok_r(NULL, " \t", &save))
			argv[argc++] = tok;
		assert_true(argc >= 3);
		snprintf(path, sizeof(path), GOLDEN_DIR "%s", argv[0]);
		got = run_case(argc - 1, argv + 1);
		if (update) {
			FILE *f = fopen(path, "w");

			assert_non_null(f);
			fputs(got, f);
			fclose(f);
			printf("  wrote %s\n", path);
		} else {
			want = slurp(path);
			if (!want)
				fail_msg("%s is missing (make golden-update writes it)", path);
			if (strcmp(want, got))
				first_difference(path, want, got);
			free(want);
		}
		free(got);
		n++;
	}
	free(line);
	fclose(cases);
	printf("  %d golden outputs%s\n", n, update ? " written" : " match");
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
