// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, the shield (shield.h): per-source limits, the blocks they
 * set and their release, the static block and allow lists, SYN challenges
 * ("always" and "auto").
 */
#include "harness.h"

/* ---- the shield: per-source limits, temporary blocks, static lists ---------- */

/* The test policy with a per-source limit on the Access service's rules. */
static void load_limits_policy(unsigned rate, unsigned burst, unsigned block_s, int v6_prefix)
{
	char *text = test_policy_text("enforce", "enforce", NULL);
	json_object *root = json_tokener_parse(text), *settings, *limits, *l;

	json_object_object_get_ex(root, "settings", &settings);
	limits = json_object_new_object();
	l = json_object_new_object();
	json_object_object_add(l, "new_flows_per_sec", json_object_new_int((int)rate));
	json_object_object_add(l, "burst", json_object_new_int((int)burst));
	json_object_object_add(l, "block_seconds", json_object_new_int((int)block_s));
	json_object_object_add(limits, "access", l);
	json_object_object_add(settings, "limits", limits);
	if (v6_prefix)
		json_object_object_add(settings, "limit_v6_prefix", json_object_new_int(v6_prefix));
	load_policy(json_object_to_json_string(root));
	json_object_put(root);
	free(text);
}

static void test_source_limits(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	struct ef_blocked b;
	union ef_addr a;
	struct verdict v;
	struct timespec ts;
	struct pkt s;
	__u64 now;
	int rule;

	(void)state;
	load_limits_policy(5, 3, 1, 0);
	/* the burst: three new flows at once */
	for (int i = 0; i < 3; i++) {
		s = tcp(4, "198.51.100.70", (uint16_t)(30000 + i), acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		expect(v, PASS, EF_R_RULE);
	}
	rule = v.rule;
	/* the fourth is over the limit: dropped, and the source is blocked */
	counters(before);
	s = tcp(4, "198.51.100.70", 30003, acc, 443, EF_TCP_SYN);
	v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
	expect(v, DROP, EF_R_RATE_LIMITED);
	counters(after);
	assert_int_equal(after[EF_C_SOURCES_BLOCKED] - before[EF_C_SOURCES_BLOCKED], 1);
	assert_int_equal(rule_limited((unsigned)rule), 1);
	ef_addr_parse("198.51.100.70", &a);
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	assert_int_equal(b.rule, rule);
	assert_true(b.until_ns - b.since_ns == 1000000000ull);
	/* blocked at the first lookup: even the flows it already has, on any port */
	s = tcp(4, "198.51.100.70", 30000, acc, 443, EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKED_SOURCE);
	s = tcp(4, "198.51.100.70", 30010, acc, 5061, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKED_SOURCE);
	/* another source is not affected */
	s = tcp(4, "198.51.100.71", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* rules without a limit (A/V) do not count: the other services are open */
	s = udp(4, "198.51.100.72", 30000, svc_addr(EF_SVC_AV, 4), 3478);
	for (int i = 0; i < 10; i++) {
		s.sport = (uint16_t)(31000 + i);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
	/*
	 * Still blocked until its time is up, released from then on.  The
	 * program compares the entry's until_ns with bpf_ktime_get_coarse_ns
	 * (CLOCK_MONOTONIC_COARSE), the clock the entry was stamped with: the
	 * end of the block is set against that clock, 50 ms ahead, and the run
	 * is bracketed by two readings of it, so the assertion never depends
	 * on how long a sleep took (a try the scheduler delays past the end is
	 * made again, not skipped).
	 */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	assert_true(b.since_ns <= now && now - b.since_ns < 10000000000ull);
	for (int i = 0;; i++) {
		assert_true(i < 20);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		b.until_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec + 50000000ull;
		assert_int_equal(bpf_map_update_elem(T.dp.maps.blocked, &a, &b, BPF_ANY), 0);
		s = tcp(4, "198.51.100.70", 30011, acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		if ((__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec < b.until_ns)
			break;
	}
	expect(v, DROP, EF_R_BLOCKED_SOURCE);
	/* and the block is left as it is */
	now = b.until_ns;
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	assert_true(b.until_ns == now);
	/* its time is up now (the program's clock cannot be behind ours):
	 * released, the entry removed, the flows it had pass again */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	b.until_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	assert_int_equal(bpf_map_update_elem(T.dp.maps.blocked, &a, &b, BPF_EXIST), 0);
	s = tcp(4, "198.51.100.70", 30000, acc, 443, EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	assert_int_not_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	/* new flows take tokens again: the bucket, empty since the block,
	 * holds one after 1/5 s (a longer sleep only adds tokens) */
	usleep(250000);
	s = tcp(4, "198.51.100.70", 30012, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* IPv6 sources count per /64: four addresses, one bucket */
	for (int i = 0; i < 4; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8:70::%x", i + 1);
		s = tcp(6, src, 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), i < 3 ? PASS : DROP,
		       i < 3 ? EF_R_RULE : EF_R_RATE_LIMITED);
	}
	ef_addr_parse("2001:db8:70::", &a);
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	s = tcp(6, "2001:db8:70::99", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKED_SOURCE);
	s = tcp(6, "2001:db8:71::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* limit_v6_prefix 128: every address its own bucket */
	flows_clear();
	load_limits_policy(5, 3, 1, 128);
	for (int i = 0; i < 6; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8:72::%x", i + 1);
		s = tcp(6, src, 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
}

/* The bucket refills at the rate: a source at its rate is never blocked. */
static void test_source_limit_rate(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct pkt s;

	(void)state;
	load_limits_policy(20, 2, 300, 0);
	/* 12 new flows at about 10/s (half the rate): all pass */
	for (int i = 0; i < 12; i++) {
		s = tcp(4, "198.51.100.73", (uint16_t)(30000 + i), acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		usleep(100000);
	}
	/* then four at once: the burst of two passes, the next is limited */
	for (int i = 0; i < 4; i++) {
		struct verdict v;

		s = tcp(4, "198.51.100.73", (uint16_t)(31000 + i), acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		if (v.reason == EF_R_RATE_LIMITED) {
			assert_true(i >= 2);
			s.sport = 32000;
			expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP,
			       EF_R_BLOCKED_SOURCE);
			return;
		}
		expect(v, PASS, EF_R_RULE);
	}
	fail_msg("four new flows at once passed a burst of 2");
}

static void test_static_lists(void **state)
{
	static const char *const block[] = { "198.51.100.80/29", "2001:db8:80::/48",
					     "198.51.100.90" };
	static const char *const allow[] = { "198.51.100.81/32", "2001:db8:80:1::/64" };
	const char *acc = svc_addr(EF_SVC_ACCESS, 4), *av = svc_addr(EF_SVC_AV, 4);
	struct pkt s;

	(void)state;
	/* an outbound flow to what becomes a listed address */
	s = udp(4, acc, 41000, "198.51.100.90", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	list_set(EF_LIST_BLOCK, block, 3);
	/* inbound from a listed source: before any rule */
	s = tcp(4, "198.51.100.82", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	s = tcp(6, "2001:db8:80:5::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* outbound to one: also dropped */
	s = udp(4, av, 3478, "198.51.100.83", 3478);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* the existing flow's replies too */
	s = udp(4, "198.51.100.90", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* neighbours outside the prefixes are untouched */
	s = tcp(4, "198.51.100.88", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(6, "2001:db8:81::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* the families never mix: ::/0 blocks no IPv4 source */
	{
		static const char *const all6[] = { "::/0" };

		list_set(EF_LIST_BLOCK, all6, 1);
		s = tcp(4, "198.51.100.82", 30001, acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = tcp(6, "2001:db8:99::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
		list_set(EF_LIST_BLOCK, block, 3);
	}
	/* the allow list exempts from the block list, not from the rules */
	list_set(EF_LIST_ALLOW, allow, 2);
	s = tcp(4, "198.51.100.81", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.81", 30000, acc, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	s = tcp(6, "2001:db8:80:1::7", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.82", 30002, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* removing the entry restores the source */
	list_set(EF_LIST_BLOCK, NULL, 0);
	s = tcp(4, "198.51.100.82", 30003, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* ... and the allow list exempts from the per-source limits */
	load_limits_policy(1, 1, 300, 0);
	for (int i = 0; i < 5; i++) {
		s = tcp(4, "198.51.100.81", (uint16_t)(33000 + i), acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
	s = tcp(4, "198.51.100.84", 33000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s.sport = 33001;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_RATE_LIMITED);
	list_set(EF_LIST_ALLOW, NULL, 0);
}

/* ---- SYN floods: cookie challenges ------------------------------------------- */

static uint16_t csum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The challenge in T.out: a SYN-ACK from (dst, dport) of the SYN s back to
 * (src, sport), same VLAN tags, correct checksums, acknowledging nothing s
 * sent.  Returns its acknowledgment number: the cookie.
 */
static uint32_t check_challenge(const struct pkt *s)
{
	struct ef_pkt p = { 0 };
	const uint8_t *f = T.out;
	size_t l3 = 14 + 4 * (size_t)s->vlans, iplen = s->family == 4 ? 20 : 40;
	const uint8_t *th = f + l3 + iplen;
	union ef_addr a;
	uint32_t sum = 0;

	assert_true(T.tx);
	assert_int_equal(T.out_len, l3 + iplen + 20);
	assert_int_equal(ef_parse(T.out, T.out + T.out_len, (__u32)T.out_len, &p), EF_R_NONE);
	assert_int_equal(p.family, s->family);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_int_equal(p.vlans, s->vlans);
	ef_addr_parse(s->dst, &a);
	assert_memory_equal(&p.src, &a, sizeof(a));
	ef_addr_parse(s->src, &a);
	assert_memory_equal(&p.dst, &a, sizeof(a));
	assert_int_equal(p.sport, s->dport);
	assert_int_equal(p.dport, s->sport);
	assert_int_equal(p.tcp_flags, EF_TCP_SYN | EF_TCP_ACK);
	assert_int_not_equal(p.ack_seq, s->seq + 1);
	/* the MACs swapped, as pktbuild made them */
	assert_int_equal(f[0], 0x02);
	assert_int_equal(f[5], 0x02);
	assert_int_equal(f[6], 0x02);
	assert_int_equal(f[11], 0x01);
	/* checksums */
	if (s->family == 4) {
		assert_int_equal(csum16(f + l3, 20, 0), 0xffff);
		sum = csum16(f + l3 + 12, 8, 0) + IPPROTO_TCP + 20;
	} else {
		sum = csum16(f + l3 + 8, 32, 0) + IPPROTO_TCP + 20;
	}
	assert_int_equal(csum16(th, 20, sum), 0xffff);
	return p.ack_seq;
}

static struct pkt rst_for(const struct pkt *syn, uint32_t seq)
{
	struct pkt r = *syn;

	r.flags = EF_TCP_RST;
	r.seq = seq;
	r.ack = 0;
	return r;
}

static void test_syn_challenge(void **state)
{
	const char *acc4 = svc_addr(EF_SVC_ACCESS, 4), *acc6 = svc_addr(EF_SVC_ACCESS, 6);
	__u64 sent = counter(EF_C_SYNCOOKIES_SENT), bad = counter(EF_C_SYNCOOKIES_BAD);
	struct pkt s, r;
	uint32_t cookie;
	union ef_addr a;
	__u64 until;

	(void)state;
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"always\"}}");
	T.nevents = 0;
	s = tcp(4, "198.51.100.60", 40000, acc4, 443, EF_TCP_SYN);
	s.seq = 123456;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	cookie = check_challenge(&s);
	assert_int_equal(counter(EF_C_SYNCOOKIES_SENT), sent + 1);
	/* no state: no flow, not verified, no event */
	assert_int_equal(ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key)), 0);
	ef_addr_parse("198.51.100.60", &a);
	assert_int_not_equal(
		bpf_map_lookup_elem(bpf_map__fd(T.dp.skel->maps.ef_verified), &a, &until), 0);
	assert_int_equal(T.nevents, 0);
	/* the same SYN again (a retransmission): challenged again */
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	assert_int_equal(check_challenge(&s), cookie);
	/* a RST with the wrong number: nothing (the kernel's cookies carry an
	 * MSS index in their low bits, so a near miss may still be a cookie) */
	r = rst_for(&s, cookie ^ 0x00f0f000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_NO_FLOW);
	assert_int_equal(counter(EF_C_SYNCOOKIES_BAD), bad + 1);
	/* the right number from another source or port: nothing */
	r = rst_for(&s, cookie);
	r.src = "198.51.100.61";
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_NO_FLOW);
	r = rst_for(&s, cookie);
	r.sport = 40001;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_NO_FLOW);
	/* the client's RST (seq = our ack): verified, consumed, no event
	 * (the three misses above were ordinary no-flow drops, with events) */
	assert_int_equal(T.nevents, 3);
	T.nevents = 0;
	r = rst_for(&s, cookie);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_SYN_VERIFIED);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(T.dp.skel->maps.ef_verified), &a, &until),
			 0);
	assert_int_equal(T.nevents, 0);
	/* its retransmitted SYN, and later ones on other ports, pass */
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s.sport = 40002;
	s.dport = 5061;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* IPv6, behind a VLAN tag */
	s = tcp(6, "2001:db8:60::1", 40000, acc6, 443, EF_TCP_SYN);
	s.vlans = 1;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	cookie = check_challenge(&s);
	r = rst_for(&s, cookie);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_SYN_VERIFIED);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* verified per /64, like the limits */
	s.src = "2001:db8:60::2";
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* an IPv4 SYN with options and padding: the reply is cut to size */
	s = tcp(4, "198.51.100.62", 40000, acc4, 443, EF_TCP_SYN);
	s.v4_opt_words = 3;
	s.payload = 40;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	s.v4_opt_words = 0;
	check_challenge(&s);

	/* not on the internal NIC, not for what no rule allows */
	s = tcp(4, sets[1].in4, 40000, svc_addr(EF_SVC_INTERNAL, 4), 5061, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.63", 40000, acc4, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	/* never for an allow-listed source */
	{
		static const char *const allow[] = { "198.51.100.64/31" };

		list_set(EF_LIST_ALLOW, allow, 1);
		s = tcp(4, "198.51.100.65", 40000, acc4, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		list_set(EF_LIST_ALLOW, NULL, 0);
	}
	/* never in monitor mode: it would change traffic */
	load_settings_policy("monitor", "{\"syn_flood\": {\"mode\": \"always\"}}");
	s = tcp(4, "198.51.100.66", 40000, acc4, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
}

/* "auto": challenges only above the threshold of unverified SYNs */
static void test_syn_auto(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct pkt s;
	uint32_t cookie;
	int challenged = 0, passed = 0;
	char src[32];

	(void)state;
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"auto\", \"threshold\": 20}}");
	/* a verified source first */
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"always\"}}");
	s = tcp(4, "198.51.100.69", 40000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	cookie = check_challenge(&s);
	{
		struct pkt r = rst_for(&s, cookie);

		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_SYN_VERIFIED);
	}
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"auto\", \"threshold\": 20}}");
	/* 60 SYNs from new sources, quickly: the first pass, then challenges */
	for (int i = 0; i < 60; i++) {
		struct verdict v;

		snprintf(src, sizeof(src), "198.18.200.%d", i + 1);
		s = tcp(4, src, 40000, acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		if (v.reason == EF_R_SYN_CHALLENGE) {
			challenged++;
		} else {
			expect(v, PASS, EF_R_RULE);
			assert_int_equal(challenged, 0); /* no pass after the first challenge */
			passed++;
		}
	}
	/* 20 or so pass (a window may turn over in between) */
	assert_true(passed >= 20 && passed <= 41);
	assert_true(challenged >= 19);
	/* the verified source is not challenged while it is hot */
	s = tcp(4, "198.51.100.69", 40001, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* and the flood made no flows beyond the ones that passed */
	assert_int_equal(ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key)), passed + 1);
}

static const struct CMUnitTest tests[] = {
	PROG_TEST(test_source_limits), PROG_TEST(test_source_limit_rate),
	PROG_TEST(test_static_lists),  PROG_TEST(test_syn_challenge),
	PROG_TEST(test_syn_auto),
};

PROG_GROUP(shield_group, "shield",
	   "per-source limits and blocks, block and allow lists, SYN challenges");
