// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, capture (bpf/capture.h through agent/kern/capture.c, as
 * `edgefw capture` drives it): what a slot records (the verdict and the
 * frame's bytes, both hooks, both families), each filter picking exactly
 * the packets it names (the expectation computed here from the packets'
 * own fields), the rate bound, the lease and the on bit, monitor mode's
 * would-drops, new flows and their rule, snaplen, and two slots at once.
 */
#include "capture.h"
#include "capview.h"
#include "harness.h"

#define MAXREC 64

struct rec {
	struct ef_caprec r;
	uint8_t data[EF_CAP_SNAP_MAX];
};

struct sink {
	struct rec rec[MAXREC];
	int n;
};

static int collect(void *ctx, void *data, size_t size)
{
	struct sink *s = ctx;
	const struct ef_caprec *r = data;

	assert_true(size >= sizeof(*r) && size - sizeof(*r) >= r->cap_len);
	if (s->n < MAXREC) {
		memcpy(&s->rec[s->n].r, r, sizeof(*r));
		memcpy(s->rec[s->n].data, r + 1, r->cap_len);
	}
	s->n++;
	return 0;
}

/* a slot as `edgefw capture` builds it from spec, rate ample */
static struct ef_capslot slot_of(const struct ef_cap_spec *spec)
{
	struct ef_cap_spec sp = *spec;
	struct ef_capslot s;
	char err[256];

	if (!sp.snaplen)
		sp.snaplen = EF_CAP_SNAP_MAX;
	if (!sp.max_pps)
		sp.max_pps = 100000;
	sp.ncpus = 1;
	if (ef_capslot_build(&sp, &s, err, sizeof(err)))
		fail_msg("ef_capslot_build: %s", err);
	return s;
}

static void start(struct ef_cap *k, struct sink *sk, const struct ef_capslot *s)
{
	memset(sk, 0, sizeof(*sk));
	assert_int_equal(ef_cap_open(k, T.pin_dir), 0);
	assert_int_equal(ef_cap_start(k, s, collect, sk), 0);
}

static void drain(struct ef_cap *k)
{
	assert_true(ef_cap_poll(k, 0) >= 0);
}

static void stop(struct ef_cap *k, struct ef_capstat *st)
{
	ef_cap_stop(k, st);
	ef_cap_close(k);
}

/* the packets the filter tests send: one of each kind */
struct probe {
	int hook, role;
	struct pkt p;
	bool drop; /* what the policy does with it (checked) */
};

static size_t probes(struct probe *pr)
{
	size_t n = 0;

	for (int fam = 4; fam <= 6; fam += 2) {
		const char *acc = svc_addr(EF_SVC_ACCESS, fam), *av = svc_addr(EF_SVC_AV, fam);
		const char *in = svc_addr(EF_SVC_INTERNAL, fam);
		const char *peer = fam == 4 ? any4 : any6;
		const char *peer2 = fam == 4 ? "198.51.100.200" : "2001:db8:99::200";

		pr[n++] = (struct probe){ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
					  tcp(fam, peer, 40001, acc, 8080, EF_TCP_SYN), true };
		pr[n++] = (struct probe){ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
					  udp(fam, peer2, 40002, av, 9), true };
		pr[n++] = (struct probe){ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
					  tcp(fam, peer2, 40003, acc, 8081, EF_TCP_SYN), true };
		pr[n++] = (struct probe){ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL,
					  udp(fam, av, 40000, peer, 40000), true };
		pr[n++] = (struct probe){ EF_HOOK_INGRESS, EF_ROLE_INTERNAL,
					  tcp(fam, peer2, 40004, in, 8080, EF_TCP_SYN), true };
		pr[n++] = (struct probe){ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, allowed_syn(fam),
					  false };
	}
	return n;
}

static bool same_addr(const char *a, const char *b)
{
	union ef_addr x, y;

	return ef_addr_parse(a, &x) == 0 && ef_addr_parse(b, &y) == 0 && !memcmp(&x, &y, sizeof(x));
}

static void test_capture_records_drops(void **state)
{
	struct probe pr[16];
	size_t n = probes(pr);
	struct ef_cap_spec spec = { 0 };
	struct ef_capslot s = slot_of(&spec);
	struct ef_capstat st;
	struct sink sk;
	struct ef_cap k;
	int want = 0;

	(void)state;
	start(&k, &sk, &s);
	for (size_t i = 0; i < n; i++) {
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(&pr[i].p, buf);
		struct verdict v = run_frame(pr[i].hook, pr[i].role, buf, len);
		const struct rec *r;

		assert_int_equal(v.pass, !pr[i].drop);
		drain(&k);
		if (!pr[i].drop) {
			assert_int_equal(sk.n, want); /* a pass is not captured */
			continue;
		}
		assert_int_equal(sk.n, ++want);
		r = &sk.rec[sk.n - 1];
		assert_int_equal(r->r.ifindex, T.ifindex[pr[i].role]);
		assert_int_equal(r->r.hook, pr[i].hook);
		assert_int_equal(r->r.action, EF_ACT_DROP);
		assert_int_equal(r->r.reason, v.reason);
		assert_int_equal(r->r.rule, EF_RULE_NONE);
		assert_int_equal(r->r.epoch, T.epoch);
		assert_int_equal(r->r.pkt_len, len);
		assert_int_equal(r->r.cap_len, len);
		assert_memory_equal(r->data, buf, len);
		assert_true(r->r.ts_ns > 0);
	}
	stop(&k, &st);
	assert_int_equal(st.captured, (__u64)want);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.lost, 0);
}

