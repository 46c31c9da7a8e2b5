/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Addresses and prefixes in edgefw's one form: 16 bytes, IPv4 v4-mapped
 * (the encoding's helpers, shared with the programs: edgefw/addr.h). */
#ifndef EF_ADDR_H
#define EF_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include "edgefw/edgefw.h"
#include "edgefw/addr.h"

#define EF_ADDRSTRLEN 46 /* INET6_ADDRSTRLEN */

struct ef_prefix {
	union ef_addr addr;
	unsigned int len; /* 0..128 in the 128-bit space; IPv4 /n is 96 + n */
};

/* 4 for an IPv4 prefix (v4-mapped, at least /96), else 6.  A prefix only
 * ever contains addresses of its own family. */
int ef_prefix_family(const struct ef_prefix *p);

/* Parse "198.51.100.7" or "2001:db8::1".  0 on success. */
int ef_addr_parse(const char *s, union ef_addr *a);

/*
 * Parse "198.51.100.0/24", "2001:db8::/32" or a bare address (host prefix).
 * On failure returns -1 and, if why is given, a short reason.
 */
int ef_prefix_parse(const char *s, struct ef_prefix *p, const char **why);

struct sockaddr;
struct ifaddrs;
/* An AF_INET or AF_INET6 socket address's address; -1 for other families. */
int ef_addr_from_sockaddr(union ef_addr *a, const struct sockaddr *sa);
/* The first interface address of the list from i on (getifaddrs) that is
 * a, or NULL. */
struct ifaddrs *ef_ifaddrs_find(struct ifaddrs *i, const union ef_addr *a);
/* Format as IPv4 dotted quad when v4-mapped, else IPv6. */
const char *ef_addr_fmt(const union ef_addr *a, char *buf, size_t len);
/* "a.b.c.d/n" or "x::/n" */
const char *ef_prefix_fmt(const struct ef_prefix *p, char *buf, size_t len);
/* Does prefix p contain address a? */
bool ef_prefix_contains(const struct ef_prefix *p, const union ef_addr *a);

#endif
