// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: `edgefw diff` (agent/diff.c).  Small policies, one change at
 * a time; each expected line is what a reviewer reads.  The whole output
 * for realistic changes is in the golden files (test_golden).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "diff.h"
#include "policy.h"
#include "testutil.h"

/* The test's output, and its policies (freed by teardown). */
static struct {
	char *text;
	struct ef_diff_count cnt;
	struct ef_policy *pols[4];
	size_t npols;
} R;

/* printf, then ' -> ": a valid policy, freed by teardown */
__attribute__((format(printf, 2, 3))) static struct ef_policy *pol(const char *file,
								   const char *fmt, ...)
{
	struct ef_policy *p;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vjson(fmt, ap);
	va_end(ap);
	p = valid_policy(file, s);
	free(s);
	assert_true(R.npols < sizeof(R.pols) / sizeof(R.pols[0]));
	R.pols[R.npols++] = p;
	return p;
}

#define NODE1                                                                          \
	"{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"          \
	"'addresses':{'access':['203.0.113.10'],'av':['203.0.113.12','2001:db8::12']," \
	"'internal':['198.18.0.10']}}"
#define NODE2                                                                 \
	"{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'}," \
	"'addresses':{'access':['203.0.113.20'],'internal':['198.18.0.20']}}"
#define R_SIP                                                                          \
	"{'name':'sip-in','interface':'external','direction':'in','service':'access'," \
	"'protocol':'tcp','ports':'5061','peer':'any','note':'SIP in'}"
#define R_INT(peer)                                                                      \
	"{'name':'int-in','interface':'internal','direction':'in','service':'internal'," \
	"'protocol':'tcp','ports':'5061','peer':" peer ",'note':'internal SIP'}"
#define R_MEDIA(tags)                                                                  \
	"{'name':'media-out','interface':'external','direction':'out','service':'av'," \
	"'protocol':'udp','local_ports':'50000-59999','peer':'any','tags':[" tags "]," \
	"'note':'media'}"

static void diff(const struct ef_policy *a, const struct ef_policy *b, const char *node)
{
	size_t len = 0;
	FILE *f;

	free(R.text);
	R.text = NULL;
	f = open_memstream(&R.text, &len);
	assert_non_null(f);
	assert_int_equal(ef_policy_diff(a, b, node, f, &R.cnt), 0);
	fclose(f);
}

static void has(const char *line)
{
	if (!strstr(R.text, line))
		fail_msg("no \"%s\" in:\n%s", line, R.text);
}

static void hasnt(const char *line)
{
	if (strstr(R.text, line))
		fail_msg("\"%s\" in:\n%s", line, R.text);
}

static int teardown(void **state)
{
	(void)state;
	free(R.text);
	for (size_t i = 0; i < R.npols; i++)
		ef_policy_free(R.pols[i]);
	memset(&R, 0, sizeof(R));
	return 0;
}

static void test_same(void **state)
{
	struct ef_policy *a = pol("a.json", "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
					    "'rules':[" R_SIP "," R_INT("'any'") "]}");

	(void)state;
	diff(a, a, NULL);
	assert_int_equal(R.cnt.opens, 0);
	assert_int_equal(R.cnt.closes, 0);
	assert_int_equal(R.cnt.changes, 0);
	assert_string_equal(R.text,
			    "--- a.json (policy t)\n+++ a.json (policy t)\n"
			    "node edge1: no change in what is allowed\n\n"
			    "0 opened, 0 closed: the change allows exactly what it allowed\n");
}

