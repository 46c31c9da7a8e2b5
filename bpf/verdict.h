/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one exit: the action a verdict becomes in the live mode, lenient
 * modes' flows, first fragments remembered, every verdict counted, rule
 * statistics, and events (rate-limited per CPU and per remote source).
 */
#ifndef EF_BPF_VERDICT_H
#define EF_BPF_VERDICT_H

#include "ctx.h"
#include "flows.h"
#include "fragicmp.h"

/*
 * Token bucket per remote (the source at ingress, the destination at
 * egress; IPv6 per /64).  Racy across CPUs by design: it bounds a flood's
 * events, it does not need to be exact.
 */
static __always_inline int ef_event_allowed(struct ef_ctx *x)
{
	const struct ef_cfg *c = x->cfg;
	struct ef_evbucket *b;
	union ef_addr k = {};
	__u32 zero = 0;
	__u64 now;

	if (!c || !c->ev_rate)
		return 1;
	now = ef_time(x);
	/* the per-CPU budget first: a flood from many sources stops here,
	 * without an insert into ef_evlimit per packet */
	b = bpf_map_lookup_elem(&ef_evbudget, &zero);
	if (!b || !ef_bucket_take(b, now, c->ev_cpu_rate,
				  (__u64)c->ev_cpu_rate * EF_EV_BUDGET_S * EF_CREDIT_PER_TOKEN, 1))
		return 0;
	if (x->pkt.family)
		k = x->hook == EF_HOOK_INGRESS ? x->pkt.src : x->pkt.dst;
	if (x->pkt.family == 6) {
		k.w[2] = 0;
		k.w[3] = 0;
	}
	b = bpf_map_lookup_elem(&ef_evlimit, &k);
	if (!b) {
		struct ef_evbucket nb =
			ef_bucket_new(now, (__u64)c->ev_burst * EF_CREDIT_PER_TOKEN);

		bpf_map_update_elem(&ef_evlimit, &k, &nb, BPF_ANY);
		return 1;
	}
	return ef_bucket_take(b, now, c->ev_rate, (__u64)c->ev_burst * EF_CREDIT_PER_TOKEN, 1);
}

/*
 * No wake-up per event: a flood would pay one (an irq_work and a
 * scheduler wake-up, microseconds) for each event the agent catches up
 * on.  Only the record that takes the unread bytes across a multiple of
 * EF_EV_WAKE_BYTES wakes the agent; below that, its EF_EV_POLL_MS timer
 * finds the records.  (Unread bytes count this record: it was reserved.)
 */
