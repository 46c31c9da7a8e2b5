// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bytes -> packet sequences (see seq.h).  The decoder keeps the
 * conversations it has started (both ends, ports, sequence numbers) so that
 * later steps continue them: handshakes in both directions, the right and a
 * wrong handshake ACK, data, FIN, RST, replies, ICMP errors quoting their
 * packets, fragments of their datagrams, floods of new ones.
 */
#include <stdio.h>
#include <string.h>

#include "seq.h"

/* ---- pools (the node and peers of seqpolicy.c) --------------------------- */

/* [role][family 4/6][i]: the NIC's service addresses first, then one
 * that is no service address, then one of the other NIC */
static const char *const local_pool[2][2][5] = {
	{ { "203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.99", "198.18.0.10" },
	  { "2001:db8:10::10", "2001:db8:10::11", "2001:db8:10::12", "2001:db8:10::99",
	    "2001:db8:18::10" } },
	{ { "198.18.0.10", "198.18.0.5", "198.18.0.10", "198.18.0.99", "203.0.113.10" },
	  { "2001:db8:18::10", "2001:db8:18::5", "2001:db8:18::10", "2001:db8:18::99",
	    "2001:db8:10::10" } },
};

/* remote peers: in and out of the peer sets and lists */
static const char *const remote_pool[2][2][6] = {
	{ { "198.51.100.20", "198.51.100.130", "198.51.100.200", "198.51.100.21", "203.0.113.1",
	    "203.0.113.2" },
	  { "2001:db8:51::20", "2001:db8:52::30", "2001:db8:53::20", "2001:db8:51::21",
	    "2001:db8:a::1", "2001:db8:a::2" } },
	{ { "198.18.2.5", "198.18.1.5", "198.18.3.5", "198.18.255.5", "198.18.9.5", "198.18.2.6" },
	  { "2001:db8:18:2::5", "2001:db8:18:1::5", "2001:db8:18:3::5", "2001:db8:18:ff::5",
	    "2001:db8:18:9::5", "2001:db8:18:2::6" } },
};

static const char *const router_pool[2][2] = {
	{ "203.0.113.254", "2001:db8:a::fe" },
	{ "198.18.0.254", "2001:db8:18::fe" },
};

/* the node's ports: every rule's, near misses, and a few others */
static const uint16_t lport_pool[] = { 443,   5061,  5269, 3478, 50000, 59999, 60000,
				       49999, 80,    8057, 5062, 4443,	23456, 3389,
				       22,    50001, 53,   8080, 50500, 40000 };
/* the remote's: ephemeral ones and the service ports of out rules */
static const uint16_t rport_pool[] = { 40000, 40001, 40002, 50500, 53,	 443,	5061,  5269,
				       80,    3478,  8443,  123,   1024, 65535, 50000, 59999 };

/* time steps: around every default and short timeout, the refresh
 * granularity and the synrate window */
static const uint64_t dt_pool_ms[] = { 0,      1,      300,    1001,	1100,	 2000,	 4500,
				       5100,   9000,   11000,  29000,	31000,	 59000,	 61000,
				       119000, 121000, 300000, 1000000, 3601000, 7441000 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the decoder ------------------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t n, i;
};

static unsigned next(struct reader *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

static int more(const struct reader *r)
{
	return r->i < r->n;
}

static uint32_t next32(struct reader *r)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | next(r);
	return v;
}

#define MAX_CONV 64

struct conv {
	int role, family, proto;
	const char *local, *remote;
	uint16_t lport, rport;
	uint32_t isn[2]; /* [0] the remote's, [1] the node's */
	uint32_t frag_id;
};

struct dec {
	struct reader r;
	struct seq *q;
	struct conv c[MAX_CONV];
	int nc;
	uint32_t frag_next;
};

static struct seq_step *step(struct dec *d)
{
	struct seq_step *st;

	if (d->q->n >= SEQ_MAX_STEPS)
		return NULL;
	st = &d->q->s[d->q->n++];
	memset(st, 0, sizeof(*st));
	return st;
}

