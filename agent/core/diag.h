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

/*
 * A value for a message, quoted and bounded, so that the reason written
 * after it is never cut off: "VALUE" whole up to EF_QUOTE_WHOLE characters,
 * else its first EF_QUOTE_HEAD and how long it is:
 *   "1-65535,1-65535,1-65535,1-65535,1-65535,1-65535,1-65535,1-65"... (160000 characters)
 * (characters are UTF-8's; the cut never splits one).  EF_Q(s) is one for a
 * message's arguments (its buffer lives until the end of the enclosing
 * block); EF_BARE(s) the same without the quotes, for a name the message
 * does not quote.
 */
#define EF_QUOTE_WHOLE 64
#define EF_QUOTE_HEAD 60
#define EF_QUOTE_LEN (EF_QUOTE_HEAD * 4 + 40)
const char *ef_quote(char *buf, size_t len, const char *s, int quotes);
#define EF_Q(s) ef_quote((char[EF_QUOTE_LEN]){ 0 }, EF_QUOTE_LEN, (s), 1)
#define EF_BARE(s) ef_quote((char[EF_QUOTE_LEN]){ 0 }, EF_QUOTE_LEN, (s), 0)

#endif
