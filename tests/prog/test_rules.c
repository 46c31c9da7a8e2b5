// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, rules (match.h, policy.h): what a flow opener meets on
 * every row of the policy.  The port summary by hand (test_seed_table),
 * every row of the shipped policy in IPv4 and IPv6 with its near misses
 * against the oracle (other NIC, protocol, service address, peer, ports
 * just outside), the same for every policy of the library, and what the
 * library's pages say where they differ from the shipped one, by hand.
 */
#include "harness.h"

/* ---- every row of the shipped policy, with near misses -------------------- */

static const char *peer_for(const struct ef_prule *r, int family, bool inside)
{
	const struct ef_peerset *ps = &T.pol->peersets[r->peerset];

	for (size_t i = 0; i < nsets; i++)
		if (!strcmp(ps->name, sets[i].set))
			return family == 4 ? (inside ? sets[i].in4 : sets[i].out4) :
					     (inside ? sets[i].in6 : sets[i].out6);
	return inside ? (family == 4 ? any4 : any6) : NULL;
}

static void row_probes(const struct ef_prule *r, int family)
{
	int hook = r->dir == EF_DIR_IN ? EF_HOOK_INGRESS : EF_HOOK_EGRESS;
	int other_role = r->role == EF_ROLE_EXTERNAL ? EF_ROLE_INTERNAL : EF_ROLE_EXTERNAL;
	int other_proto = r->proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
	const char *local = svc_addr(r->service, family);
	const char *peer = peer_for(r, family, true), *stranger = peer_for(r, family, false);
	unsigned lo = r->ports_any ? 443 : r->ports[0].lo;
	unsigned hi = r->ports_any ? 443 : r->ports[r->nports - 1].hi;
	unsigned lport, rport;
	char what[160];

	snprintf(what, sizeof(what), "rule %s (IPv%d)", r->name, family);
	for (unsigned pi = 0; pi < 3; pi++) {
		unsigned port = pi == 0 ? lo : pi == 1 ? hi : lo + (hi - lo) / 2;

		if (r->dir == EF_DIR_IN) {
			lport = port;
			rport = 40000 + pi;
		} else {
			rport = port;
			lport = r->has_lports ? (pi == 0 ? r->lports.lo :
						 pi == 1 ? r->lports.hi :
							   55555) :
						40000 + pi;
		}
		/* the row itself: must be allowed */
		{
			int idx;

			assert_int_equal(
				oracle(hook, r->role, r->proto, local, lport, peer, rport, &idx),
				EF_R_RULE);
		}
		probe(hook, r->role, family, r->proto, local, lport, peer, rport, what);
		/* wrong interface: the same address arriving on the other NIC */
		probe(hook, other_role, family, r->proto, local, lport, peer, rport, what);
		/* wrong protocol */
		probe(hook, r->role, family, other_proto, local, lport, peer, rport, what);
		/* every other service address of the node */
		for (int s = 0; s < EF_SVC_MAX; s++)
			if (strcmp(svc_addr(s, family), local))
				probe(hook, ef_service_role(s), family, r->proto,
				      svc_addr(s, family), lport, peer, rport, what);
		/* a remote outside the peer set */
		if (stranger)
			probe(hook, r->role, family, r->proto, local, lport, stranger, rport, what);
	}
	/* ports just outside the range */
	if (r->dir == EF_DIR_IN) {
		if (lo > 1)
			probe(hook, r->role, family, r->proto, local, lo - 1, peer, 40000, what);
		if (hi < 65535)
			probe(hook, r->role, family, r->proto, local, hi + 1, peer, 40000, what);
	} else {
		lport = r->has_lports ? r->lports.lo : 40000;
		if (!r->ports_any && lo > 1)
			probe(hook, r->role, family, r->proto, local, lport, peer, lo - 1, what);
		if (!r->ports_any && hi < 65535)
			probe(hook, r->role, family, r->proto, local, lport, peer, hi + 1, what);
		if (r->has_lports) {
			probe(hook, r->role, family, r->proto, local, r->lports.lo - 1, peer, lo,
			      what);
			if (r->lports.hi < 65535)
				probe(hook, r->role, family, r->proto, local, r->lports.hi + 1,
				      peer, lo, what);
		}
	}
}

