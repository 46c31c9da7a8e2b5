/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The changes of the policy text behind `edgefw diff` (internal to diff.c). */
#ifndef EF_DIFFCFG_H
#define EF_DIFFCFG_H

#include <stdbool.h>
#include "policy.h"
#include "strv.h"

#define EF_PEERS_SHOWN 16 /* prefixes of a changed peer set written out */

const struct ef_prule *ef_diff_rule_named(const struct ef_policy *p, const char *name);
const char *ef_diff_dir_name(int dir);
void ef_diff_changed(struct ef_strv *out, const char *what, char *old, char *new);
void ef_diff_match_changes(const struct ef_policy *pa, const struct ef_prule *a,
			   const struct ef_policy *pb, const struct ef_prule *b, bool peer_contents,
			   struct ef_strv *out);
void ef_diff_settings_changes(const struct ef_settings *a, const struct ef_settings *b,
			      struct ef_strv *out);
void ef_diff_peers_changes(const struct ef_policy *a, const struct ef_policy *b,
			   struct ef_strv *out);
void ef_diff_nodes_changes(const struct ef_policy *a, const struct ef_policy *b,
			   struct ef_strv *out);
void ef_diff_rules_changes(const struct ef_policy *a, const struct ef_policy *b,
			   struct ef_strv *out);

#endif
