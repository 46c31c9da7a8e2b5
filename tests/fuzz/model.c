// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The model of edgefw's state rules (see model.h).  Written from
 * docs/policy.md; section names in the comments.  Everything is a linear
 * scan: a sequence holds a few hundred packets.
 */
#include <string.h>
#include <netinet/in.h>

#include "model.h"

#define NS 1000000000ull

/* ---- small helpers --------------------------------------------------------- */

static union ef_addr A(const char *s) {
	union ef_addr a;

	memset(&a, 0, sizeof(a));
	ef_addr_parse(s, &a);
	return a;
}

static bool
same(const union ef_addr *a, const union ef_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool is_icmp(int family, int proto)
{
	return (family == 4 && proto == IPPROTO_ICMP) || (family == 6 && proto == IPPROTO_ICMPV6);
}

static const struct ef_settings *S(const struct model *m)
{
	return &m->gen->pol->settings;
}

/* "Settings": the lenient modes. */
static bool lenient(const struct model *m, int hook)
{
	return S(m)->mode == EF_MODE_MONITOR ||
	       (hook == EF_HOOK_EGRESS && S(m)->egress != EF_MODE_ENFORCE);
}

/* ---- the policy, scanned naively ("Rules", "Nodes") ------------------------- */

static bool has_addr(const struct model *m, int svc, const union ef_addr *a)
{
	const struct ef_addrlist *l = ef_node_service_addrs(m->gen->node, svc);

	for (size_t i = 0; l && i < l->n; i++)
		if (same(&l->a[i], a))
			return true;
	return false;
}

/* a service address of the NIC with this role */
static bool service_address(const struct model *m, int role, const union ef_addr *a)
{
	for (int s = 0; s < EF_SVC_MAX; s++)
		if (ef_service_role(s) == role && has_addr(m, s, a))
			return true;
	return false;
}

static bool in_ranges(const struct ef_range *r, size_t n, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

static bool in_peerset(const struct ef_policy *p, int set, const union ef_addr *a)
{
	const struct ef_peerset *ps = &p->peersets[set];

	if (ps->any)
		return true;
	for (size_t i = 0; i < ps->n; i++)
		if (ef_prefix_contains(&ps->pfx[i], a))
			return true;
	return false;
}

/*
 * "Several rules on one port": the first rule in file order whose interface,
 * direction, service address, protocol, ports and peer fit.  dir IN: the
 * remote opens to the node's local port; OUT: the node opens to the remote
 * port (local_ports restrict its own).  Returns EF_R_RULE (rule set),
 * EF_R_NOT_SERVICE, EF_R_PEER (a rule had the port, not the peer) or
 * EF_R_NO_RULE.
 */
static int match(const struct model *m, int role, int dir, int proto, const union ef_addr *local,
		 unsigned lport, const union ef_addr *remote, unsigned rport, int *rule)
{
	const struct ef_policy *p = m->gen->pol;
	int reason = EF_R_NO_RULE;

	if (!service_address(m, role, local))
		return EF_R_NOT_SERVICE;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct ef_prule *r = &p->rules[i];

		if (ef_rule_excluded(p, r) || r->role != role || r->dir != dir ||
		    r->proto != proto || !has_addr(m, r->service, local))
			continue;
		if (dir == EF_DIR_IN) {
			if (!r->ports_any && !in_ranges(r->ports, r->nports, lport))
				continue;
		} else {
			if (!r->ports_any && r->nports && !in_ranges(r->ports, r->nports, rport))
				continue;
			if (r->has_lports && !in_ranges(&r->lports, 1, lport))
				continue;
		}
		if (!in_peerset(p, r->peerset, remote)) {
			reason = EF_R_PEER;
			continue;
		}
		*rule = (int)i;
		return EF_R_RULE;
	}
	return reason;
}

/* "Per-source limits": a rule's own limits replace its service's */
static struct ef_limits rule_limits(const struct model *m, int rule)
{
	const struct ef_prule *r = &m->gen->pol->rules[rule];
	struct ef_limits none = { 0, 0, 0 };

	if (r->dir != EF_DIR_IN)
		return none;
	if (r->limits.rate)
		return r->limits;
	return S(m)->limits[r->service];
}

/* "blocks are enforced while the live policy has at least one limit" */
static bool any_limit(const struct model *m)
{
	const struct ef_policy *p = m->gen->pol;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct ef_prule *r = &p->rules[i];
		const struct ef_addrlist *l = ef_node_service_addrs(m->gen->node, r->service);

		if (!ef_rule_excluded(p, r) && l && l->n && rule_limits(m, (int)i).rate)
			return true;
	}
	return false;
}

/* ---- lists ("Block and allow lists") -------------------------------------------- */

static bool listed(const struct model *m, const char *const *cidrs, const union ef_addr *a)
{
	if (!m->lists)
		return false;
	for (int i = 0; cidrs[i]; i++) {
		struct ef_prefix p;

		if (ef_prefix_parse(cidrs[i], &p, NULL) == 0 && ef_prefix_contains(&p, a))
			return true;
	}
	return false;
}

/* ---- sources as limits count them --------------------------------------------- */

void model_source_key(const struct model *m, const union ef_addr *src, union ef_addr *k)
{
	unsigned bits = S(m)->limit_v6_prefix;

	*k = *src;
	if (ef_addr_is_v4(src))
		return;
	for (unsigned i = 0; i < 128; i++)
		if (i >= bits)
			k->b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

/* ---- flows ("Flows") --------------------------------------------------------------- */

static int timeout_class(uint8_t proto, int state)
{
	if (proto == IPPROTO_TCP)
		return state == EF_FS_EST     ? EF_TO_TCP_EST :
		       state == EF_FS_CLOSING ? EF_TO_TCP_CLOSING :
						EF_TO_TCP_SYN;
	return proto == IPPROTO_UDP ? EF_TO_UDP : EF_TO_ICMP;
}

bool model_flow_expired(const struct model *m, uint64_t now, uint8_t proto, int state,
			uint64_t seen)
{
	return now > seen &&
	       now - seen > (uint64_t)S(m)->timeout_s[timeout_class(proto, state)] * NS;
}

/* "Flows are keyed by (local address, remote address, local port, remote
 * port, protocol)" on the NIC they were opened on */
struct fkey {
	int role;
	union ef_addr local, remote;
	uint16_t lport, rport;
	uint8_t proto;
};

/* the flow of key k in the trusted (1) or untrusted (0) table */
static struct model_flow *flow_get(struct model *m, const struct fkey *k, bool trusted)
{
	for (int i = 0; i < MODEL_MAX; i++) {
		struct model_flow *f = &m->flows[i];

		if (f->used && f->trusted == trusted && f->role == k->role &&
		    f->proto == k->proto && f->lport == k->lport && f->rport == k->rport &&
		    same(&f->local, &k->local) && same(&f->remote, &k->remote))
			return f;
	}
	return NULL;
}

/* a live flow of key k: "the trusted table" first */
static struct model_flow *flow_find(struct model *m, const struct fkey *k, uint64_t now)
{
	for (int t = 1; t >= 0; t--) {
		struct model_flow *f = flow_get(m, k, t);

		if (f && model_flow_expired(m, now, f->proto, f->state, f->seen))
			f->used = false; /* expiry is checked on lookup */
		else if (f)
			return f;
	}
	return NULL;
}

static void flow_create(struct model *m, const struct fkey *k, bool trusted, int state, bool out,
			bool unlisted, int rule, uint32_t isn, uint64_t now)
{
	if (flow_get(m, k, trusted))
		return; /* never replaces a flow */
	for (int i = 0; i < MODEL_MAX; i++) {
		struct model_flow *f = &m->flows[i];

		if (f->used)
			continue;
		*f = (struct model_flow){
			.role = k->role,
			.local = k->local,
			.remote = k->remote,
			.lport = k->lport,
			.rport = k->rport,
			.proto = k->proto,
			.trusted = trusted,
			.state = state,
			.seen = now,
			.epoch = m->epoch,
			.rule = rule,
			.out = out,
			.unlisted = unlisted,
			.isn = isn,
			.used = true,
		};
		return;
	}
}

/* "Timestamps are refreshed at most once a second per flow" */
static void refresh(struct model_flow *f, uint64_t now)
{
	if (now - f->seen > NS)
		f->seen = now;
}

/*
 * "On a policy reload each flow is re-checked against the new rules the
 * next time one of its packets is seen; flows the new policy no longer
 * allows are removed."  A flow a lenient mode let through stays while that
 * mode does.
 */
static bool revalidate(struct model *m, struct model_flow *f)
{
	int role = f->role;

	int dir = f->out ? EF_DIR_OUT : EF_DIR_IN, rule = -1;
	bool ok;

	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)
		ok = match(m, role, dir, f->proto, &f->local, f->lport, &f->remote, f->rport,
			   &rule) == EF_R_RULE;
	else /* ICMP echo */
		ok = S(m)->ping && service_address(m, role, &f->local);
	if (ok) {
		f->rule = rule;
		f->unlisted = false;
	} else if (!f->unlisted || !(S(m)->mode == EF_MODE_MONITOR ||
				     (dir == EF_DIR_OUT && S(m)->egress != EF_MODE_ENFORCE))) {
		return false;
	}
	f->epoch = m->epoch;
	return true;
}

