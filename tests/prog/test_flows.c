// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, flows (flows.h): outbound flows and their replies, A/V's
 * local port ranges, the inbound handshake and its promotion to the
 * trusted table, replies by rule, expiry, a spoofed flood against the
 * trusted table, egress and monitor modes, flows revalidated on a reload.
 */
#include "flowtab.h"
#include "harness.h"

/* ---- flows --------------------------------------------------------------------- */

static bool flow_in(int map_fd, const char *local, uint16_t lport, const char *remote,
		    uint16_t rport, int proto, struct ef_flow *out)
{
	struct ef_flow_key k;
	struct ef_flow f;

	memset(&k, 0, sizeof(k));
	ef_addr_parse(local, &k.local);
	ef_addr_parse(remote, &k.remote);
	k.lport = lport;
	k.rport = rport;
	k.proto = (uint8_t)proto;
	/* the NIC the flow belongs to: the one the local address is on */
	k.role = EF_ROLE_EXTERNAL;
	for (int fam = 4; fam <= 6; fam += 2)
		if (!strcmp(local, svc_addr(EF_SVC_INTERNAL, fam)) ||
		    !strcmp(local, svc_addr(EF_SVC_MANAGEMENT, fam)))
			k.role = EF_ROLE_INTERNAL;
	if (bpf_map_lookup_elem(map_fd, &k, &f))
		return false;
	if (out)
		*out = f;
	return true;
}

/* The trusted table's TCP flow local:lport <-> remote:rport, which must be there. */
static struct ef_flow tcp_flow(const char *local, uint16_t lport, const char *remote,
			       uint16_t rport)
{
	struct ef_flow f;

	assert_true(flow_in(T.dp.maps.flows, local, lport, remote, rport, IPPROTO_TCP, &f));
	return f;
}

static void test_outbound_flow_and_replies(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *acc = svc_addr(EF_SVC_ACCESS, family);
		const char *dns = family == 4 ? "198.51.100.53" : "2001:db8:53::53";
		const char *other = family == 4 ? "198.51.100.54" : "2001:db8:53::54";
		struct pkt s;

		/* DNS over UDP: query out, reply in; a forged "reply" is not a reply */
		s = udp(family, acc, 41000, dns, 53);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		assert_true(flow_in(T.dp.maps.flows, acc, 41000, dns, 53, IPPROTO_UDP, NULL));
		s = udp(family, dns, 53, acc, 41000);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		s = udp(family, other, 53, acc, 41000);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
		s = udp(family, dns, 53, acc, 41001);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);

		/* SIP federation over TCP 5061: SYN out, SYN-ACK in, data both ways */
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_SYN);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = tcp(family, other, 5061, acc, 42000, EF_TCP_SYN | EF_TCP_ACK);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		assert_int_equal(tcp_flow(acc, 42000, other, 5061).state, EF_FS_EST);
		assert_true(tcp_flow(acc, 42000, other, 5061).flags & EF_FLOW_ORIG_OUT);
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_ACK | EF_TCP_PSH);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* an unsolicited ACK to A/V 50000: a rule has the port, but no flow */
		s = tcp(family, other, 443, svc_addr(EF_SVC_AV, family), 50000, EF_TCP_ACK);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		/* a non-SYN out with no flow and no reply rule */
		s = tcp(family, acc, 42001, other, 5061, EF_TCP_ACK);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		/* FIN moves the flow to closing; a new SYN on the tuple starts over */
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_FIN | EF_TCP_ACK);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		assert_int_equal(tcp_flow(acc, 42000, other, 5061).state, EF_FS_CLOSING);
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_SYN);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
}

static void test_av_local_ports(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *av = svc_addr(EF_SVC_AV, family);
		const char *peer = family == 4 ? any4 : any6;
		struct pkt s;

		/* UDP media relayed from a local 50000-59999 port to any port */
		s = udp(family, av, 50010, peer, 40000);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = udp(family, peer, 40000, av, 50010);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* TCP from 50000-59999 to a partner's 443 */
		s = tcp(family, av, 59999, peer, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = tcp(family, peer, 443, av, 59999, EF_TCP_SYN | EF_TCP_ACK);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* not from the media range */
		s = udp(family, av, 40000, peer, 40000);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	}
}

static void test_inbound_handshake_promotion(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *acc = svc_addr(EF_SVC_ACCESS, family);
		const char *cl = family == 4 ? "198.51.100.9" : "2001:db8:51::9";
		struct pkt s;
		struct ef_flow f;

		s = tcp(family, cl, 33000, acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		assert_true(flow_in(T.dp.maps.flows_new, acc, 443, cl, 33000, IPPROTO_TCP, &f));
		assert_int_equal(f.state, EF_FS_SYN_RECV);
		assert_false(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, NULL));
		s = tcp(family, acc, 443, cl, 33000, EF_TCP_SYN | EF_TCP_ACK);
		s.seq = 777000;
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* an ACK that does not acknowledge our SYN-ACK */
		s = tcp(family, cl, 33000, acc, 443, EF_TCP_ACK);
		s.ack = 12345;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		assert_false(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, NULL));
		s.ack = 777001;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		assert_true(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, &f));
		assert_int_equal(f.state, EF_FS_EST);
		assert_false(flow_in(T.dp.maps.flows_new, acc, 443, cl, 33000, IPPROTO_TCP, NULL));
		s.flags = EF_TCP_ACK | EF_TCP_PSH;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		s = tcp(family, acc, 443, cl, 33000, EF_TCP_ACK | EF_TCP_PSH);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* RST closes */
		s = tcp(family, cl, 33000, acc, 443, EF_TCP_RST);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		assert_true(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, &f));
		assert_int_equal(f.state, EF_FS_CLOSING);
	}
}

static void test_reply_by_rule(void **state)
{
	struct pkt s;

	(void)state;
	/* the node answers from a service port (flow unknown to us) */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 443, any4, 40000, EF_TCP_ACK | EF_TCP_PSH);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_REPLY_BY_RULE);
	/* a SYN-ACK re-creates the embryonic entry so the client's ACK is verified */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 443, any4, 40001, EF_TCP_SYN | EF_TCP_ACK);
	s.seq = 5000;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_REPLY_BY_RULE);
	s = tcp(4, any4, 40001, svc_addr(EF_SVC_ACCESS, 4), 443, EF_TCP_ACK);
	s.ack = 5001;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	/* but not from a narrowed service to a peer outside its set: no out
	 * rule, and the in rule's peer set does not hold the stranger */
	s = tcp(4, svc_addr(EF_SVC_INTERNAL, 4), 5062, "198.18.9.5", 40000, EF_TCP_ACK);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), DROP, EF_R_NO_RULE);
	s.dst = "198.18.3.6";
	expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_REPLY_BY_RULE);
}

static void test_flow_expiry(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct ef_flow_key k;
	struct ef_flow f;
	struct timespec ts;
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	struct pkt s;

	(void)state;
	s = udp(4, acc, 41000, "198.51.100.53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	memset(&k, 0, sizeof(k));
	ef_addr_parse(acc, &k.local);
	ef_addr_parse("198.51.100.53", &k.remote);
	k.lport = 41000;
	k.rport = 53;
	k.proto = IPPROTO_UDP;
	k.role = EF_ROLE_EXTERNAL;
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.flows, &k, &f), 0);
	/* age it past the UDP timeout */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	f.seen_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec -
		    (EF_DEF_TO_UDP + 1) * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(T.dp.maps.flows, &k, &f, BPF_EXIST), 0);
	counters(before);
	s = udp(4, "198.51.100.53", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	counters(after);
	assert_int_equal(after[EF_C_FLOWS_EXPIRED] - before[EF_C_FLOWS_EXPIRED], 1);
	assert_int_not_equal(bpf_map_lookup_elem(T.dp.maps.flows, &k, &f), 0);
	/* just inside the timeout it lives */
	s = udp(4, acc, 41000, "198.51.100.53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.flows, &k, &f), 0);
	f.seen_ns -= (EF_DEF_TO_UDP - 5) * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(T.dp.maps.flows, &k, &f, BPF_EXIST), 0);
	s = udp(4, "198.51.100.53", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
}

/* A spoofed SYN flood churns only the untrusted table. */
static void test_flood_cannot_evict_trusted_flows(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct pkt s;
	char src[32];
	long n_new;

	(void)state;
	/* an outbound flow and a verified inbound one */
	s = udp(4, acc, 41000, "198.51.100.53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.9", 33000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, acc, 443, "198.51.100.9", 33000, EF_TCP_SYN | EF_TCP_ACK);
	s.seq = 100;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	s = tcp(4, "198.51.100.9", 33000, acc, 443, EF_TCP_ACK);
	s.ack = 101;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);

	/* 8x the untrusted table in spoofed SYNs and UDP, from many sources */
	for (int i = 0; i < 8192; i++) {
		uint8_t buf[PKT_MAX];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .repeat = 1);
		struct xdp_md x = { .ingress_ifindex = (__u32)T.ifindex[EF_ROLE_EXTERNAL] };

		snprintf(src, sizeof(src), "198.18.%d.%d", 128 + (i >> 8) % 64, i & 0xff);
		s = (i & 1) ? tcp(4, src, (uint16_t)(1024 + i), acc, 443, EF_TCP_SYN) :
			      udp(4, src, (uint16_t)(1024 + i), svc_addr(EF_SVC_AV, 4), 3478);
		o.data_size_in = (__u32)pkt_build(&s, buf);
		x.data_end = o.data_size_in;
		o.ctx_in = &x;
		o.ctx_size_in = sizeof(x);
		assert_int_equal(
			bpf_prog_test_run_opts(bpf_program__fd(T.dp.skel->progs.edgefw_xdp), &o),
			0);
		assert_int_equal(o.retval, XDP_PASS);
	}
	n_new = ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key));
	assert_true(n_new <= 1024);
	assert_true(n_new > 0);
	/* the trusted flows are still there and still pass */
	s = udp(4, "198.51.100.53", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	s = tcp(4, "198.51.100.9", 33000, acc, 443, EF_TCP_ACK | EF_TCP_PSH);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	assert_int_equal(ef_map_count(T.dp.maps.flows, sizeof(struct ef_flow_key)), 2);
}

