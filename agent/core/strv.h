/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A growable list of strings (diff and matrix output). */
#ifndef EF_STRV_H
#define EF_STRV_H

#include <stddef.h>
#include <stdlib.h>

struct ef_strv {
	char **v;
	size_t n;
};

void ef_strv_add(struct ef_strv *s, char *str);
void ef_strv_addf(struct ef_strv *s, const char *fmt, ...);
void ef_strv_free(struct ef_strv *s);
char *ef_strv_join(const struct ef_strv *s, const char *sep);

/* n strings and the array that holds them (a header's: every part of core
 * that keeps a list of strings frees it so, whatever else it links) */
static inline void ef_strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

#endif