static void test_new_rule_and_port(void **state)
{
	struct ef_policy *a = pol("a.json", "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
					    "'rules':[" R_SIP "]}");
	struct ef_policy *b =
		pol("b.json",
		    "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
		    "'rules':[{'name':'sip-in','interface':'external','direction':'in',"
		    "'service':'access','protocol':'tcp','ports':['5061-5062','5065'],"
		    "'peer':'any','note':'SIP in'},"
		    "{'name':'web','interface':'external','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':['198.51.100.0/24'],'note':'web'}]}");

	(void)state;
	diff(a, b, NULL);
	has("rules: ~ sip-in: ports 5061 -> 5061-5062, 5065\n");
	has("rules: + web\n");
	has("node edge1: opens 2, closes 0\n");
	has("  + opens  external in TCP 5062, 5065 to access 203.0.113.10 from any\n"
	    "           rule sip-in (ports 5061 -> 5061-5062, 5065): SIP in\n");
	has("  + opens  external in TCP 443 to access 203.0.113.10 from 198.51.100.0/24\n"
	    "           rule web (new rule): web\n");
	assert_int_equal(R.cnt.opens, 2);
	/* and back */
	diff(b, a, NULL);
	has("  - closes external in TCP 443 to access 203.0.113.10 from 198.51.100.0/24\n"
	    "           rule web (rule removed): web\n");
	has("  - closes external in TCP 5062, 5065 to access 203.0.113.10 from any\n");
	assert_int_equal(R.cnt.closes, 2);
}

static void test_peer_regions(void **state)
{
	struct ef_policy *a = pol(
		"a.json",
		"{'format':'edgefw/v1','name':'t',"
		"'peers':{'fe':['any'],'admins':['198.18.255.0/28']},"
		"'nodes':[" NODE1 "],'rules':[" R_INT(
			"'fe'") "],"
				"'management':[{'name':'m','interface':'internal','direction':'in',"
				"'service':'internal','protocol':'tcp','ports':'5061','peer':'admins'}]}");
	struct ef_policy *b = pol(
		"b.json",
		"{'format':'edgefw/v1','name':'t',"
		"'peers':{'fe':['198.18.2.0/24'],'admins':['198.18.255.0/28']},"
		"'nodes':[" NODE1 "],'rules':[" R_INT(
			"'fe'") "],"
				"'management':[{'name':'m','interface':'internal','direction':'in',"
				"'service':'internal','protocol':'tcp','ports':'5061','peer':'admins'}]}");
	struct ef_policy *c = pol(
		"c.json",
		"{'format':'edgefw/v1','name':'t',"
		"'peers':{'fe':['198.18.2.0/25','198.18.2.128/25'],'admins':['198.18.255.0/28']},"
		"'nodes':[" NODE1 "],'rules':[" R_INT(
			"'fe'") "],"
				"'management':[{'name':'m','interface':'internal','direction':'in',"
				"'service':'internal','protocol':'tcp','ports':'5061','peer':'admins'}]}");
	struct ef_policy *d = pol(
		"d.json",
		"{'format':'edgefw/v1','name':'t',"
		"'peers':{'fe':['198.18.2.0/25'],'admins':['198.18.255.0/28']},"
		"'nodes':[" NODE1 "],'rules':[" R_INT(
			"'fe'") "],"
				"'management':[{'name':'m','interface':'internal','direction':'in',"
				"'service':'internal','protocol':'tcp','ports':'5061','peer':'admins'}]}");

	(void)state;
	/* the admins still reach 5061 (rule m): not closed for them */
	diff(a, b, NULL);
	has("peers.fe: fe (any) -> fe (198.18.2.0/24)\n");
	has("  - closes internal in TCP 5061 to internal 198.18.0.10 from any except 198.18.2.0/24, "
	    "198.18.255.0/28\n           rule int-in (peer fe (any) -> fe (198.18.2.0/24)): internal SIP\n");
	assert_int_equal(R.cnt.closes, 1);
	/* two halves are the whole: nothing changes */
	diff(b, c, NULL);
	has("peers.fe: fe (198.18.2.0/24) -> fe (198.18.2.0/25, 198.18.2.128/25)\n");
	has("0 opened, 0 closed: the change allows exactly what it allowed\n");
	/* one half */
	diff(b, d, NULL);
	has("  - closes internal in TCP 5061 to internal 198.18.0.10 from 198.18.2.0/24 except "
	    "198.18.2.0/25\n");
	diff(d, a, NULL);
	has("  + opens  internal in TCP 5061 to internal 198.18.0.10 from any except 198.18.2.0/25, "
	    "198.18.255.0/28\n");
}

