/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fragments (a later fragment follows its first one) and ICMP errors (about
 * a tracked flow, or a path-MTU signal about the node's own packet).
 */
#ifndef EF_BPF_FRAGICMP_H
#define EF_BPF_FRAGICMP_H

#include "ctx.h"
#include "flows.h"
#include "match.h"

/* ---- fragments ---------------------------------------------------------------- */

static __always_inline void ef_frag_key(const struct ef_pkt *p, __u8 role, struct ef_frag_key *k)
{
	k->role = role;
	k->src = p->src;
	k->dst = p->dst;
	k->id = p->frag_id;
	k->proto = p->proto;
}

/* A later fragment: passes if its first fragment passed, within
 * timeouts.fragment, credited to the same rule. */
static __always_inline int ef_frag_later(struct ef_ctx *x)
{
	struct ef_frag_key k = {};
	struct ef_frag *fr;

	ef_frag_key(&x->pkt, x->role, &k);
	fr = bpf_map_lookup_elem(&ef_frags, &k);
	if (!fr || ef_time(x) - fr->seen_ns > x->cfg->timeout_ns[EF_TO_FRAGMENT])
		return EF_R_FRAG_UNTRACKED;
	x->rule = fr->rule;
	return EF_R_FRAGMENT;
}

/* A first fragment that passed: remember it for its later ones. */
static __always_inline void ef_frag_track(struct ef_ctx *x)
{
	struct ef_frag_key k = {};
	struct ef_frag fr = { .seen_ns = ef_time(x), .rule = x->rule };

	if (ef_dry_run)
		return;
	ef_frag_key(&x->pkt, x->role, &k);
	if (bpf_map_update_elem(&ef_frags, &k, &fr, BPF_ANY) == 0)
		ef_count(EF_C_FRAGS_TRACKED);
	else
		ef_count(EF_C_FRAG_CREATE_FAIL);
}

/* ---- ICMP errors -------------------------------------------------------------- */

/* An ICMP error passes when the packet it quotes belongs to a tracked flow
 * of this NIC, or (path-MTU signals) when we sent the quoted packet from a
 * service address of this NIC. */
static __always_inline int ef_icmp_error(struct ef_ctx *x)
{
	const struct ef_tuple *t = &x->pkt.inner;
	struct ef_flow_key k = { .proto = t->proto, .role = x->role };
	int ingress = x->hook == EF_HOOK_INGRESS;
	struct ef_flow *f = NULL;

	if (!t->valid)
		return EF_R_ICMP_UNRELATED;
	/* at ingress the quote is a packet the node sent */
	k.local = ingress ? t->src : t->dst;
	k.remote = ingress ? t->dst : t->src;
	k.lport = ingress ? t->sport : t->dport;
	k.rport = ingress ? t->dport : t->sport;
	/* a flow past its timeout is no longer tracked (it leaves the table
	 * when its own next packet looks it up, or the agent sweeps it) */
	if (ef_port_hinted(x->hint, k.lport)) {
		f = bpf_map_lookup_elem(&ef_flows, &k);
		if (f && ef_flow_expired_p(x, k.proto, f))
			f = NULL;
		if (!f)
			f = bpf_map_lookup_elem(&ef_flows_new, &k);
	}
	if (f && !ef_flow_expired_p(x, k.proto, f))
		return EF_R_ICMP_RELATED;
	if (ingress && ef_icmp_is_pmtu(x->pkt.family, x->pkt.icmp_type, x->pkt.icmp_code) &&
	    ef_service(x->slot, x->role, &k.local))
		return EF_R_ICMP_RELATED;
	return EF_R_ICMP_UNRELATED;
}

#endif /* EF_BPF_FRAGICMP_H */
