// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw capture, the pure part: pcapng blocks (agent/core/pcapng.c) read
 * back by a reader written here from the format's definition, and a slot's
 * filter and a packet's comment (agent/core/capview.c).  tcpdump and
 * tshark read real captures in tests/e2e/ops.sh.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "edgefw/addr.h"
#include "capview.h"
#include "pcapng.h"

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* a block's options from off to its end: the value of code (NULL if absent) */
static const uint8_t *option(const uint8_t *b, size_t off, uint16_t code, uint16_t *len)
{
	size_t total = u32(b + 4);

	while (off + 4 <= total - 4) {
		uint16_t c = u16(b + off), l = u16(b + off + 2);

		if (c == 0) {
			assert_int_equal(l, 0);
			assert_int_equal(off + 4, total - 4); /* opt_endofopt ends them */
			return NULL;
		}
		if (c == code) {
			*len = l;
			return b + off + 4;
		}
		off += 4 + ((l + 3u) & ~3u);
	}
	fail_msg("options run past the block");
	return NULL;
}

/* the framing every block shares: lengths equal, a multiple of 4 */
static size_t framed(const uint8_t *b, size_t n, uint32_t type)
{
	assert_true(n >= 12 && n % 4 == 0);
	assert_int_equal(u32(b), type);
	assert_int_equal(u32(b + 4), n);
	assert_int_equal(u32(b + n - 4), n);
	return n;
}

static void shb_and_idb(void **state)
{
	uint8_t b[256];
	size_t n;
	uint16_t l;
	const uint8_t *v;

	(void)state;
	n = framed(b, ef_pcapng_shb(b, sizeof(b), "Linux 6.18", "edgefw 0.1.0"), 0x0A0D0D0A);
	assert_int_equal(u32(b + 8), 0x1A2B3C4D);
	assert_int_equal(u16(b + 12), 1);
	assert_int_equal(u16(b + 14), 0);
	assert_memory_equal(b + 16, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	v = option(b, 24, 4, &l);
	assert_non_null(v);
	assert_int_equal(l, 12);
	assert_memory_equal(v, "edgefw 0.1.0", 12);
	(void)n;

	n = framed(b, ef_pcapng_idb(b, sizeof(b), 1, 2048, "efx0", "edgefw external NIC"), 1);
	assert_int_equal(u16(b + 8), 1);
	assert_int_equal(u32(b + 12), 2048);
	v = option(b, 16, 2, &l);
	assert_non_null(v);
	assert_int_equal(l, 4);
	assert_memory_equal(v, "efx0", 4);
	v = option(b, 16, 9, &l); /* if_tsresol: nanoseconds */
	assert_non_null(v);
	assert_int_equal(l, 1);
	assert_int_equal(v[0], 9);
	/* too small a buffer: 0, never a partial block */
	assert_int_equal(ef_pcapng_idb(b, 20, 1, 2048, "efx0", "edgefw external NIC"), 0);
}

static void epb(void **state)
{
	uint8_t b[256], pkt[61];
	uint64_t ts = 1765000000123456789ull;
	size_t n;
	uint16_t l;
	const uint8_t *v;

	(void)state;
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7);
	n = framed(b, ef_pcapng_epb(b, sizeof(b), 3, ts, pkt, 61, 1500, 2, "edgefw action=drop"),
		   6);
	assert_int_equal(u32(b + 8), 3);
	assert_int_equal(((uint64_t)u32(b + 12) << 32) | u32(b + 16), ts);
	assert_int_equal(u32(b + 20), 61);
	assert_int_equal(u32(b + 24), 1500);
	assert_memory_equal(b + 28, pkt, 61);
	assert_memory_equal(b + 28 + 61, "\0\0\0", 3); /* padded to 32 bits */
	v = option(b, 28 + 64, 1, &l);		       /* opt_comment */
	assert_non_null(v);
	assert_int_equal(l, 18);
	assert_memory_equal(v, "edgefw action=drop", 18);
	v = option(b, 28 + 64, 2, &l);
	assert_non_null(v);
	assert_int_equal(l, 4);
	assert_int_equal(u32(v), 2); /* outbound */
	assert_true(n <= EF_PCAPNG_EPB_MAX(61, 18));
	/* no comment, no flags: just the end of options */
	n = framed(b, ef_pcapng_epb(b, sizeof(b), 0, ts, pkt, 0, 60, 0, NULL), 6);
	assert_int_equal(n, 28 + 4 + 4);
}