static int icmp_proto(int family)
{
	return family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

/* a packet of conversation c in direction out (0: remote -> node at
 * ingress, 1: node -> remote at egress) */
static struct seq_step *conv_pkt(struct dec *d, struct conv *c, int out)
{
	struct seq_step *st = step(d);

	if (!st)
		return NULL;
	st->kind = SEQ_PKT;
	st->hook = out ? EF_HOOK_EGRESS : EF_HOOK_INGRESS;
	st->role = c->role;
	st->p.family = c->family;
	st->p.proto = c->proto;
	st->p.src = out ? c->local : c->remote;
	st->p.dst = out ? c->remote : c->local;
	st->p.sport = out ? c->lport : c->rport;
	st->p.dport = out ? c->rport : c->lport;
	st->p.icmp_id = c->lport;
	return st;
}

static const uint8_t tcp_moves[] = {
	TCP_SYN,	   TCP_SYN | TCP_ACK, TCP_ACK, /* the right handshake ACK */
	TCP_ACK,				       /* a wrong one */
	TCP_PSH | TCP_ACK, TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK,
};

static void conv_move(struct dec *d, struct conv *c, unsigned m);

/* a whole TCP handshake: opened by the remote (in) or the node (out),
 * with the right or a wrong final ACK, and a data segment after it */
static void handshake(struct dec *d, struct conv *c, unsigned m)
{
	int out = m & 1, wrong = (m >> 1) & 1;

	if (c->proto != IPPROTO_TCP)
		return;
	conv_move(d, c, (unsigned)out);			  /* SYN */
	conv_move(d, c, (unsigned)!out | 2);		  /* SYN-ACK back */
	conv_move(d, c, (unsigned)out | (wrong ? 6 : 4)); /* ACK, right or wrong */
	conv_move(d, c, (unsigned)(m >> 2 & 1) | 8);	  /* data, either way */
}

static void conv_move(struct dec *d, struct conv *c, unsigned m)
{
	int out = m & 1;
	struct seq_step *st = conv_pkt(d, c, out);
	unsigned k = (m >> 1) % 8;

	if (!st)
		return;
	if (c->proto == IPPROTO_TCP) {
		st->p.flags = tcp_moves[k];
		st->p.seq = c->isn[out] + 1;
		st->p.ack = c->isn[!out] + 1;
		if (k <= 1) { /* SYN, SYN-ACK: a new sequence number */
			c->isn[out] = next32(&d->r);
			st->p.seq = c->isn[out];
		}
		if (k == 3)
			st->p.ack = c->isn[!out] + 7;
		if (k == 6)
			st->p.ack = 0;
	} else if (c->proto == IPPROTO_ICMP || c->proto == IPPROTO_ICMPV6) {
		int req = (m >> 1) & 1;

		st->p.icmp_type = c->family == 4 ? (req ? ICMP4_ECHO : ICMP4_ECHOREPLY) :
						   (req ? ICMP6_ECHO : ICMP6_ECHOREPLY);
	} else if (c->proto == IPPROTO_UDP) {
		st->p.payload = (m >> 4) & 7;
	}
}

static struct conv *conv_new(struct dec *d, unsigned b)
{
	static const int protos[] = { IPPROTO_TCP, IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP,
				      IPPROTO_UDP, IPPROTO_UDP, -1,	     47 };
	struct conv *c;
	int f;

	if (d->nc < MAX_CONV)
		c = &d->c[d->nc++];
	else
		c = &d->c[next(&d->r) % MAX_CONV];
	memset(c, 0, sizeof(*c));
	c->role = b & 1;
	c->family = (b >> 1) & 1 ? 6 : 4;
	f = c->family == 6;
	c->proto = protos[(b >> 2) % 8];
	if (c->proto < 0)
		c->proto = icmp_proto(c->family);
	c->local = local_pool[c->role][f][next(&d->r) % 5];
	c->remote = remote_pool[c->role][f][next(&d->r) % 6];
	c->lport = lport_pool[next(&d->r) % N(lport_pool)];
	c->rport = rport_pool[next(&d->r) % N(rport_pool)];
	if (c->proto == IPPROTO_ICMP || c->proto == IPPROTO_ICMPV6)
		c->rport = c->lport;
	c->isn[0] = next32(&d->r);
	c->isn[1] = next32(&d->r);
	return c;
}

/* an ICMP error quoting a packet of c */
static void conv_icmp_error(struct dec *d, struct conv *c, unsigned b)
{
	static const uint8_t t4[][2] = { { 3, 3 }, { 3, 4 }, { 11, 0 }, { 12, 0 } };
	static const uint8_t t6[][2] = { { 1, 4 }, { 2, 0 }, { 3, 0 }, { 4, 0 } };
	int out = b & 1; /* 0: an error arriving about a packet the node sent */
	int router = (b >> 1) & 1;
	unsigned t = (b >> 2) & 3;
	struct seq_step *st = conv_pkt(d, c, out);
	struct pkt q = { 0 };

	if (!st)
		return;
	st->p.proto = icmp_proto(c->family);
	st->p.sport = st->p.dport = 0;
	st->p.icmp_id = 0;
	st->p.icmp_type = c->family == 4 ? t4[t][0] : t6[t][0];
	st->p.icmp_code = c->family == 4 ? t4[t][1] : t6[t][1];
	if (router && !out)
		st->p.src = router_pool[c->role][c->family == 6];
	/* the quote: what the error's receiver sent */
	q.family = c->family;
	q.proto = c->proto;
	q.src = out ? c->remote : c->local;
	q.dst = out ? c->local : c->remote;
	q.sport = out ? c->rport : c->lport;
	q.dport = out ? c->lport : c->rport;
	q.flags = TCP_ACK;
	q.icmp_type = c->family == 4 ? ICMP4_ECHO : ICMP6_ECHO;
	q.icmp_id = c->lport;
	st->p.quote_len = pkt_ip(&q, st->quote);
	if (st->p.quote_len > sizeof(st->quote))
		st->p.quote_len = sizeof(st->quote); /* cannot happen: 60 at most */
	st->p.quote = st->quote;
	st->q.valid = 1;
	st->q.proto = c->proto;
	st->q.src = q.src;
	st->q.dst = q.dst;
	st->q.sport = q.sport;
	st->q.dport = q.dport;
	if (c->proto == IPPROTO_ICMP || c->proto == IPPROTO_ICMPV6)
		st->q.sport = st->q.dport = c->lport; /* the echo identifier */
	else if (c->proto != IPPROTO_TCP && c->proto != IPPROTO_UDP)
		st->q.sport = st->q.dport = 0; /* no ports */
}

static void conv_fragment(struct dec *d, struct conv *c, unsigned b)
{
	int out = b & 1, later = (b >> 1) & 1;
	struct seq_step *st = conv_pkt(d, c, out);

	if (!st)
		return;
	if (c->proto == IPPROTO_TCP) {
		st->p.flags = TCP_PSH | TCP_ACK;
		st->p.seq = c->isn[out] + 1;
		st->p.ack = c->isn[!out] + 1;
	}
	if (!later) {
		c->frag_id = ++d->frag_next;
		st->p.frag = 1;
	} else {
		st->p.frag = 2;
	}
	st->p.frag_id = (b >> 2) & 1 ? c->frag_id + 1000 : c->frag_id;
	st->p.payload = 8;
}

static void special(struct dec *d, unsigned b)
{
	struct conv *c = d->nc ? &d->c[next(&d->r) % d->nc] : NULL;
	struct seq_step *st;
	int f = (b >> 3) & 1;

	switch (b % 8) {
	case 0: /* neighbour solicitation: always passes */
		if (!(st = step(d)))
			return;
		st->kind = SEQ_PKT;
		st->role = (b >> 4) & 1;
		st->p.family = 6;
		st->p.proto = IPPROTO_ICMPV6;
		st->p.src = (b >> 5) & 1 ? "::" : "2001:db8:a::1";
		st->p.dst = local_pool[st->role][1][0];
		st->p.icmp_type = 135;
		return;
	case 1: /* a source no peer uses */
	case 2: /* land */
	case 3: /* SYN+FIN */
	case 4: /* an ICMP type no rule covers */
		if (!(st = step(d)))
			return;
		st->kind = SEQ_PKT;
		st->role = EF_ROLE_EXTERNAL;
		st->p.family = f ? 6 : 4;
		st->p.proto = IPPROTO_TCP;
		st->p.src = remote_pool[0][f][0];
		st->p.dst = local_pool[0][f][0];
		st->p.sport = 40000;
		st->p.dport = 443;
		st->p.flags = TCP_SYN;
		if (b % 8 == 1) {
			static const char *const bad[2][3] = {
				{ "127.0.0.1", "224.0.0.1", "0.0.0.0" }, { "::1", "ff02::1", "::" }
			};

			st->p.src = bad[f][(b >> 4) % 3];
		} else if (b % 8 == 2) {
			st->p.src = st->p.dst;
		} else if (b % 8 == 3) {
			st->p.flags = TCP_SYN | TCP_FIN;
		} else {
			st->p.proto = icmp_proto(st->p.family);
			st->p.icmp_type = f ? 200 : 13;
		}
		return;
	case 5: /* ARP: passes */
		if (!(st = step(d)))
			return;
		st->kind = SEQ_PKT;
		st->role = (b >> 4) & 1;
		st->hook = (b >> 5) & 1;
		st->p.family = 4;
		st->p.ethertype = 0x0806;
		st->p.src = "0.0.0.0";
		st->p.dst = "0.0.0.0";
		return;
	case 6: /* a conversation's packet cut inside its headers */
		if (!c || c->proto == 47)
			return;
		conv_move(d, c, next(&d->r) & ~1u);
		d->q->s[d->q->n - 1].malformed = 1;
		return;
	default: /* a conversation's packet behind a VLAN tag */
		if (!c)
			return;
		conv_move(d, c, next(&d->r));
		d->q->s[d->q->n - 1].p.vlans = 1 + ((b >> 4) & 1);
		return;
	}
}

/* new flows from one source to one service port: limits, SYN floods */
static void burst(struct dec *d, unsigned b)
{
	struct conv *base = conv_new(d, next(&d->r));
	int n = 2 + (int)(b % 10);

	for (int i = 0; i < n; i++) {
		struct conv *c;

		if (d->nc < MAX_CONV) {
			c = &d->c[d->nc++];
			*c = *base;
		} else {
			c = base;
		}
		c->rport = (uint16_t)(base->rport + i + 1);
		c->isn[0] = base->isn[0] + (uint32_t)i * 7919u;
		conv_move(d, c, 0); /* a SYN (or datagram, echo reply) in */
	}
}

/*
 * The floods a public edge address sees (and issue 14 measures): SYNs from
 * many sources to an open and a closed port, UDP reflection (source ports
 * 53/123/11211/1900) to random ports of the A/V address, ACKs and RSTs with
 * random ports that belong to no flow.
 */
static char flood_v4[256][16], flood_v6[256][24];

static void flood_pools(void)
{
	if (flood_v4[0][0])
		return;
	for (int i = 0; i < 256; i++) {
		snprintf(flood_v4[i], sizeof(flood_v4[i]), "198.18.%d.%d", 128 + i / 64,
			 1 + i % 250);
		snprintf(flood_v6[i], sizeof(flood_v6[i]), "2001:db8:66:%x::%x", i % 7, i + 1);
	}
}

static void flood(struct dec *d, unsigned b)
{
	static const uint16_t refl[] = { 53, 123, 11211, 1900 };
	int kind = (int)((b >> 1) % 3), f = (b >> 3) & 1, n = 4 + (int)(next(&d->r) % 28);

	flood_pools();
	for (int i = 0; i < n; i++) {
		struct seq_step *st = step(d);
		unsigned x = next(&d->r), y = next(&d->r);

		if (!st)
			return;
		st->kind = SEQ_PKT;
		st->hook = EF_HOOK_INGRESS;
		st->role = EF_ROLE_EXTERNAL;
		st->p.family = f ? 6 : 4;
		st->p.src = f ? flood_v6[x] : flood_v4[x];
		st->p.sport = (uint16_t)(1024 + x * 211 + y);
		st->p.dport = (uint16_t)(y * 257 + x);
		st->p.seq = x * 16777619u + y;
		if (kind == 0) { /* SYN flood: an open port and a closed one */
			st->p.proto = IPPROTO_TCP;
			st->p.flags = TCP_SYN;
			st->p.dst = local_pool[0][f][0];
			st->p.dport = y & 1 ? 443 : 8080;
		} else if (kind == 1) { /* UDP reflection at the A/V address */
			st->p.proto = IPPROTO_UDP;
			st->p.dst = local_pool[0][f][2];
			st->p.sport = refl[y & 3];
			st->p.payload = 16;
		} else { /* ACK / RST with random ports, no flow */
			st->p.proto = IPPROTO_TCP;
			st->p.flags = y & 1 ? TCP_RST : TCP_ACK;
			st->p.ack = y * 2654435761u;
			st->p.dst = local_pool[0][f][(x >> 1) % 3];
		}
	}
}

void seq_decode(const uint8_t *data, size_t len, struct seq *q)
{
	struct dec d = { .r = { data, len, 0 }, .q = q };
	unsigned h;

	memset(q, 0, offsetof(struct seq, s));
	h = next(&d.r);
	q->variant = (int)(h % SEQ_VARIANTS);
	q->lists = (h >> 4) & 1;
	while (more(&d.r) && q->n < SEQ_MAX_STEPS) {
		unsigned op = next(&d.r), b = next(&d.r);
		struct seq_step *st;

		switch (op % 16) {
		case 0:
		case 1:
		case 2:
		case 3:
		case 4:
			/* (one call per statement: argument order is unspecified,
			 * and both read bytes) */
			if (d.nc && (op & 0xe0) == 0xe0) {
				handshake(&d, &d.c[b % d.nc], next(&d.r));
			} else if (d.nc) {
				conv_move(&d, &d.c[b % d.nc], next(&d.r));
			} else {
				struct conv *c = conv_new(&d, b);

				conv_move(&d, c, next(&d.r));
			}
			break;
		case 5:
		case 6:
		case 7: {
			struct conv *c = conv_new(&d, b);

			conv_move(&d, c, next(&d.r));
			break;
		}
		case 8:
		case 9:
			if ((st = step(&d))) {
				st->kind = SEQ_TIME;
				st->dt_ns = dt_pool_ms[b % N(dt_pool_ms)] * 1000000ull;
			}
			break;
		case 10:
			if (d.nc)
				conv_icmp_error(&d, &d.c[b % d.nc], next(&d.r));
			break;
		case 11:
			if (d.nc)
				conv_fragment(&d, &d.c[b % d.nc], next(&d.r));
			break;
		case 12:
			if ((st = step(&d))) {
				st->kind = SEQ_ANSWER;
				st->role = EF_ROLE_EXTERNAL;
			}
			break;
		case 13:
			if ((st = step(&d))) {
				st->kind = SEQ_RELOAD;
				st->variant = (int)(b % SEQ_VARIANTS);
			}
			break;
		case 14: special(&d, b); break;
		default:
			if (b & 1)
				flood(&d, b);
			else
				burst(&d, b);
			break;
		}
	}
}

void seq_random_bytes(uint64_t seed, uint8_t *buf, size_t len)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < len; i++) {
		/* xorshift64* */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		buf[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
	}
}

