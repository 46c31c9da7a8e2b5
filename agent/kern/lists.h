/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The static block and allow lists in the maps: the LPM tries follow the
 * files (core/listfile.h).  Syncing writes only the difference, so an
 * unchanged entry is never absent from the map, not even for a moment.
 */
#ifndef EF_LISTS_H
#define EF_LISTS_H

#include <stdbool.h>
#include "listfile.h"

struct ef_maps;

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

/* Make the maps (fds, -1 to skip one) hold the files under state; the
 * shield flags follow.  Called with ef_list_lock held.  count, added and
 * removed per kind; log_bad: an invalid file is reported (it keeps what
 * its map held). */
int ef_lists_sync(const char *state, const int fds[EF_LIST_KINDS], int shield_fd, int bl4_fd,
		  size_t count[EF_LIST_KINDS], size_t added[EF_LIST_KINDS],
		  size_t removed[EF_LIST_KINDS], bool log_bad);
/* The agent's start: load the block and allow list files into the maps.
 * A list whose file is invalid is left as the maps hold it, with a warning. */
void ef_lists_load(const char *state_dir, const struct ef_maps *m);

#endif