/* ---- modes ------------------------------------------------------------------------ */

static void test_egress_modes(void **state)
{
	struct pkt s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 43000, any4, 8443, EF_TCP_SYN);
	struct pkt other = tcp(4, "203.0.113.99", 43000, any4, 443, EF_TCP_SYN);

	(void)state;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.action, EF_ACT_DROP);
	assert_int_equal(T.last_event.hook, EF_HOOK_EGRESS);
	assert_int_equal(T.last_event.reason, EF_R_NO_RULE);
	assert_int_equal(T.last_event.dport, 8443);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &other), DROP, EF_R_NOT_SERVICE);

	load_test_policy("enforce", "monitor", NULL);
	T.nevents = 0;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
	/* the connection is tracked: its reply passes, its next packets are quiet */
	s = tcp(4, any4, 8443, svc_addr(EF_SVC_ACCESS, 4), 43000, EF_TCP_SYN | EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	assert_int_equal(T.nevents, 1);

	load_test_policy("enforce", "off", NULL);
	flows_clear();
	T.nevents = 0;
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 43001, any4, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_UNLISTED);
	assert_int_equal(T.nevents, 0);
	s = tcp(4, any4, 8443, svc_addr(EF_SVC_ACCESS, 4), 43001, EF_TCP_SYN | EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	/* ingress is enforced whatever egress says */
	s = tcp(4, any4, 40000, svc_addr(EF_SVC_ACCESS, 4), 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
}

static void test_monitor_mode(void **state)
{
	struct pkt s = tcp(4, any4, 40000, svc_addr(EF_SVC_WEBCONF, 4), 5061, EF_TCP_SYN);

	(void)state;
	load_test_policy("monitor", "enforce", NULL);
	T.nevents = 0;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
	assert_int_equal(T.last_event.reason, EF_R_NO_RULE);
	/* malformed frames are reported, not dropped */
	{
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(&s, buf);

		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len - 10), PASS,
		       EF_R_MALFORMED);
		assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
	}
	/* egress too */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 43000, any4, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_NO_RULE);
	assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
}

/* ---- generations -------------------------------------------------------------------- */

static void test_reload_revalidates_flows(void **state)
{
	const char *av = svc_addr(EF_SVC_AV, 4);
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	struct pkt s;

	(void)state;
	/* two outbound flows: STUN (rule kept) and RTP over UDP (rule dropped) */
	s = udp(4, av, 3478, any4, 3478);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = udp(4, av, 50020, any4, 40000);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	load_test_policy("enforce", "enforce", "ext-av-rtp-udp-out");
	counters(before);
	s = udp(4, any4, 3478, av, 3478);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	s = udp(4, any4, 40000, av, 50020);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS,
	       EF_R_RULE); /* E12 inbound still allows it */
	counters(after);
	assert_int_equal(after[EF_C_FLOWS_REVOKED] - before[EF_C_FLOWS_REVOKED], 1);
	/* the flow is now an inbound one, so the node's reply passes as a flow */
	s = udp(4, av, 50020, any4, 40000);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
}