/* ---- frames ------------------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* the client's RST answering a challenge SYN-ACK: its sequence number is
 * the challenge's acknowledgment number */
static size_t answer(const uint8_t *ch, size_t clen, uint8_t *out)
{
	char src[EF_ADDRSTRLEN], dst[EF_ADDRSTRLEN];
	struct pkt p = { 0 };
	size_t off = 12;
	uint16_t et;
	const uint8_t *l4;

	for (int i = 0; i < 3 && off + 2 <= clen; i++) {
		et = (uint16_t)(ch[off] << 8 | ch[off + 1]);
		if (et != 0x8100 && et != 0x88a8)
			break;
		off += 4;
		p.vlans++;
	}
	if (off + 2 > clen)
		return 0;
	et = (uint16_t)(ch[off] << 8 | ch[off + 1]);
	off += 2;
	if (et == 0x0800 && clen >= off + 40) {
		p.family = 4;
		inet_ntop(AF_INET, ch + off + 16, src, sizeof(src)); /* the client */
		inet_ntop(AF_INET, ch + off + 12, dst, sizeof(dst));
		l4 = ch + off + 4 * (ch[off] & 15);
	} else if (et == 0x86dd && clen >= off + 60) {
		p.family = 6;
		inet_ntop(AF_INET6, ch + off + 24, src, sizeof(src));
		inet_ntop(AF_INET6, ch + off + 8, dst, sizeof(dst));
		l4 = ch + off + 40;
	} else {
		return 0;
	}
	if (l4 + 20 > ch + clen)
		return 0;
	p.src = src;
	p.dst = dst;
	p.proto = IPPROTO_TCP;
	p.sport = (uint16_t)(l4[2] << 8 | l4[3]);
	p.dport = (uint16_t)(l4[0] << 8 | l4[1]);
	p.seq = get32(l4 + 8);
	p.flags = TCP_RST;
	if (p.vlans > 1)
		p.vlans = 2;
	return pkt_build(&p, out);
}

