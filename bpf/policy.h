/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy's verdict on a packet that belongs to no flow: does a rule let
 * it open one?  At ingress an "in" rule (with SYN challenges and per-source
 * limits on the way); at egress an "out" rule, or a reply an "in" rule
 * covers.
 */
#ifndef EF_BPF_POLICY_H
#define EF_BPF_POLICY_H

#include "ctx.h"
#include "flows.h"
#include "match.h"
#include "shield.h"

static __always_inline int ef_new_ingress(struct ef_ctx *x)
{
	struct ef_pkt *p = &x->pkt;
	__u8 log = 0;
	int r;

	if (ef_is_icmp(p)) {
		if (!ef_icmp_is_echo_req(p->family, p->icmp_type))
			return EF_R_NO_FLOW; /* echo reply without request */
		if (!ef_local_av(x))
			return EF_R_NOT_SERVICE;
		return (x->cfg->flags & EF_CFGF_PING) ? EF_R_PING : EF_R_ICMP_TYPE;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return ef_local_av(x) ? EF_R_PROTOCOL : EF_R_NOT_SERVICE;

	r = ef_match_av(x->slot, EF_DIR_IN, p->proto, ef_local_av(x), &x->fk, &x->rule, &log);
	if (r != EF_R_RULE)
		return r;
	x->log_allow = log;
	/* SYN floods: challenge unverified sources (never in monitor mode,
	 * never the allow list); a RST may be the answer to a challenge */
	if (p->proto == IPPROTO_TCP && x->cfg->syn_mode != EF_SYN_OFF &&
	    x->cfg->mode != EF_MODE_MONITOR && x->role == EF_ROLE_EXTERNAL && !ef_exempt(x)) {
		__u8 fl = p->tcp_flags & (EF_TCP_SYN | EF_TCP_ACK | EF_TCP_RST);

		if (fl == EF_TCP_SYN) {
			if (!ef_syn_verified(x) && ef_syn_hot(x))
				return EF_R_SYN_CHALLENGE;
		} else if (fl == EF_TCP_RST) {
			return ef_syn_rst_check(x);
		}
	}
	/* a packet that would open a flow: the rule's per-source limit */
	if ((x->cfg->flags & EF_CFGF_LIMITS) &&
	    (p->proto == IPPROTO_UDP || ef_tcp_is_syn(p->tcp_flags))) {
		__u32 idx = ef_rule_index(x->slot, x->rule);
		struct ef_rule *rl = bpf_map_lookup_elem(&ef_rules, &idx);

		if (rl && !ef_limit_take(x, rl))
			return EF_R_RATE_LIMITED;
	}
	if (p->proto == IPPROTO_TCP) {
		if (!ef_tcp_is_syn(p->tcp_flags))
			return EF_R_NO_FLOW;
		ef_flow_create(x, 0, EF_FS_SYN_RECV, 0, 0);
	} else {
		ef_flow_create(x, 0, EF_FS_OPEN, 0, 0);
	}
	return EF_R_RULE;
}

static __always_inline int ef_new_egress(struct ef_ctx *x)
{
	struct ef_pkt *p = &x->pkt;
	__u8 log = 0;
	int r, rr;

	if (ef_is_icmp(p)) { /* echo request or reply (see ef_classify) */
		int echo_req = ef_icmp_is_echo_req(p->family, p->icmp_type);

		if (!ef_local_av(x))
			return EF_R_NOT_SERVICE;
		if (!(x->cfg->flags & EF_CFGF_PING))
			return EF_R_ICMP_TYPE;
		if (echo_req)
			ef_flow_create(x, 1, EF_FS_OPEN, EF_FLOW_ORIG_OUT, 0);
		return EF_R_PING;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return ef_local_av(x) ? EF_R_PROTOCOL : EF_R_NOT_SERVICE;

	r = ef_match_av(x->slot, EF_DIR_OUT, p->proto, ef_local_av(x), &x->fk, &x->rule, &log);
	if (r == EF_R_RULE) {
		x->log_allow = log;
		if (p->proto == IPPROTO_UDP) {
			ef_flow_create(x, 1, EF_FS_OPEN, EF_FLOW_ORIG_OUT, 0);
			return EF_R_RULE;
		}
		if (ef_tcp_is_syn(p->tcp_flags)) {
			ef_flow_create(x, 1, EF_FS_SYN_SENT, EF_FLOW_ORIG_OUT, 0);
			return EF_R_RULE;
		}
		x->rule = EF_RULE_NONE;
	}
	if (r == EF_R_NOT_SERVICE)
		return r;
	/*
	 * A reply from a service port to a peer an inbound rule admits: the
	 * node answering a flow whose entry was evicted or predates us.  A
	 * SYN-ACK re-creates the embryonic entry so the handshake can finish.
	 */
	rr = ef_match_av(x->slot, EF_DIR_IN, p->proto, ef_local_av(x), &x->fk, &x->rule, &log);
	if (rr == EF_R_RULE) {
		if (p->proto == IPPROTO_TCP && ef_tcp_is_synack(p->tcp_flags))
			ef_flow_create(x, 0, EF_FS_SYNACK, 0, p->seq);
		return EF_R_REPLY_BY_RULE;
	}
	x->rule = EF_RULE_NONE;
	if (r == EF_R_RULE) /* out rule matched but not a SYN */
		return EF_R_NO_FLOW;
	return r;
}

#endif /* EF_BPF_POLICY_H */
