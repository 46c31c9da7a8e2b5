// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw data path: XDP on ingress, TC (clsact) on egress, one classifier,
 * read top to bottom as
 *
 *   parse -> config -> shield -> sanity -> fragments / ICMP errors -> flow
 *         -> policy (a rule for a new flow) -> finish
 *
 * Each stage lives in a header of its own: ctx.h (the context, clock,
 * counters, buckets, knobs), match.h (service addresses, ports, rules,
 * peers), flows.h (flow tables), fragicmp.h (fragments, ICMP errors),
 * shield.h (lists, limits, blocks, SYN challenges), policy.h (new flows),
 * verdict.h (the one exit: counters, statistics, events).
 *
 * The common drop is kept cheap: a local port no flow has costs no flow
 * lookup (ef_flowports), a service address is one array read
 * (ef_addrhint), a port no rule covers is answered without a call, the
 * clock is read only by a stage that needs it, and features that are off
 * cost a flag test.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "edgefw/edgefw.h"
#include "edgefw/parse.h"
#include "maps.h"
#include "ctx.h"
#include "match.h"
#include "flows.h"
#include "fragicmp.h"
#include "shield.h"
#include "policy.h"
#include "verdict.h"
#include "capture.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- classification ----------------------------------------------------------- */

/*
 * A NIC's role, -1 when it is not managed; ef_iface_role_big for an
 * ifindex too large for ef_ifroles.  The latter is a function of its own so
 * that the compiler cannot merge the two lookups into one call on a map
 * chosen at run time: the verifier inlines an array lookup only where it
 * knows the map, and the merged call cost every packet a helper call and an
 * indirect one behind it.
 */
static __always_inline int ef_iface_role(const struct ef_iface *ifc)
{
	return ifc && ifc->managed ? ifc->role : -1;
}

__noinline int ef_iface_role_big(__u32 ifindex)
{
	return ef_iface_role(bpf_map_lookup_elem(&ef_ifaces, &ifindex));
}

static __always_inline int ef_classify(struct ef_ctx *x)
{
	struct ef_pkt *p = &x->pkt;
	struct ef_flow *f;
	int in = x->hook == EF_HOOK_INGRESS;
	int trusted, step, role;

	/* one orientation for both hooks: local is the node's side */
	x->fk.local = in ? p->dst : p->src;
	x->fk.remote = in ? p->src : p->dst;
	x->fk.lport = in ? p->dport : p->sport;
	x->fk.rport = in ? p->sport : p->dport;
	x->fk.proto = p->proto;

	if (x->ifindex < EF_IFACE_ARRAY)
		role = ef_iface_role(bpf_map_lookup_elem(&ef_ifroles, &x->ifindex));
	else
		role = ef_iface_role_big(x->ifindex);
	if (role < 0)
		return EF_R_UNMANAGED_IF;
	x->role = (__u8)role;
	x->fk.role = (__u8)role;
	if (EF_STOP_AT(EF_STAGE_CONFIG))
		return EF_R_MALFORMED;

	if (ef_is_icmp(p) && ef_icmp_essential(p->family, p->icmp_type))
		return EF_R_ICMP_ESSENTIAL; /* DAD uses :: as source */
	step = ef_shield_check(x);
	if (step != EF_R_NONE)
		return step;
	if (in && ef_addr_bad_source(&p->src))
		return EF_R_BAD_ADDRESS;
	if (ef_addr_eq(&p->src, &p->dst))
		return EF_R_LAND;
	if (p->frag == EF_FRAG_LATER)
		return ef_frag_later(x);
	if (p->proto == IPPROTO_TCP && ef_tcp_flags_bad(p->tcp_flags))
		return EF_R_TCP_FLAGS;
	if (ef_is_icmp(p)) {
		if (ef_icmp_is_error(p->family, p->icmp_type))
			return ef_icmp_error(x);
		if (!ef_icmp_is_echo_req(p->family, p->icmp_type) &&
		    !ef_icmp_is_echo_reply(p->family, p->icmp_type))
			return EF_R_ICMP_TYPE;
	}

	if (EF_STOP_AT(EF_STAGE_SHIELD))
		return EF_R_MALFORMED;
	f = ef_flow_find(x, &trusted);
	if (EF_STOP_AT(EF_STAGE_FLOW))
		return EF_R_MALFORMED;
	if (f) {
		/* read before the step: a promotion deletes the entry f is */
		x->rule = f->rule;
		step = ef_flow_step(x, f, trusted);
		if (step > 0)
			return EF_R_FLOW;
		x->rule = EF_RULE_NONE;
		if (step == 0)
			return EF_R_NO_FLOW;
		if (!ef_dry_run)
			bpf_map_delete_elem(trusted ? (void *)&ef_flows : (void *)&ef_flows_new,
					    &x->fk);
	}
	return in ? ef_new_ingress(x) : ef_new_egress(x);
}

