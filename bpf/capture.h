/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * edgefw capture: copies of the packets a capture asked for - dropped,
 * passed by a lenient mode instead of dropped, or the packet that opened an
 * allowed flow - with their verdict, into the ring of each capture slot
 * that wants them (ef_capture, edgefw.h).  While no capture runs, this
 * costs the programs one load of ef_capture.on; everything else is in
 * functions of their own that only a running capture reaches.
 */
#ifndef EF_BPF_CAPTURE_H
#define EF_BPF_CAPTURE_H

#include "ctx.h"

/* bench: a build with the capture check left out (the cost of a capture
 * that is off, measured against it) */
const volatile __u8 ef_no_capture = 0;

static __always_inline int ef_cap_addr_is(const union ef_addr *a, const struct ef_capslot *s)
{
	return (a->w[0] & s->mask.w[0]) == s->addr.w[0] &&
	       (a->w[1] & s->mask.w[1]) == s->addr.w[1] &&
	       (a->w[2] & s->mask.w[2]) == s->addr.w[2] && (a->w[3] & s->mask.w[3]) == s->addr.w[3];
}

/* Does slot s want this packet?  (The kind, then the filters; the lease
 * is the caller's.) */
static __always_inline int ef_cap_match(const struct ef_capslot *s, const struct ef_ctx *x,
					int action)
{
	const struct ef_pkt *p = &x->pkt;
	__u8 kind;

	if (action == EF_ACT_DROP || action == EF_ACT_CHALLENGE)
		kind = EF_CAPF_DROP;
	else if (action == EF_ACT_WOULD_DROP)
		kind = EF_CAPF_WOULD_DROP;
	else if (x->new_flow)
		kind = EF_CAPF_NEW_FLOW;
	else
		return 0;
	if (!(s->flags & kind))
		return 0;
	if (s->reasons && (x->reason >= 64 || !((s->reasons >> x->reason) & 1)))
		return 0;
	if (s->ifindex && s->ifindex != x->ifindex)
		return 0;
	if ((s->flags & EF_CAPF_RULE) && (s->epoch != x->epoch || s->rule != x->rule))
		return 0;
	if (!s->proto && !s->port && !(s->flags & EF_CAPF_ADDR))
		return 1;
	/* the packet filters need headers that parsed */
	if (!p->family)
		return 0;
	/* IPPROTO_ICMP stands for ICMPv6 as well */
	if (s->proto && s->proto != p->proto && !(s->proto == IPPROTO_ICMP && ef_is_icmp(p)))
		return 0;
	/* as tcpdump's "port": TCP and UDP only, either end */
	if (s->port && ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) ||
			(p->sport != s->port && p->dport != s->port)))
		return 0;
	if ((s->flags & EF_CAPF_ADDR) && !ef_cap_addr_is(&p->src, s) && !ef_cap_addr_is(&p->dst, s))
		return 0;
	return 1;
}

/*
 * Which slots want this packet: a bit each (their rate buckets have paid);
 * the most bytes any of them keeps in *snap (a map value: no stack
 * pointer crosses into the inlined loop).
 */
static __always_inline __u32 ef_cap_want(struct ef_ctx *x, int action, struct ef_capbuf *b)
{
	struct ef_capture *c;
	__u32 zero = 0, want = 0;

	c = bpf_map_lookup_elem(&ef_capture, &zero);
	if (!c)
		return 0;
	b->rec.cap_len = 0;
#pragma unroll
	for (__u32 i = 0; i < EF_CAP_SLOTS; i++) {
		const struct ef_capslot *s = &c->slot[i];
		struct ef_capstat *st;
		__u32 k = i;

		if (!(c->on & (1u << i)) || !ef_cap_match(s, x, action))
			continue;
		/* the clock only for a packet some slot picks */
		if (ef_time(x) > s->alive_until)
			continue;
		st = bpf_map_lookup_elem(&ef_capstat, &k);
		if (!st)
			continue;
		if (!ef_bucket_take(&st->bucket, ef_time(x), s->cpu_pps,
				    (__u64)s->cpu_pps * EF_CREDIT_PER_TOKEN, 1)) {
			st->skipped++;
			continue;
		}
		want |= 1u << i;
		if (s->snaplen > b->rec.cap_len)
			b->rec.cap_len = s->snaplen;
	}
	return want;
}