static void slot_from_words(void **state)
{
	struct ef_cap_spec sp = { .snaplen = 96, .max_pps = 1000, .ncpus = 2 };
	struct ef_capslot s;
	char err[256];

	(void)state;
	assert_int_equal(ef_capslot_build(&sp, &s, err, sizeof(err)), 0);
	assert_int_equal(s.flags, EF_CAPF_DROP | EF_CAPF_WOULD_DROP);
	assert_int_equal(s.reasons, 0);
	assert_int_equal(s.cpu_pps, 500);
	assert_int_equal(s.snaplen, 96);
	assert_int_equal(s.rule, EF_RULE_NONE);

	sp.reasons = "no-rule,rate-limited";
	sp.addr = "198.51.100.0/24";
	sp.new_flows = true;
	sp.max_pps = 1;
	assert_int_equal(ef_capslot_build(&sp, &s, err, sizeof(err)), 0);
	assert_int_equal(s.reasons, (1ull << EF_R_NO_RULE) | (1ull << EF_R_RATE_LIMITED));
	assert_true(s.flags & EF_CAPF_NEW_FLOW);
	assert_true(s.flags & EF_CAPF_ADDR);
	assert_int_equal(s.cpu_pps, 1); /* never 0 */
	/* ::ffff:198.51.100.0/120, host bits cleared */
	assert_int_equal(s.mask.w[0], 0xffffffffu);
	assert_int_equal(s.mask.w[3], ef_htonl(0xffffff00u));
	assert_int_equal(s.addr.w[2], ef_htonl(0x0000ffffu));
	assert_int_equal(s.addr.w[3], ef_htonl(0xc6336400u));

	sp.addr = "2001:db8:99::/48";
	assert_int_equal(ef_capslot_build(&sp, &s, err, sizeof(err)), 0);
	assert_int_equal(s.mask.w[1], ef_htonl(0xffff0000u));
	assert_int_equal(s.mask.w[2], 0);
	assert_int_equal(s.addr.w[0], ef_htonl(0x20010db8u));
	assert_int_equal(s.addr.w[1], ef_htonl(0x00990000u));

	sp.reasons = "no-rule,bogus";
	assert_int_equal(ef_capslot_build(&sp, &s, err, sizeof(err)), -1);
	assert_string_equal(
		err, "--reason: \"bogus\" is not a reason (the man page lists them under EVENTS)");
	sp.reasons = ",";
	assert_int_equal(ef_capslot_build(&sp, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "--reason: no reason given");
	sp.reasons = NULL;
	sp.addr = "198.51.100.300";
	assert_int_equal(ef_capslot_build(&sp, &s, err, sizeof(err)), -1);
	assert_true(strncmp(err, "--addr: \"198.51.100.300\" is not an address or CIDR (", 52) ==
		    0);
}

static void comments(void **state)
{
	struct ef_caprec r = { .action = EF_ACT_DROP,
			       .reason = EF_R_NO_RULE,
			       .rule = EF_RULE_NONE };
	char c[128];

	(void)state;
	ef_cap_comment(c, sizeof(c), &r, NULL);
	assert_string_equal(c, "edgefw action=drop reason=no-rule");
	r.action = EF_ACT_DROP;
	r.reason = EF_R_RATE_LIMITED;
	r.rule = 7;
	ef_cap_comment(c, sizeof(c), &r, "ext-av-stun-udp-3478-in");
	assert_string_equal(c,
			    "edgefw action=drop reason=rate-limited rule=ext-av-stun-udp-3478-in");
	ef_cap_comment(c, sizeof(c), &r, NULL); /* a rule of another generation */
	assert_string_equal(c, "edgefw action=drop reason=rate-limited rule=#7");
	r.action = EF_ACT_WOULD_DROP;
	r.reason = EF_R_NO_RULE;
	r.rule = EF_RULE_NONE;
	ef_cap_comment(c, sizeof(c), &r, "x");
	assert_string_equal(c, "edgefw action=would-drop reason=no-rule");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shb_and_idb),
		cmocka_unit_test(epb),
		cmocka_unit_test(slot_from_words),
		cmocka_unit_test(comments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
