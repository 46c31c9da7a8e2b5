/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The static block and allow lists' files: CIDRs (threat feeds, partner
 * lists), one a line.  The files under the state directory are the truth;
 * the maps follow them (kern/lists.h).  Pure: parsing, diffing, reading and
 * writing the files.
 */
#ifndef EF_LISTFILE_H
#define EF_LISTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "addr.h"
#include "diag.h"

#include "opts.h" /* EF_STATE_DIR */

enum ef_list_kind { EF_LIST_BLOCK = 0, EF_LIST_ALLOW = 1, EF_LIST_KINDS };

struct ef_list {
	struct ef_prefix *v;
	size_t n, cap;
};

/* "blocklist" / "allowlist" */
const char *ef_list_name(int kind);
/* STATE_DIR/blocklist.txt */
void ef_list_path(char *buf, size_t len, const char *state_dir, int kind);

void ef_list_free(struct ef_list *l);
int ef_list_add(struct ef_list *l, const struct ef_prefix *p);
/*
 * Parse list text: one address or CIDR per line; '#' starts a comment;
 * blank lines are skipped.  Problems go to d as "LINE N: ..." (d's file
 * names the file).  Returns 0 when there were none.
 */
int ef_list_parse(const char *text, size_t len, struct ef_list *l, struct ef_diag *d);
/* Sort and drop duplicates: the canonical form files are written in. */
void ef_list_normalize(struct ef_list *l);
/* Entries of want not in have (add), of have not in want (del); both
 * normalized.  Pointers into the inputs. */
int ef_list_diff(const struct ef_list *have, const struct ef_list *want, struct ef_list *add,
		 struct ef_list *del);
/* Is p (exactly) in normalized l? */
int ef_list_has(const struct ef_list *l, const struct ef_prefix *p);

/* The map key of a prefix (and back). */
void ef_list_key_of(const struct ef_prefix *p, struct ef_list_key *k);
void ef_list_prefix_of(const struct ef_list_key *k, struct ef_prefix *p);

/* Files: read (a missing file is an empty list) and write atomically. */
int ef_list_read(const char *path, struct ef_list *l, struct ef_diag *d);
int ef_list_write(const char *path, const struct ef_list *l, int kind);

/* The lock that serializes changes of the lists: STATE_DIR/lists.lock
 * (the directory is created), held until the fd is closed; -errno. */
int ef_list_lock(const char *dir);

#endif
