/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The shield: the static block and allow lists, temporary blocks of sources
 * over a per-source limit, the limits' token buckets, and SYN cookie
 * challenges under a SYN flood (and the SYN-ACK that carries them).
 */
#ifndef EF_BPF_SHIELD_H
#define EF_BPF_SHIELD_H

#include "ctx.h"

/* ---- lists ---------------------------------------------------------------------- */

static __always_inline int ef_list_has(void *list, const union ef_addr *a)
{
	struct ef_list_key k = {
		.prefixlen = EF_LIST_KEY_FIXED_BITS + 128,
		.family = ef_addr_family(a),
	};

	k.addr = *a;
	return bpf_map_lookup_elem(list, &k) != NULL;
}

/* Is the remote on the block list?  An IPv4 remote whose /24 the list does
 * not touch is answered by one array read (ef_bl4). */
static __always_inline int ef_blocklisted(__u32 flags, const union ef_addr *a)
{
	if ((flags & EF_SHIELD_BL4) && ef_addr_is_v4(a)) {
		__u32 n = ef_ntohl(a->w[3]) >> 8, k = n >> 6;
		__u64 *w = bpf_map_lookup_elem(&ef_bl4, &k);

		if (w && !((*w >> (n & 63)) & 1))
			return 0;
	}
	return ef_list_has(&ef_blocklist, a);
}

/* Is the remote on the allow list (exempt from the block list, temporary
 * blocks, limits and challenges)?  Asked only where it decides something:
 * the common drop never pays for the lookup. */
__noinline int ef_exempt_g(__u8 *exempt, const union ef_addr *remote)
{
	if (!exempt || !remote)
		return 0;
	if (!*exempt) {
		__u32 zero = 0;
		struct ef_shield *sh = bpf_map_lookup_elem(&ef_shield, &zero);

		*exempt = sh && (sh->flags & EF_SHIELD_ALLOWLIST) &&
					  ef_list_has(&ef_allowlist, remote) ?
				  2 :
				  1;
	}
	return *exempt == 2;
}
#define ef_exempt(x) ef_exempt_g(&(x)->exempt, &(x)->fk.remote)

/* ---- sources that may be blocked (ef_blockhint, see edgefw.h) ------------------ */

static __always_inline int ef_block_hinted(__u8 hint, const union ef_addr *k)
{
	__u32 h = ef_src_hash16(k);
	__u32 i = (__u32)((hint & EF_HINT_BLOCKS) ? 1 : 0) * EF_HINT_WORDS + (h >> 6);
	__u64 *w = bpf_map_lookup_elem(&ef_blockhint, &i);

	return !w || ((*w >> (h & 63)) & 1);
}

/* Before a source is blocked: its bit in both halves. */
static __always_inline void ef_block_hint_set(const union ef_addr *k)
{
	__u32 h = ef_src_hash16(k);
	__u64 bit = 1ull << (h & 63);

	for (__u32 half = 0; half < 2; half++) {
		__u32 i = half * EF_HINT_WORDS + (h >> 6);
		__u64 *w = bpf_map_lookup_elem(&ef_blockhint, &i);

		if (w && !(*w & bit))
			__sync_fetch_and_or(w, bit);
	}
}

/* A source as the limits count it: IPv4 whole, IPv6 per /limit_v6_prefix. */
static __always_inline void ef_limit_key(struct ef_ctx *x, union ef_addr *k)
{
	__u32 bits = x->cfg->limit_v6_prefix;
	int i;

	*k = x->pkt.src;
	if (ef_addr_is_v4(k) || bits >= 128)
		return;
	for (i = 0; i < 4; i++) {
		__u32 keep = bits > (__u32)i * 32 ? bits - (__u32)i * 32 : 0;

		if (keep >= 32)
			continue;
		k->w[i] &= keep ? ef_htonl(~0u << (32 - keep)) : 0;
	}
}

/*
 * Before anything else: the static block list (remote address, both
 * directions) unless the allow list exempts the remote, then the temporary
 * blocks of sources that exceeded a per-source limit (ingress).  An empty
 * list costs no lookup.
 */
