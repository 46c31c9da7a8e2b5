/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcapng blocks (draft-ietf-opsawg-pcapng), built into a caller's buffer
 * in host byte order (the section header's magic tells readers which):
 * the section header, an interface description per NIC (name,
 * description, nanosecond timestamps) and an enhanced packet block per
 * packet (direction flags and a comment).  Each returns the block's
 * length, or 0 when it does not fit in cap.
 */
#ifndef EF_PCAPNG_H
#define EF_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define EF_PCAPNG_LINKTYPE_ETHERNET 1
/* epb_flags: the direction, bits 0-1 */
#define EF_PCAPNG_INBOUND 1u
#define EF_PCAPNG_OUTBOUND 2u

size_t ef_pcapng_shb(void *buf, size_t cap, const char *os, const char *appl);
size_t ef_pcapng_idb(void *buf, size_t cap, uint16_t linktype, uint32_t snaplen, const char *name,
		     const char *description);
/* ts_ns: since the epoch (the IDB's if_tsresol is 9). */
size_t ef_pcapng_epb(void *buf, size_t cap, uint32_t ifid, uint64_t ts_ns, const void *data,
		     uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment);

/* The largest EPB: a packet of caplen bytes and a comment of clen. */
#define EF_PCAPNG_EPB_MAX(caplen, clen) (64 + (caplen) + (clen))

#endif
