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

static __always_inline int ef_cap_addr_is(const union ef_addr *a, const struct ef_capslot *s)
{
	return (a->w[0] & s->mask.w[0]) == s->addr.w[0] && (a->w[1] & s->mask.w[1]) == s->addr.w[1] &&
	       (a->w[2] & s->mask.w[2]) == s->addr.w[2] && (a->w[3] & s->mask.w[3]) == s->addr.w[3];
}

/* Does slot s want this packet?  (Its lease, the kind, then the filters.) */
static __always_inline int ef_cap_match(const struct ef_capslot *s, const struct ef_ctx *x,
					int action, __u64 now)
{
	const struct ef_pkt *p = &x->pkt;
	__u8 kind;

	if (now > s->alive_until)
		return 0;
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
 * The record of a packet that some slot wants, in the per-CPU buffer, and
 * which slots want it (a bit each; their rate buckets have paid).  Its
 * bytes are the caller's to copy: *len of them.
 */
static __always_inline struct ef_capbuf *ef_cap_want(struct ef_ctx *x, int action, __u32 *want,
						     __u32 *len)
{
	struct ef_capture *c;
	struct ef_capbuf *b;
	__u32 zero = 0, snap = 0;
	__u64 now = ef_time(x);

	*want = 0;
	c = bpf_map_lookup_elem(&ef_capture, &zero);
	if (!c)
		return (void *)0;
#pragma unroll
	for (__u32 i = 0; i < EF_CAP_SLOTS; i++) {
		const struct ef_capslot *s = &c->slot[i];
		struct ef_capstat *st;
		__u32 k = i;

		if (!(c->on & (1u << i)) || !ef_cap_match(s, x, action, now))
			continue;
		st = bpf_map_lookup_elem(&ef_capstat, &k);
		if (!st)
			continue;
		if (!ef_bucket_take(&st->bucket, now, s->cpu_pps,
				    (__u64)s->cpu_pps * EF_CREDIT_PER_TOKEN, 1)) {
			st->skipped++;
			continue;
		}
		*want |= 1u << i;
		if (s->snaplen > snap)
			snap = s->snaplen;
	}
	if (!*want)
		return (void *)0;
	b = bpf_map_lookup_elem(&ef_capbuf, &zero);
	if (!b)
		return (void *)0;
	b->rec.ts_ns = bpf_ktime_get_ns();
	b->rec.ifindex = x->ifindex;
	b->rec.epoch = x->epoch;
	b->rec.pkt_len = x->pkt_len;
	b->rec.rule = x->rule;
	b->rec.hook = (__u8)x->hook;
	b->rec.action = (__u8)action;
	b->rec.reason = x->reason;
	*len = x->pkt_len < snap ? x->pkt_len : snap;
	return b;
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
		if (ring && !bpf_ringbuf_output(ring, b, sizeof(b->rec) + n, 0))
			st->captured++;
		else
			st->lost++;
	}
}

/* Both hooks' copies: global functions, verified once, on their own. */
__noinline int ef_cap_xdp(struct xdp_md *ctx, struct ef_ctx *x, int action)
{
	struct ef_capbuf *b;
	__u32 want, len = 0;

	if (!ctx || !x)
		return 0;
	b = ef_cap_want(x, action, &want, &len);
	if (!b)
		return 0;
	if (len > EF_CAP_SNAP_MAX)
		len = EF_CAP_SNAP_MAX;
	if (len == 0 || bpf_xdp_load_bytes(ctx, 0, b->data, len))
		len = 0;
	ef_cap_out(b, want, len);
	return 0;
}

__noinline int ef_cap_skb(struct __sk_buff *skb, struct ef_ctx *x, int action)
{
	struct ef_capbuf *b;
	__u32 want, len = 0;

	if (!skb || !x)
		return 0;
	b = ef_cap_want(x, action, &want, &len);
	if (!b)
		return 0;
	if (len > EF_CAP_SNAP_MAX)
		len = EF_CAP_SNAP_MAX;
	if (len == 0 || bpf_skb_load_bytes(skb, 0, b->data, len))
		len = 0;
	ef_cap_out(b, want, len);
	return 0;
}

/* After the verdict, before a challenge rewrites the frame: is any capture
 * on?  (The dry run that explain loads never captures.) */
static __always_inline int ef_capturing(void)
{
	struct ef_capture *c;
	__u32 zero = 0;

	if (ef_dry_run)
		return 0;
	c = bpf_map_lookup_elem(&ef_capture, &zero);
	return c && c->on;
}

#endif /* EF_BPF_CAPTURE_H */
