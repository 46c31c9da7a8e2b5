/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * edgefw packet parser, shared by the BPF programs and native userspace
 * builds (tests, the reference classifier).  Pure: no helpers, no maps, no
 * globals.  Every read goes through ef_pull(), which checks the cursor
 * against the end of the packet, so the verifier sees a bounds check before
 * each access and a native build can never read out of bounds either.
 *
 * Loops have fixed bounds (EF_VLAN_MAX, EF_IPV6_EXT_MAX).
 */
#ifndef EDGEFW_PARSE_H
#define EDGEFW_PARSE_H

#ifndef __bpf__
/* natively, glibc's netinet/in.h must come before the UAPI linux/in.h */
#include <netinet/in.h>
#endif
#include <linux/in.h>
#include <linux/in6.h>
#include "edgefw.h"
#include "addr.h" /* EF_INLINE, ef_ntohs ..., the address helpers */

/*
 * Header layouts, our own: byte fields instead of bitfields, and packed in
 * native builds, where headers at odd offsets (after a 14-byte Ethernet
 * header) would otherwise be misaligned accesses - undefined behaviour in
 * C.  BPF keeps natural alignment for better loads; the kernel allows
 * unaligned packet access on the architectures edgefw targets.
 */
#ifdef __bpf__
#define EF_HDR_PACKED
#else
#define EF_HDR_PACKED __attribute__((packed))
#endif

struct ef_ethh {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
} EF_HDR_PACKED;

struct ef_iph {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
} EF_HDR_PACKED;

struct ef_ip6h {
	__u8 ver_tc; /* version in the high nibble */
	__u8 tc_flow[3];
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
} EF_HDR_PACKED;

struct ef_tcph {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff_res; /* data offset in the high nibble */
	__u8 flags;
	__be16 window;
	__be16 check;
	__be16 urg_ptr;
} EF_HDR_PACKED;

struct ef_udph {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
} EF_HDR_PACKED;

#define ef_ip_version(ip) ((ip)->ver_ihl >> 4)
#define ef_ip_ihl(ip) ((ip)->ver_ihl & 0x0f)

#define EF_ETH_P_8021Q 0x8100
#define EF_ETH_P_8021AD 0x88a8
#define EF_ETH_P_IP 0x0800
#define EF_ETH_P_IPV6 0x86dd
#define EF_ETH_P_ARP 0x0806
#define EF_ETH_P_RARP 0x8035
#define EF_ETH_P_LLDP 0x88cc
#define EF_ETH_P_EAPOL 0x888e
#define EF_ETH_P_SLOW 0x8809 /* LACP, marker */
#define EF_ETH_P_802_3_MIN 0x0600

#define EF_TCP_FIN 0x01
#define EF_TCP_SYN 0x02
#define EF_TCP_RST 0x04
#define EF_TCP_PSH 0x08
#define EF_TCP_ACK 0x10

/* ICMP/ICMPv6 types (linux/icmp.h drags libc socket headers into BPF) */
#define EF_ICMP_ECHOREPLY 0
#define EF_ICMP_DEST_UNREACH 3
#define EF_ICMP_FRAG_NEEDED 4 /* code */
#define EF_ICMP_ECHO 8
#define EF_ICMP_TIME_EXCEEDED 11
#define EF_ICMP_PARAMETERPROB 12
#define EF_ICMP6_DEST_UNREACH 1
#define EF_ICMP6_PKT_TOOBIG 2
#define EF_ICMP6_PARAMPROB 4
#define EF_ICMP6_ECHO_REQUEST 128
#define EF_ICMP6_ECHO_REPLY 129

#define EF_IP_MF 0x2000
#define EF_IP_OFFSET 0x1fff

enum ef_frag_kind {
	EF_FRAG_NONE = 0,
	EF_FRAG_FIRST = 1, /* offset 0, more fragments follow: has the L4 header */
	EF_FRAG_LATER = 2, /* offset > 0: no L4 header */
};

/* The header an ICMP error quotes: the packet that caused it. */
struct ef_tuple {
	union ef_addr src;
	union ef_addr dst;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 valid;
	__u8 pad[2];
};

struct ef_pkt {
	union ef_addr src;
	union ef_addr dst;
	__u16 sport;	/* host order; ICMP echo: identifier */
	__u16 dport;	/* host order; ICMP echo: identifier */
	__u8 family;	/* 4 or 6 */
	__u8 proto;	/* final L4 protocol (IPPROTO_*) */
	__u8 tcp_flags; /* EF_TCP_* */
	__u8 frag;	/* enum ef_frag_kind */
	__u32 frag_id;
	__u32 seq;     /* TCP, host order */
	__u32 ack_seq; /* TCP, host order */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 vlans;
	__u8 pad;
	struct ef_tuple inner; /* ICMP errors only */
};