/* The record's header, in the per-CPU buffer; the bytes to copy. */
static __always_inline __u32 ef_cap_head(struct ef_capbuf *b, const struct ef_ctx *x, int action)
{
	__u32 len = b->rec.cap_len;

	b->rec.ts_ns = bpf_ktime_get_ns();
	b->rec.ifindex = x->ifindex;
	b->rec.epoch = x->epoch;
	b->rec.pkt_len = x->pkt_len;
	b->rec.rule = x->rule;
	b->rec.hook = (__u8)x->hook;
	b->rec.action = (__u8)action;
	b->rec.reason = x->reason;
	if (x->pkt_len < len)
		len = x->pkt_len;
	return len;
}

/*
 * No wake-up per record (an irq_work each, a microsecond): only the record
 * that takes the ring's unread bytes across a multiple of
 * EF_CAP_WAKE_BYTES wakes its reader; its poll timeout finds the rest.
 */
static __always_inline __u64 ef_cap_wakeup(void *ring, __u32 n)
{
	__u64 unread = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	__u64 rec = sizeof(struct ef_caprec) + n + 8;

	if ((unread & (EF_CAP_WAKE_BYTES - 1)) + rec >= EF_CAP_WAKE_BYTES)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* The record, with each slot's share of the len copied bytes, to each
 * wanting slot's ring. */
static __always_inline void ef_cap_out(struct ef_capbuf *b, __u32 want, __u32 len)
{
	struct ef_capture *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&ef_capture, &zero);
	if (!c)
		return;
#pragma unroll
	for (__u32 i = 0; i < EF_CAP_SLOTS; i++) {
		__u32 k = i, n = len;
		struct ef_capstat *st;
		void *ring;

		if (!(want & (1u << i)))
			continue;
		st = bpf_map_lookup_elem(&ef_capstat, &k);
		ring = bpf_map_lookup_elem(&ef_caprings, &k);
		if (!st)
			continue;
		if (c->slot[i].snaplen < n)
			n = c->slot[i].snaplen;
		if (n > EF_CAP_SNAP_MAX)
			n = EF_CAP_SNAP_MAX;
		b->rec.cap_len = n;
		if (ring &&
		    !bpf_ringbuf_output(ring, b, sizeof(b->rec) + n, ef_cap_wakeup(ring, n)))
			st->captured++;
		else
			st->lost++;
	}
}

/*
 * What a capture takes of this packet: the per-CPU buffer with the
 * record's header (NULL: no slot picks it), the slots in *want and the
 * bytes to copy in *len, bounded for the copy helpers.
 */
static __always_inline struct ef_capbuf *ef_cap_take(struct ef_ctx *x, int action, __u32 *want,
						     __u32 *len)
{
	__u32 zero = 0;
	struct ef_capbuf *b = bpf_map_lookup_elem(&ef_capbuf, &zero);

	if (!b)
		return (void *)0;
	*want = ef_cap_want(x, action, b);
	if (!*want)
		return (void *)0;
	*len = ef_cap_head(b, x, action);
	if (*len > EF_CAP_SNAP_MAX)
		*len = EF_CAP_SNAP_MAX;
	return b;
}

/* Both hooks' copies: global functions, verified once, on their own. */
__noinline int ef_cap_xdp(struct xdp_md *ctx, struct ef_ctx *x, int action)
{
	__u32 want = 0, len = 0;
	struct ef_capbuf *b;

	if (!ctx || !x)
		return 0;
	b = ef_cap_take(x, action, &want, &len);
	if (!b)
		return 0;
	if (len == 0 || len > EF_CAP_SNAP_MAX || bpf_xdp_load_bytes(ctx, 0, b->data, len))
		len = 0;
	ef_cap_out(b, want, len);
	return 0;
}

__noinline int ef_cap_skb(struct __sk_buff *skb, struct ef_ctx *x, int action)
{
	__u32 want = 0, len = 0;
	struct ef_capbuf *b;

	if (!skb || !x)
		return 0;
	b = ef_cap_take(x, action, &want, &len);
	if (!b)
		return 0;
	if (len == 0 || len > EF_CAP_SNAP_MAX || bpf_skb_load_bytes(skb, 0, b->data, len))
		len = 0;
	ef_cap_out(b, want, len);
	return 0;
}

/* After the verdict, before a challenge rewrites the frame: is any capture
 * on, and is the packet of a kind captures take (not a tracked flow's)?
 * (The dry run that explain loads never captures.) */
static __always_inline int ef_capturing(const struct ef_ctx *x, int action)
{
	struct ef_capture *c;
	__u32 zero = 0;

	if (ef_dry_run || ef_no_capture)
		return 0;
	c = bpf_map_lookup_elem(&ef_capture, &zero);
	return c && c->on && (action != EF_ACT_PASS || x->new_flow);
}

#endif /* EF_BPF_CAPTURE_H */
