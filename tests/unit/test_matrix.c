// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: `edgefw matrix` (agent/matrix.c) on small policies: rows and
 * columns, what is left out and why, covered rules, Markdown.  Every
 * shipped policy's whole matrix is a golden file (test_golden).
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
#include "matrix.h"
#include "policy.h"
#include "testutil.h"

static char *out;

static struct ef_policy *pol(const char *text)
{
	char *s = dquote(strdup(text));
	struct ef_policy *p = valid_policy("m.json", s);

	free(s);
	return p;
}

static int matrix(const struct ef_policy *p, int format, bool refs, const char *node)
{
	struct ef_matrix_opts o = { .format = format, .refs = refs, .node = node };
	struct ef_diag d;
	size_t len = 0;
	FILE *f;
	int rc;

	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	assert_non_null(f);
	ef_diag_init(&d, "m.json");
	rc = ef_policy_matrix(p, &o, f, &d);
	ef_diag_free(&d);
	fclose(f);
	return rc;
}

static void has(const char *s)
{
	if (!strstr(out, s))
		fail_msg("no \"%s\" in:\n%s", s, out);
}

static void hasnt(const char *s)
{
	if (strstr(out, s))
		fail_msg("\"%s\" in:\n%s", s, out);
}

static int teardown(void **state)
{
	(void)state;
	free(out);
	out = NULL;
	return 0;
}

#define POLICY                                                                                         \
	"{'format':'edgefw/v1','name':'m','settings':{'exclude_tags':['old'],'egress':'off'},"         \
	"'peers':{'fe':['198.18.2.0/24'],'admins':['198.18.255.0/28']},"                               \
	"'nodes':[{'name':'edge1','interfaces':{'external':'eth1','internal':['eth0','eth2']},"        \
	"'addresses':{'access':['203.0.113.10','2001:db8::10'],'av':['203.0.113.12'],"                 \
	"'internal':['198.18.0.10']}},"                                                                \
	"{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'},"                          \
	"'addresses':{'access':['203.0.113.20'],'internal':['198.18.0.20']}}],"                        \
	"'rules':["                                                                                    \
	"{'name':'sip','interface':'external','direction':'in','service':'access','protocol':'tcp',"   \
	"'ports':['443','5061'],'peer':'any','note':'SIP | TLS','ref':'T1 row 1'},"                    \
	"{'name':'sip-again','interface':'external','direction':'in','service':'access',"              \
	"'protocol':'tcp','ports':'5061','peer':['198.51.100.0/24'],'restates':'sip','note':'again'}," \
	"{'name':'media','interface':'external','direction':'out','service':'av','protocol':'udp',"    \
	"'local_ports':'50000-59999','peer':'any','note':'media'},"                                    \
	"{'name':'old','interface':'external','direction':'in','service':'av','protocol':'udp',"       \
	"'ports':'50000-59999','peer':'any','tags':['old'],'note':'old media'},"                       \
	"{'name':'fe','interface':'internal','direction':'in','service':'internal','protocol':'tcp',"  \
	"'ports':'5061','peer':'fe','note':'from FE'}],"                                               \
	"'management':[{'name':'ssh','interface':'internal','direction':'in','service':'management',"  \
	"'protocol':'tcp','ports':'22','peer':'admins','note':'SSH'},"                                 \
	"{'name':'rdp','interface':'internal','direction':'in','service':'internal','protocol':'tcp'," \
	"'ports':'3389','peer':'admins','note':'RDP'}]}"

static void test_text(void **state)
{
	struct ef_policy *p = pol(POLICY);

	(void)state;
	assert_int_equal(matrix(p, EF_MATRIX_TEXT, false, NULL), 0);
	has("Port matrix: policy m (m.json)\n"
	    "mode enforce: what the rows below do not allow is dropped\n"
	    "egress off: outbound packets are not checked\n"
	    "ICMP echo to and from the service addresses: allowed (settings.ping)\n");
	has("\n== node edge1\n"
	    "  external eth1: access 203.0.113.10, 2001:db8::10; av 203.0.113.12; "
	    "xmpp 203.0.113.10, 2001:db8::10 (the access addresses)\n"
	    "  internal eth0, eth2: internal 198.18.0.10\n");
	has("\nExternal interface (eth1)\n"
	    "  DIR PROTOCOL/PORT SOURCE                           DESTINATION                       "
	    "RULE              NOTE\n"
	    "  in  TCP 443, 5061 any                              access 203.0.113.10, 2001:db8::10 "
	    "sip               SIP | TLS\n"
	    "  in  TCP 5061      198.51.100.0/24                  access 203.0.113.10, 2001:db8::10 "
	    "sip-again (= sip) again\n"
	    "  out UDP any       av 203.0.113.12 port 50000-59999 any                               "
	    "media             media\n");
	has("\nInternal interface (eth0)\n");
	has("  in  TCP 5061      fe (198.18.2.0/24) internal 198.18.0.10 fe   from FE\n");
	has("\nManagement (no Microsoft table lists it)\n");
	has("  in  TCP 3389      admins (198.18.255.0/28) internal 198.18.0.10 rdp  RDP\n");
	has("\nLeft out on edge1:\n  by settings.exclude_tags: old\n"
	    "  no address of their service on the node: ssh\n");
	/* edge2 has no av: media is left out there */
	has("\n== node edge2\n");
	has("  no address of their service on the node: media, ssh\n");
	ef_policy_free(p);
}

static void test_node_refs_markdown(void **state)
{
	struct ef_policy *p = pol(POLICY);

	(void)state;
	assert_int_equal(matrix(p, EF_MATRIX_TEXT, true, "edge2"), 0);
	hasnt("== node edge1");
	has("== node edge2");
	has(" REF\n");
	has(" T1 row 1\n");
	hasnt("SIP | TLS");
	assert_int_equal(matrix(p, EF_MATRIX_MARKDOWN, false, "edge1"), 0);
	has("# Port matrix: m (m.json)\n\n- mode enforce:");
	has("\n## node edge1\n- external eth1: ");
	has("\n### External interface (eth1)\n\n"
	    "| DIR | PROTOCOL/PORT | SOURCE | DESTINATION | RULE | NOTE |\n"
	    "|---|---|---|---|---|---|\n"
	    "| in | TCP 443, 5061 | any | access 203.0.113.10, 2001:db8::10 | sip | SIP \\| TLS |\n");
	has("\nLeft out on edge1:\n- by settings.exclude_tags: old\n");
	ef_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_text, teardown),
		cmocka_unit_test_teardown(test_node_refs_markdown, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
