// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw data path: XDP on ingress, TC (clsact) on egress, one classifier.
 *
 * Per packet:  parse -> sanity (addresses, TCP flags) -> fragments -> ICMP
 * -> tracked flow? -> service address -> port segment -> candidate rules ->
 * peer set.  One exit (ef_finish) counts every verdict and reports drops.
 *
 * State lives in two flow tables (see maps.h): the trusted one holds flows
 * the node opened and inbound TCP that completed a handshake whose SYN-ACK
 * we saw; the untrusted one holds everything a remote sender can create by
 * itself.  Flow entries are written when a flow is created or changes
 * state, and refreshed at most once a second, never on every packet.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "edgefw/edgefw.h"
#include "edgefw/parse.h"
#include "maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EF_REFRESH_NS 1000000000ull /* flow timestamp granularity */
#define EF_TC_PULL    192           /* header bytes the egress parser may need */
#define EF_EEXIST     17

/*
 * edgefw explain loads this same object a second time with ef_dry_run set,
 * over the live maps: it classifies exactly as the live program does but
 * writes nothing shared (no flow, counter, statistic or event; a flow it
 * finds is stepped on a private copy) and reports in ef_trace instead.
 */
#ifndef EF_NATIVE
const volatile __u8 ef_dry_run = 0;
#else
volatile __u8 ef_dry_run = 0; /* the native reference build (tests/fuzz) sets it */
#endif

/*
 * The stateful differential tests (tests/fuzz/seq*) run the enforcing program
 * on a clock they control: with ef_test_clock set at load, "now" is
 * ef_clock_ns, written by the test between packets.  A read-only constant:
 * in every other load the verifier removes the branch, and the program is
 * the one that enforces.
 */
const volatile __u8 ef_test_clock = 0;
volatile __u64 ef_clock_ns = 0;

/*
 * The cost breakdown of bench/bench_prog.c loads this object once per stage
 * with ef_bench_stop set: the program drops the packet at the end of that
 * stage.  0 (every other load): the branches are removed by the verifier.
 */
enum ef_stage {
	EF_STAGE_ALL = 0,
	EF_STAGE_PARSE = 1,  /* headers parsed */
	EF_STAGE_CONFIG = 2, /* generation, settings, NIC role, clock */
	EF_STAGE_LISTS = 3,  /* static block and allow lists */
	EF_STAGE_SHIELD = 4, /* temporary blocks, sanity checks */
	EF_STAGE_FLOW = 5,   /* flow tables looked up (and the flow stepped) */
	EF_STAGE_RULE = 6,   /* the verdict (rules, limits, challenges, new flows) */
};
const volatile __u8 ef_bench_stop = 0;
#define EF_STOP_AT(stage) (ef_bench_stop == (stage))

/* The clock of flow, fragment, limit and event-budget timestamps. */
static __always_inline __u64 ef_now(void)
{
	if (ef_test_clock)
		return ef_clock_ns;
	/* the coarse clock (tick resolution) is plenty for timeouts of
	 * seconds, and a fraction of the cost */
	return bpf_ktime_get_coarse_ns();
}

/* The headers a SYN cookie is computed over (see the SYN flood section). */
struct ef_cookie_hdrs {
	union {
		struct ef_iph v4;
		struct ef_ip6h v6;
	} ip;
	struct ef_tcph th;
	__u8 pseudo[40]; /* the reply's checksum pseudo-header */
};

/* Scratch space off the stack (the programs are near the 512-byte limit):
 * per CPU, and a program does not migrate while it runs. */
struct ef_scratch_area {
	struct ef_cookie_hdrs ch;
	struct ef_flow dry; /* dry run: the flow found, stepped privately */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ef_scratch_area);
} ef_scratch SEC(".maps");

static __always_inline struct ef_scratch_area *ef_scratch_area(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ef_scratch, &zero);
}

static __always_inline struct ef_cookie_hdrs *ef_scratch_get(void)
{
	struct ef_scratch_area *a = ef_scratch_area();

	return a ? &a->ch : (void *)0;
}

struct ef_ctx {
	/* 8 bytes, first: a constant the verifier can track, so that the XDP
	 * program is not verified along egress-only paths and vice versa */
	__u64 hook; /* enum ef_hook */
	struct ef_pkt pkt;
	struct ef_flow_key fk; /* the packet's flow, local/remote oriented */
	const struct ef_cfg *cfg;
	__u64 now;
	__u32 ifindex;
	__u32 epoch;
	__u32 pkt_len;
	__u16 rule;       /* rule credited with the packet */
	__u8 role;
	__u8 slot;
	__u8 rule_slot;   /* slot the rule id belongs to */
	__u8 reason;
	__u8 new_flow;    /* this packet created a flow: 1 trusted, 2 untrusted */
	__u8 log_allow;   /* the creating rule asks for an allow event */
	__u8 flow_found;  /* matched a flow: 1 trusted, 2 untrusted */
	__u8 flow_state;
	__u8 promoted;
	__u8 parsed;      /* the headers parsed: pkt and fk are meaningful */
	__u8 exempt;      /* in the allow list: no limits, no blocks */
	__u8 av_done;     /* av has been looked up */
	const struct ef_addr_val *av; /* the local address's services, or NULL */
};

static __always_inline void ef_count(__u32 idx)
{
	__u64 *c;

	if (ef_dry_run)
		return;
	c = bpf_map_lookup_elem(&ef_counters, &idx);
	if (c)
		*c += 1;
}

/* ---- policy lookups ------------------------------------------------------ */

static __always_inline struct ef_addr_val *
ef_service(__u8 slot, __u8 role, const union ef_addr *a)
{
	struct ef_addr_key k = { .slot = slot, .role = role };

	k.addr = *a;
	return bpf_map_lookup_elem(&ef_addrs, &k);
}

static __always_inline int ef_peer_in(__u8 slot, __u16 set,
				      const union ef_addr *a)
{
	struct ef_peer_key k = {
		.prefixlen = EF_PEER_KEY_FIXED_BITS + 128,
		.slot = slot,
		.family = ef_addr_is_v4(a) ? 4 : 6,
		.set = set,
	};

	k.addr = *a;
	return bpf_map_lookup_elem(&ef_peers, &k) != NULL;
}

/* 1 + the candidate list of av's group for port, or 0 when no rule covers
 * it.  One inlined array lookup. */
static __always_inline __u32 ef_port_list(__u8 slot, const struct ef_addr_val *av,
					  __u8 dir, __u8 proto, __u16 port)
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
 * Rule evaluation for one orientation, as a global function: the verifier
 * checks it once, not once per call site (there are four).  dir IN: the
 * remote opens to the node's local port.  dir OUT: the node opens to the
 * remote port.  grp holds the local address's port groups (have_av 0: not
 * a service address).  Returns EF_R_RULE with rule and log set, or the
 * reason nothing matched.
 */
struct ef_match {
	struct ef_flow_key fk;
	__u8 grp[4];
	__u8 slot;
	__u8 dir;
	__u8 proto;
	__u8 have_av;
	__u16 rule; /* out */
	__u8 log;   /* out */
	__u8 pad;
};