static __always_inline __u64 ef_event_wakeup(void)
{
	__u64 unread = bpf_ringbuf_query(&ef_events, BPF_RB_AVAIL_DATA);

	if (unread >= EF_EV_WAKE_BYTES && (unread & (EF_EV_WAKE_BYTES - 1)) < EF_EV_RECORD_BYTES)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void ef_event(struct ef_ctx *x, __u8 action)
{
	struct ef_event *e = bpf_ringbuf_reserve(&ef_events, sizeof(*e), 0);

	if (!e) {
		ef_count(EF_C_EVENTS_LOST);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns(); /* events are rare: the precise clock */
	e->ifindex = x->ifindex;
	e->epoch = x->epoch;
	e->pkt_len = x->pkt_len;
	e->rule = x->rule;
	e->hook = x->hook;
	e->action = action;
	e->reason = x->reason;
	e->family = x->pkt.family;
	if (e->family) {
		e->proto = x->pkt.proto;
		e->sport = x->pkt.sport;
		e->dport = x->pkt.dport;
		e->tcp_flags = x->pkt.tcp_flags;
		e->icmp_type = x->pkt.icmp_type;
		e->icmp_code = x->pkt.icmp_code;
		e->src = x->pkt.src;
		e->dst = x->pkt.dst;
	}
	bpf_ringbuf_submit(e, ef_event_wakeup());
	ef_count(EF_C_EVENTS_SENT);
}

/*
 * A denied packet under a lenient mode (monitor, or egress monitor/off)
 * passes; it gets a flow so that the rest of the connection and its
 * replies do not each raise another event.
 */
static __always_inline void ef_lenient_flow(struct ef_ctx *x)
{
	struct ef_pkt *p = &x->pkt;
	int out = x->hook == EF_HOOK_EGRESS;
	__u8 state = EF_FS_OPEN;

	if (!x->parsed || p->frag == EF_FRAG_LATER)
		return;
	if (p->proto == IPPROTO_TCP)
		state = ef_tcp_is_syn(p->tcp_flags) ? (out ? EF_FS_SYN_SENT : EF_FS_SYN_RECV) :
						      EF_FS_EST;
	else if (p->proto != IPPROTO_UDP &&
		 !(ef_is_icmp(p) && ef_icmp_is_echo_req(p->family, p->icmp_type)))
		return;
	x->rule = EF_RULE_NONE;
	ef_flow_create(x, out, state, EF_FLOW_UNLISTED | (out ? EF_FLOW_ORIG_OUT : 0), 0);
}

static __always_inline int ef_finish(struct ef_ctx *x)
{
	__u8 action = EF_ACT_PASS;

	if (x->reason >= EF_REASON_FIRST_DROP) {
		/* a rule may have matched the port of a packet dropped for
		 * another reason (no-flow); no rule decided the drop - except
		 * a rule's own per-source limit, which the event names */
		if (x->reason != EF_R_RATE_LIMITED)
			x->rule = EF_RULE_NONE;
		int lenient = x->cfg &&
			      (x->cfg->mode == EF_MODE_MONITOR ||
			       (x->hook == EF_HOOK_EGRESS && x->cfg->egress != EF_MODE_ENFORCE));

		if (!lenient) {
			action = x->reason == EF_R_SYN_CHALLENGE ? EF_ACT_CHALLENGE : EF_ACT_DROP;
		} else {
			ef_lenient_flow(x);
			if (x->cfg->mode != EF_MODE_MONITOR && x->cfg->egress == EF_MODE_OFF) {
				x->reason = EF_R_UNLISTED;
				x->rule = EF_RULE_NONE;
			} else {
				action = EF_ACT_WOULD_DROP;
			}
		}
	} else if (x->pkt.frag == EF_FRAG_FIRST && x->cfg) {
		ef_frag_track(x);
	}

	ef_count((action == EF_ACT_WOULD_DROP ? EF_C_WOULD_DROP_BASE : 0) +
		 x->hook * EF_REASON_MAX + (x->reason < EF_REASON_MAX ? x->reason : 0));
	if (ef_dry_run) {
		__u32 k = 0;
		struct ef_trace t = {
			.epoch = x->epoch,
			.rule = x->rule,
			.reason = x->reason,
			.action = action,
			.role = x->role,
			.flow = x->flow_found,
			.flow_state = x->flow_state,
			.new_flow = x->new_flow,
			.promote = x->promoted,
		};

		bpf_map_update_elem(&ef_trace, &k, &t, BPF_ANY);
		return action;
	}
	if (x->rule != EF_RULE_NONE && x->reason < EF_REASON_FIRST_DROP) {
		__u32 idx = ef_rule_index(x->rule_slot, x->rule);
		struct ef_rule_stats *s = bpf_map_lookup_elem(&ef_rule_stats, &idx);

		if (s) {
			s->packets++;
			s->bytes += x->pkt_len;
		}
	}
	/* challenges and their answers are counted, not reported: a flood
	 * must not become an event flood */
	if ((action != EF_ACT_PASS && x->reason != EF_R_SYN_CHALLENGE &&
	     x->reason != EF_R_SYN_VERIFIED) ||
	    (x->new_flow && x->cfg && (x->log_allow || (x->cfg->flags & EF_CFGF_LOG_ALLOW)))) {
		if (ef_event_allowed(x))
			ef_event(x, action);
		else
			ef_count(EF_C_EVENTS_SUPPRESSED);
	}
	return action;
}

#endif /* EF_BPF_VERDICT_H */
