/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * edgefw capture, the pure part: a capture slot's filter from the
 * command's words, and the comment each captured packet carries.
 */
#ifndef EF_CAPVIEW_H
#define EF_CAPVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "edgefw/edgefw.h"

struct ef_cap_spec {
	const char *reasons; /* "no-rule,blocked-source": any of them; NULL: any */
	const char *addr;    /* ADDR or CIDR, either end; NULL: any */
	int proto;	     /* IPPROTO_TCP, _UDP, _ICMP (ICMPv6 too); 0: any */
	long port;	     /* either end (TCP, UDP); 0: any */
	long snaplen;	     /* 1-EF_CAP_SNAP_MAX */
	long max_pps;	     /* the whole capture's bound, split over ncpus */
	int ncpus;
	bool new_flows; /* the first packet of each allowed flow as well */
};

/* The slot (all but its lease, NIC and rule) from sp: 0, or -1 with what
 * is wrong in err ("--reason: \"foo\" is not a reason"). */
int ef_capslot_build(const struct ef_cap_spec *sp, struct ef_capslot *s, char *err, size_t len);
/* The packet comment: "edgefw action=drop reason=no-rule" and " rule=NAME"
 * when a rule decided (rule: its name, NULL: "#id"). */
int ef_cap_comment(char *buf, size_t len, const struct ef_caprec *r, const char *rule);

#endif