__noinline int ef_match_g(struct ef_match *m)
{
	struct ef_addr_val av;
	struct ef_rule_list *l;
	int reason = EF_R_NO_RULE;
	__u32 idx, list;
	__u8 slot;
	int i;

	if (!m)
		return EF_R_NO_RULE;
	if (!m->have_av)
		return EF_R_NOT_SERVICE;
	slot = m->slot & (EF_SLOTS - 1);
	__builtin_memcpy(av.grp, m->grp, sizeof(av.grp));
	list = ef_port_list(slot, &av, m->dir, m->proto,
			    m->dir == EF_DIR_IN ? m->fk.lport : m->fk.rport);
	if (!list)
		return EF_R_NO_RULE;
	idx = slot * EF_MAX_LISTS + ((list - 1) & (EF_MAX_LISTS - 1));
	l = bpf_map_lookup_elem(&ef_lists, &idx);
	if (!l)
		return EF_R_NO_RULE;

	for (i = 0; i < EF_LIST_MAX; i++) {
		struct ef_rule *r;
		__u16 id;

		if (i >= l->n)
			break;
		id = l->rule[i];
		idx = slot * EF_MAX_RULES + (id & (EF_MAX_RULES - 1));
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

static __always_inline int ef_match_av(__u8 slot, __u8 dir, __u8 proto,
				       const struct ef_addr_val *av,
				       const struct ef_flow_key *fk, __u16 *rule,
				       __u8 *log)
{
	struct ef_match m = { .fk = *fk, .slot = slot, .dir = dir, .proto = proto,
			      .have_av = av != NULL, .rule = EF_RULE_NONE };
	int r;

	if (av)
		__builtin_memcpy(m.grp, av->grp, sizeof(m.grp));
	r = ef_match_g(&m);
	if (r == EF_R_RULE) {
		*rule = m.rule;
		*log = m.log;
	}
	return r;
}

static __always_inline int ef_match(__u8 slot, __u8 role, __u8 dir, __u8 proto,
				    const struct ef_flow_key *fk, __u16 *rule,
				    __u8 *log)
{
	return ef_match_av(slot, dir, proto, ef_service(slot, role, &fk->local),
			   fk, rule, log);
}

/* The packet's local address entry, looked up once and only when needed
 * (packets of trusted flows never need it). */
static __always_inline const struct ef_addr_val *ef_local_av(struct ef_ctx *x)
{
	if (!x->av_done) {
		x->av = ef_service(x->slot, x->role, &x->fk.local);
		x->av_done = 1;
	}
	return x->av;
}

/* ---- flows ----------------------------------------------------------------- */

static __always_inline int ef_flow_expired_p(struct ef_ctx *x, __u8 proto,
					     const struct ef_flow *f)
{
	__u32 cls = ef_flow_timeout_class(proto, f->state);

	if (cls >= EF_TO_MAX) /* bounds proof for the verifier */
		return 1;
	return x->now > f->seen_ns &&
	       x->now - f->seen_ns > x->cfg->timeout_ns[cls];
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
static __always_inline int ef_flow_revalidate(struct ef_ctx *x,
					      struct ef_flow *f)
{
	__u8 dir = (f->flags & EF_FLOW_ORIG_OUT) ? EF_DIR_OUT : EF_DIR_IN;
	__u16 rule = EF_RULE_NONE;
	__u8 log = 0;
	int r;

	if (x->fk.proto == IPPROTO_TCP || x->fk.proto == IPPROTO_UDP)
		r = ef_match(x->slot, x->role, dir, x->fk.proto, &x->fk, &rule,
			     &log);
	else /* ICMP echo */
		r = (x->cfg->flags & EF_CFGF_PING) &&
				    ef_service(x->slot, x->role, &x->fk.local) ?
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
static __always_inline struct ef_flow *ef_flow_find(struct ef_ctx *x,
						    int *trusted)
{
	struct ef_flow *f;
	void *map = &ef_flows;

	*trusted = 1;
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
	}
	if (ef_flow_expired(x, f)) {
		if (!ef_dry_run)
			bpf_map_delete_elem(map, &x->fk);
		ef_count(EF_C_FLOWS_EXPIRED);
		return NULL;
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
	x->flow_found = *trusted ? 1 : 2;
	x->flow_state = f->state;
	return f;
}

/* Insert a flow (global: one verification for its six callers). */
__noinline int ef_flow_put(struct ef_flow_key *k, struct ef_flow *f, __u32 trusted)
{
	if (!k || !f)
		return -1;
	return (int)bpf_map_update_elem(trusted ? (void *)&ef_flows : (void *)&ef_flows_new, k, f,
					BPF_NOEXIST);
}

static __always_inline void ef_flow_create(struct ef_ctx *x, int trusted,
					   __u8 state, __u8 flags, __u32 isn)
{
	struct ef_flow f = {
		.seen_ns = x->now,
		.epoch = x->epoch,
		.isn = isn,
		.rule = x->rule,
		.state = state,
		.flags = flags,
	};
	int err;

	if (ef_dry_run) {
		x->new_flow = trusted ? 1 : 2;
		return;
	}
	err = ef_flow_put(&x->fk, &f, trusted);
	if (err == 0) {
		ef_count(trusted ? EF_C_FLOWS_CREATED : EF_C_FLOWS_NEW_CREATED);
		x->new_flow = trusted ? 1 : 2;
	} else if (err != -EF_EEXIST) { /* another CPU won the race */
		ef_count(EF_C_FLOW_CREATE_FAIL);
	}
}

/*
 * A packet of a tracked flow: advance the TCP state machine.  Returns 1 to
 * pass, 0 if the packet does not belong after all (a bad handshake ACK), -1
 * if it opens a new connection on the 5-tuple of a closing one.
 */
static __always_inline int ef_flow_step(struct ef_ctx *x, struct ef_flow *f,
					int trusted)
{
	__u8 fl = x->pkt.tcp_flags;

	if (x->fk.proto == IPPROTO_TCP) {
		if (f->state == EF_FS_CLOSING && ef_tcp_is_syn(fl))
			return -1;
		if (fl & (EF_TCP_RST | EF_TCP_FIN)) {
			if (f->state != EF_FS_CLOSING) {
				f->state = EF_FS_CLOSING;
				f->seen_ns = x->now;
			}
		} else if (f->state == EF_FS_SYN_SENT &&
			   x->hook == EF_HOOK_INGRESS && (fl & EF_TCP_ACK)) {
			f->state = EF_FS_EST;
		} else if (!trusted && x->hook == EF_HOOK_EGRESS &&
			   ef_tcp_is_synack(fl) &&
			   (f->state == EF_FS_SYN_RECV ||
			    f->state == EF_FS_SYNACK)) {
			f->state = EF_FS_SYNACK;
			f->isn = x->pkt.seq;
		} else if (!trusted && x->hook == EF_HOOK_INGRESS &&
			   (f->state == EF_FS_SYN_RECV ||
			    f->state == EF_FS_SYNACK)) {
			if (ef_tcp_is_syn(fl))
				goto refresh; /* retransmitted SYN */
			if (!(fl & EF_TCP_ACK))
				return 0;
			if (f->state == EF_FS_SYN_RECV) {
				/* no SYN-ACK seen (asymmetric path): works,
				 * but stays in the untrusted table */
				f->state = EF_FS_EST;
				f->flags |= EF_FLOW_UNVERIFIED;
				f->seen_ns = x->now;
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
				nf.seen_ns = x->now;
				if (bpf_map_update_elem(&ef_flows, &x->fk, &nf,
							BPF_ANY) == 0) {
					bpf_map_delete_elem(&ef_flows_new,
							    &x->fk);
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
	if (x->now - f->seen_ns > EF_REFRESH_NS)
		f->seen_ns = x->now;
	return 1;
}

/* ---- fragments ------------------------------------------------------------ */

static __always_inline void ef_frag_key(const struct ef_pkt *p, __u8 role,
					struct ef_frag_key *k)
{
	k->role = role;
	k->src = p->src;
	k->dst = p->dst;
	k->id = p->frag_id;
	k->proto = p->proto;
}

static __always_inline int ef_frag_later(struct ef_ctx *x)
{
	struct ef_frag_key k = {};
	struct ef_frag *fr;

	ef_frag_key(&x->pkt, x->role, &k);
	fr = bpf_map_lookup_elem(&ef_frags, &k);
	if (!fr || x->now - fr->seen_ns > x->cfg->timeout_ns[EF_TO_FRAGMENT])
		return EF_R_FRAG_UNTRACKED;
	x->rule = fr->rule;
	return EF_R_FRAGMENT;
}

static __always_inline void ef_frag_track(struct ef_ctx *x)
{
	struct ef_frag_key k = {};
	struct ef_frag fr = { .seen_ns = x->now, .rule = x->rule };

	if (ef_dry_run)
		return;
	ef_frag_key(&x->pkt, x->role, &k);
	if (bpf_map_update_elem(&ef_frags, &k, &fr, BPF_ANY) == 0)
		ef_count(EF_C_FRAGS_TRACKED);
	else
		ef_count(EF_C_FRAG_CREATE_FAIL);
}

/* ---- the shield: lists, temporary blocks, per-source limits -------------- */

static __always_inline int ef_list_has(void *list, const union ef_addr *a)
{
	struct ef_list_key k = {
		.prefixlen = EF_LIST_KEY_FIXED_BITS + 128,
		.family = ef_addr_is_v4(a) ? 4 : 6,
	};

	k.addr = *a;
	return bpf_map_lookup_elem(list, &k) != NULL;
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
 * Before anything else: the static allow and block lists (remote address,
 * both directions), then the temporary blocks of sources that exceeded a
 * per-source limit (ingress).  Empty lists cost one array lookup.
 */
static __always_inline int ef_shield_check(struct ef_ctx *x)
{
	const union ef_addr *remote = &x->fk.remote;
	struct ef_shield *sh;
	struct ef_blocked *b;
	union ef_addr k;
	__u32 zero = 0;

	sh = bpf_map_lookup_elem(&ef_shield, &zero);
	if (sh && (sh->flags & EF_SHIELD_ALLOWLIST) && ef_list_has(&ef_allowlist, remote)) {
		x->exempt = 1;
		return EF_R_NONE;
	}
	if (sh && (sh->flags & EF_SHIELD_BLOCKLIST) && ef_list_has(&ef_blocklist, remote))
		return EF_R_BLOCKLIST;
	if (EF_STOP_AT(EF_STAGE_LISTS))
		return EF_R_MALFORMED;
	if (x->hook != EF_HOOK_INGRESS || !(x->cfg->flags & EF_CFGF_LIMITS))
		return EF_R_NONE;
	ef_limit_key(x, &k);
	b = bpf_map_lookup_elem(&ef_blocked, &k);
	if (!b)
		return EF_R_NONE;
	if (x->now < b->until_ns)
		return EF_R_BLOCKED_SOURCE;
	if (!ef_dry_run)
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
	struct ef_evbucket *b, nb;
	__u64 cap = (__u64)r->lim_burst * 1000, tokens, elapsed;

	if (!r->lim_rate || x->exempt)
		return 1;
	ef_limit_key(x, &k.src);
	b = bpf_map_lookup_elem(&ef_srclimit, &k);
	if (!b) {
		if (!ef_dry_run) {
			nb.last_ns = x->now;
			nb.milli_tokens = cap >= 1000 ? cap - 1000 : 0;
			bpf_map_update_elem(&ef_srclimit, &k, &nb, BPF_ANY);
		}
		return cap >= 1000;
	}
	elapsed = x->now > b->last_ns ? x->now - b->last_ns : 0;
	if (elapsed > 100000000000ull)
		elapsed = 100000000000ull;
	tokens = b->milli_tokens + elapsed * r->lim_rate / 1000000;
	if (tokens > cap)
		tokens = cap;
	if (tokens >= 1000) {
		if (!ef_dry_run) {
			b->milli_tokens = tokens - 1000;
			b->last_ns = x->now;
		}
		return 1;
	}
	if (!ef_dry_run) {
		struct ef_blocked blk = {
			.until_ns = x->now + (__u64)r->lim_block_s * 1000000000ull,
			.since_ns = x->now,
			.rule = x->rule,
			.slot = x->slot,
		};
		__u32 idx = x->slot * EF_MAX_RULES + (x->rule & (EF_MAX_RULES - 1));
		struct ef_rule_stats *s = bpf_map_lookup_elem(&ef_rule_stats, &idx);

		b->milli_tokens = tokens;
		b->last_ns = x->now;
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
	return until && x->now < *until;
}

/* Are challenges on?  "auto": while this CPU sees more SYNs of unverified
 * sources per ~1 s window than the threshold (this window or the last). */
static __always_inline int ef_syn_hot(struct ef_ctx *x)
{
	struct ef_synrate *r;
	__u64 w = x->now >> 30;
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
		until = x->now + (__u64)x->cfg->syn_verified_s * 1000000000ull;
		ef_limit_key(x, &k);
		bpf_map_update_elem(&ef_verified, &k, &until, BPF_ANY);
	}
	return EF_R_SYN_VERIFIED;
}

/* ---- ICMP -------------------------------------------------------------------- */

/* An ICMP error passes when the packet it quotes belongs to a tracked flow,
 * or (path-MTU signals) when we sent the quoted packet from a service
 * address of this interface. */
static __always_inline int ef_icmp_error(struct ef_ctx *x)
{
	const struct ef_tuple *t = &x->pkt.inner;
	struct ef_flow_key k = { .proto = t->proto, .role = x->role };
	int ingress = x->hook == EF_HOOK_INGRESS;
	struct ef_flow *f;

	if (!t->valid)
		return EF_R_ICMP_UNRELATED;
	/* at ingress the quote is a packet the node sent */
	k.local = ingress ? t->src : t->dst;
	k.remote = ingress ? t->dst : t->src;
	k.lport = ingress ? t->sport : t->dport;
	k.rport = ingress ? t->dport : t->sport;
	/* a flow past its timeout is no longer tracked (it leaves the table
	 * when its own next packet looks it up) */
	f = bpf_map_lookup_elem(&ef_flows, &k);
	if (!f || ef_flow_expired_p(x, k.proto, f))
		f = bpf_map_lookup_elem(&ef_flows_new, &k);
	if (f && !ef_flow_expired_p(x, k.proto, f))
		return EF_R_ICMP_RELATED;
	if (ingress &&
	    ef_icmp_is_pmtu(x->pkt.family, x->pkt.icmp_type, x->pkt.icmp_code) &&
	    ef_service(x->slot, x->role, &k.local))
		return EF_R_ICMP_RELATED;
	return EF_R_ICMP_UNRELATED;
}

/* ---- verdict for a packet without a flow --------------------------------- */

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
		return (x->cfg->flags & EF_CFGF_PING) ? EF_R_PING :
							EF_R_ICMP_TYPE;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return ef_local_av(x) ? EF_R_PROTOCOL : EF_R_NOT_SERVICE;

	r = ef_match_av(x->slot, EF_DIR_IN, p->proto, ef_local_av(x), &x->fk,
			&x->rule, &log);
	if (r != EF_R_RULE)
		return r;
	x->log_allow = log;
	/* SYN floods: challenge unverified sources (never in monitor mode,
	 * never the allow list); a RST may be the answer to a challenge */
	if (p->proto == IPPROTO_TCP && x->cfg->syn_mode != EF_SYN_OFF &&
	    x->cfg->mode != EF_MODE_MONITOR && x->role == EF_ROLE_EXTERNAL && !x->exempt) {
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
		__u32 idx = x->slot * EF_MAX_RULES + (x->rule & (EF_MAX_RULES - 1));
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

	r = ef_match_av(x->slot, EF_DIR_OUT, p->proto, ef_local_av(x), &x->fk,
			&x->rule, &log);
	if (r == EF_R_RULE) {
		x->log_allow = log;
		if (p->proto == IPPROTO_UDP) {
			ef_flow_create(x, 1, EF_FS_OPEN, EF_FLOW_ORIG_OUT, 0);
			return EF_R_RULE;
		}
		if (ef_tcp_is_syn(p->tcp_flags)) {
			ef_flow_create(x, 1, EF_FS_SYN_SENT, EF_FLOW_ORIG_OUT,
				       0);
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
	rr = ef_match_av(x->slot, EF_DIR_IN, p->proto, ef_local_av(x), &x->fk,
			 &x->rule, &log);
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

/* ---- the one exit ---------------------------------------------------------- */

/*
 * Token bucket per remote (the source at ingress, the destination at
 * egress; IPv6 per /64).  Racy across CPUs by design: it bounds a flood's
 * events, it does not need to be exact.
 */
static __always_inline int ef_event_allowed(struct ef_ctx *x)
{
	const struct ef_cfg *c = x->cfg;
	struct ef_evbucket *b, nb;
	union ef_addr k = {};
	__u64 elapsed, tokens, cap;

	if (!c || !c->ev_rate)
		return 1;
	if (!x->now)
		x->now = ef_now();
	/* the per-CPU budget first: a flood from many sources stops here,
	 * without an insert into ef_evlimit per packet */
	{
		__u32 k0 = 0, k1 = 1;
		__u64 *last = bpf_map_lookup_elem(&ef_evbudget, &k0);
		__u64 *tok = bpf_map_lookup_elem(&ef_evbudget, &k1);
		__u64 capc = (__u64)c->ev_cpu_rate * 2000; /* 2 s of budget */

		if (!last || !tok)
			return 0;
		if (x->now > *last) {
			__u64 el = x->now - *last;

			if (el > 10000000000ull)
				el = 10000000000ull;
			*tok += el * c->ev_cpu_rate / 1000000;
			if (*tok > capc)
				*tok = capc;
			*last = x->now;
		}
		if (*tok < 1000)
			return 0;
		*tok -= 1000;
	}
	if (x->pkt.family)
		k = x->hook == EF_HOOK_INGRESS ? x->pkt.src : x->pkt.dst;
	if (x->pkt.family == 6) {
		k.w[2] = 0;
		k.w[3] = 0;
	}
	cap = (__u64)c->ev_burst * 1000;
	b = bpf_map_lookup_elem(&ef_evlimit, &k);
	if (!b) {
		nb.last_ns = x->now;
		nb.milli_tokens = cap >= 1000 ? cap - 1000 : 0;
		bpf_map_update_elem(&ef_evlimit, &k, &nb, BPF_ANY);
		return 1;
	}
	elapsed = x->now > b->last_ns ? x->now - b->last_ns : 0;
	if (elapsed > 100000000000ull) /* 100 s refills any bucket */
		elapsed = 100000000000ull;
	tokens = b->milli_tokens + elapsed * c->ev_rate / 1000000;
	if (tokens > cap)
		tokens = cap;
	b->last_ns = x->now;
	if (tokens < 1000) {
		b->milli_tokens = tokens;
		return 0;
	}
	b->milli_tokens = tokens - 1000;
	return 1;
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
	bpf_ringbuf_submit(e, 0);
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
		state = ef_tcp_is_syn(p->tcp_flags) ?
				(out ? EF_FS_SYN_SENT : EF_FS_SYN_RECV) :
				EF_FS_EST;
	else if (p->proto != IPPROTO_UDP &&
		 !(ef_is_icmp(p) && ef_icmp_is_echo_req(p->family, p->icmp_type)))
		return;
	x->rule = EF_RULE_NONE;
	ef_flow_create(x, out,
		       state, EF_FLOW_UNLISTED | (out ? EF_FLOW_ORIG_OUT : 0), 0);
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
		int lenient = x->cfg && (x->cfg->mode == EF_MODE_MONITOR ||
					 (x->hook == EF_HOOK_EGRESS &&
					  x->cfg->egress != EF_MODE_ENFORCE));

		if (!lenient) {
			action = x->reason == EF_R_SYN_CHALLENGE ? EF_ACT_CHALLENGE : EF_ACT_DROP;
		} else {
			ef_lenient_flow(x);
			if (x->cfg->mode != EF_MODE_MONITOR &&
			    x->cfg->egress == EF_MODE_OFF) {
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
		 x->hook * EF_REASON_MAX + (x->reason % EF_REASON_MAX));
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
		__u32 idx = x->rule_slot * EF_MAX_RULES +
			    (x->rule & (EF_MAX_RULES - 1));
		struct ef_rule_stats *s =
			bpf_map_lookup_elem(&ef_rule_stats, &idx);

		if (s) {
			s->packets++;
			s->bytes += x->pkt_len;
		}
	}
	/* challenges and their answers are counted, not reported: a flood
	 * must not become an event flood */
	if ((action != EF_ACT_PASS && x->reason != EF_R_SYN_CHALLENGE &&
	     x->reason != EF_R_SYN_VERIFIED) ||
	    (x->new_flow && x->cfg &&
	     (x->log_allow || (x->cfg->flags & EF_CFGF_LOG_ALLOW)))) {
		if (ef_event_allowed(x))
			ef_event(x, action);
		else
			ef_count(EF_C_EVENTS_SUPPRESSED);
	}
	return action;
}

/* ---- classification ----------------------------------------------------------- */

static __always_inline int ef_classify(struct ef_ctx *x)
{
	struct ef_pkt *p = &x->pkt;
	struct ef_iface *ifc;
	struct ef_flow *f;
	int in = x->hook == EF_HOOK_INGRESS;
	int trusted, step;

	/* one orientation for both hooks: local is the node's side */
	x->fk.local = in ? p->dst : p->src;
	x->fk.remote = in ? p->src : p->dst;
	x->fk.lport = in ? p->dport : p->sport;
	x->fk.rport = in ? p->sport : p->dport;
	x->fk.proto = p->proto;

	if (x->ifindex < EF_IFACE_ARRAY)
		ifc = bpf_map_lookup_elem(&ef_ifroles, &x->ifindex);
	else
		ifc = bpf_map_lookup_elem(&ef_ifaces, &x->ifindex);
	if (!ifc || !ifc->managed)
		return EF_R_UNMANAGED_IF;
	x->role = ifc->role;
	x->fk.role = ifc->role;
	x->now = ef_now();
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
			bpf_map_delete_elem(trusted ? (void *)&ef_flows :
						      (void *)&ef_flows_new,
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
		c = bpf_tcp_raw_gen_syncookie_ipv4((void *)&h->ip.v4, (void *)&h->th, sizeof(h->th));
	else
		c = bpf_tcp_raw_gen_syncookie_ipv6((void *)&h->ip.v6, (void *)&h->th, sizeof(h->th));
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

SEC("xdp")
int edgefw_xdp(struct xdp_md *ctx)
{
	struct ef_ctx x = {
		.hook = EF_HOOK_INGRESS,
		.ifindex = ctx->ingress_ifindex,
		.pkt_len = ctx->data_end - ctx->data,
	};

	x.reason = ef_parse_xdp(ctx, &x.pkt);
	if (EF_STOP_AT(EF_STAGE_PARSE))
		return XDP_DROP;
	switch (ef_process(&x)) {
	case EF_ACT_DROP:
		return XDP_DROP;
	case EF_ACT_CHALLENGE: {
		int len = ef_syn_reply((void *)(long)ctx->data, (void *)(long)ctx->data_end, &x.pkt);
		int delta = len - (int)(ctx->data_end - ctx->data);

		if (len < 0 || (delta < 0 && bpf_xdp_adjust_tail(ctx, delta)))
			return XDP_DROP;
		return XDP_TX;
	}
	default:
		return XDP_PASS;
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

	x.reason = ef_parse_skb(skb, &x.pkt);
	return ef_process(&x) == EF_ACT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}