/*
 * end is the end of the readable bytes (the bound the verifier knows); left
 * is what the IP header says remains of the datagram, so Ethernet padding
 * is never parsed as a header.  Both are checked on every pull.
 *
 * The readable bytes may be fewer than the frame: at TC egress only the
 * skb's linear part is, and a TCP segment's payload usually is not in it.
 * Lengths in headers are therefore checked against the frame's real
 * length (wire, measured from start), never against end.
 */
struct ef_cursor {
	void *pos;
	void *end;
	void *start;
	__u32 wire;
	__u32 left;
};

/* Bytes of the frame from p to its end (not just the readable ones). */
EF_INLINE __u32 ef_wire_left(const struct ef_cursor *c, const void *p)
{
	__u32 off = (__u32)((const char *)p - (const char *)c->start);

	return off < c->wire ? c->wire - off : 0;
}

EF_INLINE void *ef_pull(struct ef_cursor *c, __u32 len)
{
	void *p = c->pos;

	if (len > c->left)
		return (void *)0;
	if ((char *)p + len > (char *)c->end)
		return (void *)0;
	c->pos = (char *)p + len;
	c->left -= len;
	return p;
}

/*
 * Source addresses that no legitimate peer uses: unspecified, loopback,
 * multicast, IPv4 limited broadcast.
 */
EF_INLINE int ef_addr_bad_source(const union ef_addr *a)
{
	if (ef_addr_is_v4(a)) {
		__u32 h = ef_ntohl(a->w[3]);

		return h == 0 || (h >> 24) == 127 || (h >> 28) == 0xe || h == 0xffffffff;
	}
	if ((a->w[0] | a->w[1] | a->w[2]) == 0 && (a->w[3] == 0 || a->w[3] == ef_htonl(1)))
		return 1;	/* :: and ::1 */
	return a->b[0] == 0xff; /* ff00::/8 */
}

/* The first 8 bytes after an IP header: ports, or an ICMP echo identifier. */
EF_INLINE int ef_parse_ports(struct ef_cursor *c, __u8 proto, __u16 *sport, __u16 *dport)
{
	__u8 *l4;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_ICMP &&
	    proto != IPPROTO_ICMPV6)
		return 0;
	l4 = ef_pull(c, 8);
	if (!l4)
		return -1;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		*sport = (__u16)(l4[0] << 8 | l4[1]);
		*dport = (__u16)(l4[2] << 8 | l4[3]);
	} else {
		/* echo identifier; meaningless but harmless for other types */
		*sport = (__u16)(l4[4] << 8 | l4[5]);
		*dport = *sport;
	}
	return 0;
}

/*
 * The quoted header of an ICMP error: inner IP header (+ options) and the
 * first 8 bytes of its payload.  Inner IPv6 extension headers are not walked;
 * such a quote yields no ports and so matches no flow.
 */
EF_INLINE void ef_parse_inner(struct ef_cursor *c, struct ef_pkt *p)
{
	struct ef_tuple *t = &p->inner;

	if (p->family == 4) {
		struct ef_iph *ip = ef_pull(c, sizeof(*ip));
		__u32 opt;

		if (!ip || ef_ip_version(ip) != 4 || ef_ip_ihl(ip) < 5)
			return;
		opt = (ef_ip_ihl(ip) - 5) * 4;
		if (opt && !ef_pull(c, opt))
			return;
		ef_addr_from_v4(&t->src, ip->saddr);
		ef_addr_from_v4(&t->dst, ip->daddr);
		t->proto = ip->protocol;
		if (ip->frag_off & ef_htons(EF_IP_OFFSET))
			return; /* quoted a later fragment: no ports */
	} else {
		struct ef_ip6h *ip6 = ef_pull(c, sizeof(*ip6));

		if (!ip6 || (ip6->ver_tc >> 4) != 6)
			return;
		ef_addr_from_v6(&t->src, &ip6->saddr);
		ef_addr_from_v6(&t->dst, &ip6->daddr);
		t->proto = ip6->nexthdr;
	}
	if (ef_parse_ports(c, t->proto, &t->sport, &t->dport) == 0)
		t->valid = 1;
}

EF_INLINE int ef_icmp_is_error(__u8 family, __u8 type)
{
	if (family == 4)
		return type == EF_ICMP_DEST_UNREACH || type == EF_ICMP_TIME_EXCEEDED ||
		       type == EF_ICMP_PARAMETERPROB;
	return type >= EF_ICMP6_DEST_UNREACH && type <= EF_ICMP6_PARAMPROB;
}

