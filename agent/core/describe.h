/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A policy's parts in words, as `diff` and `matrix` print them: ports,
 * peers, addresses.  Pure; the strings are malloc'd.
 */
#ifndef EF_DESCRIBE_H
#define EF_DESCRIBE_H

#include "policy.h"

/* "5061", "443, 5061", "50000-59999"; "any" when any is set */
char *ef_ranges_str(const struct ef_range *r, size_t n, bool any);
/* a rule's ports ("any" for a rule without) and local ports (NULL: none) */
char *ef_rule_ports_str(const struct ef_prule *r);
char *ef_rule_lports_str(const struct ef_prule *r);
/* "any", "sip_next_hop (any)", "sip_next_hop (198.18.2.0/24, ...)", or an
 * inline list "198.51.100.0/24, ..." */
char *ef_peer_str(const struct ef_policy *p, int peerset);
/* The same with at most max prefixes, then "... N prefixes" (for display;
 * compare with ef_peer_str). */
char *ef_peer_str_max(const struct ef_policy *p, int peerset, size_t max);
/* "203.0.113.10, 2001:db8::10" ("none" when empty) */
char *ef_addrs_str(const struct ef_addrlist *al);
/* Does the rule take part on the node: not left out by a tag, and its
 * service has addresses there. */
bool ef_rule_on_node(const struct ef_policy *p, const struct ef_prule *r, const struct ef_node *n);
/* "TCP" / "UDP" */
const char *ef_proto_name(int proto);

#endif
