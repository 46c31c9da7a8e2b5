/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow tables: which local ports may have a flow, finding a flow
 * (expiry, re-checking it against a newer generation), stepping its TCP
 * state, opening one.
 *
 * Two tables (maps.h): the trusted one holds flows the node opened and
 * inbound TCP that completed a handshake whose SYN-ACK we saw; the
 * untrusted one holds what a remote sender can create by itself.  An entry
 * is written when a flow opens or changes state, and refreshed at most once
 * a second, never on every packet.
 */
#ifndef EF_BPF_FLOWS_H
#define EF_BPF_FLOWS_H

#include "ctx.h"
#include "match.h"

/* ---- local ports that may have a flow (ef_flowports, see edgefw.h) ---------------- */

static __always_inline int ef_port_hinted(__u8 hint, __u16 port)
{
	__u32 k = (__u32)(hint & EF_HINT_FLOWS) * EF_HINT_WORDS + (port >> 6);
	__u64 *w = bpf_map_lookup_elem(&ef_flowports, &k);

	return !w || ((*w >> (port & 63)) & 1);
}

/* Before a flow opens on port: its bit in both halves. */
static __always_inline void ef_port_hint_set(__u16 port)
{
	__u64 bit = 1ull << (port & 63);

	for (__u32 h = 0; h < 2; h++) {
		__u32 k = h * EF_HINT_WORDS + (port >> 6);
		__u64 *w = bpf_map_lookup_elem(&ef_flowports, &k);

		if (w && !(*w & bit))
			__sync_fetch_and_or(w, bit);
	}
}

/* ---- finding a flow ------------------------------------------------------------------ */

static __always_inline int ef_flow_expired_p(struct ef_ctx *x, __u8 proto, const struct ef_flow *f)
{
	__u32 cls = ef_flow_timeout_class(proto, f->state);
	__u64 now = ef_time(x);

	if (cls >= EF_TO_MAX) /* bounds proof for the verifier */
		return 1;
	return now > f->seen_ns && now - f->seen_ns > x->cfg->timeout_ns[cls];
}

static __always_inline int ef_flow_expired(struct ef_ctx *x, const struct ef_flow *f)
{
	return ef_flow_expired_p(x, x->fk.proto, f);
}

/*
 * A flow found under an older policy generation is checked once against
 * the live rules: kept (and re-stamped) if they still allow it, or if it
 * was let through by a lenient mode that is still lenient; dropped
 * otherwise.
 */
static __always_inline int ef_flow_revalidate(struct ef_ctx *x, struct ef_flow *f)
{
	__u8 dir = (f->flags & EF_FLOW_ORIG_OUT) ? EF_DIR_OUT : EF_DIR_IN;
	__u16 rule = EF_RULE_NONE;
	__u8 log = 0;
	int r;

	if (x->fk.proto == IPPROTO_TCP || x->fk.proto == IPPROTO_UDP)
		r = ef_match(x->slot, x->role, dir, x->fk.proto, &x->fk, &rule, &log);
	else /* ICMP echo */
		r = (x->cfg->flags & EF_CFGF_PING) && ef_service(x->slot, x->role, &x->fk.local) ?
			    EF_R_PING :
			    EF_R_ICMP_TYPE;
	if (r < EF_REASON_FIRST_DROP) {
		f->rule = rule;
		f->flags &= ~EF_FLOW_UNLISTED;
	} else if (!(f->flags & EF_FLOW_UNLISTED) ||
		   (x->cfg->mode != EF_MODE_MONITOR &&
		    !(dir == EF_DIR_OUT && x->cfg->egress != EF_MODE_ENFORCE))) {
		return 0;
	}
	f->epoch = x->epoch;
	return 1;
}

/* Look a flow up in both tables; expired or revoked entries are deleted. */
static __always_inline struct ef_flow *ef_flow_find(struct ef_ctx *x, int *trusted)
{
	struct ef_flow *f;
	void *map = &ef_flows;

	*trusted = 1;
	if (!ef_port_hinted(x->hint, x->fk.lport))
		return NULL; /* no flow has this local port */
	f = bpf_map_lookup_elem(&ef_flows, &x->fk);
	if (f && ef_flow_expired(x, f)) {
		/* gone: the untrusted table may still hold the key */
		if (!ef_dry_run)
			bpf_map_delete_elem(&ef_flows, &x->fk);
		ef_count(EF_C_FLOWS_EXPIRED);
		f = NULL;
	}
	if (!f) {
		const struct ef_addr_val *av;

		/* the untrusted table holds inbound-initiated flows: TCP and
		 * UDP on ports an inbound rule covers, and anything a monitor
		 * mode let in; skip the lookup elsewhere */
		if (x->cfg->mode != EF_MODE_MONITOR) {
			if (x->fk.proto != IPPROTO_TCP && x->fk.proto != IPPROTO_UDP)
				return NULL;
			av = ef_local_av(x);
			if (!(av && ef_port_list(x->slot, av, EF_DIR_IN, x->fk.proto, x->fk.lport)))
				return NULL;
		}
		*trusted = 0;
		map = &ef_flows_new;
		f = bpf_map_lookup_elem(&ef_flows_new, &x->fk);
		if (!f)
			return NULL;
		if (ef_flow_expired(x, f)) {
			if (!ef_dry_run)
				bpf_map_delete_elem(map, &x->fk);
			ef_count(EF_C_FLOWS_EXPIRED);
			return NULL;
		}
	}
	if (ef_dry_run) {
		struct ef_scratch_area *a = ef_scratch_area();

		if (!a)
			return NULL;
		a->dry = *f;
		f = &a->dry;
	}
	if (f->epoch != x->epoch && !ef_flow_revalidate(x, f)) {
		if (!ef_dry_run)
			bpf_map_delete_elem(map, &x->fk);
		ef_count(EF_C_FLOWS_REVOKED);
		return NULL;
	}
	x->flow_found = *trusted ? EF_TABLE_TRUSTED : EF_TABLE_UNTRUSTED;
	x->flow_state = f->state;
	return f;
}

