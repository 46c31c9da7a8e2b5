/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Diagnostics about a policy file: "FILE: JSON.PATH: message", one per
 * problem, collected so that validate can print them all.
 */
#ifndef EF_DIAG_H
#define EF_DIAG_H

#include <stdio.h>

struct ef_diag {
	const char *file; /* as the user named it */
	int errors;
	int warnings;
	char **msgs;
	int n;
};

void ef_diag_init(struct ef_diag *d, const char *file);
void ef_diag_free(struct ef_diag *d);
void ef_diag_error(struct ef_diag *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ef_diag_warn(struct ef_diag *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ef_diag_print(const struct ef_diag *d, FILE *f);
/* Is there a message containing s?  (tests) */
int ef_diag_has(const struct ef_diag *d, const char *s);

#endif