/* ---- edgefw flows: the rows as listed, and a flush (kern/flowtab.c) ---------------- */

/* Every live flow as `edgefw flows` reads it, with the rule names of the
 * test policy's generation. */
static size_t flow_rows(struct ef_flow_row **rows)
{
	static char *names[EF_MAX_RULES];
	struct ef_flow_names nm = { .rules = names,
				    .nrules = T.comp.nrules,
				    .epoch = T.epoch,
				    .ifname = { IF_EXT, IF_INT } };
	size_t n;

	for (size_t i = 0; i < T.comp.nrules && i < EF_MAX_RULES; i++)
		names[i] = (char *)ef_compiled_rule_name(&T.comp, (unsigned)i);
	assert_int_equal(ef_flows_read(&T.dp.maps, &nm, ef_coarse_ns(), rows, &n), 0);
	return n;
}

/* the row of local:lport <-> remote:rport, or NULL */
static const struct ef_flow_row *row_of(const struct ef_flow_row *r, size_t n, const char *local,
					unsigned lport, const char *remote, unsigned rport)
{
	union ef_addr l, rm;

	ef_addr_parse(local, &l);
	ef_addr_parse(remote, &rm);
	for (size_t i = 0; i < n; i++)
		if (ef_addr_eq(&r[i].k.local, &l) && ef_addr_eq(&r[i].k.remote, &rm) &&
		    r[i].k.lport == lport && r[i].k.rport == rport)
			return &r[i];
	return NULL;
}

/* the five flows: inbound TLS (SYN only), outbound DNS v4 and v6, inbound
 * STUN to A/V, and SIP from the next hop on the internal NIC */
