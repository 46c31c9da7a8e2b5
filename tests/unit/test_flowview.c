// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `edgefw flows` rows (agent/core/flowview.c): the filters, the line and
 * the JSON object. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flowview.h"
#include "policy.h"

/* a row's key: local:lport <- remote:rport on the NIC of role */
static struct ef_flow_row row(const char *local, unsigned lport, const char *remote, unsigned rport,
			      int proto, int role)
{
	struct ef_flow_row r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(ef_addr_parse(local, &r.k.local), 0);
	assert_int_equal(ef_addr_parse(remote, &r.k.remote), 0);
	r.k.lport = (__u16)lport;
	r.k.rport = (__u16)rport;
	r.k.proto = (__u8)proto;
	r.k.role = (__u8)role;
	r.table = EF_TABLE_TRUSTED;
	return r;
}

/* an inbound TLS flow to access on the external NIC, established */
static struct ef_flow_row tls_row(void)
{
	struct ef_flow_row r =
		row("203.0.113.10", 443, "198.51.100.7", 50123, IPPROTO_TCP, EF_ROLE_EXTERNAL);

	r.f.state = EF_FS_EST;
	r.ifname = "eth1";
	r.service = EF_SVC_ACCESS;
	r.rule = "ext-access-sip-tls-443-in";
	r.age_s = 12;
	r.idle_s = 3;
	r.expires_s = 7197;
	return r;
}

/* an outbound DNS query from the internal address, IPv6 */
static struct ef_flow_row dns6_row(void)
{
	struct ef_flow_row r =
		row("2001:db8:18::10", 41000, "2001:db8:53::53", 53, IPPROTO_UDP, EF_ROLE_INTERNAL);

	r.f.state = EF_FS_OPEN;
	r.f.flags = EF_FLOW_ORIG_OUT;
	r.service = EF_SVC_INTERNAL;
	r.age_s = -1;
	r.expires_s = 120;
	return r;
}

static void no_filter_matches_all(void **state)
{
	struct ef_flow_filter fl;
	struct ef_flow_row a = tls_row(), b = dns6_row();

	(void)state;
	ef_flow_filter_init(&fl);
	assert_true(ef_flow_match(&fl, &a));
	assert_true(ef_flow_match(&fl, &b));
}

/* each criterion picks the row it names and not the other */
static void each_filter(void **state)
{
	struct ef_flow_row a = tls_row(), b = dns6_row();

	(void)state;
	for (int c = 0; c < 10; c++) {
		struct ef_flow_filter fl;

		ef_flow_filter_init(&fl);
		switch (c) {
		case 0: fl.role = EF_ROLE_EXTERNAL; break;
		case 1: fl.ifname = "eth1"; break;
		case 2: fl.service = EF_SVC_ACCESS; break;
		case 3:
			fl.has_prefix = true;
			assert_int_equal(ef_prefix_parse("198.51.100.0/24", &fl.prefix, NULL), 0);
			break;
		case 4:
			fl.has_prefix = true; /* the local address counts too */
			assert_int_equal(ef_prefix_parse("203.0.113.10", &fl.prefix, NULL), 0);
			break;
		case 5: fl.port = 443; break;
		case 6: fl.port = 50123; break; /* the remote port counts too */
		case 7: fl.proto = IPPROTO_TCP; break;
		case 8: fl.rule = "ext-access-sip-tls-443-in"; break;
		case 9: fl.state = EF_FS_EST; break;
		}
		if (!ef_flow_match(&fl, &a) || ef_flow_match(&fl, &b))
			fail_msg("criterion %d", c);
	}
}

static void filters_combine(void **state)
{
	struct ef_flow_filter fl;
	struct ef_flow_row a = tls_row();

	(void)state;
	ef_flow_filter_init(&fl);
	fl.port = 443;
	fl.proto = IPPROTO_UDP;
	assert_false(ef_flow_match(&fl, &a));
	fl.proto = IPPROTO_TCP;
	fl.table = EF_TABLE_UNTRUSTED;
	assert_false(ef_flow_match(&fl, &a));
	fl.table = EF_TABLE_TRUSTED;
	assert_true(ef_flow_match(&fl, &a));
	/* a rule filter never picks a flow without a rule */
	fl.rule = "x";
	a.rule = NULL;
	assert_false(ef_flow_match(&fl, &a));
}

