/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `edgefw diff OLD NEW`: what changing a policy opens and closes, node by
 * node, in the words of the rules.  Pure: two parsed policies in, text out.
 *
 * Per node, what a policy allows is a union of boxes, one per rule and
 * service address: (interface, direction, protocol, local address) x local
 * ports x remote ports x remote prefixes.  Both policies' boxes cut each
 * dimension into the pieces no box boundary crosses (port intervals;
 * prefix regions: a prefix less the prefixes inside it), and every cell is
 * decided for OLD and NEW by the first rule that covers it, as the data
 * path credits rules.  A cell NEW allows and OLD does not is opened, by
 * NEW's rule; the other way it is closed, by OLD's.  Cells are merged back
 * into port ranges and prefix lists for printing.
 */
#ifndef EF_DIFF_H
#define EF_DIFF_H

#include <stdio.h>

#include "policy.h"

struct ef_diff_count {
	unsigned opens, closes; /* printed lines of each */
	unsigned changes;	/* settings, peers, nodes and rules lines */
};

/*
 * Write the differences between a (OLD) and b (NEW) to out: settings,
 * peer sets, nodes and rules that changed, then per node (only node, if
 * given) every opened and closed flow with the rule that does it and why.
 * Both policies must be valid.  Returns 0 (counts in cnt, if given).
 */
int ef_policy_diff(const struct ef_policy *a, const struct ef_policy *b, const char *node,
		   FILE *out, struct ef_diff_count *cnt);

#endif