/* L4 header of a packet that is not a later fragment. */
EF_INLINE int ef_parse_l4(struct ef_cursor *c, struct ef_pkt *p)
{
	if (p->proto == IPPROTO_TCP) {
		struct ef_tcph *th = ef_pull(c, sizeof(*th));
		__u32 opt, doff;

		if (!th)
			return EF_R_MALFORMED;
		doff = th->doff_res >> 4;
		if (doff < 5)
			return EF_R_MALFORMED;
		opt = (doff - 5) * 4;
		if (opt && !ef_pull(c, opt))
			return EF_R_MALFORMED;
		p->sport = ef_ntohs(th->source);
		p->dport = ef_ntohs(th->dest);
		p->seq = ef_ntohl(th->seq);
		p->ack_seq = ef_ntohl(th->ack_seq);
		p->tcp_flags = th->flags;
		return EF_R_NONE;
	}
	if (p->proto == IPPROTO_UDP) {
		struct ef_udph *uh = ef_pull(c, sizeof(*uh));

		if (!uh)
			return EF_R_MALFORMED;
		p->sport = ef_ntohs(uh->source);
		p->dport = ef_ntohs(uh->dest);
		return EF_R_NONE;
	}
	if ((p->proto == IPPROTO_ICMP && p->family == 4) ||
	    (p->proto == IPPROTO_ICMPV6 && p->family == 6)) {
		__u8 *ih = ef_pull(c, 8);

		if (!ih)
			return EF_R_MALFORMED;
		p->icmp_type = ih[0];
		p->icmp_code = ih[1];
		p->sport = (__u16)(ih[4] << 8 | ih[5]);
		p->dport = p->sport;
		if (ef_icmp_is_error(p->family, p->icmp_type) && p->frag == EF_FRAG_NONE)
			ef_parse_inner(c, p);
		return EF_R_NONE;
	}
	return EF_R_NONE; /* other protocols: no ports; policy decides */
}

EF_INLINE int ef_parse_ipv4(struct ef_cursor *c, struct ef_pkt *p)
{
	struct ef_iph *ip = ef_pull(c, sizeof(*ip));
	__u32 hlen, opt, avail;
	__u16 fo;

	if (!ip || ef_ip_version(ip) != 4)
		return EF_R_MALFORMED;
	/* addresses first: a malformed packet's event still says whose */
	p->family = 4;
	p->proto = ip->protocol;
	ef_addr_from_v4(&p->src, ip->saddr);
	ef_addr_from_v4(&p->dst, ip->daddr);
	if (ef_ip_ihl(ip) < 5)
		return EF_R_MALFORMED;
	hlen = ef_ip_ihl(ip) * 4;
	opt = hlen - sizeof(*ip);
	if (opt && !ef_pull(c, opt))
		return EF_R_MALFORMED;
	/* total length must cover the header and fit in the frame (which may
	 * carry Ethernet padding beyond it) */
	avail = ef_wire_left(c, ip);
	if (ef_ntohs(ip->tot_len) < hlen || ef_ntohs(ip->tot_len) > avail)
		return EF_R_MALFORMED;
	c->left = ef_ntohs(ip->tot_len) - hlen;
	fo = ef_ntohs(ip->frag_off);
	if (fo & EF_IP_OFFSET) {
		p->frag = EF_FRAG_LATER;
	} else if (fo & EF_IP_MF) {
		p->frag = EF_FRAG_FIRST;
	}
	p->frag_id = ef_ntohs(ip->id);
	if (p->frag == EF_FRAG_LATER)
		return EF_R_NONE;
	return ef_parse_l4(c, p);
}

EF_INLINE int ef_ipv6_is_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH;
}

