/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small packet builder (program tests, edgefw explain): Ethernet (+ VLAN tags),
 * IPv4 (+ options, fragments) or IPv6 (+ extension headers, fragment
 * header), TCP / UDP / ICMP / ICMPv6 (+ quoted packet for errors).
 * Header fields are written byte by byte so malformed variants are easy.
 */
#ifndef EF_PKTBUILD_H
#define EF_PKTBUILD_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "edgefw/csum.h"

#define PKT_MAX 4096

struct pkt {
	int family; /* 4 or 6 */
	const char *src, *dst;
	int proto; /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, or other */
	uint16_t sport, dport;
	uint8_t flags; /* TCP flags */
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
	int vlans;	    /* 0..3 tags */
	uint16_t ethertype; /* override (non-IP frames) */
	int v4_opt_words;   /* IPv4 options, 32-bit words */
	int frag;	    /* 0 none, 1 first (MF), 2 later */
	uint32_t frag_id;
	int v6_ext;	      /* number of destination-options headers before L4 */
	const uint8_t *quote; /* ICMP error: quoted IP packet */
	size_t quote_len;
	size_t payload;
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* L4 header + payload (or quote) into p; returns its length. */
static inline size_t pkt_l4(const struct pkt *s, uint8_t *p)
{
	size_t n = 0;

	if (s->frag == 2) {
		memset(p, 0xab, 16);
		return 16;
	}
	switch (s->proto) {
	case IPPROTO_TCP:
		memset(p, 0, 20);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, s->seq);
		put32(p + 8, s->ack);
		p[12] = 5 << 4;
		p[13] = s->flags;
		put16(p + 14, 65535);
		n = 20;
		break;
	case IPPROTO_UDP:
		memset(p, 0, 8);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, (uint16_t)(8 + s->payload));
		n = 8;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		memset(p, 0, 8);
		p[0] = s->icmp_type;
		p[1] = s->icmp_code;
		put16(p + 4, s->icmp_id);
		n = 8;
		if (s->quote) {
			memcpy(p + 8, s->quote, s->quote_len);
			n += s->quote_len;
		}
		break;
	default: break;
	}
	memset(p + n, 0x5a, s->payload);
	return n + s->payload;
}

/* Build the IP packet (no Ethernet) into p; returns its length. */
static inline size_t pkt_ip(const struct pkt *s, uint8_t *p)
{
	union ef_addr a, b;
	uint8_t l4[PKT_MAX];
	size_t l4len = pkt_l4(s, l4);

	ef_addr_parse(s->src, &a);
	ef_addr_parse(s->dst, &b);
	if (s->family == 4) {
		size_t hl = 20 + 4 * (size_t)s->v4_opt_words;

		memset(p, 0, hl);
		p[0] = (uint8_t)(0x40 | (hl / 4));
		put16(p + 2, (uint16_t)(hl + l4len));
		put16(p + 4, (uint16_t)s->frag_id);
		if (s->frag == 1)
			put16(p + 6, 0x2000);
		else if (s->frag == 2)
			put16(p + 6, 185); /* offset 1480 bytes */
		p[8] = 64;
		p[9] = (uint8_t)s->proto;
		memcpy(p + 12, &a.b[12], 4);
		memcpy(p + 16, &b.b[12], 4);
		for (int i = 0; i < s->v4_opt_words; i++)
			p[20 + 4 * i] = 1; /* NOP options */
		put16(p + 10, ef_csum(p, hl, 0));
		memcpy(p + hl, l4, l4len);
		return hl + l4len;
	}
	size_t off = 40;
	uint8_t nh = (uint8_t)s->proto;
	uint8_t ext[256];
	size_t extlen = 0;

	/* built back to front: each header names the one after it */
	if (s->frag) {
		uint8_t *f = ext;

		memset(f, 0, 8);
		f[0] = nh;
		put16(f + 2, s->frag == 2 ? (uint16_t)(1448) : 1); /* offset<<3 | M */
		put32(f + 4, s->frag_id);
		nh = IPPROTO_FRAGMENT;
		extlen = 8;
	}
	for (int i = 0; i < s->v6_ext; i++) {
		memmove(ext + 8, ext, extlen);
		memset(ext, 0, 8);
		ext[0] = nh;
		ext[1] = 0; /* 8 bytes */
		ext[2] = 1; /* PadN */
		ext[3] = 4;
		nh = IPPROTO_DSTOPTS;
		extlen += 8;
	}
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(extlen + l4len));
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, a.b, 16);
	memcpy(p + 24, b.b, 16);
	memcpy(p + off, ext, extlen);
	memcpy(p + off + extlen, l4, l4len);
	return off + extlen + l4len;
}

/* Whole frame; returns its length. */
static inline size_t pkt_build(const struct pkt *s, uint8_t *buf)
{
	static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t mac_s[6] = { 0x02, 0, 0, 0, 0, 2 };
	size_t off = 12;
	uint16_t et = s->ethertype ? s->ethertype : (s->family == 6 ? 0x86dd : 0x0800);

	memcpy(buf, mac_d, 6);
	memcpy(buf + 6, mac_s, 6);
	for (int i = 0; i < s->vlans; i++) {
		put16(buf + off, i == 0 && s->vlans > 1 ? 0x88a8 : 0x8100);
		put16(buf + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	put16(buf + off, et);
	off += 2;
	if (s->ethertype && s->ethertype != 0x0800 && s->ethertype != 0x86dd) {
		memset(buf + off, 0, 46);
		return off + 46;
	}
	return off + pkt_ip(s, buf + off);
}

#endif