static void five_flows(void)
{
	const char *acc4 = svc_addr(EF_SVC_ACCESS, 4), *acc6 = svc_addr(EF_SVC_ACCESS, 6);
	struct pkt s;

	flows_clear();
	s = allowed_syn(4);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = udp(4, acc4, 41000, "198.51.100.53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = udp(6, acc6, 41001, "2001:db8:53::53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = udp(4, any4, 42000, svc_addr(EF_SVC_AV, 4), 3478);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.18.2.5", 43000, svc_addr(EF_SVC_INTERNAL, 4), 5061, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_RULE);
}

static void test_flows_listed(void **state)
{
	struct ef_flow_row *r;
	const struct ef_flow_row *x;
	size_t n;

	(void)state;
	five_flows();
	n = flow_rows(&r);
	assert_int_equal(n, 5);
	x = row_of(r, n, svc_addr(EF_SVC_ACCESS, 4), 443, any4, 40000);
	assert_non_null(x);
	assert_int_equal(x->k.proto, IPPROTO_TCP);
	assert_int_equal(x->table, EF_TABLE_UNTRUSTED);
	assert_int_equal(x->f.state, EF_FS_SYN_RECV);
	assert_string_equal(ef_flow_opener(&x->f), "in");
	assert_int_equal(x->service, EF_SVC_ACCESS);
	assert_string_equal(x->ifname, IF_EXT);
	assert_non_null(x->rule);
	assert_string_equal(x->rule, ef_compiled_rule_name(&T.comp, x->f.rule));
	assert_in_range(x->age_s, 0, 2);
	assert_in_range(x->idle_s, 0, 2);
	/* a half-open flow expires at the SYN timeout (default 30 s) */
	assert_in_range(x->expires_s, 27, 30);
	x = row_of(r, n, svc_addr(EF_SVC_ACCESS, 4), 41000, "198.51.100.53", 53);
	assert_non_null(x);
	assert_int_equal(x->k.proto, IPPROTO_UDP);
	assert_int_equal(x->table, EF_TABLE_TRUSTED);
	assert_int_equal(x->f.state, EF_FS_OPEN);
	assert_string_equal(ef_flow_opener(&x->f), "out");
	assert_non_null(x->rule);
	x = row_of(r, n, svc_addr(EF_SVC_ACCESS, 6), 41001, "2001:db8:53::53", 53);
	assert_non_null(x);
	assert_int_equal(ef_addr_family(&x->k.local), 6);
	x = row_of(r, n, svc_addr(EF_SVC_AV, 4), 3478, any4, 42000);
	assert_non_null(x);
	assert_int_equal(x->service, EF_SVC_AV);
	assert_string_equal(ef_flow_opener(&x->f), "in");
	x = row_of(r, n, svc_addr(EF_SVC_INTERNAL, 4), 5061, "198.18.2.5", 43000);
	assert_non_null(x);
	assert_int_equal(x->service, EF_SVC_INTERNAL);
	assert_string_equal(x->ifname, IF_INT);
	assert_int_equal(x->k.role, EF_ROLE_INTERNAL);
	free(r);
}

/* a flush by each filter removes exactly the flows it picks */
static void test_flows_flush_by_filter(void **state)
{
	struct {
		const char *what;
		void (*set)(struct ef_flow_filter *fl);
		int removed;
	} cases[] = {
		{ "proto udp", NULL, 3 },	   { "port 53", NULL, 2 },
		{ "service av", NULL, 1 },	   { "iface internal", NULL, 1 },
		{ "addr 198.18.2.0/24", NULL, 1 }, { "state syn-received", NULL, 2 },
		{ "table trusted", NULL, 2 },	   { "rule of the TLS flow", NULL, 1 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ef_flow_filter fl;
		struct ef_flow_row *r, *after;
		size_t n, m, kept = 0;
		long gone;

		five_flows();
		n = flow_rows(&r);
		assert_int_equal(n, 5);
		ef_flow_filter_init(&fl);
		switch (c) {
		case 0: fl.proto = IPPROTO_UDP; break;
		case 1: fl.port = 53; break;
		case 2: fl.service = EF_SVC_AV; break;
		case 3: fl.role = EF_ROLE_INTERNAL; break;
		case 4:
			fl.has_prefix = true;
			assert_int_equal(ef_prefix_parse("198.18.2.0/24", &fl.prefix, NULL), 0);
			break;
		case 5: fl.state = EF_FS_SYN_RECV; break;
		case 6: fl.table = EF_TABLE_TRUSTED; break;
		case 7:
			fl.rule = row_of(r, n, svc_addr(EF_SVC_ACCESS, 4), 443, any4, 40000)->rule;
			break;
		}
		gone = ef_flows_delete(&T.dp.maps, r, n, &fl);
		if (gone != cases[c].removed)
			fail_msg("flush %s: %ld removed, want %d", cases[c].what, gone,
				 cases[c].removed);
		/* what stays is exactly what the filter does not pick */
		m = flow_rows(&after);
		assert_int_equal(m, n - (size_t)gone);
		for (size_t i = 0; i < n; i++) {
			const struct ef_flow_row *y;
			char l[EF_ADDRSTRLEN], rm[EF_ADDRSTRLEN];

			ef_addr_fmt(&r[i].k.local, l, sizeof(l));
			ef_addr_fmt(&r[i].k.remote, rm, sizeof(rm));
			y = row_of(after, m, l, r[i].k.lport, rm, r[i].k.rport);
			if (!y != ef_flow_match(&fl, &r[i]))
				fail_msg("flush %s: %s:%u %s", cases[c].what, l, r[i].k.lport,
					 y ? "stayed though it matched" :
					     "went though it did not match");
			kept += y != NULL;
		}
		assert_int_equal(kept, m);
		free(r);
		free(after);
	}
	(void)cases[0].set;
}

static const struct CMUnitTest tests[] = {
	PROG_TEST(test_outbound_flow_and_replies),
	PROG_TEST(test_av_local_ports),
	PROG_TEST(test_inbound_handshake_promotion),
	PROG_TEST(test_reply_by_rule),
	PROG_TEST(test_flow_expiry),
	PROG_TEST(test_flood_cannot_evict_trusted_flows),
	PROG_TEST(test_egress_modes),
	PROG_TEST(test_monitor_mode),
	PROG_TEST(test_reload_revalidates_flows),
	PROG_TEST(test_flows_listed),
	PROG_TEST(test_flows_flush_by_filter),
};

PROG_GROUP(
	flows_group, "flows",
	"flows, replies, handshakes, expiry, reply by rule, floods, egress and monitor modes, reloads");
