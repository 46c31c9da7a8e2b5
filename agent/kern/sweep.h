/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The flow tables' background upkeep (sweep.c). */
#ifndef EF_SWEEP_H
#define EF_SWEEP_H

#include <stddef.h>
#include "apply.h"

#define EF_SWEEP_INTERVAL_S 10

struct ef_sweep {
	size_t live;	     /* flows left in the tables */
	size_t expired;	     /* expired flows removed */
	size_t hinted_ports; /* local ports whose flow lookups stay on */
	size_t blocks;	     /* sources blocked (their block lookups stay on) */
};

/* Remove expired flows from both tables and rebuild the port hint from the
 * live ones, and the block hint from the blocks in force (then read them).
 * 0 or -errno. */
int ef_flows_sweep(const struct ef_maps *m, struct ef_sweep *out);
/* Every bit of both hints set: every lookup on (at a start, before our
 * programs replace ones that may not have kept the hints; the first sweep
 * makes them exact again). */
int ef_hints_fill(const struct ef_maps *m);
/* Set a local port's hint bit in both halves, as the programs do before
 * they open a flow there (connection pickup).  fd < 0: nothing to do. */
int ef_flowports_set(int fd, __u16 port);

#endif