static void test_capture_filters(void **state)
{
	struct probe pr[16];
	size_t n = probes(pr);
	const struct {
		const char *what;
		struct ef_cap_spec spec;
		int ifrole; /* -1: any NIC */
	} cases[] = {
		{ "port 8080", { .port = 8080 }, -1 },
		{ "port 40002 (a source port)", { .port = 40002 }, -1 },
		{ "proto udp", { .proto = IPPROTO_UDP }, -1 },
		{ "addr 198.51.100.0/24", { .addr = "198.51.100.0/24" }, -1 },
		{ "addr 2001:db8:99::/48", { .addr = "2001:db8:99::/48" }, -1 },
		{ "internal NIC", { 0 }, EF_ROLE_INTERNAL },
		{ "reason no-rule, port 9", { .reasons = "no-rule", .port = 9 }, -1 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ef_capslot s = slot_of(&cases[c].spec);
		struct ef_capstat st;
		struct sink sk;
		struct ef_cap k;
		int want = 0;

		if (cases[c].ifrole >= 0)
			s.ifindex = (__u32)T.ifindex[cases[c].ifrole];
		start(&k, &sk, &s);
		for (size_t i = 0; i < n; i++) {
			const struct ef_cap_spec *f = &cases[c].spec;
			const struct pkt *p = &pr[i].p;
			bool pick = pr[i].drop;
			int before = sk.n;

			/* the expectation, from the probe's own fields */
			if (f->port)
				pick &= p->sport == f->port || p->dport == f->port;
			if (f->proto)
				pick &= p->proto == f->proto;
			if (f->addr && !strcmp(f->addr, "198.51.100.0/24"))
				pick &= !strncmp(p->src, "198.51.100.", 11) ||
					!strncmp(p->dst, "198.51.100.", 11);
			if (f->addr && !strcmp(f->addr, "2001:db8:99::/48"))
				pick &= same_addr(p->src, "2001:db8:99::200") ||
					same_addr(p->dst, "2001:db8:99::200");
			if (cases[c].ifrole >= 0)
				pick &= pr[i].role == cases[c].ifrole;
			run(pr[i].hook, pr[i].role, p);
			drain(&k);
			if (sk.n != before + (pick ? 1 : 0))
				fail_msg("%s: probe %zu (%s -> %s:%u) %s", cases[c].what, i, p->src,
					 p->dst, p->dport,
					 pick ? "not captured" : "captured, not picked");
			want += pick;
		}
		stop(&k, &st);
		assert_true(want > 0); /* each case picks something */
		assert_int_equal(st.captured, (__u64)want);
	}
}

static void test_capture_bound_lease_and_off(void **state)
{
	struct ef_cap_spec spec = { .port = 8080 };
	struct ef_capslot s = slot_of(&spec);
	struct pkt p = tcp(4, any4, 40001, svc_addr(EF_SVC_ACCESS, 4), 8080, EF_TCP_SYN);
	struct ef_capstat st;
	struct sink sk;
	struct ef_cap k;

	(void)state;
	/* 5 a second on one CPU: a burst of 20 gives 5 (6 if a token came
	 * back meanwhile), the rest counted as skipped */
	s.cpu_pps = 5;
	start(&k, &sk, &s);
	for (int i = 0; i < 20; i++)
		run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &p);
	drain(&k);
	stop(&k, &st);
	assert_in_range(sk.n, 5, 6);
	assert_int_equal(st.captured, (__u64)sk.n);
	assert_int_equal(st.captured + st.skipped, 20);

	/* a lapsed lease (a killed capture): nothing, not even counted */
	s.cpu_pps = 1000;
	start(&k, &sk, &s);
	k.c->slot[k.slot].alive_until = 1;
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &p);
	drain(&k);
	assert_int_equal(sk.n, 0);
	ef_cap_renew(&k);
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &p);
	drain(&k);
	assert_int_equal(sk.n, 1);
	/* the on bit off: nothing */
	__atomic_fetch_and(&k.c->on, ~(1u << k.slot), __ATOMIC_ACQ_REL);
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &p);
	drain(&k);
	assert_int_equal(sk.n, 1);
	stop(&k, &st);
	assert_int_equal(st.captured, 1);
	assert_int_equal(st.skipped, 0);
	/* released: on and claimed clear */
	assert_int_equal(ef_cap_open(&k, T.pin_dir), 0);
	assert_int_equal(k.c->on, 0);
	assert_int_equal(k.c->claimed, 0);
	ef_cap_close(&k);
}

