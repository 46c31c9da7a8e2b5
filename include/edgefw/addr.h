/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one set of address helpers, for the BPF programs and native code
 * alike.  union ef_addr (edgefw.h) is always 16 bytes: an IPv6 address as
 * it is, an IPv4 address v4-mapped (::ffff:a.b.c.d), so one code path
 * handles both families.  Only these helpers write or test that encoding;
 * parsing and formatting text are agent/core/addr.h's.
 */
#ifndef EDGEFW_ADDR_H
#define EDGEFW_ADDR_H

#include "edgefw.h"

#define EF_INLINE static inline __attribute__((always_inline))

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ef_ntohs(x) __builtin_bswap16(x)
#define ef_htons(x) __builtin_bswap16(x)
#define ef_ntohl(x) __builtin_bswap32(x)
#define ef_htonl(x) __builtin_bswap32(x)
#else
#define ef_ntohs(x) (x)
#define ef_htons(x) (x)
#define ef_ntohl(x) (x)
#define ef_htonl(x) (x)
#endif

/* An IPv4 address (network byte order), v4-mapped. */
EF_INLINE void ef_addr_from_v4(union ef_addr *a, __u32 be)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = ef_htonl(0x0000ffff);
	a->w[3] = be;
}

/* An IPv6 address: its 16 bytes (a struct in6_addr, or a header's). */
EF_INLINE void ef_addr_from_v6(union ef_addr *a, const void *in6)
{
	__builtin_memcpy(a, in6, 16);
}

/* A v4-mapped (IPv4) address? */
EF_INLINE int ef_addr_is_v4(const union ef_addr *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == ef_htonl(0x0000ffff);
}

/* 4 or 6 */
EF_INLINE int ef_addr_family(const union ef_addr *a)
{
	return ef_addr_is_v4(a) ? 4 : 6;
}

EF_INLINE int ef_addr_eq(const union ef_addr *a, const union ef_addr *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2] && a->w[3] == b->w[3];
}

#endif /* EDGEFW_ADDR_H */