static void test_every_row_v4(void **state)
{
	(void)state;
	assert_int_equal(T.pol->nrules, 37 + T.pol->nmanagement);
	for (size_t i = 0; i < T.pol->nrules; i++)
		row_probes(&T.pol->rules[i], 4);
}

static void test_every_row_v6(void **state)
{
	(void)state;
	for (size_t i = 0; i < T.pol->nrules; i++)
		row_probes(&T.pol->rules[i], 6);
}

/* ---- the policy library: every row of every topology ------------------------- */

/* Every policy of policies/ besides the shipped one (whose rows the tests
 * above probe), with its number of rows. */
static const struct {
	const char *file;
	size_t rows;
} library[] = {
	{ "policies/lync2013-scaled-edge-dnslb-nat.json", 38 },
	{ "policies/lync2013-scaled-edge-hlb.json", 33 },
	{ "policies/lync2013-single-edge-public.json", 37 },
	{ "policies/lync2013-single-edge-nat.json", 37 },
	{ "policies/lync2013-single-edge-single-ip.json", 37 },
	{ "policies/sfb2015-2019-edge.json", 26 },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", 30 },
};

static void load_library_policy(const char *file)
{
	char *text = policy_text(file, "enforce", "enforce", NULL);

	load_policy(text);
	free(text);
	flows_clear();
}

/* As test_every_row_*, for each policy of the library: every row allowed
 * from inside its peer set, and its near misses (other NIC, protocol,
 * service addresses, peers, ports) as the oracle says, both families. */
static void test_library_every_row(void **state)
{
	DIR *dir = opendir("policies");
	struct dirent *e;
	size_t files = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)))
		files += strstr(e->d_name, ".json") && !strstr(e->d_name, ".schema.") &&
			 !strstr(EF_SHIPPED_POLICY, e->d_name);
	closedir(dir);
	/* a policy added to policies/ must be added here */
	assert_int_equal(files, sizeof(library) / sizeof(library[0]));
	for (size_t i = 0; i < sizeof(library) / sizeof(library[0]); i++) {
		load_library_policy(library[i].file);
		if (T.pol->nrules - T.pol->nmanagement != library[i].rows)
			fail_msg("%s: %zu rows, not %zu", library[i].file,
				 T.pol->nrules - T.pol->nmanagement, library[i].rows);
		for (size_t k = 0; k < T.pol->nrules; k++) {
			row_probes(&T.pol->rules[k], 4);
			row_probes(&T.pol->rules[k], 6);
		}
	}
}

/* What the library's pages say where they differ from the shipped one, by
 * hand, independent of the policy files and of the oracle. */
static const struct library_case {
	const char *file;
	int hook, role, svc, proto;
	unsigned port;	     /* service port (in) or remote port (out) */
	unsigned lport;	     /* out only: local port, 0 = ephemeral */
	const char *remote4; /* NULL: a peer inside every set it might need */
	int pass;
} library_cases[] = {
	/* Skype for Business: no inbound media range; outbound media from it */
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_UDP, 50000, 0, NULL, DROP },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_TCP, 59999, 0, NULL, DROP },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_UDP, 40000, 50000, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_TCP, 443, 59999, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_UDP, 3478, 0, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_XMPP,
	  IPPROTO_TCP, 5269, 0, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL,
	  IPPROTO_TCP, 5062, 0, NULL, PASS },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_AV, IPPROTO_UDP, 55555, 0, NULL, DROP },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", EF_HOOK_EGRESS, EF_ROLE_INTERNAL,
	  EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, NULL, DROP },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_INTERNAL,
	  EF_SVC_INTERNAL, IPPROTO_TCP, 5061, 0, NULL, PASS },
	/* HLB: the VIP rows land on the node's own addresses; internal 443 out */
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_EGRESS, EF_ROLE_INTERNAL,
	  EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, NULL, PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, "203.0.113.130", PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, "198.51.100.130", DROP },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, "203.0.113.130", PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_TCP, 443, 0, "198.51.100.130", PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_UDP, 50000, 0, NULL, PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_INTERNAL,
	  EF_SVC_INTERNAL, IPPROTO_TCP, 5062, 0, NULL, PASS },
	/* one address: Access SIP on 5061, Web Conferencing on 444, A/V on 443 */
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_TCP, 5061, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_TCP, 444, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_UDP, 3478, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_TCP, 445, 0, NULL, DROP },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_UDP, 40000, 50000, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, NULL, DROP },
	/* Gg412756 lists 5269 outbound in its external table */
	{ "policies/lync2013-scaled-edge-dnslb-nat.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_XMPP, IPPROTO_TCP, 5269, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-public.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV,
	  IPPROTO_TCP, 8080, 50000, NULL, PASS },
	{ "policies/lync2013-single-edge-public.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL,
	  EF_SVC_ACCESS, IPPROTO_TCP, 8080, 50000, NULL, DROP },
};