size_t seq_frame(const struct seq_step *st, const uint8_t *challenge, size_t clen, uint8_t *out)
{
	size_t n;

	if (st->kind == SEQ_ANSWER)
		return challenge ? answer(challenge, clen, out) : 0;
	if (st->kind != SEQ_PKT)
		return 0;
	n = pkt_build(&st->p, out);
	if (st->malformed) {
		/* cut inside the L4 header: the IP length no longer fits */
		size_t l3 = 14 + 4 * (size_t)st->p.vlans;
		size_t l4 = l3 + (st->p.family == 6 ? 40 : 20);

		if (n > l4 + 4)
			n = l4 + 4;
	}
	return n;
}

void seq_describe(const struct seq_step *st, char *buf, size_t len)
{
	static const char *const kinds[] = { "pkt", "time", "reload", "answer" };

	switch (st->kind) {
	case SEQ_TIME:
		snprintf(buf, len, "time +%llu ms", (unsigned long long)(st->dt_ns / 1000000));
		return;
	case SEQ_RELOAD: snprintf(buf, len, "reload variant %d", st->variant); return;
	case SEQ_ANSWER: snprintf(buf, len, "answer the last challenge"); return;
	}
	if (st->p.ethertype) {
		snprintf(buf, len, "%s %s %s ethertype 0x%04x", kinds[st->kind],
			 st->hook ? "out" : "in", st->role ? "int" : "ext", st->p.ethertype);
		return;
	}
	snprintf(buf, len,
		 "%s %s %s p%d %s:%u > %s:%u f%02x seq %u ack %u icmp %u/%u frag %d/%u%s%s",
		 kinds[st->kind], st->hook ? "out" : "in", st->role ? "int" : "ext", st->p.proto,
		 st->p.src, st->p.sport, st->p.dst, st->p.dport, st->p.flags, st->p.seq, st->p.ack,
		 st->p.icmp_type, st->p.icmp_code, st->p.frag, st->p.frag_id,
		 st->malformed ? " cut" : "", st->p.vlans ? " vlan" : "");
}
