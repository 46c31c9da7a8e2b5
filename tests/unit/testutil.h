/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers the unit tests share: each test is a program of its own, so
 * these are static inline (an unused one costs nothing).  Include after
 * <cmocka.h>.
 */
#ifndef EF_TESTUTIL_H
#define EF_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "policy.h"

/* A whole file as a string, NULL if it cannot be opened. */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&s, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return s;
}

/* Every string of the NULL-terminated list want is in text. */
static inline void has_all(const char *text, const char *const *want)
{
	for (; *want; want++)
		if (!strstr(text, *want))
			fail_msg("\"%s\" is not in:\n%s", *want, text);
}

#define assert_has_all(text, ...) has_all(text, (const char *const[]){ __VA_ARGS__, NULL })

/* ' -> " in place, so that JSON can be written inside C strings. */
static inline char *dquote(char *s)
{
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	return s;
}

/* vprintf into a new string, then ' -> ". */
__attribute__((format(printf, 1, 0))) static inline char *vjson(const char *fmt, va_list ap)
{
	char *s = NULL;

	assert_true(vasprintf(&s, fmt, ap) >= 0);
	return dquote(s);
}

/* A policy that must parse without a diagnostic (those are printed). */
static inline struct ef_policy *valid_policy(const char *file, const char *text)
{
	struct ef_diag d;
	struct ef_policy *p;

	ef_diag_init(&d, file);
	p = ef_policy_parse(file, text, strlen(text), &d);
	ef_diag_print(&d, stderr);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	ef_diag_free(&d);
	return p;
}

#endif