/* ---- opening a flow ---------------------------------------------------------------------- */

/* Insert a flow (global: one verification for its callers). */
__noinline int ef_flow_put(struct ef_flow_key *k, struct ef_flow *f, __u32 trusted)
{
	if (!k || !f)
		return -1;
	ef_port_hint_set(k->lport);
	return (int)bpf_map_update_elem(trusted ? (void *)&ef_flows : (void *)&ef_flows_new, k, f,
					BPF_NOEXIST);
}

static __always_inline void ef_flow_create(struct ef_ctx *x, int trusted, __u8 state, __u8 flags,
					   __u32 isn)
{
	struct ef_flow f = {
		.seen_ns = ef_time(x),
		.epoch = x->epoch,
		.isn = isn,
		.born_s = (__u32)(ef_time(x) / 1000000000ull),
		.rule = x->rule,
		.state = state,
		.flags = flags,
	};
	int err;

	if (ef_dry_run) {
		x->new_flow = trusted ? EF_TABLE_TRUSTED : EF_TABLE_UNTRUSTED;
		return;
	}
	err = ef_flow_put(&x->fk, &f, trusted);
	if (err == 0) {
		ef_count(trusted ? EF_C_FLOWS_CREATED : EF_C_FLOWS_NEW_CREATED);
		x->new_flow = trusted ? EF_TABLE_TRUSTED : EF_TABLE_UNTRUSTED;
	} else if (err != -EF_EEXIST) { /* another CPU won the race */
		ef_count(EF_C_FLOW_CREATE_FAIL);
	}
}

/* ---- a packet of a tracked flow ----------------------------------------------------------- */

/*
 * Advance the TCP state machine.  Returns 1 to pass, 0 if the packet does
 * not belong after all (a bad handshake ACK), -1 if it opens a new
 * connection on the 5-tuple of a closing one.
 */
static __always_inline int ef_flow_step(struct ef_ctx *x, struct ef_flow *f, int trusted)
{
	__u8 fl = x->pkt.tcp_flags;
	__u64 now = ef_time(x);

	if (x->fk.proto == IPPROTO_TCP) {
		if (f->state == EF_FS_CLOSING && ef_tcp_is_syn(fl))
			return -1;
		if (fl & (EF_TCP_RST | EF_TCP_FIN)) {
			if (f->state != EF_FS_CLOSING) {
				f->state = EF_FS_CLOSING;
				f->seen_ns = now;
			}
		} else if (f->state == EF_FS_SYN_SENT && x->hook == EF_HOOK_INGRESS &&
			   (fl & EF_TCP_ACK)) {
			f->state = EF_FS_EST;
		} else if (!trusted && x->hook == EF_HOOK_EGRESS && ef_tcp_is_synack(fl) &&
			   (f->state == EF_FS_SYN_RECV || f->state == EF_FS_SYNACK)) {
			f->state = EF_FS_SYNACK;
			f->isn = x->pkt.seq;
		} else if (!trusted && x->hook == EF_HOOK_INGRESS &&
			   (f->state == EF_FS_SYN_RECV || f->state == EF_FS_SYNACK)) {
			if (ef_tcp_is_syn(fl))
				goto refresh; /* retransmitted SYN */
			if (!(fl & EF_TCP_ACK))
				return 0;
			if (f->state == EF_FS_SYN_RECV) {
				/* no SYN-ACK seen (asymmetric path): works,
				 * but stays in the untrusted table */
				f->state = EF_FS_EST;
				f->flags |= EF_FLOW_UNVERIFIED;
				f->seen_ns = now;
				return 1;
			}
			if (x->pkt.ack_seq != f->isn + 1)
				return 0;
			/* handshake verified: promote */
			if (ef_dry_run) {
				x->promoted = 1;
				return 1;
			}
			{
				struct ef_flow nf = *f;

				nf.state = EF_FS_EST;
				nf.seen_ns = now;
				if (bpf_map_update_elem(&ef_flows, &x->fk, &nf, BPF_ANY) == 0) {
					bpf_map_delete_elem(&ef_flows_new, &x->fk);
					ef_count(EF_C_FLOWS_PROMOTED);
				} else {
					f->state = EF_FS_EST;
					ef_count(EF_C_FLOW_CREATE_FAIL);
				}
				return 1;
			}
		}
	}
refresh:
	if (now - f->seen_ns > EF_REFRESH_NS)
		f->seen_ns = now;
	return 1;
}

#endif /* EF_BPF_FLOWS_H */