EF_INLINE int ef_parse_ipv6(struct ef_cursor *c, struct ef_pkt *p)
{
	struct ef_ip6h *ip6 = ef_pull(c, sizeof(*ip6));
	__u8 nh;
	int i;

	if (!ip6 || (ip6->ver_tc >> 4) != 6)
		return EF_R_MALFORMED;
	p->family = 6;
	p->proto = ip6->nexthdr;
	ef_addr_from_v6(&p->src, &ip6->saddr);
	ef_addr_from_v6(&p->dst, &ip6->daddr);
	/* jumbograms (payload_len 0 with a hop-by-hop option) do not occur
	 * on these links; the length is authoritative */
	if (ef_ntohs(ip6->payload_len) > ef_wire_left(c, c->pos))
		return EF_R_MALFORMED;
	c->left = ef_ntohs(ip6->payload_len);
	nh = ip6->nexthdr;

	for (i = 0; i < EF_IPV6_EXT_MAX; i++) {
		__u8 *eh;
		__u32 len;

		if (!ef_ipv6_is_ext(nh))
			break;
		eh = ef_pull(c, 8);
		if (!eh)
			return EF_R_MALFORMED;
		if (nh == IPPROTO_FRAGMENT) {
			__u16 fo = (__u16)(eh[2] << 8 | eh[3]);

			p->frag_id =
				(__u32)eh[4] << 24 | (__u32)eh[5] << 16 | (__u32)eh[6] << 8 | eh[7];
			if (fo & 0xfff8)
				p->frag = EF_FRAG_LATER;
			else if (fo & 1)
				p->frag = EF_FRAG_FIRST;
			len = 8;
		} else if (nh == IPPROTO_AH) {
			len = ((__u32)eh[1] + 2) * 4;
		} else {
			len = ((__u32)eh[1] + 1) * 8;
		}
		nh = eh[0];
		if (len < 8)
			return EF_R_MALFORMED;
		if (len > 8 && !ef_pull(c, len - 8))
			return EF_R_MALFORMED;
		if (p->frag == EF_FRAG_LATER)
			break;
	}
	p->proto = nh;
	if (p->frag == EF_FRAG_LATER)
		return EF_R_NONE;
	if (ef_ipv6_is_ext(nh))
		return EF_R_EXT_HEADERS;
	return ef_parse_l4(c, p);
}

/*
 * Parse a frame of wire_len bytes whose first (data_end - data) bytes are
 * readable.  Returns EF_R_NONE when p holds an IP packet to classify,
 * otherwise the verdict reason: EF_R_NON_IP (pass-through ethertype) or a
 * drop reason (malformed, unknown ethertype, too many tags/ext headers).
 *
 * Pass-through ethertypes: ARP, RARP, LLDP, EAPOL (802.1X), slow protocols
 * (LACP) and 802.3 length-field frames (LLC: STP, CDP).  Everything else that
 * is not IPv4/IPv6 - MPLS, PPPoE, a third VLAN tag - could carry IP past the
 * classifier and is dropped.
 */
EF_INLINE int ef_parse_general(void *data, void *data_end, __u32 wire_len, struct ef_pkt *p)
{
	struct ef_cursor c = {
		.pos = data, .end = data_end, .start = data, .wire = wire_len, .left = 0xffff
	};
	struct ef_ethh *eth = ef_pull(&c, sizeof(*eth));
	__u16 proto;
	int i;

	if (!eth)
		return EF_R_MALFORMED;
	proto = ef_ntohs(eth->proto);
	for (i = 0; i < EF_VLAN_MAX; i++) {
		__u8 *tag;

		if (proto != EF_ETH_P_8021Q && proto != EF_ETH_P_8021AD)
			break;
		tag = ef_pull(&c, 4);
		if (!tag)
			return EF_R_MALFORMED;
		proto = (__u16)(tag[2] << 8 | tag[3]);
		p->vlans++;
	}
	if (proto == EF_ETH_P_IP)
		return ef_parse_ipv4(&c, p);
	if (proto == EF_ETH_P_IPV6)
		return ef_parse_ipv6(&c, p);
	if (proto == EF_ETH_P_8021Q || proto == EF_ETH_P_8021AD)
		return EF_R_VLAN_DEPTH;
	if (proto == EF_ETH_P_ARP || proto == EF_ETH_P_RARP || proto == EF_ETH_P_LLDP ||
	    proto == EF_ETH_P_EAPOL || proto == EF_ETH_P_SLOW || proto < EF_ETH_P_802_3_MIN)
		return EF_R_NON_IP;
	return EF_R_ETHERTYPE;
}

/* ---- pure decision helpers (no maps) ------------------------------------ */

/* TCP flag combinations no stack sends. */
EF_INLINE int ef_tcp_flags_bad(__u8 f)
{
	f &= EF_TCP_FIN | EF_TCP_SYN | EF_TCP_RST | EF_TCP_PSH | EF_TCP_ACK;
	if (f == 0)
		return 1;
	if ((f & EF_TCP_SYN) && (f & (EF_TCP_FIN | EF_TCP_RST)))
		return 1;
	return 0;
}

/* A packet that may open a TCP flow: SYN without ACK. */
EF_INLINE int ef_tcp_is_syn(__u8 f)
{
	return (f & (EF_TCP_SYN | EF_TCP_ACK)) == EF_TCP_SYN;
}