static __always_inline int ef_shield_check(struct ef_ctx *x)
{
	struct ef_shield *sh;
	struct ef_blocked *b;
	union ef_addr k;
	__u32 zero = 0;

	sh = bpf_map_lookup_elem(&ef_shield, &zero);
	if (sh && (sh->flags & EF_SHIELD_BLOCKLIST) && ef_blocklisted(sh->flags, &x->fk.remote) &&
	    !ef_exempt(x))
		return EF_R_BLOCKLIST;
	if (EF_STOP_AT(EF_STAGE_LISTS))
		return EF_R_MALFORMED;
	if (x->hook != EF_HOOK_INGRESS || !(x->cfg->flags & EF_CFGF_LIMITS))
		return EF_R_NONE;
	ef_limit_key(x, &k);
	if (!ef_block_hinted(x->hint, &k))
		return EF_R_NONE; /* blocked nowhere */
	b = bpf_map_lookup_elem(&ef_blocked, &k);
	if (!b)
		return EF_R_NONE;
	if (ef_time(x) < b->until_ns) {
		if (ef_exempt(x))
			return EF_R_NONE;
		return EF_R_BLOCKED_SOURCE;
	}
	if (!ef_dry_run && !ef_exempt(x))
		bpf_map_delete_elem(&ef_blocked, &k); /* served its time */
	return EF_R_NONE;
}

/*
 * A new inbound flow under a rule with a per-source limit takes a token
 * from its source's bucket; without one the source goes on the temporary
 * block list and the packet is dropped.
 */
static __always_inline int ef_limit_take(struct ef_ctx *x, const struct ef_rule *r)
{
	struct ef_srclimit_key k = { .rule = x->rule, .epoch = x->epoch };
	__u64 cap = (__u64)r->lim_burst * EF_CREDIT_PER_TOKEN, now;
	struct ef_evbucket *b;

	if (!r->lim_rate || ef_exempt(x))
		return 1;
	now = ef_time(x);
	ef_limit_key(x, &k.src);
	b = bpf_map_lookup_elem(&ef_srclimit, &k);
	if (!b) {
		if (!ef_dry_run) {
			struct ef_evbucket nb = ef_bucket_new(now, cap);

			bpf_map_update_elem(&ef_srclimit, &k, &nb, BPF_ANY);
		}
		return cap >= EF_CREDIT_PER_TOKEN;
	}
	if (ef_bucket_take(b, now, r->lim_rate, cap, !ef_dry_run))
		return 1;
	if (!ef_dry_run) {
		struct ef_blocked blk = {
			.until_ns = now + (__u64)r->lim_block_s * EF_NS_PER_S,
			.since_ns = now,
			.rule = x->rule,
			.slot = x->slot,
		};
		__u32 idx = ef_rule_index(x->slot, x->rule);
		struct ef_rule_stats *s = bpf_map_lookup_elem(&ef_rule_stats, &idx);

		ef_block_hint_set(&k.src);
		bpf_map_update_elem(&ef_blocked, &k.src, &blk, BPF_ANY);
		ef_count(EF_C_SOURCES_BLOCKED);
		if (s)
			s->limited++;
	}
	return 0;
}

/* ---- SYN floods: cookie challenges -------------------------------------------- */

/*
 * Under a SYN flood an unverified source's SYN is not passed on: XDP answers
 * it with a SYN-ACK whose acknowledgment number is a SYN cookie and which
 * therefore acknowledges nothing the client sent.  A real TCP stack in
 * SYN-SENT answers such a SYN-ACK with a RST whose sequence number is that
 * acknowledgment number (RFC 9293 3.10.7.3), keeps its connection attempt
 * and retransmits the SYN.  The RST proves the source address is real; the
 * source is remembered as verified and its retransmitted SYN passes to the
 * server, untouched (all its options, no sequence translation, no proxy).
 * A spoofed source never sees the SYN-ACK and never verifies: spoofed SYNs
 * cost a reply and never a flow-table entry.
 *
 * The cookie is the kernel's (bpf_tcp_raw_gen/check_syncookie_*: siphash
 * with a boot-time secret, valid for about two minutes), computed over a
 * header built from the 4-tuple with a fixed ISN of 0: the RST carries the
 * cookie but not the client's ISN, so the cookie may depend on the tuple
 * and the time only.
 */