static void test_tags_and_families(void **state)
{
	struct ef_policy *a = pol("a.json", "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
					    "'rules':[" R_MEDIA("'ocs2007'") "]}");
	struct ef_policy *b =
		pol("b.json", "{'format':'edgefw/v1','name':'t',"
			      "'settings':{'exclude_tags':['ocs2007']},"
			      "'nodes':[" NODE1 "],'rules':[" R_MEDIA("'ocs2007'") "," R_SIP "]}");

	(void)state;
	diff(a, b, NULL);
	has("settings.exclude_tags: [] -> [ocs2007]\n");
	/* one line per address: IPv4 and IPv6 are different groups */
	has("  - closes external out UDP any from av 203.0.113.12 port 50000-59999 to any\n"
	    "           rule media-out (now left out by settings.exclude_tags): media\n");
	has("  - closes external out UDP any from av 2001:db8::12 port 50000-59999 to any\n");
	assert_int_equal(R.cnt.closes, 2);
	diff(b, a, NULL);
	has("  + opens  external out UDP any from av 2001:db8::12 port 50000-59999 to any\n"
	    "           rule media-out (no longer left out by settings.exclude_tags): media\n");
}

static void test_nodes(void **state)
{
	struct ef_policy *a = pol("a.json", "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
					    "'rules':[" R_SIP "]}");
	struct ef_policy *b =
		pol("b.json", "{'format':'edgefw/v1','name':'u','settings':{'mode':'monitor'},"
			      "'nodes':[" NODE1 "," NODE2 "],'rules':[" R_SIP "]}");
	struct ef_policy *c =
		pol("c.json",
		    "{'format':'edgefw/v1','name':'t','nodes':["
		    "{'name':'edge1','interfaces':{'external':['eth1','eth3'],'internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.11'],'internal':['198.18.0.10']}}],"
		    "'rules':[" R_SIP "]}");

	(void)state;
	diff(a, b, NULL);
	has("name: t -> u\n");
	has("settings.mode: enforce -> monitor (nothing is dropped: drops are reported as would-drop)\n");
	has("nodes: + edge2\n");
	has("node edge1: no change in what is allowed\n");
	has("node edge2: opens 1, closes 0\n  + opens  external in TCP 5061 to access 203.0.113.20 from any\n"
	    "           rule sip-in (new node): SIP in\n");
	/* only one node */
	diff(a, b, "edge2");
	hasnt("node edge1");
	has("node edge2: opens 1");
	diff(b, a, NULL);
	has("nodes: - edge2\n");
	has("           rule sip-in (node removed): SIP in\n");
	diff(a, c, NULL);
	has("nodes.edge1.interfaces.external: eth1 -> eth1, eth3\n");
	has("nodes.edge1.addresses.access: 203.0.113.10 -> 203.0.113.11\n");
	has("nodes.edge1.addresses.av: 203.0.113.12, 2001:db8::12 -> none\n");
	has("  + opens  external in TCP 5061 to access 203.0.113.11 from any\n"
	    "           rule sip-in (access addresses 203.0.113.10 -> 203.0.113.11): SIP in\n");
	has("  - closes external in TCP 5061 to access 203.0.113.10 from any\n");
}

/* The first rule in file order is credited, as in the data path: a later
 * rule that only restates opens nothing when the earlier one goes away
 * partially; what stays allowed is not reported. */
static void test_credit_and_overlap(void **state)
{
	struct ef_policy *a =
		pol("a.json",
		    "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
		    "'rules':[" R_SIP ",{'name':'sip-again','interface':'external',"
		    "'direction':'in','service':'access','protocol':'tcp','ports':'5000-5100',"
		    "'peer':'any','note':'wide'}]}");
	struct ef_policy *b =
		pol("b.json",
		    "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
		    "'rules':[{'name':'sip-again','interface':'external',"
		    "'direction':'in','service':'access','protocol':'tcp','ports':'5000-5060',"
		    "'peer':'any','note':'wide'}]}");

	(void)state;
	diff(a, b, NULL);
	has("rules: - sip-in\n");
	has("rules: ~ sip-again: ports 5000-5100 -> 5000-5060\n");
	/* 5061 was sip-in's, 5062-5100 sip-again's */
	has("  - closes external in TCP 5061 to access 203.0.113.10 from any\n"
	    "           rule sip-in (rule removed): SIP in\n");
	has("  - closes external in TCP 5062-5100 to access 203.0.113.10 from any\n"
	    "           rule sip-again (ports 5000-5100 -> 5000-5060): wide\n");
	hasnt("5000-5060 to");
	assert_int_equal(R.cnt.opens, 0);
	assert_int_equal(R.cnt.closes, 2);
}

static void test_out_ports(void **state)
{
	struct ef_policy *a = pol("a.json", "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
					    "'rules':[" R_MEDIA("") "]}");
	struct ef_policy *b =
		pol("b.json",
		    "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],"
		    "'rules':[{'name':'media-out','interface':'external','direction':'out',"
		    "'service':'av','protocol':'udp','ports':'3478','local_ports':'50000-50999',"
		    "'peer':'any','note':'media'}]}");

	(void)state;
	diff(a, b, NULL);
	has("rules: ~ media-out: ports any -> 3478; local_ports 50000-59999 -> 50000-50999\n");
	/* (local 51000-59999, any remote) and (50000-50999, not 3478): by remote port */
	has("  - closes external out UDP 1-3477, 3479-65535 from av 203.0.113.12 port 50000-59999 to any\n");
	has("  - closes external out UDP 3478 from av 203.0.113.12 port 51000-59999 to any\n");
	assert_int_equal(R.cnt.opens, 0);
}

/* Big peer sets: compared whole, written shortened. */
static void test_big_sets(void **state)
{
	char *pa = NULL, *pb = NULL;
	size_t la = 0, lb = 0;
	FILE *fa = open_memstream(&pa, &la), *fb = open_memstream(&pb, &lb);
	struct ef_policy *a, *b;

	(void)state;
	for (int i = 0; i < 40; i++) {
		fprintf(fa, "%s'10.0.%d.0/24'", i ? "," : "", i);
		/* b: the same but the last, and 10.1.0.0/16 */
		if (i < 39)
			fprintf(fb, "%s'10.0.%d.0/24'", i ? "," : "", i);
	}
	fprintf(fb, ",'10.1.0.0/16'");
	fclose(fa);
	fclose(fb);
	a = pol("a.json",
		"{'format':'edgefw/v1','name':'t','peers':{'fe':[%s]},'nodes':[" NODE1 "],"
		"'rules':[" R_INT("'fe'") "]}",
		pa);
	b = pol("b.json",
		"{'format':'edgefw/v1','name':'t','peers':{'fe':[%s]},'nodes':[" NODE1 "],"
		"'rules':[" R_INT("'fe'") "]}",
		pb);
	diff(a, b, NULL);
	has("peers.fe: fe (10.0.0.0/24, 10.0.1.0/24, ");
	has("10.0.15.0/24, ... 40 prefixes) -> fe (10.0.0.0/24, ");
	has(", ... 40 prefixes) (+ 10.1.0.0/16; - 10.0.39.0/24)\n");
	has("rule int-in (peer fe (10.0.0.0/24, ");
	has("  + opens  internal in TCP 5061 to internal 198.18.0.10 from 10.1.0.0/16\n");
	has("  - closes internal in TCP 5061 to internal 198.18.0.10 from 10.0.39.0/24\n");
	/* everything closed: 40 terms, 32 written */
	{
		struct ef_policy *c =
			pol("c.json",
			    "{'format':'edgefw/v1','name':'t','nodes':[" NODE1 "],'rules':[]}");

		diff(a, c, NULL);
	}
	has("10.0.31.0/24; ... 40 prefix terms in all\n");
	hasnt("10.0.32.0/24");
	free(pa);
	free(pb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_same, teardown),
		cmocka_unit_test_teardown(test_new_rule_and_port, teardown),
		cmocka_unit_test_teardown(test_peer_regions, teardown),
		cmocka_unit_test_teardown(test_tags_and_families, teardown),
		cmocka_unit_test_teardown(test_nodes, teardown),
		cmocka_unit_test_teardown(test_credit_and_overlap, teardown),
		cmocka_unit_test_teardown(test_out_ports, teardown),
		cmocka_unit_test_teardown(test_big_sets, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