EF_INLINE int ef_tcp_is_synack(__u8 f)
{
	return (f & (EF_TCP_SYN | EF_TCP_ACK)) == (EF_TCP_SYN | EF_TCP_ACK);
}

/* ICMP types a host needs whatever the policy: neighbour discovery (router
 * solicitation/advertisement, neighbour solicitation/advertisement,
 * redirect) and multicast listener discovery. */
EF_INLINE int ef_icmp_essential(__u8 family, __u8 type)
{
	if (family != 6)
		return 0;
	return (type >= 130 && type <= 137) || type == 143;
}

EF_INLINE int ef_icmp_is_echo_req(__u8 family, __u8 type)
{
	return family == 4 ? type == EF_ICMP_ECHO : type == EF_ICMP6_ECHO_REQUEST;
}

EF_INLINE int ef_icmp_is_echo_reply(__u8 family, __u8 type)
{
	return family == 4 ? type == EF_ICMP_ECHOREPLY : type == EF_ICMP6_ECHO_REPLY;
}

/* Path-MTU signals: never black-hole these for our own packets. */
EF_INLINE int ef_icmp_is_pmtu(__u8 family, __u8 type, __u8 code)
{
	if (family == 4)
		return type == EF_ICMP_DEST_UNREACH && code == EF_ICMP_FRAG_NEEDED;
	return type == EF_ICMP6_PKT_TOOBIG;
}

EF_INLINE int ef_is_icmp(const struct ef_pkt *p)
{
	return (p->family == 4 && p->proto == IPPROTO_ICMP) ||
	       (p->family == 6 && p->proto == IPPROTO_ICMPV6);
}

/* Timeout class for a flow in a given state. */
EF_INLINE int ef_flow_timeout_class(__u8 proto, __u8 state)
{
	if (proto == IPPROTO_TCP) {
		if (state == EF_FS_EST)
			return EF_TO_TCP_EST;
		if (state == EF_FS_CLOSING)
			return EF_TO_TCP_CLOSING;
		return EF_TO_TCP_SYN;
	}
	if (proto == IPPROTO_UDP)
		return EF_TO_UDP;
	return EF_TO_ICMP;
}

/*
 * The frame a flood is made of, and most traffic: Ethernet without a tag,
 * IPv4 without options, not a fragment, TCP or UDP, all of it readable: the
 * same result as ef_parse_general (tests/unit/test_parse.c holds them to
 * it) from one bounds check and fixed offsets.  0: not such a frame (the
 * general parser decides, malformed ones included).
 */
EF_INLINE int ef_parse_fast(void *data, void *data_end, __u32 wire_len, struct ef_pkt *p)
{
	struct ef_ethh *eth = data;
	struct ef_iph *ip = (void *)(eth + 1);
	__u8 *l4 = (__u8 *)(ip + 1);
	__u32 tot, doff;

	if ((char *)l4 + 20 > (char *)data_end)
		return 0;
	if (eth->proto != ef_htons(EF_ETH_P_IP) || ip->ver_ihl != 0x45 ||
	    (ip->frag_off & ef_htons(EF_IP_MF | EF_IP_OFFSET)))
		return 0;
	tot = ef_ntohs(ip->tot_len);
	if (tot > wire_len - sizeof(*eth))
		return 0;
	if (ip->protocol == IPPROTO_TCP) {
		doff = (__u32)(l4[12] >> 4) * 4;
		/* the header and its options within the datagram and readable */
		if (doff < 20 || tot < 20 + doff || (char *)l4 + doff > (char *)data_end)
			return 0;
		p->seq = (__u32)l4[4] << 24 | (__u32)l4[5] << 16 | (__u32)l4[6] << 8 | l4[7];
		p->ack_seq = (__u32)l4[8] << 24 | (__u32)l4[9] << 16 | (__u32)l4[10] << 8 | l4[11];
		p->tcp_flags = l4[13];
	} else if (ip->protocol != IPPROTO_UDP || tot < 28) {
		return 0;
	}
	p->family = 4;
	p->proto = ip->protocol;
	ef_addr_from_v4(&p->src, ip->saddr);
	ef_addr_from_v4(&p->dst, ip->daddr);
	p->frag_id = ef_ntohs(ip->id);
	p->sport = (__u16)(l4[0] << 8 | l4[1]);
	p->dport = (__u16)(l4[2] << 8 | l4[3]);
	return 1;
}

EF_INLINE int ef_parse(void *data, void *data_end, __u32 wire_len, struct ef_pkt *p)
{
	if (ef_parse_fast(data, data_end, wire_len, p))
		return EF_R_NONE;
	return ef_parse_general(data, data_end, wire_len, p);
}

#endif /* EDGEFW_PARSE_H */
