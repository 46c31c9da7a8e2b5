// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, frames (the parser, the sanity checks): VLAN and QinQ,
 * truncation at every offset, IPv4 header lies, IPv6 extension chains,
 * oversized frames, ethertypes, bad addresses, land, TCP flag nonsense,
 * addresses that are not the NIC's, other IP protocols.
 */
#include "harness.h"

/* ---- parsing: encapsulation, truncation, malformed --------------------------- */

static void test_vlan(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		struct pkt s = allowed_syn(family);

		s.vlans = 1;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		flows_clear();
		s.vlans = 2; /* QinQ */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s.vlans = 3;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_VLAN_DEPTH);
		s.vlans = 2;
		s.dport = 8443;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	}
}

static void test_truncated_every_offset(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		for (int vlans = 0; vlans <= 2; vlans++) {
			for (int proto = 0; proto < 2; proto++) {
				struct pkt s = allowed_syn(family);
				uint8_t buf[PKT_MAX];
				size_t len;

				if (proto)
					s = udp(family, family == 4 ? any4 : any6, 40000,
						svc_addr(EF_SVC_AV, family), 3478);
				s.payload = 0;
				s.vlans = vlans;
				len = pkt_build(&s, buf);
				/* the whole frame passes; every strict prefix is malformed */
				flows_clear();
				expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS,
				       EF_R_RULE);
				for (size_t cut = 14; cut < len; cut++) {
					struct verdict v = run_frame(EF_HOOK_INGRESS,
								     EF_ROLE_EXTERNAL, buf, cut);

					if (v.pass || (v.reason != EF_R_MALFORMED))
						fail_msg(
							"IPv%d vlans %d %s cut at %zu of %zu: %s/%s",
							family, vlans, proto ? "udp" : "tcp", cut,
							len, v.pass ? "pass" : "drop",
							ef_reason_name(v.reason));
				}
			}
		}
	}
}

static void test_ipv4_header_lies(void **state)
{
	uint8_t buf[PKT_MAX];
	struct pkt s = allowed_syn(4);
	size_t len;

	(void)state;
	/* options are fine */
	for (int w = 1; w <= 10; w++) {
		flows_clear();
		s.v4_opt_words = w;
		len = pkt_build(&s, buf);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS, EF_R_RULE);
	}
	s.v4_opt_words = 0;
	len = pkt_build(&s, buf);
	for (int ihl = 0; ihl < 5; ihl++) { /* IHL < 5 */
		buf[14] = (uint8_t)(0x40 | ihl);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP,
		       EF_R_MALFORMED);
	}
	buf[14] = 0x4f; /* IHL 15: header beyond the packet's TCP */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, 14 + 40), DROP, EF_R_MALFORMED);
	len = pkt_build(&s, buf);
	put16(buf + 16, (uint16_t)(len - 14 + 1)); /* total length beyond the frame */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	put16(buf + 16, 19); /* shorter than the header */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	put16(buf + 16, 30); /* ends inside the TCP header: padding is not header */
	memset(buf + len, 0, 32);
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len + 32), DROP, EF_R_MALFORMED);
	buf[14] = 0x65; /* version 6 in an IPv4 ethertype */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	/* Ethernet padding after a short datagram is ignored */
	flows_clear();
	len = pkt_build(&s, buf);
	memset(buf + len, 0, 20);
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len + 20), PASS, EF_R_RULE);
}

static void test_ipv6_ext_headers(void **state)
{
	struct pkt s = allowed_syn(6);

	(void)state;
	for (int n = 1; n <= EF_IPV6_EXT_MAX - 1; n++) {
		flows_clear();
		s.v6_ext = n;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
	s.v6_ext = EF_IPV6_EXT_MAX + 1; /* too long a chain to walk */
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_EXT_HEADERS);
	s.v6_ext = 2;
	s.dport = 8443;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
}

/* Hop-by-hop, routing, destination options and fragment headers in one
 * chain: walked, and the TCP header behind them found. */