/* ack == 0: the SYN as the generator sees it; else the ACK the checker
 * expects for a cookie of ack - 1 */
static __always_inline void ef_cookie_hdrs(const struct ef_pkt *p, struct ef_cookie_hdrs *h,
					   __u32 ack)
{
	__builtin_memset(h, 0, sizeof(h->ip) + sizeof(h->th));
	if (p->family == 4) {
		h->ip.v4.ver_ihl = 0x45;
		h->ip.v4.protocol = IPPROTO_TCP;
		h->ip.v4.saddr = p->src.w[3];
		h->ip.v4.daddr = p->dst.w[3];
	} else {
		h->ip.v6.ver_tc = 0x60;
		h->ip.v6.nexthdr = IPPROTO_TCP;
		__builtin_memcpy(h->ip.v6.saddr, p->src.b, 16);
		__builtin_memcpy(h->ip.v6.daddr, p->dst.b, 16);
	}
	h->th.source = ef_htons(p->sport);
	h->th.dest = ef_htons(p->dport);
	h->th.doff_res = 5 << 4;
	if (ack) {
		h->th.seq = ef_htonl(1); /* ISN 0, plus one */
		h->th.ack_seq = ef_htonl(ack);
		h->th.flags = EF_TCP_ACK;
	} else {
		h->th.flags = EF_TCP_SYN;
	}
}

static __always_inline int ef_syn_verified(struct ef_ctx *x)
{
	union ef_addr k;
	__u64 *until;

	ef_limit_key(x, &k);
	until = bpf_map_lookup_elem(&ef_verified, &k);
	return until && ef_time(x) < *until;
}

/* Are challenges on?  "auto": while this CPU sees more SYNs of unverified
 * sources per ~1 s window than the threshold (this window or the last). */
static __always_inline int ef_syn_hot(struct ef_ctx *x)
{
	struct ef_synrate *r;
	__u64 w = ef_time(x) >> EF_SYN_WINDOW_SHIFT;
	__u32 zero = 0, count, prev;

	if (x->cfg->syn_mode == EF_SYN_ALWAYS)
		return 1;
	r = bpf_map_lookup_elem(&ef_synrate, &zero);
	if (!r)
		return 0;
	count = r->count;
	prev = r->prev;
	if (r->window != w) {
		prev = r->window + 1 == w ? count : 0;
		count = 0;
	}
	count++;
	if (!ef_dry_run) {
		r->window = w;
		r->count = count;
		r->prev = prev;
	}
	return count > x->cfg->syn_threshold || prev > x->cfg->syn_threshold;
}

/* A RST with no flow: the answer to a challenge? */
static __always_inline int ef_syn_rst_check(struct ef_ctx *x)
{
	struct ef_cookie_hdrs *h = ef_scratch_get();
	union ef_addr k;
	__u64 until;
	long r;

	if (!h)
		return EF_R_NO_FLOW;
	ef_cookie_hdrs(&x->pkt, h, x->pkt.seq + 1);
	if (x->pkt.family == 4)
		r = bpf_tcp_raw_check_syncookie_ipv4((void *)&h->ip.v4, (void *)&h->th);
	else
		r = bpf_tcp_raw_check_syncookie_ipv6((void *)&h->ip.v6, (void *)&h->th);
	if (r) {
		ef_count(EF_C_SYNCOOKIES_BAD);
		return EF_R_NO_FLOW;
	}
	ef_count(EF_C_SYNCOOKIES_VALID);
	if (!ef_dry_run) {
		until = ef_time(x) + (__u64)x->cfg->syn_verified_s * EF_NS_PER_S;
		ef_limit_key(x, &k);
		bpf_map_update_elem(&ef_verified, &k, &until, BPF_ANY);
	}
	return EF_R_SYN_VERIFIED;
}

/* ---- the challenge itself ------------------------------------------------------ */