/* x->reason on entry: what the parser said.  Returns enum ef_action. */
static __always_inline int ef_process(struct ef_ctx *x)
{
	struct ef_ctl *ctl;
	__u32 k = 0;

	x->rule = EF_RULE_NONE;
	ctl = bpf_map_lookup_elem(&ef_ctl, &k);
	if (ctl && ctl->epoch) {
		x->epoch = ctl->epoch;
		x->hint = (__u8)ctl->hint;
		x->slot = x->epoch % EF_SLOTS;
		x->rule_slot = x->slot;
		k = x->slot;
		x->cfg = bpf_map_lookup_elem(&ef_cfg, &k);
	}
	if (!x->cfg)
		x->reason = EF_R_NO_POLICY;
	if (x->reason == EF_R_NONE) {
		x->parsed = 1;
		x->reason = ef_classify(x);
	}
	if (ef_bench_stop)
		return EF_ACT_DROP;
	return ef_finish(x);
}

/*
 * The parsers, one global function per hook: the verifier checks each once,
 * on its own, instead of every parse outcome times every classification
 * path.  Global functions cannot take packet pointers, so they take the
 * context.
 */
__noinline int ef_parse_xdp(struct xdp_md *ctx, struct ef_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!p)
		return EF_R_MALFORMED;
	/* no xdp.frags: the whole frame is readable */
	return ef_parse(data, data_end, (__u32)(data_end - data), p);
}

__noinline int ef_parse_skb(struct __sk_buff *skb, struct ef_pkt *p)
{
	__u32 want = skb->len < EF_TC_PULL ? skb->len : EF_TC_PULL;

	if (!p)
		return EF_R_MALFORMED;
	/* headers of locally built packets are normally linear already */
	if ((long)skb->data_end - (long)skb->data < want)
		bpf_skb_pull_data(skb, want);
	/* packet pointers are read after the pull may have moved data */
	return ef_parse((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len, p);
}

SEC("xdp")
int edgefw_xdp(struct xdp_md *ctx)
{
	struct ef_ctx x = {
		.hook = EF_HOOK_INGRESS,
		.ifindex = ctx->ingress_ifindex,
		.pkt_len = ctx->data_end - ctx->data,
	};

	int action;

	x.reason = ef_parse_xdp(ctx, &x.pkt);
	if (EF_STOP_AT(EF_STAGE_PARSE))
		return XDP_DROP;
	action = ef_process(&x);
	if (ef_capturing(&x, action))
		ef_cap_xdp(ctx, &x, action);
	switch (action) {
	case EF_ACT_DROP: return XDP_DROP;
	case EF_ACT_CHALLENGE: {
		int len =
			ef_syn_reply((void *)(long)ctx->data, (void *)(long)ctx->data_end, &x.pkt);
		int delta = len - (int)(ctx->data_end - ctx->data);

		if (len < 0 || (delta < 0 && bpf_xdp_adjust_tail(ctx, delta)))
			return XDP_DROP;
		return XDP_TX;
	}
	default: return XDP_PASS;
	}
}

SEC("tc")
int edgefw_tc_egress(struct __sk_buff *skb)
{
	struct ef_ctx x = {
		.hook = EF_HOOK_EGRESS,
		.ifindex = skb->ifindex,
		.pkt_len = skb->len,
	};

	int action;

	x.reason = ef_parse_skb(skb, &x.pkt);
	action = ef_process(&x);
	if (ef_capturing(&x, action))
		ef_cap_skb(skb, &x, action);
	return action == EF_ACT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}