static void test_ipv6_ext_header_kinds(void **state)
{
	struct pkt s = allowed_syn(6);
	uint8_t buf[PKT_MAX];
	size_t len, off = 14;

	(void)state;
	s.v6_ext = 3; /* three 8-byte destination-options headers ... */
	len = pkt_build(&s, buf);
	buf[off + 6] = 0;   /* ... the first becomes hop-by-hop */
	buf[off + 40] = 43; /* it is followed by a routing header */
	buf[off + 48] = 60; /* then destination options */
	buf[off + 56] = IPPROTO_TCP;
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS, EF_R_RULE);
	/* the same chain ending in a first fragment */
	flows_clear();
	s.frag = 1;
	s.frag_id = 77;
	s.v6_ext = 2;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s.frag = 2;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FRAGMENT);
	/* an extension header whose length runs past the packet */
	s = allowed_syn(6);
	s.v6_ext = 1;
	len = pkt_build(&s, buf);
	buf[off + 40 + 1] = 200; /* (200 + 1) * 8 bytes */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	/* a chain that ends in no transport header (ESP: next header 50) */
	s = allowed_syn(6);
	s.v6_ext = 1;
	len = pkt_build(&s, buf);
	buf[off + 40] = 50;
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_PROTOCOL);
}

/* Frames larger than any MTU on these links, and IP lengths that lie. */
static void test_oversized_frames(void **state)
{
	uint8_t buf[PKT_MAX * 2];
	struct pkt s;
	size_t len;

	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		/* a 3400-byte frame (jumbo) is parsed like any other */
		flows_clear();
		s = udp(family, family == 4 ? any4 : any6, 40000, svc_addr(EF_SVC_AV, family),
			3478);
		s.payload = 3400 - 14 - (family == 4 ? 20 : 40) - 8;
		len = pkt_build(&s, buf);
		assert_int_equal(len, 3400);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS, EF_R_RULE);
		/* the same frame claiming 65535 bytes of IP */
		if (family == 4)
			put16(buf + 16, 65535);
		else
			put16(buf + 18, 65535 - 40);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP,
		       EF_R_MALFORMED);
	}
}

static void test_ethertypes(void **state)
{
	static const struct {
		uint16_t et;
		int pass;
		int reason;
	} cases[] = {
		{ 0x0806, PASS, EF_R_NON_IP },	  /* ARP */
		{ 0x88cc, PASS, EF_R_NON_IP },	  /* LLDP */
		{ 0x888e, PASS, EF_R_NON_IP },	  /* EAPOL */
		{ 0x0026, PASS, EF_R_NON_IP },	  /* 802.3 length (LLC/STP) */
		{ 0x8847, DROP, EF_R_ETHERTYPE }, /* MPLS */
		{ 0x8864, DROP, EF_R_ETHERTYPE }, /* PPPoE session */
		{ 0x9000, DROP, EF_R_ETHERTYPE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt s = { .family = 4, .ethertype = cases[i].et };

		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), cases[i].pass, cases[i].reason);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), cases[i].pass, cases[i].reason);
	}
}

static void test_addresses_and_flags(void **state)
{
	static const char *const bad[] = { "0.0.0.0", "127.0.0.1", "224.0.0.5", "255.255.255.255",
					   "::",      "::1",	   "ff02::1" };
	struct pkt s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int family = strchr(bad[i], ':') ? 6 : 4;

		s = tcp(family, bad[i], 40000, svc_addr(EF_SVC_ACCESS, family), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BAD_ADDRESS);
	}
	/* land */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 443, svc_addr(EF_SVC_ACCESS, 4), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_LAND);
	/* TCP flag nonsense */
	s = allowed_syn(4);
	s.flags = EF_TCP_SYN | EF_TCP_FIN;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_TCP_FLAGS);
	s.flags = EF_TCP_SYN | EF_TCP_RST;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_TCP_FLAGS);
	s.flags = 0;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_TCP_FLAGS);
	/* not a service address of this NIC */
	s = tcp(4, any4, 40000, "203.0.113.99", 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NOT_SERVICE);
	/* other IP protocols to a service address */
	s = (struct pkt){ .family = 4,
			  .src = any4,
			  .dst = svc_addr(EF_SVC_ACCESS, 4),
			  .proto = 47 /* GRE */,
			  .payload = 8 };
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_PROTOCOL);
}