static void test_library_by_hand(void **state)
{
	const char *loaded = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(library_cases) / sizeof(library_cases[0]); i++) {
		const struct library_case *c = &library_cases[i];
		bool in = c->hook == EF_HOOK_INGRESS;
		const char *local = svc_addr(c->svc, 4), *remote = c->remote4;
		unsigned lport = in ? c->port : (c->lport ? c->lport : 40000);
		unsigned rport = in ? 40000 : c->port;
		struct pkt s;
		struct verdict v;

		if (!loaded || strcmp(loaded, c->file))
			load_library_policy(loaded = c->file);
		if (!remote)
			remote = c->role == EF_ROLE_EXTERNAL ? "198.51.100.130" :
				 c->port == 5061	     ? "198.18.2.5" :
				 c->port == 23456	     ? "198.18.1.5" :
							       "198.18.3.10";
		flows_clear();
		s = c->proto == IPPROTO_TCP ?
			    tcp(4, in ? remote : local, (uint16_t)(in ? rport : lport),
				in ? local : remote, (uint16_t)(in ? lport : rport), EF_TCP_SYN) :
			    udp(4, in ? remote : local, (uint16_t)(in ? rport : lport),
				in ? local : remote, (uint16_t)(in ? lport : rport));
		v = run(c->hook, c->role, &s);
		if (v.pass != c->pass)
			fail_msg(
				"library case %zu (%s): %s %s %s port %u local %u from %s: got %s (%s)",
				i, c->file, in ? "in" : "out", ef_service_names[c->svc],
				c->proto == IPPROTO_TCP ? "tcp" : "udp", c->port, lport, remote,
				v.pass ? "pass" : "drop", ef_reason_name(v.reason));
	}
}

/* ---- the port summary, by hand ------------------------------------------------ */

/* Independent of the policy file: what JJ205394 says, probe by probe. */
static const struct seed_case {
	int hook, role, svc, proto;
	unsigned port;	/* service port (in) or remote port (out) */
	unsigned lport; /* out only: local port, 0 = ephemeral */
	int pass;
} seed_cases[] = {
	/* external, inbound */
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5269, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 3478, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 50000, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 59999, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 60000, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 49999, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 5061, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 5061, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 5269, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_UDP, 3478, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 3478, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 80, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 53, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 8057, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 50000, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 23456, 0, DROP },
	/* internal, inbound */
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 23456, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 8057, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5062, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_UDP, 3478, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 4443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50001, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50002, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50003, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50004, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5269, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_UDP, 443, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 80, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 3389, 0, DROP },
	/* external, outbound */
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 80, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 53, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 53, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5269, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 8443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 3478, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 3478, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 50000, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 8080, 59999, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 40000, 50000, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 40000, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 8080, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 8080, 60000, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 5061, 0, DROP },
	/* internal, outbound */
	{ EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5062, 0, DROP },
};

