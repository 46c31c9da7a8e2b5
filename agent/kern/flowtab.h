/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow tables as `edgefw flows` sees them: the live flows (those the
 * live generation's timeouts have not expired), read from the pinned maps
 * whether the agent runs or not, and their deletion (flush).
 */
#ifndef EF_FLOWTAB_H
#define EF_FLOWTAB_H

#include <stddef.h>
#include "apply.h"
#include "flowview.h"

/* What turns a table entry into a row: the live generation's rule names
 * (status.json, NULL if not known) and the NICs by role. */
struct ef_flow_names {
	char *const *rules; /* by rule index, for flows of epoch */
	size_t nrules;
	__u32 epoch; /* the generation the names belong to */
	const char *ifname[EF_ROLE_MAX];
};

/* Every live flow of both tables, as rows (malloc'd, *n of them), now the
 * CLOCK_MONOTONIC_COARSE time in ns (the programs' clock).  0 or -errno. */
int ef_flows_read(const struct ef_maps *m, const struct ef_flow_names *nm, __u64 now,
		  struct ef_flow_row **rows, size_t *n);
/* Delete the rows that fl picks from their tables: how many went, or
 * -errno. */
long ef_flows_delete(const struct ef_maps *m, const struct ef_flow_row *rows, size_t n,
		     const struct ef_flow_filter *fl);
/* CLOCK_MONOTONIC_COARSE in ns. */
__u64 ef_coarse_ns(void);

#endif
