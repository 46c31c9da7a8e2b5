/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The Internet checksum (RFC 1071) of the packet builders in user space:
 * agent/core/pktbuild.h and bench/wire/wiregen.c. */
#ifndef EDGEFW_CSUM_H
#define EDGEFW_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* n bytes at data, on top of sum (a pseudo-header's, or 0); folded, inverted */
static inline uint16_t ef_csum(const void *data, size_t n, uint32_t sum)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif
