// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

void ef_strv_add(struct ef_strv *s, char *str) /* takes str */
{
	char **nv;

	if (!str)
		return;
	nv = realloc(s->v, sizeof(*nv) * (s->n + 1));
	if (!nv) {
		free(str);
		return;
	}
	s->v = nv;
	s->v[s->n++] = str;
}

__attribute__((format(printf, 2, 3))) void ef_strv_addf(struct ef_strv *s, const char *fmt, ...)
{
	char *str = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&str, fmt, ap) < 0)
		str = NULL;
	va_end(ap);
	ef_strv_add(s, str);
}

void ef_strv_free(struct ef_strv *s)
{
	ef_strs_free(s->v, s->n);
	s->v = NULL;
	s->n = 0;
}

/* "a; b; c" */
char *ef_strv_join(const struct ef_strv *s, const char *sep)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? sep : "", s->v[i]);
	fclose(f);
	return out;
}
