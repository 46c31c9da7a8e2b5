/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The static block and allow lists: files of CIDRs (threat feeds, partner
 * lists) and the LPM tries they are loaded into.  The files under the state
 * directory are the truth; the maps follow them.  Parsing and diffing are
 * pure; syncing writes only the difference, so an unchanged entry is never
 * absent from the map, not even for a moment.
 */
#ifndef EF_LISTS_H
#define EF_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include "addr.h"
#include "diag.h"

#define EF_STATE_DIR "/var/lib/edgefw"

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
int ef_list_diff(const struct ef_list *have, const struct ef_list *want,
		 struct ef_list *add, struct ef_list *del);
/* Is p (exactly) in normalized l? */
int ef_list_has(const struct ef_list *l, const struct ef_prefix *p);

/* The map key of a prefix (and back). */
void ef_list_key_of(const struct ef_prefix *p, struct ef_list_key *k);
void ef_list_prefix_of(const struct ef_list_key *k, struct ef_prefix *p);

/* Files: read (a missing file is an empty list) and write atomically. */
int ef_list_read(const char *path, struct ef_list *l, struct ef_diag *d);
int ef_list_write(const char *path, const struct ef_list *l, int kind);

/* Maps: read every key; make the map hold exactly want (normalized). */
int ef_list_map_read(int fd, struct ef_list *l);
int ef_list_map_sync(int fd, const struct ef_list *want, size_t *added, size_t *removed);
/* The block list's maps: the LPM trie (as ef_list_map_sync) and, when
 * bl4_fd >= 0, the IPv4 /24 bitmap in front of it (ef_bl4): the union of
 * the old and new bits during the change, exactly the trie's after;
 * *bl4_ok: the bitmap may be used (EF_SHIELD_BL4). */
int ef_blocklist_sync(int fd, int bl4_fd, const struct ef_list *want, size_t *added,
		      size_t *removed, bool *bl4_ok);
/* Set ef_shield's flags from which lists hold anything; bl4: ef_bl4 is kept
 * (by ef_blocklist_sync). */
int ef_shield_update(int shield_fd, size_t nblock, size_t nallow, bool bl4);

#endif
