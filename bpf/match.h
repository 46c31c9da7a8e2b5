/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Matching a packet against the live generation's rules: the node's
 * service addresses, the port groups, the candidate rules of a port, their
 * local ports and peer sets.
 */
#ifndef EF_BPF_MATCH_H
#define EF_BPF_MATCH_H

#include "ctx.h"

/* The services of address a on the NIC with this role, or NULL: one array
 * read (ef_addrhint); the hash table only for a bucket several addresses
 * share. */
static __always_inline const struct ef_addr_val *ef_service(__u8 slot, __u8 role,
							    const union ef_addr *a)
{
	__u32 idx = ef_addr_hint_index(slot, role, a);
	struct ef_addr_hint *h = bpf_map_lookup_elem(&ef_addrhint, &idx);
	struct ef_addr_key k = { .slot = slot, .role = role };

	if (!h || h->state == EF_AH_EMPTY)
		return NULL;
	if (h->state == EF_AH_ONE)
		return ef_addr_eq(&h->addr, a) ? &h->v : NULL;
	k.addr = *a;
	return bpf_map_lookup_elem(&ef_addrs, &k);
}

static __always_inline int ef_peer_in(__u8 slot, __u16 set, const union ef_addr *a)
{
	struct ef_peer_key k = {
		.prefixlen = EF_PEER_KEY_FIXED_BITS + 128,
		.slot = slot,
		.family = ef_addr_family(a),
		.set = set,
	};

	k.addr = *a;
	return bpf_map_lookup_elem(&ef_peers, &k) != NULL;
}

/* 1 + the candidate list of av's group for port, or 0 when no rule covers
 * it.  One inlined array lookup. */
static __always_inline __u32 ef_port_list(__u8 slot, const struct ef_addr_val *av, __u8 dir,
					  __u8 proto, __u16 port)
{
	__u32 g = av->grp[(dir & 1) * 2 + (proto == IPPROTO_UDP)];
	__u32 idx;
	__u64 *w;

	if (g >= EF_MAX_GROUPS)
		return 0;
	idx = ((__u32)slot * EF_MAX_GROUPS + g) * EF_PORTMAP_WORDS + (port >> 2);
	w = bpf_map_lookup_elem(&ef_portmap, &idx);
	return w ? (__u32)(*w >> ((port & 3) * 16)) & 0xffff : 0;
}

/*
 * The candidate rules of a port, as a global function: the verifier checks
 * it once, not once per call site.  dir IN: the remote opens to the node's
 * local port; OUT: the node opens to the remote port.  Returns EF_R_RULE
 * with rule and log set, EF_R_PEER (a rule had the port, not the peer) or
 * EF_R_NO_RULE.
 */
struct ef_match {
	struct ef_flow_key fk;
	__u32 list; /* 1 + the candidate list */
	__u8 slot;
	__u8 dir;
	__u16 rule; /* out */
	__u8 log;   /* out */
	__u8 pad[3];
};

__noinline int ef_match_g(struct ef_match *m)
{
	struct ef_rule_list *l;
	int reason = EF_R_NO_RULE;
	__u32 idx;
	__u8 slot;
	int i;

	if (!m)
		return EF_R_NO_RULE;
	slot = m->slot & (EF_SLOTS - 1);
	idx = slot * EF_MAX_LISTS + ((m->list - 1) & (EF_MAX_LISTS - 1));
	l = bpf_map_lookup_elem(&ef_lists, &idx);
	if (!l)
		return EF_R_NO_RULE;
	for (i = 0; i < EF_LIST_MAX; i++) {
		struct ef_rule *r;
		__u16 id;

		if (i >= l->n)
			break;
		id = l->rule[i];
		idx = ef_rule_index(slot, id);
		r = bpf_map_lookup_elem(&ef_rules, &idx);
		if (!r)
			continue;
		if ((r->flags & EF_RULEF_LPORTS) &&
		    (m->fk.lport < r->lport_lo || m->fk.lport > r->lport_hi))
			continue;
		if (!(r->flags & EF_RULEF_PEER_ANY) &&
		    !ef_peer_in(slot, r->peerset, &m->fk.remote)) {
			reason = EF_R_PEER;
			continue;
		}
		m->rule = id;
		m->log = r->flags & EF_RULEF_LOG;
		return EF_R_RULE;
	}
	return reason;
}

/* The rules for a flow of fk in direction dir, av its local address's
 * services (NULL: not a service address).  A port no rule covers is
 * answered inline, without the call. */
static __always_inline int ef_match_av(__u8 slot, __u8 dir, __u8 proto,
				       const struct ef_addr_val *av, const struct ef_flow_key *fk,
				       __u16 *rule, __u8 *log)
{
	struct ef_match m;
	__u32 list;
	int r;

	if (!av)
		return EF_R_NOT_SERVICE;
	list = ef_port_list(slot, av, dir, proto, dir == EF_DIR_IN ? fk->lport : fk->rport);
	if (!list)
		return EF_R_NO_RULE;
	__builtin_memset(&m, 0, sizeof(m));
	m.fk = *fk;
	m.list = list;
	m.slot = slot;
	m.dir = dir;
	m.rule = EF_RULE_NONE;
	r = ef_match_g(&m);
	if (r == EF_R_RULE) {
		*rule = m.rule;
		*log = m.log;
	}
	return r;
}

/* The packet's local address's services, looked up once and only when
 * needed (packets of flows never need them). */
static __always_inline const struct ef_addr_val *ef_local_av(struct ef_ctx *x)
{
	if (!x->av_done) {
		x->av = ef_service(x->slot, x->role, &x->fk.local);
		x->av_done = 1;
	}
	return x->av;
}

static __always_inline int ef_match(__u8 slot, __u8 role, __u8 dir, __u8 proto,
				    const struct ef_flow_key *fk, __u16 *rule, __u8 *log)
{
	return ef_match_av(slot, dir, proto, ef_service(slot, role, &fk->local), fk, rule, log);
}

#endif /* EF_BPF_MATCH_H */