static void test_seed_table(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		for (size_t i = 0; i < sizeof(seed_cases) / sizeof(seed_cases[0]); i++) {
			const struct seed_case *c = &seed_cases[i];
			bool in = c->hook == EF_HOOK_INGRESS;
			/* peers inside every narrowed set they might need */
			const char *remote =
				c->role == EF_ROLE_INTERNAL ?
					(family == 4 ? "198.18.3.10" : "2001:db8:18:3::10") :
					(family == 4 ? "198.51.100.130" : "2001:db8:52::30");
			const char *local = svc_addr(c->svc, family);
			unsigned lport = in ? c->port : (c->lport ? c->lport : 40000);
			unsigned rport = in ? 40000 : c->port;
			struct pkt s;
			struct verdict v;

			if (c->role == EF_ROLE_INTERNAL && c->port == 5061)
				remote = family == 4 ? "198.18.2.5" : "2001:db8:18:2::5";
			if (c->role == EF_ROLE_INTERNAL && c->port == 23456)
				remote = family == 4 ? "198.18.1.5" : "2001:db8:18:1::5";
			flows_clear();
			s = c->proto == IPPROTO_TCP ?
				    tcp(family, in ? remote : local, (uint16_t)(in ? rport : lport),
					in ? local : remote, (uint16_t)(in ? lport : rport),
					EF_TCP_SYN) :
				    udp(family, in ? remote : local, (uint16_t)(in ? rport : lport),
					in ? local : remote, (uint16_t)(in ? lport : rport));
			v = run(c->hook, c->role, &s);
			if (v.pass != c->pass)
				fail_msg(
					"seed case %zu (IPv%d): %s %s %s port %u local %u: got %s (%s)",
					i, family, in ? "in" : "out", ef_service_names[c->svc],
					c->proto == IPPROTO_TCP ? "tcp" : "udp", c->port, lport,
					v.pass ? "pass" : "drop", ef_reason_name(v.reason));
		}
	}
}

/* ---- the address hint: service addresses that share a bucket -------------- */

/*
 * ef_addrhint holds a bucket per hash of an address: empty (not a service
 * address), one address, or several (then ef_addrs decides).  Two access
 * addresses of one bucket are both found; a third address of that bucket,
 * not a service address, is not; and the bucket says "several".
 */
static void test_address_hint_collisions(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	char same[2][INET_ADDRSTRLEN], *text, *p;
	struct ef_addr_hint h;
	union ef_addr a, x;
	int found = 0;
	__u32 idx;
	struct pkt s;

	(void)state;
	assert_int_equal(ef_addr_parse(acc, &a), 0);
	/* in 198.19.0.0/16: about 256 addresses per bucket */
	for (unsigned i = 1; i < 65535 && found < 2; i++) {
		snprintf(same[found], sizeof(same[found]), "198.19.%u.%u", i >> 8, i & 255);
		assert_int_equal(ef_addr_parse(same[found], &x), 0);
		if (ef_addr_hash(&x) == ef_addr_hash(&a))
			found++;
	}
	assert_int_equal(found, 2);
	/* same[0] becomes a second access address; same[1] stays a stranger */
	text = test_policy_text("enforce", "enforce", NULL);
	{
		char quoted[INET_ADDRSTRLEN + 2];
		size_t n = strlen(text) + strlen(same[0]) + 8, at;
		char *t2 = malloc(n);

		snprintf(quoted, sizeof(quoted), "\"%s\"", acc);
		p = strstr(text, quoted); /* the first: the node's access addresses */
		assert_non_null(p);
		at = (size_t)(p - text) + strlen(quoted);

		memcpy(t2, text, at);
		snprintf(t2 + at, n - at, ", \"%s\"%s", same[0], text + at);
		free(text);
		text = t2;
	}
	load_policy(text);
	free(text);
	idx = ef_addr_hint_index(T.epoch, EF_ROLE_EXTERNAL, &a);
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.addrhint, &idx, &h), 0);
	assert_int_equal(h.state, EF_AH_MANY);
	s = tcp(4, any4, 40000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, any4, 40001, same[0], 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, any4, 40002, same[1], 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NOT_SERVICE);
}

static const struct CMUnitTest tests[] = {
	PROG_TEST(test_seed_table),	 PROG_TEST(test_every_row_v4),
	PROG_TEST(test_every_row_v6),	 PROG_TEST(test_library_every_row),
	PROG_TEST(test_library_by_hand), PROG_TEST(test_address_hint_collisions),
};

PROG_GROUP(rules_group, "rules",
	   "the port summary by hand, every row (IPv4, IPv6) and its near misses, the library");
