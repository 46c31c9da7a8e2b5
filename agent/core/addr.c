// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "addr.h"

int ef_addr_from_sockaddr(union ef_addr *a, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		ef_addr_from_v4(a, ((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	else if (sa->sa_family == AF_INET6)
		ef_addr_from_v6(a, &((const struct sockaddr_in6 *)sa)->sin6_addr);
	else
		return -1;
	return 0;
}

struct ifaddrs *ef_ifaddrs_find(struct ifaddrs *i, const union ef_addr *a)
{
	union ef_addr have;

	for (; i; i = i->ifa_next)
		if (i->ifa_addr && ef_addr_from_sockaddr(&have, i->ifa_addr) == 0 &&
		    ef_addr_eq(&have, a))
			return i;
	return NULL;
}

int ef_addr_parse(const char *s, union ef_addr *a)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		ef_addr_from_v4(a, v4.s_addr);
		return 0;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, a->b) == 1)
		return 0;
	return -1;
}

int ef_prefix_parse(const char *s, struct ef_prefix *p, const char **why)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, len, i;
	bool v6notation = memchr(s, ':', alen) != NULL;
	char *end;

	if (why)
		*why = "not an IPv4 or IPv6 address";
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (ef_addr_parse(buf, &p->addr))
		return -1;
	/* the notation decides the length's meaning: ::ffff:a.b.c.d/n is IPv6 */
	max = v6notation ? 128 : 32;
	len = max;
	if (slash) {
		if (why)
			*why = "prefix length is not a number in range";
		if (!isdigit((unsigned char)slash[1]))
			return -1;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end || v > max)
			return -1;
		len = (unsigned int)v;
	}
	p->len = len + (128 - max);
	/* host bits must be clear: "198.51.100.7/24" is almost always a typo */
	for (i = p->len; i < 128; i++) {
		if (p->addr.b[i / 8] & (0x80 >> (i % 8))) {
			if (why)
				*why = "host bits set";
			return -1;
		}
	}
	return 0;
}

const char *ef_addr_fmt(const union ef_addr *a, char *buf, size_t len)
{
	if (ef_addr_is_v4(a))
		return inet_ntop(AF_INET, &a->b[12], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
}

const char *ef_prefix_fmt(const struct ef_prefix *p, char *buf, size_t len)
{
	char a[EF_ADDRSTRLEN];
	bool v4 = ef_addr_is_v4(&p->addr) && p->len >= 96;

	ef_addr_fmt(&p->addr, a, sizeof(a));
	if (!v4 && ef_addr_is_v4(&p->addr))
		inet_ntop(AF_INET6, p->addr.b, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, v4 ? p->len - 96 : p->len);
	return buf;
}

int ef_prefix_family(const struct ef_prefix *p)
{
	return ef_addr_is_v4(&p->addr) && p->len >= 96 ? 4 : 6;
}

bool ef_prefix_contains(const struct ef_prefix *p, const union ef_addr *a)
{
	unsigned int i;

	if (ef_prefix_family(p) != ef_addr_family(a))
		return false;

	for (i = 0; i < p->len; i++) {
		unsigned char m = 0x80 >> (i % 8);

		if ((p->addr.b[i / 8] & m) != (a->b[i / 8] & m))
			return false;
	}
	return true;
}