static void test_capture_monitor_and_new_flows(void **state)
{
	struct ef_cap_spec spec = { .new_flows = true };
	struct ef_capslot s = slot_of(&spec);
	struct pkt deny = tcp(4, any4, 40001, svc_addr(EF_SVC_ACCESS, 4), 8080, EF_TCP_SYN);
	struct pkt syn = allowed_syn(6);
	struct pkt again = syn;
	struct ef_capstat st;
	struct verdict v;
	struct sink sk;
	struct ef_cap k;

	(void)state;
	load_test_policy("monitor", "enforce", NULL);
	start(&k, &sk, &s);
	v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &deny);
	assert_true(v.pass);
	drain(&k);
	assert_int_equal(sk.n, 1);
	assert_int_equal(sk.rec[0].r.action, EF_ACT_WOULD_DROP);
	assert_int_equal(sk.rec[0].r.reason, EF_R_NO_RULE);
	/* the SYN that opens a flow, with the rule that admitted it; the
	 * flow's next packet is not a new flow */
	v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &syn);
	assert_true(v.pass && v.rule >= 0);
	drain(&k);
	assert_int_equal(sk.n, 2);
	assert_int_equal(sk.rec[1].r.action, EF_ACT_PASS);
	assert_int_equal(sk.rec[1].r.reason, EF_R_RULE);
	assert_int_equal(sk.rec[1].r.rule, v.rule);
	again.flags = EF_TCP_SYN; /* a retransmission: the flow exists */
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &again);
	drain(&k);
	assert_int_equal(sk.n, 2);
	stop(&k, &st);

	/* --rule: only the packets of that rule (in its generation) */
	s.flags |= EF_CAPF_RULE;
	s.rule = (__u16)v.rule;
	s.epoch = T.epoch;
	flows_clear();
	start(&k, &sk, &s);
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &deny);
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &syn);
	drain(&k);
	assert_int_equal(sk.n, 1);
	assert_int_equal(sk.rec[0].r.rule, v.rule);
	/* the same rule id in another generation is not that rule */
	k.c->slot[k.slot].epoch = T.epoch + 1;
	flows_clear();
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &syn);
	drain(&k);
	assert_int_equal(sk.n, 1);
	stop(&k, &st);
}

static void test_capture_snaplen_and_two_slots(void **state)
{
	struct ef_cap_spec a = { .port = 8080, .snaplen = 20 }, b = { .port = 8081 };
	struct ef_capslot sa = slot_of(&a), sb = slot_of(&b);
	struct pkt p80 = tcp(4, any4, 40001, svc_addr(EF_SVC_ACCESS, 4), 8080, EF_TCP_SYN);
	struct pkt p81 = tcp(6, any6, 40001, svc_addr(EF_SVC_ACCESS, 6), 8081, EF_TCP_SYN);
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(&p80, buf), len81;
	struct ef_capstat st;
	struct sink ska, skb;
	struct ef_cap ka, kb;

	(void)state;
	start(&ka, &ska, &sa);
	start(&kb, &skb, &sb);
	assert_int_not_equal(ka.slot, kb.slot);
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &p80);
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &p81);
	run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &p81);
	drain(&ka);
	drain(&kb);
	assert_int_equal(ska.n, 1);
	assert_int_equal(skb.n, 2);
	assert_int_equal(ska.rec[0].r.cap_len, 20);
	assert_int_equal(ska.rec[0].r.pkt_len, len);
	assert_memory_equal(ska.rec[0].data, buf, 20);
	len81 = pkt_build(&p81, buf);
	assert_int_equal(skb.rec[1].r.cap_len, len81);
	assert_memory_equal(skb.rec[1].data, buf, len81);
	stop(&ka, &st);
	assert_int_equal(st.captured, 1);
	stop(&kb, &st);
	assert_int_equal(st.captured, 2);
}

static const struct CMUnitTest tests[] = {
	PROG_TEST(test_capture_records_drops),
	PROG_TEST(test_capture_filters),
	PROG_TEST(test_capture_bound_lease_and_off),
	PROG_TEST(test_capture_monitor_and_new_flows),
	PROG_TEST(test_capture_snaplen_and_two_slots),
};

PROG_GROUP(
	capture_group, "capture",
	"capture slots: records, filters, the bound, the lease, new flows, snaplen, two at once");
