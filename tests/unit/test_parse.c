// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The packet parser (include/edgefw/parse.h) compiled natively: the same
 * code the BPF programs run.  What BPF_PROG_TEST_RUN cannot show: frames
 * whose readable part is shorter than the frame (a non-linear skb at TC
 * egress), and reads that must stay inside the readable part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "edgefw/parse.h"
#include "pktbuild.h"

static struct pkt tcp_data(int family, size_t payload)
{
	return (struct pkt){ .family = family,
			     .src = family == 4 ? "198.51.100.7" : "2001:db8::7",
			     .dst = family == 4 ? "203.0.113.10" : "2001:db8:10::10",
			     .proto = IPPROTO_TCP, .sport = 443, .dport = 40000,
			     .flags = EF_TCP_ACK | EF_TCP_PSH, .payload = payload };
}

/* Parse buf[0..readable) of a frame of len bytes, from a heap copy of
 * exactly the readable bytes so that ASan sees any read beyond them. */
static int parse_part(const uint8_t *buf, size_t readable, size_t len,
		      struct ef_pkt *p)
{
	uint8_t *copy = malloc(readable ? readable : 1);
	int r;

	memcpy(copy, buf, readable);
	memset(p, 0, sizeof(*p));
	r = ef_parse(copy, copy + readable, (__u32)len, p);
	free(copy);
	return r;
}

/* A data segment whose payload is not in the readable (linear) part parses:
 * the lengths in its headers are checked against the frame. */
static void nonlinear_frame_parses(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		uint8_t buf[PKT_MAX];
		struct pkt s = tcp_data(family, 1400);
		size_t len = pkt_build(&s, buf);
		size_t hdrs = 14 + (family == 4 ? 20 : 40) + 20;
		struct ef_pkt p;

		for (size_t readable = hdrs; readable <= len; readable += 7) {
			assert_int_equal(parse_part(buf, readable, len, &p), EF_R_NONE);
			assert_int_equal(p.proto, IPPROTO_TCP);
			assert_int_equal(p.sport, 443);
			assert_int_equal(p.dport, 40000);
			assert_int_equal(p.tcp_flags, EF_TCP_ACK | EF_TCP_PSH);
		}
		/* headers that are not readable are malformed, never read */
		assert_int_equal(parse_part(buf, hdrs - 1, len, &p), EF_R_MALFORMED);
	}
}

/* A frame shorter than its IP length is malformed, whatever is readable. */
static void ip_length_beyond_frame_is_malformed(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		uint8_t buf[PKT_MAX];
		struct pkt s = tcp_data(family, 100);
		size_t len = pkt_build(&s, buf);
		struct ef_pkt p;

		assert_int_equal(parse_part(buf, len - 1, len - 1, &p), EF_R_MALFORMED);
		/* the addresses are known: a malformed event says whose */
		assert_int_equal(p.family, family);
		assert_int_equal(parse_part(buf, len, len, &p), EF_R_NONE);
	}
}

static void truncated_at_every_offset(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2)
		for (int vlans = 0; vlans <= 2; vlans++) {
			uint8_t buf[PKT_MAX];
			struct pkt s = tcp_data(family, 0);
			size_t len;
			struct ef_pkt p;

			s.vlans = vlans;
			len = pkt_build(&s, buf);
			for (size_t cut = 0; cut < len; cut++)
				assert_int_equal(parse_part(buf, cut, cut, &p), EF_R_MALFORMED);
			assert_int_equal(parse_part(buf, len, len, &p), EF_R_NONE);
		}
}

static void icmp_error_quote(void **state)
{
	uint8_t q[128], buf[PKT_MAX];
	struct pkt inner = { .family = 4, .src = "203.0.113.10", .dst = "198.51.100.53",
			     .proto = IPPROTO_UDP, .sport = 41000, .dport = 53 };
	struct pkt s = { .family = 4, .src = "198.51.100.1", .dst = "203.0.113.10",
			 .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4 };
	struct ef_pkt p;
	size_t len;

	(void)state;
	s.quote = q;
	s.quote_len = pkt_ip(&inner, q);
	len = pkt_build(&s, buf);
	assert_int_equal(parse_part(buf, len, len, &p), EF_R_NONE);
	assert_true(p.inner.valid);
	assert_int_equal(p.inner.proto, IPPROTO_UDP);
	assert_int_equal(p.inner.sport, 41000);
	assert_int_equal(p.inner.dport, 53);
	/* quote cut inside its ports: parsed, but no tuple */
	s.quote_len -= 6;
	len = pkt_build(&s, buf);
	assert_int_equal(parse_part(buf, len, len, &p), EF_R_NONE);
	assert_false(p.inner.valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nonlinear_frame_parses),
		cmocka_unit_test(ip_length_beyond_frame_is_malformed),
		cmocka_unit_test(truncated_at_every_offset),
		cmocka_unit_test(icmp_error_quote),
	};

	return cmocka_run_group_tests_name("parser (native)", tests, NULL, NULL);
}