/*
 * A NIC's role comes from ef_ifroles (ifindexes below EF_IFACE_ARRAY) or
 * ef_ifaces (above; the harness's internal NIC is 5000).  On a NIC that is
 * not the node's every packet is dropped as unmanaged-interface (a policy
 * allow included), on either side of the bound; a NIC the agent stops
 * managing (ef_set_ifaces without it) becomes unmanaged, and managed again.
 */
static void test_nics_managed_or_not(void **state)
{
	struct pkt ext = tcp(4, any4, 40000, svc_addr(EF_SVC_ACCESS, 4), 8080, EF_TCP_SYN);
	struct pkt in = tcp(4, any4, 40000, svc_addr(EF_SVC_INTERNAL, 4), 8080, EF_TCP_SYN);
	struct pkt ok = allowed_syn(4);
	int saved = T.ifindex[EF_ROLE_EXTERNAL];
	int idx[2] = { T.ifindex[EF_ROLE_EXTERNAL], T.ifindex[EF_ROLE_INTERNAL] };
	int role[2] = { EF_ROLE_EXTERNAL, EF_ROLE_INTERNAL };
	const char *other[] = { "efu0", "efv0" };

	(void)state;
	assert_true(T.ifindex[EF_ROLE_EXTERNAL] < EF_IFACE_ARRAY);
	assert_true(T.ifindex[EF_ROLE_INTERNAL] >= EF_IFACE_ARRAY);
	/* positive controls: both managed NICs drop their scan for its own
	 * reason; the allowed SYN passes */
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &ext), DROP, EF_R_NO_RULE);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &ok), PASS, EF_R_RULE);
	flows_clear();
	expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &in), DROP, EF_R_NO_RULE);
	if (if_nametoindex("efu0") == 0)
		assert_int_equal(system("ip link add efu0 type veth peer name efu1 && "
					"ip link add efv0 index 6000 type veth peer name efv1 && "
					"ip link set efu0 up && ip link set efv0 up"),
				 0);
	for (size_t i = 0; i < 2; i++) {
		T.ifindex[EF_ROLE_EXTERNAL] = (int)if_nametoindex(other[i]);
		assert_true(T.ifindex[EF_ROLE_EXTERNAL] > 0);
		assert_true((T.ifindex[EF_ROLE_EXTERNAL] >= EF_IFACE_ARRAY) == (i == 1));
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &ext), DROP, EF_R_UNMANAGED_IF);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &ok), DROP, EF_R_UNMANAGED_IF);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &ext), DROP, EF_R_UNMANAGED_IF);
	}
	T.ifindex[EF_ROLE_EXTERNAL] = saved;
	/* the agent stops managing each NIC in turn, then both again */
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(ef_set_ifaces(&T.dp.maps, &idx[1 - i], &role[1 - i], 1), 0);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &ext), DROP,
		       i == 0 ? EF_R_UNMANAGED_IF : EF_R_NO_RULE);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &in), DROP,
		       i == 1 ? EF_R_UNMANAGED_IF : EF_R_NO_RULE);
	}
	assert_int_equal(ef_set_ifaces(&T.dp.maps, idx, role, 2), 0);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &ext), DROP, EF_R_NO_RULE);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &in), DROP, EF_R_NO_RULE);
}

static const struct CMUnitTest tests[] = {
	PROG_TEST(test_vlan),
	PROG_TEST(test_truncated_every_offset),
	PROG_TEST(test_ipv4_header_lies),
	PROG_TEST(test_ipv6_ext_headers),
	PROG_TEST(test_ipv6_ext_header_kinds),
	PROG_TEST(test_oversized_frames),
	PROG_TEST(test_ethertypes),
	PROG_TEST(test_addresses_and_flags),
	PROG_TEST(test_nics_managed_or_not),
};

PROG_GROUP(frames_group, "frames",
	   "VLAN, truncation, header lies, IPv6 extension headers, sizes, ethertypes, sanity");
