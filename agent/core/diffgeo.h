/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The geometry behind `edgefw diff` (internal to diff.c): what a node's
 * rules allow, per (interface, direction, protocol, service address), as
 * boxes of (local ports x remote ports x peer prefixes); the port
 * boundaries and peer regions that cut them into cells, and the text of a
 * set of regions.
 */
#ifndef EF_DIFFGEO_H
#define EF_DIFFGEO_H

#include <stdbool.h>
#include <stddef.h>
#include "policy.h"

#define PORT_END 65536u	  /* one past the last port */
#define EF_TERMS_SHOWN 32 /* prefix terms of one opened or closed flow */

struct box {
	int rule; /* index in the policy's rules */
	const struct ef_range *lp, *rp;
	size_t nlp, nrp;
	const struct ef_peerset *peers;
};

struct gkey {
	int role, dir, proto;
	union ef_addr addr;
};

/* Port boundaries: every range start and one past every range end. */
struct bounds {
	unsigned *v;
	size_t n;
};

/* Peer regions: a prefix less the prefixes inside it (prefixes nest or
 * are disjoint, so these partition the address space of one family). */
struct region {
	struct ef_prefix p;
	bool root;
	size_t parent; /* the smallest region whose prefix holds this one */
	size_t *kids;  /* the regions whose parent this is, in address order */
	size_t nkids;
	bool empty; /* the kids cover it all */
};

void ef_diff_add_keys(const struct ef_policy *p, const struct ef_node *n, struct gkey **keys,
		      size_t *nkeys);
size_t ef_diff_boxes(const struct ef_policy *p, const struct ef_node *n, const struct gkey *k,
		     struct box **out);
void ef_diff_bounds_of(struct bounds *b, const struct box *bx, size_t nb, bool local);
bool ef_diff_ranges_have(const struct ef_range *r, size_t n, unsigned port);
size_t ef_diff_regions_of(struct box *const *bx, const size_t *nb, int family, struct region **out);
bool *ef_diff_box_regions(const struct box *b, const struct region *rg, size_t n, int family);
char *ef_diff_regions_str(const struct region *rg, const bool *sel);

#endif
