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
			     .proto = IPPROTO_TCP,
			     .sport = 443,
			     .dport = 40000,
			     .flags = EF_TCP_ACK | EF_TCP_PSH,
			     .payload = payload };
}

/* tcp_data(family, payload) built into buf: its length. */
static size_t tcp_frame(int family, size_t payload, uint8_t *buf)
{
	struct pkt s = tcp_data(family, payload);

	return pkt_build(&s, buf);
}

/* Parse buf[0..readable) of a frame of len bytes, from a heap copy of
 * exactly the readable bytes so that ASan sees any read beyond them. */
static int parse_part(const uint8_t *buf, size_t readable, size_t len, struct ef_pkt *p)
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
		size_t len = tcp_frame(family, 1400, buf);
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
		size_t len = tcp_frame(family, 100, buf);
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
	struct pkt inner = { .family = 4,
			     .src = "203.0.113.10",
			     .dst = "198.51.100.53",
			     .proto = IPPROTO_UDP,
			     .sport = 41000,
			     .dport = 53 };
	struct pkt s = { .family = 4,
			 .src = "198.51.100.1",
			 .dst = inner.src, /* back to the quoted packet's sender */
			 .proto = IPPROTO_ICMP,
			 .icmp_type = 3,
			 .icmp_code = 4 };
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

/*
 * The fast path (ef_parse_fast) is the general parser for the frames it
 * takes: the same reason and the same struct, byte for byte, for frames of
 * every shape it must take or refuse - TCP with and without options, UDP,
 * lengths that lie, fragments, options, tags, IPv6 - truncated at every
 * offset, and random bytes over a valid IPv4 TCP or UDP header.
 */
static void check_same(const uint8_t *buf, size_t readable, size_t len, unsigned *fast)
{
	uint8_t *copy = malloc(readable ? readable : 1);
	struct ef_pkt a, b;
	int ra, rb;

	memcpy(copy, buf, readable);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = ef_parse(copy, copy + readable, (__u32)len, &a);
	rb = ef_parse_general(copy, copy + readable, (__u32)len, &b);
	{
		struct ef_pkt c;

		memset(&c, 0, sizeof(c));
		*fast += (unsigned)ef_parse_fast(copy, copy + readable, (__u32)len, &c);
	}
	free(copy);
	assert_int_equal(ra, rb);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void fast_path_is_the_general_parser(void **state)
{
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 47 };
	unsigned fast = 0, n = 0;
	unsigned long long rnd = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (size_t pi = 0; pi < sizeof(protos) / sizeof(protos[0]); pi++)
		for (int variant = 0; variant < 8; variant++) {
			struct pkt s = tcp_data(variant == 7 ? 6 : 4, (size_t)variant * 5);
			uint8_t buf[PKT_MAX];
			size_t len;

			s.proto = protos[pi];
			s.flags = variant & 1 ? EF_TCP_SYN : EF_TCP_ACK;
			s.vlans = variant == 2;
			s.v4_opt_words = variant == 3;
			s.frag = variant == 4 ? 1 : variant == 5 ? 2 : 0;
			len = pkt_build(&s, buf);
			for (size_t readable = 0; readable <= len; readable++, n++)
				check_same(buf, readable, len, &fast);
			/* lying lengths, TCP data offsets, ihl, version, flags */
			for (int m = 0; m < 4000; m++, n++) {
				uint8_t mut[PKT_MAX];

				memcpy(mut, buf, len);
				for (int k = 0; k < 1 + m % 3; k++) {
					rnd ^= rnd << 13;
					rnd ^= rnd >> 7;
					rnd ^= rnd << 17;
					mut[12 + rnd % (len > 12 ? len - 12 : 1)] =
						(uint8_t)(rnd >> 32);
				}
				check_same(mut, len, len + (m % 5 == 0 ? 0 : (size_t)(m % 7)),
					   &fast);
			}
		}
	print_message("%u frames, %u through the fast path\n", n, fast);
	assert_true(fast > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nonlinear_frame_parses),
		cmocka_unit_test(ip_length_beyond_frame_is_malformed),
		cmocka_unit_test(truncated_at_every_offset),
		cmocka_unit_test(icmp_error_quote),
		cmocka_unit_test(fast_path_is_the_general_parser),
	};

	return cmocka_run_group_tests_name("parser (native)", tests, NULL, NULL);
}
