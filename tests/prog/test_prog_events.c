// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, events (verdict.h): a drop event's fields, and the
 * per-source event rate limit.
 */
#include "harness.h"

/* ---- events ------------------------------------------------------------------- */

static void test_drop_event_fields(void **state)
{
	struct pkt s = tcp(6, any6, 40000, svc_addr(EF_SVC_WEBCONF, 6), 5061, EF_TCP_SYN);
	union ef_addr a;

	(void)state;
	T.nevents = 0;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.family, 6);
	assert_int_equal(T.last_event.proto, IPPROTO_TCP);
	assert_int_equal(T.last_event.sport, 40000);
	assert_int_equal(T.last_event.dport, 5061);
	assert_int_equal(T.last_event.tcp_flags, EF_TCP_SYN);
	assert_int_equal(T.last_event.ifindex, T.ifindex[EF_ROLE_EXTERNAL]);
	assert_int_equal(T.last_event.rule, EF_RULE_NONE);
	assert_int_equal(T.last_event.epoch, T.epoch);
	ef_addr_parse(any6, &a);
	assert_memory_equal(&T.last_event.src, &a, 16);
	/* allowed packets raise no event unless the policy asks */
	s = allowed_syn(4);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	assert_int_equal(T.nevents, 1);
	/* a peer-set drop names the rule whose port matched? no: no rule decided */
	s = tcp(4, "198.18.9.5", 40000, svc_addr(EF_SVC_INTERNAL, 4), 8057, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &s), DROP, EF_R_PEER);
	assert_int_equal(T.last_event.reason, EF_R_PEER);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A flood from one source raises a burst of events, then a counter: every
 * event is either delivered or counted as suppressed, and the bucket
 * refills at the configured rate (10/s).  Bounds allow for the time the
 * loop itself takes (slow under sanitizers). */
static void test_event_rate_limit(void **state)
{
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	const int n = EF_DEF_EVENT_BURST + 30;
	double t0, t1;
	int got;
	struct pkt s;

	(void)state;
	T.nevents = 0;
	counters(before);
	t0 = mono_s();
	for (int i = 0; i < n; i++) {
		s = tcp(4, "198.51.100.66", (uint16_t)(20000 + i), svc_addr(EF_SVC_ACCESS, 4), 8443,
			EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	}
	t1 = mono_s();
	counters(after);
	got = T.nevents;
	assert_int_equal(
		got + (int)(after[EF_C_EVENTS_SUPPRESSED] - before[EF_C_EVENTS_SUPPRESSED]), n);
	assert_true(got >= EF_DEF_EVENT_BURST);
	assert_true(got <= EF_DEF_EVENT_BURST + 1 + (int)((t1 - t0) * EF_DEF_EVENT_RATE));
	assert_true(got < n); /* some were suppressed */
	/* another source is not affected */
	s = tcp(4, "198.51.100.67", 20000, svc_addr(EF_SVC_ACCESS, 4), 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	assert_int_equal(T.nevents, got + 1);
	/* IPv6 sources share a bucket per /64: 55 sources, one bucket */
	got = T.nevents;
	t0 = mono_s();
	for (int i = 0; i < EF_DEF_EVENT_BURST + 5; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8:66::%x", i + 1);
		s = tcp(6, src, 20000, svc_addr(EF_SVC_ACCESS, 6), 8443, EF_TCP_SYN);
		run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
	}
	t1 = mono_s();
	assert_true(T.nevents - got <=
		    EF_DEF_EVENT_BURST + 1 + (int)((t1 - t0) * EF_DEF_EVENT_RATE));
	assert_true(T.nevents - got < EF_DEF_EVENT_BURST + 5);
	/* an exhausted bucket gives about rate * elapsed events */
	s = tcp(4, "198.51.100.66", 30000, svc_addr(EF_SVC_ACCESS, 4), 8443, EF_TCP_SYN);
	for (int i = 0; i < 20; i++)
		run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s); /* drain */
	usleep(350000);
	got = T.nevents;
	t0 = mono_s();
	for (int i = 0; i < 10; i++)
		run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
	t1 = mono_s();
	assert_true(T.nevents - got >= 3); /* 0.35 s at 10/s */
	assert_true(T.nevents - got <= 4 + 1 + (int)((t1 - t0) * EF_DEF_EVENT_RATE));
}

static const struct CMUnitTest tests[] = {
	PROG_TEST(test_drop_event_fields),
	PROG_TEST(test_event_rate_limit),
};

PROG_GROUP(events_group, "events", "drop events and their fields, their rate limit");
