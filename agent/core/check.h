/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EF_CHECK_H
#define EF_CHECK_H

#include "diag.h"
#include "policy.h"

/*
 * Load, check and compile a policy: for one node if node is given, else for
 * every node.  Returns the policy when it is fit to use (warnings allowed),
 * NULL otherwise; every problem is in d.
 */
struct ef_policy *ef_policy_checked(const char *path, const char *node, struct ef_diag *d);
/* The same for a policy held in memory; file names it in messages. */
struct ef_policy *ef_policy_checked_text(const char *file, const char *text, size_t len,
					 const char *node, struct ef_diag *d);

#endif
