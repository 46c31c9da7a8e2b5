// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, fragments and ICMP (fragicmp.h): ping, neighbour
 * discovery, the ping setting, fragments of tracked and untracked
 * datagrams, ICMP errors about our flows and about anything else.
 */
#include "harness.h"

/* ---- ICMP: ping, neighbour discovery, the ping setting ------------------------ */

static void test_icmp_basics(void **state)
{
	struct pkt s;

	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		int proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		const char *remote = family == 4 ? any4 : any6;

		s = (struct pkt){ .family = family,
				  .src = remote,
				  .dst = svc_addr(EF_SVC_AV, family),
				  .proto = proto,
				  .icmp_type = family == 4 ? 8 : 128,
				  .icmp_id = 7 };
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_PING);
		s.dst = family == 4 ? "203.0.113.99" : "2001:db8:10::99";
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NOT_SERVICE);
		s.dst = svc_addr(EF_SVC_AV, family);
		s.icmp_type = family == 4 ? 0 : 129; /* a reply nobody asked for */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		s.icmp_type = family == 4 ? 13 : 200; /* timestamp / private */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_TYPE);
		/* the node pings out; the reply belongs to that flow */
		s = (struct pkt){ .family = family,
				  .src = svc_addr(EF_SVC_ACCESS, family),
				  .dst = remote,
				  .proto = proto,
				  .icmp_type = family == 4 ? 8 : 128,
				  .icmp_id = 99 };
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_PING);
		s = (struct pkt){ .family = family,
				  .src = remote,
				  .dst = svc_addr(EF_SVC_ACCESS, family),
				  .proto = proto,
				  .icmp_type = family == 4 ? 0 : 129,
				  .icmp_id = 99 };
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	}
	/* neighbour discovery and MLD pass whatever the addresses */
	for (int t = 130; t <= 137; t++) {
		s = (struct pkt){ .family = 6,
				  .src = "fe80::1",
				  .dst = "ff02::1:ff00:1",
				  .proto = IPPROTO_ICMPV6,
				  .icmp_type = (uint8_t)t };
		expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_ICMP_ESSENTIAL);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_ICMP_ESSENTIAL);
	}
	s.src = "::"; /* duplicate address detection */
	s.icmp_type = 135;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_ESSENTIAL);
}

static void test_ping_setting(void **state)
{
	char *text = test_policy_text("enforce", "enforce", NULL);
	json_object *root = json_tokener_parse(text), *st;
	struct pkt s = { .family = 4,
			 .src = any4,
			 .dst = svc_addr(EF_SVC_ACCESS, 4),
			 .proto = IPPROTO_ICMP,
			 .icmp_type = 8,
			 .icmp_id = 3 };

	(void)state;
	free(text);
	json_object_object_get_ex(root, "settings", &st);
	json_object_object_add(st, "ping", json_object_new_boolean(0));
	load_policy(json_object_to_json_string(root));
	json_object_put(root);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_TYPE);
	s.src = svc_addr(EF_SVC_ACCESS, 4);
	s.dst = any4;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_TYPE);
}

/* ---- fragments ------------------------------------------------------------------- */

static void test_fragments(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *av = svc_addr(EF_SVC_AV, family);
		const char *peer = family == 4 ? any4 : any6;
		struct pkt s = udp(family, peer, 40000, av, 3478);

		s.frag = 1;
		s.frag_id = 4242;
		s.payload = 64;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s.frag = 2;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FRAGMENT);
		s.frag_id = 4243; /* a datagram whose first fragment we never saw */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_FRAG_UNTRACKED);
		/* a first fragment that is denied opens nothing */
		s = udp(family, peer, 40000, svc_addr(EF_SVC_ACCESS, family), 3478);
		s.frag = 1;
		s.frag_id = 4244;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
		s.frag = 2;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_FRAG_UNTRACKED);
		/* a fragmented reply of a tracked flow (big DNS answer) */
		s = udp(family, svc_addr(EF_SVC_ACCESS, family), 41000, peer, 53);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = udp(family, peer, 53, svc_addr(EF_SVC_ACCESS, family), 41000);
		s.frag = 1;
		s.frag_id = 99;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		s.frag = 2;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FRAGMENT);
	}
}

/* ---- ICMP errors ------------------------------------------------------------------ */

static void test_icmp_errors(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		int proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		const char *acc = svc_addr(EF_SVC_ACCESS, family);
		const char *dns = family == 4 ? "198.51.100.53" : "2001:db8:53::53";
		const char *router = family == 4 ? "198.51.100.1" : "2001:db8:53::1";
		uint8_t q[128];
		size_t ql;
		struct pkt inner = udp(family, acc, 41000, dns, 53), s;

		inner.payload = 0;
		ql = pkt_ip(&inner, q);
		s = (struct pkt){ .family = family,
				  .src = router,
				  .dst = acc,
				  .proto = proto,
				  .icmp_type = family == 4 ? 3 : 1,
				  .icmp_code = 3,
				  .quote = q,
				  .quote_len = ql };
		/* no flow yet: unrelated */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
		/* after the query went out it is about our flow */
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &inner), PASS, EF_R_RULE);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_RELATED);
		s.icmp_type = family == 4 ? 11 : 3; /* time exceeded */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_RELATED);
		/* a quote of some other datagram */
		inner.sport = 41999;
		ql = pkt_ip(&inner, q);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
		/* path MTU signals about our own packets always pass */
		s.icmp_type = family == 4 ? 3 : 2;
		s.icmp_code = family == 4 ? 4 : 0;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_RELATED);
		/* ... but not about packets from addresses that are not ours */
		inner.src = family == 4 ? "198.51.100.250" : "2001:db8:99::1";
		ql = pkt_ip(&inner, q);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
		/* a quote cut short carries no ports */
		inner = udp(family, acc, 41000, dns, 53);
		inner.payload = 0;
		ql = pkt_ip(&inner, q);
		s.quote_len = ql - 6;
		s.icmp_type = family == 4 ? 11 : 3;
		s.icmp_code = 0;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
	}
}

static const struct CMUnitTest tests[] = {
	PROG_TEST(test_icmp_basics),
	PROG_TEST(test_ping_setting),
	PROG_TEST(test_fragments),
	PROG_TEST(test_icmp_errors),
};

PROG_GROUP(fragicmp_group, "fragicmp", "ICMP and ping, fragments, ICMP errors");