/* ---- the packet as the model sees it ------------------------------------------- */

struct mp {
	int hook, role, family, proto;
	union ef_addr src, dst;
	unsigned sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code;
	int frag;
	uint32_t frag_id;
	bool answer; /* the RST answering our challenge */
	const struct seq_quote *q;
};

static bool tcp_syn(uint8_t f)
{
	return (f & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

static bool tcp_synack(uint8_t f)
{
	return (f & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
}

/* "bad-tcp-flags": SYN+FIN, SYN+RST, no flags */
static bool tcp_nonsense(uint8_t f)
{
	f &= TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK;
	return f == 0 || ((f & TCP_SYN) && (f & (TCP_FIN | TCP_RST)));
}

/* "bad-source-address": unspecified, loopback, multicast, broadcast */
static bool bad_source(const union ef_addr *a)
{
	static const uint8_t zero[16];

	if (ef_addr_is_v4(a)) {
		uint8_t b0 = a->b[12];

		return (a->b[12] | a->b[13] | a->b[14] | a->b[15]) == 0 || b0 == 127 ||
		       (b0 >= 224 && b0 <= 239) ||
		       (a->b[12] & a->b[13] & a->b[14] & a->b[15]) == 255;
	}
	if (memcmp(a->b, zero, 15) == 0 && (a->b[15] == 0 || a->b[15] == 1))
		return true;
	return a->b[0] == 0xff;
}

static bool icmp_error_type(int family, uint8_t t)
{
	return family == 4 ? (t == 3 || t == 11 || t == 12) : (t >= 1 && t <= 4);
}

static bool echo_request(int family, uint8_t t)
{
	return family == 4 ? t == 8 : t == 128;
}

static bool echo_reply(int family, uint8_t t)
{
	return family == 4 ? t == 0 : t == 129;
}

/* ---- the shield ("Per-source limits", "SYN flood protection") ------------------ */

static struct model_block *block_get(struct model *m, const union ef_addr *k)
{
	for (int i = 0; i < MODEL_MAX; i++)
		if (m->blocks[i].used && same(&m->blocks[i].src, k))
			return &m->blocks[i];
	return NULL;
}

static void block_put(struct model *m, const union ef_addr *k, uint64_t now, uint32_t secs,
		      int rule)
{
	struct model_block *b = block_get(m, k);

	for (int i = 0; !b && i < MODEL_MAX; i++)
		if (!m->blocks[i].used)
			b = &m->blocks[i];
	if (!b)
		return;
	*b = (struct model_block){
		.used = true,
		.src = *k,
		.until = now + (uint64_t)secs * NS,
		.since = now,
		.rule = rule,
	};
}

/* a token bucket of burst tokens refilled at rate a second (exactly:
 * counted in billionths of a token); a new flow takes one */
#define TOKEN 1000000000ull
static bool limit_take(struct model *m, const struct mp *p, int rule, uint64_t now)
{
	struct ef_limits l = rule_limits(m, rule);
	uint64_t cap = (uint64_t)l.burst * TOKEN;
	struct model_bucket *b = NULL;
	union ef_addr k;

	if (!l.rate)
		return true;
	model_source_key(m, &p->src, &k);
	for (int i = 0; i < MODEL_MAX; i++)
		if (m->buckets[i].used && m->buckets[i].rule == rule &&
		    m->buckets[i].epoch == m->epoch && same(&m->buckets[i].src, &k))
			b = &m->buckets[i];
	if (!b) { /* a new bucket starts full */
		for (int i = 0; !b && i < MODEL_MAX; i++)
			if (!m->buckets[i].used)
				b = &m->buckets[i];
		if (!b)
			return true;
		b->used = true;
		b->src = k;
		b->rule = rule;
		b->epoch = m->epoch;
		b->credit = cap - TOKEN;
		b->last = now;
		return true;
	}
	{
		unsigned __int128 c =
			(unsigned __int128)b->credit + (unsigned __int128)(now - b->last) * l.rate;
		uint64_t credit = c > cap ? cap : (uint64_t)c;

		b->last = now;
		if (credit >= TOKEN) {
			b->credit = credit - TOKEN;
			return true;
		}
		b->credit = credit;
	}
	block_put(m, &k, now, l.block_s, rule);
	return false;
}

static bool verified(struct model *m, const union ef_addr *src, uint64_t now)
{
	union ef_addr k;

	model_source_key(m, src, &k);
	for (int i = 0; i < MODEL_MAX; i++)
		if (m->verified[i].used && same(&m->verified[i].src, &k))
			return now < m->verified[i].until;
	return false;
}

static void verify(struct model *m, const union ef_addr *src, uint64_t now)
{
	struct model_verified *v = NULL;
	union ef_addr k;

	model_source_key(m, src, &k);
	/* the source's entry (the last if several), else the first free one */
	for (int i = 0; i < MODEL_MAX; i++) {
		struct model_verified *x = &m->verified[i];

		if (x->used ? same(&x->src, &k) : !v)
			v = x;
	}
	if (v)
		*v = (struct model_verified){
			.used = true,
			.src = k,
			.until = now + (uint64_t)S(m)->syn_verified_s * NS,
		};
}

/* "more than threshold SYNs from unverified sources in a window of about a
 * second (2^30 ns), and stays engaged for the window after" */
static bool syn_hot(struct model *m, uint64_t now)
{
	uint64_t w = now >> 30;

	if (S(m)->syn_mode == EF_SYN_ALWAYS)
		return true;
	if (w != m->syn_window) {
		m->syn_prev = w == m->syn_window + 1 ? m->syn_count : 0;
		m->syn_count = 0;
		m->syn_window = w;
	}
	m->syn_count++;
	return m->syn_count > S(m)->syn_threshold || m->syn_prev > S(m)->syn_threshold;
}

/* ---- the decision ("What the data path does with a packet") ----------------- */

struct ctx {
	struct model *m;
	uint64_t now;
	struct mp p;
	struct fkey k;
	int rule;
	bool exempt;
};

/* 8. New flows, at ingress */
static int new_in(struct ctx *c)
{
	struct model *m = c->m;
	struct mp *p = &c->p;
	int r;

	if (is_icmp(p->family, p->proto)) {
		if (!echo_request(p->family, p->icmp_type))
			return EF_R_NO_FLOW; /* an echo reply nobody asked for */
		if (!service_address(m, p->role, &c->k.local))
			return EF_R_NOT_SERVICE;
		return S(m)->ping ? EF_R_PING : EF_R_ICMP_TYPE;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return service_address(m, p->role, &c->k.local) ? EF_R_PROTOCOL : EF_R_NOT_SERVICE;
	r = match(m, p->role, EF_DIR_IN, p->proto, &c->k.local, c->k.lport, &c->k.remote,
		  c->k.rport, &c->rule);
	if (r != EF_R_RULE)
		return r;
	if (p->proto == IPPROTO_TCP && S(m)->syn_mode != EF_SYN_OFF &&
	    S(m)->mode != EF_MODE_MONITOR && p->role == EF_ROLE_EXTERNAL && !c->exempt) {
		uint8_t f = p->flags & (TCP_SYN | TCP_ACK | TCP_RST);

		if (f == TCP_SYN && !verified(m, &p->src, c->now) && syn_hot(m, c->now)) {
			m->challenged = true;
			m->ch_src = p->src;
			m->ch_dst = p->dst;
			m->ch_sport = (uint16_t)p->sport;
			m->ch_dport = (uint16_t)p->dport;
			return EF_R_SYN_CHALLENGE;
		}
		if (f == TCP_RST) {
			if (!p->answer)
				return EF_R_NO_FLOW;
			verify(m, &p->src, c->now);
			return EF_R_SYN_VERIFIED;
		}
	}
	if ((p->proto == IPPROTO_UDP || tcp_syn(p->flags)) && any_limit(m) && !c->exempt &&
	    !limit_take(m, p, c->rule, c->now))
		return EF_R_RATE_LIMITED;
	if (p->proto == IPPROTO_TCP) {
		if (!tcp_syn(p->flags))
			return EF_R_NO_FLOW; /* "TCP opens only on a SYN" */
		flow_create(m, &c->k, false, EF_FS_SYN_RECV, false, false, c->rule, 0, c->now);
	} else {
		flow_create(m, &c->k, false, EF_FS_OPEN, false, false, c->rule, 0, c->now);
	}
	return EF_R_RULE;
}

/* 8. New flows, at egress: an out rule, or a reply an in rule covers */
static int new_out(struct ctx *c)
{
	struct model *m = c->m;
	struct mp *p = &c->p;
	int r, rr;

	if (is_icmp(p->family, p->proto)) {
		if (!service_address(m, p->role, &c->k.local))
			return EF_R_NOT_SERVICE;
		if (!S(m)->ping)
			return EF_R_ICMP_TYPE;
		if (echo_request(p->family, p->icmp_type))
			flow_create(m, &c->k, true, EF_FS_OPEN, true, false, -1, 0, c->now);
		return EF_R_PING;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return service_address(m, p->role, &c->k.local) ? EF_R_PROTOCOL : EF_R_NOT_SERVICE;
	r = match(m, p->role, EF_DIR_OUT, p->proto, &c->k.local, c->k.lport, &c->k.remote,
		  c->k.rport, &c->rule);
	if (r == EF_R_RULE) {
		if (p->proto == IPPROTO_UDP) {
			flow_create(m, &c->k, true, EF_FS_OPEN, true, false, c->rule, 0, c->now);
			return EF_R_RULE;
		}
		if (tcp_syn(p->flags)) {
			flow_create(m, &c->k, true, EF_FS_SYN_SENT, true, false, c->rule, 0,
				    c->now);
			return EF_R_RULE;
		}
	}
	if (r == EF_R_NOT_SERVICE)
		return r;
	c->rule = -1;
	rr = match(m, p->role, EF_DIR_IN, p->proto, &c->k.local, c->k.lport, &c->k.remote,
		   c->k.rport, &c->rule);
	if (rr == EF_R_RULE) {
		/* the node answering a flow it lost: a SYN-ACK starts the
		 * handshake's entry again */
		if (p->proto == IPPROTO_TCP && tcp_synack(p->flags))
			flow_create(m, &c->k, false, EF_FS_SYNACK, false, false, c->rule, p->seq,
				    c->now);
		return EF_R_REPLY_BY_RULE;
	}
	c->rule = -1;
	return r == EF_R_RULE ? EF_R_NO_FLOW : r;
}

/* 7. A packet of a tracked flow: 1 pass, 0 drop (no-flow), -1 not this
 * flow's after all (a new connection on a closing one's ports) */
static int flow_step(struct ctx *c, struct model_flow *f)
{
	struct mp *p = &c->p;
	bool in = p->hook == EF_HOOK_INGRESS;
	uint8_t fl = p->flags;

	if (f->proto == IPPROTO_TCP) {
		if (f->state == EF_FS_CLOSING && tcp_syn(fl))
			return -1;
		if (fl & (TCP_RST | TCP_FIN)) {
			if (f->state != EF_FS_CLOSING) {
				f->state = EF_FS_CLOSING;
				f->seen = c->now;
				return 1;
			}
		} else if (f->state == EF_FS_SYN_SENT && in && (fl & TCP_ACK)) {
			f->state = EF_FS_EST; /* the peer answered our SYN */
		} else if (!f->trusted && !in && tcp_synack(fl) &&
			   (f->state == EF_FS_SYN_RECV || f->state == EF_FS_SYNACK)) {
			f->state = EF_FS_SYNACK; /* the node's SYN-ACK: remember its number */
			f->isn = p->seq;
		} else if (!f->trusted && in &&
			   (f->state == EF_FS_SYN_RECV || f->state == EF_FS_SYNACK)) {
			if (tcp_syn(fl)) {
				refresh(f, c->now); /* a retransmitted SYN */
				return 1;
			}
			if (!(fl & TCP_ACK))
				return 0;
			if (f->state == EF_FS_SYN_RECV) {
				/* "If the node's SYN-ACK is never seen ... works, but
				 * stays in the untrusted table" */
				f->state = EF_FS_EST;
				f->unverified = true;
				f->seen = c->now;
				return 1;
			}
			/* "the client's ACK must acknowledge the SYN-ACK sequence
			 * number the node sent" */
			if (p->ack != f->isn + 1)
				return 0;
			{
				struct model_flow *old = flow_get(c->m, &c->k, true);

				if (old)
					old->used = false; /* replaced by the promoted flow */
			}
			f->state = EF_FS_EST;
			f->trusted = true;
			f->seen = c->now;
			return 1;
		}
	}
	refresh(f, c->now);
	return 1;
}

static int classify(struct ctx *c)
{
	struct model *m = c->m;
	struct mp *p = &c->p;
	bool in = p->hook == EF_HOOK_INGRESS;
	struct model_flow *f;

	/* 2. always pass neighbour discovery and MLD */
	if (p->family == 6 && p->proto == IPPROTO_ICMPV6 &&
	    ((p->icmp_type >= 130 && p->icmp_type <= 137) || p->icmp_type == 143))
		return EF_R_ICMP_ESSENTIAL;
	/* 3. shield */
	if (listed(m, seq_allowlist, &c->k.remote)) {
		c->exempt = true;
	} else {
		if (listed(m, seq_blocklist, &c->k.remote))
			return EF_R_BLOCKLIST;
		if (in && any_limit(m)) {
			union ef_addr k;
			struct model_block *b;

			model_source_key(m, &p->src, &k);
			b = block_get(m, &k);
			if (b && c->now < b->until)
				return EF_R_BLOCKED_SOURCE;
			if (b)
				b->used = false; /* served its time */
		}
	}
	/* 4. sanity */
	if (in && bad_source(&p->src))
		return EF_R_BAD_ADDRESS;
	if (same(&p->src, &p->dst))
		return EF_R_LAND;
	/* 5. fragments */
	if (p->frag == SEQ_FRAG_LATER) {
		for (int i = 0; i < MODEL_MAX; i++) {
			struct model_frag *fr = &m->frags[i];

			if (fr->used && fr->role == p->role && fr->id == p->frag_id &&
			    fr->proto == p->proto && same(&fr->src, &p->src) &&
			    same(&fr->dst, &p->dst) &&
			    c->now - fr->seen <= (uint64_t)S(m)->timeout_s[EF_TO_FRAGMENT] * NS) {
				c->rule = fr->rule;
				return EF_R_FRAGMENT;
			}
		}
		return EF_R_FRAG_UNTRACKED;
	}
	if (p->proto == IPPROTO_TCP && tcp_nonsense(p->flags))
		return EF_R_TCP_FLAGS;
	/* 6. ICMP */
	if (is_icmp(p->family, p->proto)) {
		if (icmp_error_type(p->family, p->icmp_type)) {
			const struct seq_quote *q = p->q;
			struct fkey k;
			struct model_flow *qf;

			if (!q || !q->valid)
				return EF_R_ICMP_UNRELATED;
			/* at ingress the quote is a packet the node sent */
			memset(&k, 0, sizeof(k));
			k.role = p->role;
			k.local = A(in ? q->src : q->dst);
			k.remote = A(in ? q->dst : q->src);
			k.lport = in ? q->sport : q->dport;
			k.rport = in ? q->dport : q->sport;
			k.proto = (uint8_t)q->proto;
			for (int t = 0; t < 2; t++) {
				qf = flow_get(m, &k, t);
				if (qf &&
				    !model_flow_expired(m, c->now, qf->proto, qf->state, qf->seen))
					return EF_R_ICMP_RELATED;
			}
			if (in &&
			    ((p->family == 4 && p->icmp_type == 3 && p->icmp_code == 4) ||
			     (p->family == 6 && p->icmp_type == 2)) &&
			    service_address(m, p->role, &k.local))
				return EF_R_ICMP_RELATED;
			return EF_R_ICMP_UNRELATED;
		}
		if (!echo_request(p->family, p->icmp_type) && !echo_reply(p->family, p->icmp_type))
			return EF_R_ICMP_TYPE;
	}
	/* 7. flows */
	f = flow_find(m, &c->k, c->now);
	if (f && f->epoch != m->epoch && !revalidate(m, f)) {
		f->used = false;
		f = NULL;
	}
	if (f) {
		int s = flow_step(c, f);

		if (s > 0) {
			c->rule = f->rule;
			return EF_R_FLOW;
		}
		if (s == 0)
			return EF_R_NO_FLOW;
		f->used = false;
	}
	/* 8. new flows */
	return in ? new_in(c) : new_out(c);
}

/* a denied packet a lenient mode lets through gets a flow, so that the
 * rest of its connection does not raise an event per packet */
static void lenient_flow(struct ctx *c)
{
	struct mp *p = &c->p;
	bool out = p->hook == EF_HOOK_EGRESS;
	int state = EF_FS_OPEN;

	if (p->frag == SEQ_FRAG_LATER)
		return;
	if (p->proto == IPPROTO_TCP)
		state = tcp_syn(p->flags) ? (out ? EF_FS_SYN_SENT : EF_FS_SYN_RECV) : EF_FS_EST;
	else if (p->proto != IPPROTO_UDP &&
		 !(is_icmp(p->family, p->proto) && echo_request(p->family, p->icmp_type)))
		return;
	flow_create(c->m, &c->k, out, state, out, true, -1, 0, c->now);
}

void model_packet(struct model *m, uint64_t now, const struct seq_step *st, struct model_result *r)
{
	struct ctx c;
	struct mp *p = &c.p;
	bool in;
	int reason;

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.now = now;
	c.rule = -1;
	r->rule = -1;
	if (st->kind == SEQ_ANSWER) {
		if (!m->challenged) {
			r->action = EF_ACT_PASS; /* nothing sent */
			r->reason = EF_R_NONE;
			return;
		}
		p->hook = EF_HOOK_INGRESS;
		p->role = EF_ROLE_EXTERNAL;
		p->family = ef_addr_family(&m->ch_src);
		p->proto = IPPROTO_TCP;
		p->src = m->ch_src;
		p->dst = m->ch_dst;
		p->sport = m->ch_sport;
		p->dport = m->ch_dport;
		p->flags = TCP_RST;
		p->answer = true;
	} else {
		if (st->p.ethertype && st->p.ethertype != 0x0800 && st->p.ethertype != 0x86dd) {
			r->action = EF_ACT_PASS; /* ARP & co */
			r->reason = EF_R_NON_IP;
			return;
		}
		if (st->malformed) {
			r->action = lenient(m, st->hook) ? EF_ACT_WOULD_DROP : EF_ACT_DROP;
			r->reason = EF_R_MALFORMED;
			return;
		}
		*p = (struct mp){
			.hook = st->hook,
			.role = st->role,
			.family = st->p.family,
			.proto = st->p.proto,
			.src = A(st->p.src),
			.dst = A(st->p.dst),
			.flags = st->p.flags,
			.seq = st->p.seq,
			.ack = st->p.ack,
			.icmp_type = st->p.icmp_type,
			.icmp_code = st->p.icmp_code,
			.frag = st->p.frag,
			.frag_id = st->p.frag_id,
			.q = &st->q,
		};
		if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
			p->sport = st->p.sport;
			p->dport = st->p.dport;
		} else if (is_icmp(p->family, p->proto)) {
			/* echo: the identifier is both ports */
			p->sport = p->dport =
				icmp_error_type(p->family, p->icmp_type) ? 0 : st->p.icmp_id;
		}
		if (p->frag == SEQ_FRAG_LATER)
			p->sport = p->dport = 0; /* no L4 header */
	}
	in = p->hook == EF_HOOK_INGRESS;
	/* one orientation for both directions: local is the node's side */
	c.k.role = p->role;
	c.k.local = in ? p->dst : p->src;
	c.k.remote = in ? p->src : p->dst;
	c.k.lport = (uint16_t)(in ? p->dport : p->sport);
	c.k.rport = (uint16_t)(in ? p->sport : p->dport);
	c.k.proto = (uint8_t)p->proto;

	reason = classify(&c);
	r->reason = reason;
	r->action = EF_ACT_PASS;
	if (reason >= EF_REASON_FIRST_DROP) {
		if (reason != EF_R_RATE_LIMITED)
			c.rule = -1;
		if (!lenient(m, p->hook)) {
			r->action = reason == EF_R_SYN_CHALLENGE ? EF_ACT_CHALLENGE : EF_ACT_DROP;
		} else {
			c.rule = reason == EF_R_RATE_LIMITED ? c.rule : -1;
			lenient_flow(&c);
			if (S(m)->mode != EF_MODE_MONITOR && S(m)->egress == EF_MODE_OFF) {
				r->reason = EF_R_UNLISTED;
				c.rule = -1;
			} else {
				r->action = EF_ACT_WOULD_DROP;
			}
		}
	} else if (p->frag == SEQ_FRAG_FIRST) {
		/* 5. a first fragment that passed: its later ones may follow */
		struct model_frag *fr = NULL;

		for (int i = 0; i < MODEL_MAX; i++)
			if (m->frags[i].used && m->frags[i].role == p->role &&
			    m->frags[i].id == p->frag_id && m->frags[i].proto == p->proto &&
			    same(&m->frags[i].src, &p->src) && same(&m->frags[i].dst, &p->dst))
				fr = &m->frags[i];
		for (int i = 0; !fr && i < MODEL_MAX; i++)
			if (!m->frags[i].used)
				fr = &m->frags[i];
		if (fr) {
			fr->used = true;
			fr->role = p->role;
			fr->src = p->src;
			fr->dst = p->dst;
			fr->id = p->frag_id;
			fr->proto = (uint8_t)p->proto;
			fr->seen = now;
			fr->epoch = m->epoch;
			fr->rule = c.rule;
		}
	}
	r->rule = c.rule;
}

void model_start(struct model *m, const struct seq_gen *g, int lists, uint32_t epoch)
{
	memset(m, 0, sizeof(*m));
	m->gen = g;
	m->epoch = epoch;
	m->lists = lists;
}

/* an inbound rule of the live generation covers (NIC, local, proto,
 * port), whatever the peer */
static bool in_covered(const struct model *m, const struct model_flow *f)
{
	const struct ef_policy *p = m->gen->pol;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct ef_prule *r = &p->rules[i];

		if (!ef_rule_excluded(p, r) && r->dir == EF_DIR_IN && r->role == f->role &&
		    r->proto == f->proto && has_addr(m, r->service, &f->local) &&
		    (r->ports_any || in_ranges(r->ports, r->nports, f->lport)))
			return true;
	}
	return false;
}

/*
 * "Flows": a new generation removes at once the inbound (untrusted) flows
 * on ports none of its inbound rules covers - outside monitor mode, where
 * they could never be looked up again; the rest are re-checked when seen.
 */
void model_reload(struct model *m, const struct seq_gen *g)
{
	m->gen = g;
	m->epoch++;
	if (S(m)->mode == EF_MODE_MONITOR)
		return;
	for (int i = 0; i < MODEL_MAX; i++) {
		struct model_flow *f = &m->flows[i];

		if (f->used && !f->trusted &&
		    !((f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) && in_covered(m, f)))
			f->used = false;
	}
}
