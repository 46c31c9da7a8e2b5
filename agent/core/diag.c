// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "strv.h"

void ef_diag_init(struct ef_diag *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = file;
}

void ef_diag_free(struct ef_diag *d)
{
	ef_strs_free(d->msgs, (size_t)d->n);
	d->msgs = NULL;
	d->n = 0;
}

const char *ef_quote(char *buf, size_t len, const char *s, int quotes)
{
	const char *q = quotes ? "\"" : "";
	size_t chars = 0, head = 0;

	if (!s)
		s = "";
	/* characters, and the bytes of the first EF_QUOTE_HEAD of them */
	for (const char *c = s; *c; c++)
		if (((unsigned char)*c & 0xc0) != 0x80 && chars++ == EF_QUOTE_HEAD)
			head = (size_t)(c - s);
	if (chars <= EF_QUOTE_WHOLE)
		snprintf(buf, len, "%s%s%s", q, s, q);
	else
		snprintf(buf, len, "%s%.*s%s... (%zu characters)", q, (int)head, s, q, chars);
	return buf;
}

static int add(struct ef_diag *d, const char *kind, const char *path, const char *fmt, va_list ap)
{
	char *msg = NULL, *line = NULL;
	char **n;
	int rc;

	/* whole: the values in it are bounded (ef_quote), the reason is last */
	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	rc = asprintf(&line, "%s: %s%s%s%s", d->file, kind, path ? path : "",
		      path && *path ? ": " : "", msg);
	free(msg);
	if (rc < 0)
		return 0;
	/* one message per problem, however many ways the checks reach it */
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->msgs[i], line) == 0) {
			free(line);
			return 0;
		}
	n = realloc(d->msgs, sizeof(*n) * (size_t)(d->n + 1));
	if (!n) {
		free(line);
		return 0;
	}
	d->msgs = n;
	d->msgs[d->n++] = line;
	return 1;
}

void ef_diag_error(struct ef_diag *d, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	d->errors += add(d, "", path, fmt, ap);
	va_end(ap);
}

void ef_diag_warn(struct ef_diag *d, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	d->warnings += add(d, "warning: ", path, fmt, ap);
	va_end(ap);
}

void ef_diag_print(const struct ef_diag *d, FILE *f)
{
	for (int i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->msgs[i]);
}

int ef_diag_has(const struct ef_diag *d, const char *s)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], s))
			return 1;
	return 0;
}