static __always_inline __u16 ef_csum_fold(__s64 sum)
{
	__u64 s = (__u64)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/*
 * Turn the SYN in place into the challenge: a SYN-ACK from the service
 * address whose acknowledgment number is the cookie, sent back out of the
 * NIC it came in on (same VLAN tags).  IP options and IPv6 extension
 * headers are not carried over; the frame is cut to its new length.
 */
static __always_inline int ef_syn_reply(void *data, void *end, const struct ef_pkt *p)
{
	struct ef_cookie_hdrs *h = ef_scratch_get();
	struct ef_ethh *eth = data;
	struct ef_tcph *th;
	__u32 l3 = 14 + 4 * (__u32)(p->vlans & 3), iplen = p->family == 4 ? 20 : 40;
	__u32 cookie;
	__u8 mac[8];
	__s64 c, sum;

	if (ef_dry_run || l3 > 22 || !h)
		return -1;
	ef_cookie_hdrs(p, h, 0);
	if (p->family == 4)
		c = bpf_tcp_raw_gen_syncookie_ipv4((void *)&h->ip.v4, (void *)&h->th,
						   sizeof(h->th));
	else
		c = bpf_tcp_raw_gen_syncookie_ipv6((void *)&h->ip.v6, (void *)&h->th,
						   sizeof(h->th));
	if (c < 0)
		return -1;
	cookie = (__u32)c;
	if ((void *)(eth + 1) > end)
		return -1;
	__builtin_memcpy(mac, eth->src, 6);
	__builtin_memcpy(eth->src, eth->dst, 6);
	__builtin_memcpy(eth->dst, mac, 6);
	if (p->family == 4) {
		struct ef_iph *ip = data + l3;
		struct {
			__be32 s, d;
			__u8 zero, proto;
			__be16 len;
		} *ps = (void *)h->pseudo;

		th = data + l3 + 20;
		if ((void *)(th + 1) > end)
			return -1;
		ip->ver_ihl = 0x45;
		ip->tos = 0;
		ip->tot_len = ef_htons(40);
		ip->id = 0;
		ip->frag_off = ef_htons(0x4000); /* DF */
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->check = 0;
		ip->saddr = p->dst.w[3];
		ip->daddr = p->src.w[3];
		ip->check = ef_csum_fold(bpf_csum_diff(0, 0, (void *)ip, 20, 0));
		ps->s = ip->saddr;
		ps->d = ip->daddr;
		ps->zero = 0;
		ps->proto = IPPROTO_TCP;
		ps->len = ef_htons(20);
		sum = bpf_csum_diff(0, 0, (void *)ps, sizeof(*ps), 0);
	} else {
		struct ef_ip6h *ip6 = data + l3;
		struct {
			__u8 s[16], d[16];
			__be32 len;
			__u8 zero[3], nh;
		} *ps = (void *)h->pseudo;

		th = data + l3 + 40;
		if ((void *)(th + 1) > end)
			return -1;
		ip6->ver_tc = 0x60;
		ip6->tc_flow[0] = ip6->tc_flow[1] = ip6->tc_flow[2] = 0;
		ip6->payload_len = ef_htons(20);
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = 64;
		__builtin_memcpy(ip6->saddr, p->dst.b, 16);
		__builtin_memcpy(ip6->daddr, p->src.b, 16);
		__builtin_memcpy(ps->s, p->dst.b, 16);
		__builtin_memcpy(ps->d, p->src.b, 16);
		ps->len = ef_htonl(20);
		ps->zero[0] = ps->zero[1] = ps->zero[2] = 0;
		ps->nh = IPPROTO_TCP;
		sum = bpf_csum_diff(0, 0, (void *)ps, sizeof(*ps), 0);
	}
	th->source = ef_htons(p->dport);
	th->dest = ef_htons(p->sport);
	th->seq = ef_htonl(~cookie);
	th->ack_seq = ef_htonl(cookie);
	th->doff_res = 5 << 4;
	th->flags = EF_TCP_SYN | EF_TCP_ACK;
	th->window = ef_htons(1024);
	th->check = 0;
	th->urg_ptr = 0;
	th->check = ef_csum_fold(bpf_csum_diff(0, 0, (void *)th, 20, sum));
	ef_count(EF_C_SYNCOOKIES_SENT);
	/* the caller cuts the frame to this length */
	return (int)(l3 + iplen + 20);
}

#endif /* EF_BPF_SHIELD_H */