static void icmp_filter_takes_both_families(void **state)
{
	struct ef_flow_filter fl;
	struct ef_flow_row a = dns6_row();

	(void)state;
	ef_flow_filter_init(&fl);
	fl.proto = ef_flow_proto_from_name("icmp");
	a.k.proto = IPPROTO_ICMPV6;
	assert_true(ef_flow_match(&fl, &a));
	assert_int_equal(ef_flow_proto_from_name("sctp"), -1);
}

static char *render(const struct ef_flow_row *r, bool header)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	if (header)
		ef_flow_text_header(f);
	ef_flow_text(f, r);
	fclose(f);
	return out;
}

static void text_line(void **state)
{
	struct ef_flow_row a = tls_row(), b = dns6_row();
	char *s = render(&a, true), *t = render(&b, false);
	const char *want_a[] = { "PROTO",
				 "LOCAL",
				 "EXPIRES",
				 "\ntcp ",
				 " 203.0.113.10:443 ",
				 " access ",
				 " 198.51.100.7:50123 ",
				 " in ",
				 " ext-access-sip-tls-443-in ",
				 " established ",
				 " 12s ",
				 " 3s ",
				 " 7197s ",
				 " trusted ",
				 " eth1\n" };
	const char *want_b[] = { "udp ",       " [2001:db8:18::10]:41000 ",
				 " internal ", " [2001:db8:53::53]:53 ",
				 " out ",      " - ",
				 " open ",     " internal\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(want_a) / sizeof(want_a[0]); i++)
		if (!strstr(s, want_a[i]))
			fail_msg("no \"%s\" in:\n%s", want_a[i], s);
	for (size_t i = 0; i < sizeof(want_b) / sizeof(want_b[0]); i++)
		if (!strstr(t, want_b[i]))
			fail_msg("no \"%s\" in:\n%s", want_b[i], t);
	/* one line each */
	assert_int_equal(strchr(t, '\n') - t, (long)strlen(t) - 1);
	free(s);
	free(t);
}

static void json_object_fields(void **state)
{
	struct ef_flow_row a = tls_row(), b = dns6_row();
	json_object *o = ef_flow_json(&a), *p = ef_flow_json(&b);

	(void)state;
	assert_string_equal(
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		"{\"proto\":\"tcp\",\"family\":4,\"local\":{\"ip\":\"203.0.113.10\","
		"\"port\":443,\"service\":\"access\"},\"remote\":{\"ip\":\"198.51.100.7\","
		"\"port\":50123},\"opened_by\":\"in\",\"rule\":\"ext-access-sip-tls-443-in\","
		"\"state\":\"established\",\"table\":\"trusted\",\"interface\":\"eth1\","
		"\"role\":\"external\",\"age_seconds\":12,\"idle_seconds\":3,"
		"\"expires_in_seconds\":7197,\"flags\":[]}");
	/* unknown: null, never missing */
	assert_string_equal(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
			    "{\"proto\":\"udp\",\"family\":6,\"local\":{\"ip\":\"2001:db8:18::10\","
			    "\"port\":41000,\"service\":\"internal\"},\"remote\":{\"ip\":"
			    "\"2001:db8:53::53\",\"port\":53},\"opened_by\":\"out\",\"rule\":null,"
			    "\"state\":\"open\",\"table\":\"trusted\",\"interface\":null,"
			    "\"role\":\"internal\",\"age_seconds\":null,\"idle_seconds\":0,"
			    "\"expires_in_seconds\":120,\"flags\":[]}");
	json_object_put(o);
	json_object_put(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_filter_matches_all),
		cmocka_unit_test(each_filter),
		cmocka_unit_test(filters_combine),
		cmocka_unit_test(icmp_filter_takes_both_families),
		cmocka_unit_test(text_line),
		cmocka_unit_test(json_object_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
