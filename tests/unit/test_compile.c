// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: compilation of a node's policy into map entries
 * (agent/compile.c), without BPF.
 *
 * Besides targeted checks, an oracle expands the compiled ef_ports LPM
 * entries and ef_lists back into a function (dir, role, proto, svcmask,
 * port) -> candidate rules and compares it, for all 65536 ports, with a
 * naive scan of the policy's rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "edgefw/parse.h"
#include "addr.h"
#include "compile.h"
#include "diag.h"
#include "policy.h"
#include "oracle.h"
#include "testutil.h"

#ifndef EF_SHIPPED_POLICY
#define EF_SHIPPED_POLICY "policies/lync2013-scaled-edge-dnslb-public.json"
#endif

#define NPORTS 65536

/* ---- fixture ------------------------------------------------------------- */

static struct {
	struct ef_diag d;
	struct ef_policy *p;
	struct ef_compiled c;
	bool compiled;
} F;

static void reset(void)
{
	if (F.compiled)
		ef_compiled_free(&F.c);
	ef_policy_free(F.p);
	ef_diag_free(&F.d);
	memset(&F, 0, sizeof(F));
}

static int teardown(void **state)
{
	(void)state;
	reset();
	return 0;
}

static void dump(void)
{
	for (int i = 0; i < F.d.n; i++)
		print_error("  %s\n", F.d.msgs[i]);
}

/* Parse (' -> ") a policy that must be valid. */
__attribute__((format(printf, 1, 2))) static void policy(const char *fmt, ...)
{
	va_list ap;
	char *s;

	reset();
	va_start(ap, fmt);
	s = vjson(fmt, ap);
	va_end(ap);
	ef_diag_init(&F.d, "t.json");
	F.p = ef_policy_parse("t.json", s, strlen(s), &F.d);
	free(s);
	if (!F.p || F.d.errors) {
		dump();
		fail_msg("test policy does not parse");
	}
}

static void shipped(const char *exclude_json)
{
	static const char from[] = "\"exclude_tags\": []";
	FILE *f = fopen(EF_SHIPPED_POLICY, "rb");
	char *text, *at, *edited;
	long n;

	reset();
	if (!f)
		fail_msg("cannot open %s (run from the source tree)", EF_SHIPPED_POLICY);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	at = strstr(text, from);
	assert_non_null(at);
	assert_true(asprintf(&edited, "%.*s\"exclude_tags\": %s%s", (int)(at - text), text,
			     exclude_json, at + strlen(from)) > 0);
	free(text);
	ef_diag_init(&F.d, EF_SHIPPED_POLICY);
	F.p = ef_policy_parse(EF_SHIPPED_POLICY, edited, strlen(edited), &F.d);
	free(edited);
	if (!F.p || F.d.errors) {
		dump();
		fail_msg("shipped policy does not parse");
	}
}

static const struct ef_node *node(const char *name)
{
	const struct ef_node *n = ef_policy_node(F.p, name);

	assert_non_null(n);
	return n;
}

static int compile_mode(const char *name, int mode_override)
{
	int rc;

	if (F.compiled)
		ef_compiled_free(&F.c);
	rc = ef_compile(F.p, node(name), mode_override, &F.c, &F.d);
	F.compiled = rc == 0;
	return rc;
}

static void compile(const char *name)
{
	if (compile_mode(name, -1) != 0) {
		dump();
		fail_msg("ef_compile failed for node %s", name);
	}
}

#define NODE_EDGE1                                                            \
	"{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'}," \
	"'addresses':{'access':['203.0.113.10'],'webconf':['203.0.113.11'],"  \
	"'av':['203.0.113.12'],'internal':['198.18.0.10']}}"

/* in/out rule on a service, with extra members */
#define RULE(name, iface, dir, svc, proto, extra)                           \
	"{'name':'" name "','interface':'" iface "','direction':'" dir "'," \
	"'service':'" svc "','protocol':'" proto "'," extra "}"
#define EXT_IN(name, svc, proto, ports) \
	RULE(name, "external", "in", svc, proto, "'ports':" ports ",'peer':'any'")

static void one_node(const char *rules)
{
	policy("{'format':'edgefw/v1','name':'t','nodes':[" NODE_EDGE1 "],'rules':[%s]}", rules);
}

/* Node edge1 (eth1 external, eth0 internal) with these addresses alone and
 * no rules, compiled. */
static void compile_edge1_addresses(const char *addresses)
{
	policy("{'format':'edgefw/v1','name':'t','nodes':[{'name':'edge1',"
	       "'interfaces':{'external':'eth1','internal':'eth0'},'addresses':{%s}}],'rules':[]}",
	       addresses);
	compile("edge1");
}

static uint16_t svc(int s)
{
	return (uint16_t)(1u << s);
}

/* Minimal number of aligned prefixes covering [lo, hi]: split the trie. */
static unsigned min_cover(unsigned lo, unsigned hi, unsigned base, unsigned size)
{
	if (hi < base || lo > base + size - 1)
		return 0;
	if (lo <= base && base + size - 1 <= hi)
		return 1;
	return min_cover(lo, hi, base, size / 2) + min_cover(lo, hi, base + size / 2, size / 2);
}

/* ---- lookups in the compiled form ---------------------------------------- */

static const struct ef_addr_entry *addr_entry(const char *a, int role)
{
	union ef_addr x;

	assert_int_equal(ef_addr_parse(a, &x), 0);
	for (size_t i = 0; i < F.c.naddrs; i++)
		if (F.c.addrs[i].k.role == role && memcmp(&F.c.addrs[i].k.addr, &x, 16) == 0)
			return &F.c.addrs[i];
	return NULL;
}

static int rule_id(const char *name)
{
	for (size_t i = 0; i < F.c.nrules; i++)
		if (strcmp(ef_compiled_rule_name(&F.c, (unsigned)i), name) == 0)
			return (int)i;
	return -1;
}

static const struct ef_rule *crule(const char *name)
{
	int id = rule_id(name);

	if (id < 0)
		fail_msg("rule %s not compiled", name);
	return &F.c.rules[id];
}

/*
 * Expand the port entries of one group into port -> list id (-1: none).
 * Checks what the LPM layout promises: keys are well formed, prefixes are
 * aligned, and no two entries cover the same port.  Returns the number of
 * entries in the group.
 */
static size_t expand(int dir, int role, int proto, uint16_t mask, int32_t *out)
{
	size_t n = 0;

	for (unsigned p = 0; p < NPORTS; p++)
		out[p] = -1;
	for (size_t i = 0; i < F.c.nports; i++) {
		const struct ef_port_entry *e = &F.c.ports[i];
		unsigned bits, port, size;

		if (e->k.dir != dir || e->k.role != role || e->k.proto != proto ||
		    e->k.svcmask != mask)
			continue;
		n++;
		assert_int_equal(e->k.slot, 0);
		assert_true(e->k.prefixlen >= EF_PORT_KEY_FIXED_BITS);
		bits = e->k.prefixlen - EF_PORT_KEY_FIXED_BITS;
		assert_true(bits <= 16);
		port = ntohs(e->k.port_be);
		size = 1u << (16 - bits);
		if (port & (size - 1))
			fail_msg("entry %zu: port %u not aligned to /%u", i, port, bits);
		assert_true(e->v.list < F.c.nlists);
		for (unsigned p = port; p < port + size; p++) {
			if (out[p] >= 0)
				fail_msg("port %u covered by two entries", p);
			out[p] = (int32_t)e->v.list;
		}
	}
	return n;
}

/* The rule names of the list at port (compiled side), "" when none. */
static void list_names(const int32_t *m, unsigned port, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	if (m[port] < 0)
		return;
	for (unsigned k = 0; k < F.c.lists[m[port]].n; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? "," : "",
				      ef_compiled_rule_name(&F.c, F.c.lists[m[port]].rule[k]));
}

/* ---- the oracle: a naive reading of the policy ----------------------------- */

/* A node's addresses for a service, re-derived here (xmpp -> access). */
static const struct ef_addrlist *naive_addrs(const struct ef_node *n, int s)
{
	if (s == EF_SVC_XMPP && !n->addrs[EF_SVC_XMPP].present)
		return &n->addrs[EF_SVC_ACCESS];
	return &n->addrs[s];
}

static bool naive_excluded(const struct ef_policy *p, const struct ef_prule *r)
{
	for (size_t i = 0; i < r->ntags; i++)
		for (size_t t = 0; t < p->settings.nexclude_tags; t++)
			if (!strcmp(r->tags[i], p->settings.exclude_tags[t]))
				return true;
	return false;
}

/* Policy indices of the rules that apply, in policy order. */
static int naive_list(const struct ef_node *n, int dir, int role, int proto, uint16_t mask,
		      unsigned port, int *out)
{
	int k = 0;

	for (size_t i = 0; i < F.p->nrules; i++) {
		const struct ef_prule *r = &F.p->rules[i];

		if (naive_excluded(F.p, r) || naive_addrs(n, r->service)->n == 0)
			continue;
		if (r->dir != dir || r->role != role || r->proto != proto ||
		    !(mask & (1u << r->service)) || !oracle_in_ranges(r, port))
			continue;
		out[k++] = (int)i;
	}
	return k;
}

struct naive_addr {
	int role;
	union ef_addr a;
	uint16_t mask;
};

/* (role, address) -> service mask, from the node alone. */
static size_t naive_addr_table(const struct ef_node *n, struct naive_addr *t, size_t max)
{
	size_t nt = 0;

	for (int s = 0; s < EF_SVC_MAX; s++) {
		const struct ef_addrlist *l = naive_addrs(n, s);
		int role = s == EF_SVC_INTERNAL ? EF_ROLE_INTERNAL : EF_ROLE_EXTERNAL;

		for (size_t i = 0; i < l->n; i++) {
			size_t k;

			for (k = 0; k < nt; k++)
				if (t[k].role == role && !memcmp(&t[k].a, &l->a[i], 16))
					break;
			if (k == nt) {
				assert_true(nt < max);
				t[nt].role = role;
				t[nt].a = l->a[i];
				t[nt].mask = 0;
				nt++;
			}
			t[k].mask |= (uint16_t)(1u << s);
		}
	}
	return nt;
}

/*
 * Compare the compiled node with the naive reading: address entries,
 * compiled rules and their flags, and candidate lists for every group the
 * data path can look up and every port.
 */
static void oracle_check(const char *node_name)
{
	static int32_t m[NPORTS];
	static const int protos[2] = { IPPROTO_TCP, IPPROTO_UDP };
	const struct ef_node *n = node(node_name);
	struct naive_addr t[64];
	size_t nt = naive_addr_table(n, t, 64), nrules = 0, seen_entries = 0;
	uint16_t masks[EF_ROLE_MAX][64];
	size_t nmasks[EF_ROLE_MAX] = { 0, 0 };

	/* address entries */
	assert_int_equal(F.c.naddrs, nt);
	for (size_t i = 0; i < nt; i++) {
		char buf[EF_ADDRSTRLEN];
		const struct ef_addr_entry *e =
			addr_entry(ef_addr_fmt(&t[i].a, buf, sizeof(buf)), t[i].role);
		size_t k;

		if (!e)
			fail_msg("no address entry for %s", buf);
		assert_int_equal(e->v.svcmask, t[i].mask);
		for (k = 0; k < nmasks[t[i].role] && masks[t[i].role][k] != t[i].mask; k++)
			;
		if (k == nmasks[t[i].role])
			masks[t[i].role][nmasks[t[i].role]++] = t[i].mask;
	}

	/* compiled rules: exactly the usable ones, in policy order */
	for (size_t i = 0; i < F.p->nrules; i++) {
		const struct ef_prule *r = &F.p->rules[i];
		const struct ef_rule *cr;

		if (naive_excluded(F.p, r) || naive_addrs(n, r->service)->n == 0)
			continue;
		assert_true(nrules < F.c.nrules);
		assert_int_equal(F.c.rule_src[nrules], (int)i);
		cr = &F.c.rules[nrules];
		assert_int_equal(!!(cr->flags & EF_RULEF_LOG), r->log);
		assert_int_equal(!!(cr->flags & EF_RULEF_LPORTS), r->has_lports);
		assert_int_equal(!!(cr->flags & EF_RULEF_PEER_ANY), F.p->peersets[r->peerset].any);
		if (r->has_lports) {
			assert_int_equal(cr->lport_lo, r->lports.lo);
			assert_int_equal(cr->lport_hi, r->lports.hi);
		}
		nrules++;
	}
	assert_int_equal(F.c.nrules, nrules);

	/* candidate lists, every group, every port */
	for (int role = 0; role < EF_ROLE_MAX; role++)
		for (size_t mi = 0; mi < nmasks[role]; mi++)
			for (int dir = 0; dir < 2; dir++)
				for (int pi = 0; pi < 2; pi++) {
					uint16_t mask = masks[role][mi];

					seen_entries += expand(dir, role, protos[pi], mask, m);
					for (unsigned port = 0; port < NPORTS; port++) {
						int want[64], nw;
						const struct ef_rule_list *l;
						char got[512];

						nw = naive_list(n, dir, role, protos[pi], mask,
								port, want);
						assert_true(nw <= EF_LIST_MAX);
						l = m[port] >= 0 ? &F.c.lists[m[port]] : NULL;
						if ((l ? l->n : 0) == nw) {
							int k;

							for (k = 0; k < nw; k++)
								if (F.c.rule_src[l->rule[k]] !=
								    want[k])
									break;
							if (k == nw)
								continue;
						}
						list_names(m, port, got, sizeof(got));
						print_error("naive:");
						for (int k = 0; k < nw; k++)
							print_error(" %s",
								    F.p->rules[want[k]].name);
						print_error("\n");
						fail_msg(
							"node %s %s %s %s mask 0x%x port %u: compiled [%s]",
							node_name, ef_role_names[role],
							dir ? "out" : "in",
							protos[pi] == IPPROTO_TCP ? "tcp" : "udp",
							mask, port, got);
					}
				}
	/* and nothing the data path could never look up */
	assert_int_equal(seen_entries, F.c.nports);

	/* lists are well formed and all distinct */
	for (size_t i = 0; i < F.c.nlists; i++) {
		const struct ef_rule_list *l = &F.c.lists[i];

		assert_true(l->n >= 1 && l->n <= EF_LIST_MAX);
		for (unsigned k = 0; k < l->n; k++) {
			assert_true(l->rule[k] < F.c.nrules);
			if (k)
				assert_true(l->rule[k - 1] < l->rule[k]);
		}
		for (unsigned k = l->n; k < EF_LIST_MAX; k++)
			assert_int_equal(l->rule[k], 0);
		for (size_t j = 0; j < i; j++)
			assert_memory_not_equal(l, &F.c.lists[j], sizeof(*l));
	}
}

/* edge1 compiled; into m (NPORTS) the list of each port, external in TCP
 * to the access address (the access and xmpp services), -1 none: expand. */
static size_t compile_access_in(int32_t *m)
{
	compile("edge1");
	return expand(EF_DIR_IN, EF_ROLE_EXTERNAL, IPPROTO_TCP,
		      svc(EF_SVC_ACCESS) | svc(EF_SVC_XMPP), m);
}

/* The entry of address a on role: there, for exactly the services mask. */
static const struct ef_addr_entry *want_addr(const char *a, int role, unsigned mask)
{
	const struct ef_addr_entry *e = addr_entry(a, role);

	assert_non_null(e);
	assert_int_equal(e->v.svcmask, mask);
	return e;
}

/* ==== addresses ============================================================== */

static void addr_access_xmpp_share_one_entry(void **state)
{
	const struct ef_addr_entry *e;

	(void)state;
	one_node("");
	compile("edge1");
	e = want_addr("203.0.113.10", EF_ROLE_EXTERNAL, svc(EF_SVC_ACCESS) | svc(EF_SVC_XMPP));
	assert_int_equal(e->k.slot, 0);
	assert_int_equal(F.c.naddrs, 4);
}

static void addr_access_xmpp_listed_both_one_entry(void **state)
{
	(void)state;
	compile_edge1_addresses("'access':['203.0.113.10'],'xmpp':['203.0.113.10']");
	assert_int_equal(F.c.naddrs, 1);
	want_addr("203.0.113.10", EF_ROLE_EXTERNAL, svc(EF_SVC_ACCESS) | svc(EF_SVC_XMPP));
}

static void addr_xmpp_empty_list_no_xmpp_bit(void **state)
{
	(void)state;
	compile_edge1_addresses("'access':['203.0.113.10'],'xmpp':[]");
	assert_int_equal(F.c.naddrs, 1);
	want_addr("203.0.113.10", EF_ROLE_EXTERNAL, svc(EF_SVC_ACCESS));
}

static void addr_role_per_service(void **state)
{
	(void)state;
	one_node("");
	compile("edge1");
	want_addr("203.0.113.11", EF_ROLE_EXTERNAL, svc(EF_SVC_WEBCONF));
	want_addr("203.0.113.12", EF_ROLE_EXTERNAL, svc(EF_SVC_AV));
	want_addr("198.18.0.10", EF_ROLE_INTERNAL, svc(EF_SVC_INTERNAL));
	assert_null(addr_entry("198.18.0.10", EF_ROLE_EXTERNAL));
	assert_null(addr_entry("203.0.113.10", EF_ROLE_INTERNAL));
}

static void addr_xmpp_own_address(void **state)
{
	(void)state;
	compile_edge1_addresses("'access':['203.0.113.10'],'xmpp':['203.0.113.14','2001:db8::14']");
	assert_int_equal(F.c.naddrs, 3);
	want_addr("203.0.113.10", EF_ROLE_EXTERNAL, svc(EF_SVC_ACCESS));
	want_addr("203.0.113.14", EF_ROLE_EXTERNAL, svc(EF_SVC_XMPP));
	want_addr("2001:db8::14", EF_ROLE_EXTERNAL, svc(EF_SVC_XMPP));
}

static void addr_entries_of_this_node_only(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','nodes':[" NODE_EDGE1 ","
	       "{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'},"
	       "'addresses':{'access':['203.0.113.20'],'internal':['198.18.0.20']}}],'rules':[]}");
	compile("edge2");
	assert_int_equal(F.c.naddrs, 2);
	assert_non_null(addr_entry("203.0.113.20", EF_ROLE_EXTERNAL));
	assert_non_null(addr_entry("198.18.0.20", EF_ROLE_INTERNAL));
	assert_null(addr_entry("203.0.113.10", EF_ROLE_EXTERNAL));
}

/* ==== interfaces and cfg ====================================================== */

static void ifaces_carry_roles(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','nodes':[{'name':'edge1',"
	       "'interfaces':{'external':['eth1','eth2'],'internal':'eth0'},"
	       "'addresses':{'access':['203.0.113.10']}}],'rules':[]}");
	compile("edge1");
	assert_int_equal(F.c.nifaces, 3);
	assert_string_equal(F.c.ifaces[0].ifname, "eth1");
	assert_int_equal(F.c.ifaces[0].role, EF_ROLE_EXTERNAL);
	assert_string_equal(F.c.ifaces[1].ifname, "eth2");
	assert_int_equal(F.c.ifaces[1].role, EF_ROLE_EXTERNAL);
	assert_string_equal(F.c.ifaces[2].ifname, "eth0");
	assert_int_equal(F.c.ifaces[2].role, EF_ROLE_INTERNAL);
}

static void cfg_defaults(void **state)
{
	(void)state;
	one_node("");
	compile("edge1");
	assert_int_equal(F.c.cfg.mode, EF_MODE_ENFORCE);
	assert_int_equal(F.c.cfg.egress, EF_MODE_ENFORCE);
	assert_int_equal(F.c.cfg.flags, EF_CFGF_PING);
	assert_true(F.c.cfg.timeout_ns[EF_TO_TCP_SYN] == 30ull * 1000000000ull);
	assert_true(F.c.cfg.timeout_ns[EF_TO_TCP_EST] == 7440ull * 1000000000ull);
	assert_true(F.c.cfg.timeout_ns[EF_TO_TCP_CLOSING] == 60ull * 1000000000ull);
	assert_true(F.c.cfg.timeout_ns[EF_TO_UDP] == 120ull * 1000000000ull);
	assert_true(F.c.cfg.timeout_ns[EF_TO_ICMP] == 30ull * 1000000000ull);
	assert_true(F.c.cfg.timeout_ns[EF_TO_FRAGMENT] == 10ull * 1000000000ull);
	for (int i = 0; i < 5; i++)
		assert_int_equal(F.c.cfg.pad[i], 0);
}

static void cfg_from_settings(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','settings':{'mode':'monitor','egress':'off',"
	       "'ping':false,'log_allowed':true,'timeouts':{'tcp_established':2592000,'udp':1}},"
	       "'nodes':[" NODE_EDGE1 "],'rules':[]}");
	compile("edge1");
	assert_int_equal(F.c.cfg.mode, EF_MODE_MONITOR);
	assert_int_equal(F.c.cfg.egress, EF_MODE_OFF);
	assert_int_equal(F.c.cfg.flags, EF_CFGF_LOG_ALLOW);
	assert_true(F.c.cfg.timeout_ns[EF_TO_TCP_EST] == 2592000ull * 1000000000ull);
	assert_true(F.c.cfg.timeout_ns[EF_TO_UDP] == 1000000000ull);
}

static void cfg_ping_and_log_allowed_flags(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','settings':{'ping':true,'log_allowed':true},"
	       "'nodes':[" NODE_EDGE1 "],'rules':[]}");
	compile("edge1");
	assert_int_equal(F.c.cfg.flags, EF_CFGF_PING | EF_CFGF_LOG_ALLOW);
}

static void cfg_mode_override(void **state)
{
	(void)state;
	one_node("");
	assert_int_equal(compile_mode("edge1", EF_MODE_MONITOR), 0);
	assert_int_equal(F.c.cfg.mode, EF_MODE_MONITOR);
	assert_int_equal(F.c.cfg.egress, EF_MODE_ENFORCE); /* egress is separate */
}

static void cfg_mode_override_enforce_beats_monitor(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','settings':{'mode':'monitor'},"
	       "'nodes':[" NODE_EDGE1 "],'rules':[]}");
	assert_int_equal(compile_mode("edge1", EF_MODE_ENFORCE), 0);
	assert_int_equal(F.c.cfg.mode, EF_MODE_ENFORCE);
	assert_int_equal(compile_mode("edge1", -1), 0);
	assert_int_equal(F.c.cfg.mode, EF_MODE_MONITOR);
}

/* ==== rules ==================================================================== */

static void rule_flags_peer_any(void **state)
{
	(void)state;
	one_node(EXT_IN("r0", "access", "tcp", "'443'"));
	compile("edge1");
	assert_int_equal(F.c.nrules, 1);
	assert_int_equal(crule("r0")->flags, EF_RULEF_PEER_ANY);
	assert_int_equal(F.c.nsets, 0);
	assert_int_equal(F.c.npeers, 0);
}

static void rule_flags_log(void **state)
{
	(void)state;
	one_node(RULE("r0", "external", "in", "access", "tcp",
		      "'ports':'443','peer':'any','log':true"));
	compile("edge1");
	assert_int_equal(crule("r0")->flags, EF_RULEF_PEER_ANY | EF_RULEF_LOG);
}

static void rule_flags_lports(void **state)
{
	const struct ef_rule *r;

	(void)state;
	one_node(RULE("r0", "external", "out", "av", "udp",
		      "'local_ports':'50000-59999','peer':['198.51.100.0/24']"));
	compile("edge1");
	r = crule("r0");
	assert_int_equal(r->flags, EF_RULEF_LPORTS);
	assert_int_equal(r->lport_lo, 50000);
	assert_int_equal(r->lport_hi, 59999);
	assert_int_equal(r->peerset, 0);
}

static void rule_without_lports_has_zero_bounds(void **state)
{
	const struct ef_rule *r;

	(void)state;
	one_node(RULE("r0", "external", "out", "av", "udp", "'ports':'3478','peer':'any'"));
	compile("edge1");
	r = crule("r0");
	assert_false(r->flags & EF_RULEF_LPORTS);
	assert_int_equal(r->lport_lo, 0);
	assert_int_equal(r->lport_hi, 0);
}

static void rule_ids_follow_policy_order(void **state)
{
	(void)state;
	one_node(EXT_IN("a", "access", "tcp", "'443'") "," EXT_IN(
		"b", "av", "udp", "'3478'") "," EXT_IN("c", "webconf", "tcp", "'443'"));
	compile("edge1");
	assert_int_equal(F.c.nrules, 3);
	assert_string_equal(ef_compiled_rule_name(&F.c, 0), "a");
	assert_string_equal(ef_compiled_rule_name(&F.c, 1), "b");
	assert_string_equal(ef_compiled_rule_name(&F.c, 2), "c");
	assert_null(ef_compiled_rule_name(&F.c, 3));
	assert_null(ef_compiled_rule_name(&F.c, EF_RULE_NONE));
	assert_int_equal(F.c.rule_src[2], 2);
}

static void exclude_tags_remove_rules(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','settings':{'exclude_tags':['old']},"
	       "'nodes':[" NODE_EDGE1 "],'rules':[" EXT_IN("a", "access", "tcp", "'443'") "," RULE(
		       "b", "external", "in", "av", "udp",
		       "'ports':'3478','peer':'any','tags':['x','old']") "," EXT_IN("c", "webconf",
										    "tcp",
										    "'443'") "]}");
	compile("edge1");
	assert_int_equal(F.c.nrules, 2);
	assert_int_equal(rule_id("b"), -1);
	assert_int_equal(F.c.rule_src[0], 0);
	assert_int_equal(F.c.rule_src[1], 2);
	/* av has no rule left, so nothing for it in ef_ports */
	for (size_t i = 0; i < F.c.nports; i++)
		assert_int_not_equal(F.c.ports[i].k.svcmask, svc(EF_SVC_AV));
	oracle_check("edge1");
}

static void rule_for_missing_service_left_out(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','nodes':[" NODE_EDGE1 ","
	       "{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'},"
	       "'addresses':{'access':['203.0.113.20'],'internal':['198.18.0.20']}}],'rules':[" EXT_IN(
		       "web", "webconf", "tcp", "'443'") "," EXT_IN("sip", "access", "tcp",
								    "'5061'") "]}");
	compile("edge2");
	assert_int_equal(F.c.nrules, 1);
	assert_string_equal(ef_compiled_rule_name(&F.c, 0), "sip");
	assert_int_equal(F.c.rule_src[0], 1);
	oracle_check("edge2");
	compile("edge1");
	assert_int_equal(F.c.nrules, 2);
}

static void xmpp_rule_uses_access_address(void **state)
{
	static int32_t m[NPORTS];

	(void)state;
	one_node(EXT_IN("x", "xmpp", "tcp", "'5269'"));
	assert_int_equal(compile_access_in(m), 1);
	assert_int_equal(F.c.nrules, 1);
	assert_true(m[5269] >= 0);
	assert_int_equal(F.c.nports, 1);
}

/* ==== peers ===================================================================== */

static const struct ef_peer_key *peer_key(unsigned set, const char *addr, unsigned len)
{
	union ef_addr a;

	assert_int_equal(ef_addr_parse(addr, &a), 0);
	for (size_t i = 0; i < F.c.npeers; i++)
		if (F.c.peers[i].set == set && F.c.peers[i].prefixlen == len &&
		    memcmp(&F.c.peers[i].addr, &a, 16) == 0)
			return &F.c.peers[i];
	return NULL;
}

static void peer_set_becomes_keys(void **state)
{
	const struct ef_peer_key *k;

	(void)state;
	policy("{'format':'edgefw/v1','name':'t','peers':{'fe':['198.18.10.0/24','2001:db8::/32',"
	       "'198.51.100.7','0.0.0.0/0']},'nodes':[" NODE_EDGE1
	       "],'rules':[" RULE("r0", "internal", "in", "internal", "tcp",
				  "'ports':'8057','peer':'fe'") "]}");
	compile("edge1");
	assert_int_equal(F.c.nsets, 1);
	assert_int_equal(F.c.npeers, 4);
	k = peer_key(0, "198.18.10.0", 32 + 96 + 24);
	assert_non_null(k);
	assert_int_equal(k->slot, 0);
	assert_int_equal(k->family, 4);
	assert_int_equal(peer_key(0, "2001:db8::", 32 + 32)->family, 6);
	assert_non_null(peer_key(0, "2001:db8::", 32 + 32));
	assert_non_null(peer_key(0, "198.51.100.7", 32 + 128));
	assert_non_null(peer_key(0, "0.0.0.0", 32 + 96));
	assert_int_equal(crule("r0")->peerset, 0);
	assert_int_equal(crule("r0")->flags, 0);
	assert_string_equal(F.p->peersets[F.c.set_src[0]].name, "fe");
}

static void peer_set_shared_by_rules_compiled_once(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','peers':{'a':['198.18.1.0/24'],"
	       "'b':['198.18.2.0/24','198.18.3.0/24']},'nodes':[" NODE_EDGE1
	       "],'rules':[" RULE("r0", "internal", "in", "internal", "tcp", "'ports':'5061','peer':'b'") "," RULE(
		       "r1", "internal", "out", "internal", "tcp",
		       "'ports':'5061','peer':'b'") "," RULE("r2", "internal", "in", "internal",
							     "tcp",
							     "'ports':'8057','peer':'a'") "]}");
	compile("edge1");
	assert_int_equal(F.c.nsets, 2);
	assert_int_equal(F.c.npeers, 3);
	assert_int_equal(crule("r0")->peerset, 0);
	assert_int_equal(crule("r1")->peerset, 0);
	assert_int_equal(crule("r2")->peerset, 1);
	assert_non_null(peer_key(0, "198.18.2.0", 32 + 120));
	assert_non_null(peer_key(0, "198.18.3.0", 32 + 120));
	assert_non_null(peer_key(1, "198.18.1.0", 32 + 120));
}

static void peer_set_unused_on_node_not_compiled(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','settings':{'exclude_tags':['old']},"
	       "'peers':{'unused':['198.18.1.0/24'],'excl':['198.18.2.0/24'],'used':['198.18.3.0/24']},"
	       "'nodes':[" NODE_EDGE1 "],'rules':[" RULE(
		       "r0", "internal", "in", "internal", "tcp",
		       "'ports':'1','peer':'excl','tags':'old'") "," RULE("r1", "internal", "in",
									  "internal", "tcp",
									  "'ports':'2','peer':'used'") "]}");
	compile("edge1");
	assert_int_equal(F.c.nsets, 1);
	assert_int_equal(F.c.npeers, 1);
	assert_non_null(peer_key(0, "198.18.3.0", 32 + 120));
	assert_string_equal(F.p->peersets[F.c.set_src[0]].name, "used");
}

static void peer_inline_list_compiled(void **state)
{
	(void)state;
	one_node(RULE("r0", "external", "in", "access", "tcp",
		      "'ports':'5061','peer':['198.51.100.0/24','2001:db8:5::/48']"));
	compile("edge1");
	assert_int_equal(F.c.nsets, 1);
	assert_int_equal(F.c.npeers, 2);
	assert_non_null(peer_key(0, "198.51.100.0", 32 + 120));
	assert_non_null(peer_key(0, "2001:db8:5::", 32 + 48));
	assert_false(crule("r0")->flags & EF_RULEF_PEER_ANY);
}

static void peer_named_any_set_is_peer_any(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','peers':{'everyone':['any']},"
	       "'nodes':[" NODE_EDGE1 "],'rules':[" RULE("r0", "external", "in", "access", "tcp",
							 "'ports':'5061','peer':'everyone'") "]}");
	compile("edge1");
	assert_int_equal(crule("r0")->flags, EF_RULEF_PEER_ANY);
	assert_int_equal(F.c.nsets, 0);
	assert_int_equal(F.c.npeers, 0);
}

/* Does the peer key's prefix contain a? (bitwise, independent of addr.c) */
/* What the data path's lookup would match: the family byte is part of the
 * key, then the prefix. */
static bool key_contains(const struct ef_peer_key *k, const union ef_addr *a)
{
	unsigned len = k->prefixlen - EF_PEER_KEY_FIXED_BITS;

	if (k->family != ef_addr_family(a))
		return false;

	for (unsigned i = 0; i < len; i++) {
		unsigned m = 0x80u >> (i % 8);

		if ((k->addr.b[i / 8] & m) != (a->b[i / 8] & m))
			return false;
	}
	return true;
}

/*
 * docs/policy.md: "IPv4 prefixes match IPv4 only, IPv6 prefixes IPv6
 * only".  A short IPv6 prefix must either be rejected by the parser or
 * compile to keys that no IPv4 (v4-mapped) peer falls into.
 */
static void peer_ipv6_prefix_never_matches_ipv4(void **state)
{
	static const char *const v6[] = { "::/0", "::/1", "::/64", "::/80" };
	union ef_addr a4;

	(void)state;
	assert_int_equal(ef_addr_parse("198.51.100.1", &a4), 0);
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		char *s = NULL;

		reset();
		assert_true(asprintf(&s,
				     "{'format':'edgefw/v1','name':'t','peers':{'v6':['%s']},"
				     "'nodes':[" NODE_EDGE1
				     "],'rules':[" RULE("r0", "internal", "in", "internal", "tcp",
							"'ports':'8057','peer':'v6'") "]}",
				     v6[i]) > 0);
		dquote(s);
		ef_diag_init(&F.d, "t.json");
		F.p = ef_policy_parse("t.json", s, strlen(s), &F.d);
		free(s);
		assert_non_null(F.p);
		if (F.d.errors)
			continue; /* rejected: fine */
		compile("edge1");
		for (size_t k = 0; k < F.c.npeers; k++)
			if (key_contains(&F.c.peers[k], &a4))
				fail_msg("peer set [\"%s\"] admits IPv4 198.51.100.1 (key /%u)",
					 v6[i], F.c.peers[k].prefixlen - EF_PEER_KEY_FIXED_BITS);
	}
}

/* ==== ports ======================================================================== */

static void port_single_is_one_full_prefix(void **state)
{
	const struct ef_port_entry *e;
	const struct ef_rule_list *l;

	(void)state;
	one_node(EXT_IN("r0", "access", "tcp", "'5061'"));
	compile("edge1");
	assert_int_equal(F.c.nports, 1);
	e = &F.c.ports[0];
	assert_int_equal(e->k.prefixlen, 48 + 16);
	assert_int_equal(e->k.port_be, htons(5061));
	assert_int_equal(e->k.slot, 0);
	assert_int_equal(e->k.dir, EF_DIR_IN);
	assert_int_equal(e->k.role, EF_ROLE_EXTERNAL);
	assert_int_equal(e->k.proto, IPPROTO_TCP);
	assert_int_equal(e->k.svcmask, svc(EF_SVC_ACCESS) | svc(EF_SVC_XMPP));
	assert_int_equal(F.c.nlists, 1);
	l = &F.c.lists[e->v.list];
	assert_int_equal(l->n, 1);
	assert_int_equal(l->rule[0], 0);
}

static void port_range_50000_59999_exact_cover(void **state)
{
	static int32_t m[NPORTS];
	size_t n;

	(void)state;
	one_node(EXT_IN("rtp", "av", "udp", "'50000-59999'"));
	compile("edge1");
	n = expand(EF_DIR_IN, EF_ROLE_EXTERNAL, IPPROTO_UDP, svc(EF_SVC_AV), m);
	assert_int_equal(n, F.c.nports);
	/* 16+32+128+1024+2048+4096+2048+512+64+32 ports (compile.c's header
	 * comment says 9; the minimal aligned cover has 10) */
	assert_int_equal(n, 10);
	assert_int_equal(n, min_cover(50000, 59999, 0, NPORTS));
	for (unsigned p = 0; p < NPORTS; p++) {
		bool in = p >= 50000 && p <= 59999;

		if ((m[p] >= 0) != in)
			fail_msg("port %u: covered %d, expected %d", p, m[p] >= 0, in);
	}
}

static void port_any_is_one_zero_bit_prefix(void **state)
{
	(void)state;
	one_node(RULE("r0", "external", "out", "access", "udp", "'ports':'any','peer':'any'"));
	compile("edge1");
	assert_int_equal(F.c.nports, 1);
	assert_int_equal(F.c.ports[0].k.prefixlen, 48);
	assert_int_equal(F.c.ports[0].k.port_be, 0);
	assert_int_equal(F.c.ports[0].k.dir, EF_DIR_OUT);
	assert_int_equal(F.c.ports[0].k.proto, IPPROTO_UDP);
}

static void port_overlapping_rules_lists_in_policy_order(void **state)
{
	static int32_t m[NPORTS];
	const struct ef_rule_list *l;

	(void)state;
	/* the later range comes first in the file */
	one_node(EXT_IN("hi", "access", "tcp", "'1500-2500'") "," EXT_IN("lo", "access", "tcp",
									 "'1000-2000'"));
	compile_access_in(m);
	assert_int_equal(m[999], -1);
	assert_int_equal(m[2501], -1);
	l = &F.c.lists[m[1000]];
	assert_int_equal(l->n, 1);
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[0]), "lo");
	assert_int_equal(m[1499], m[1000]);
	l = &F.c.lists[m[1500]];
	assert_int_equal(l->n, 2);
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[0]), "hi");
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[1]), "lo");
	assert_int_equal(m[2000], m[1500]);
	l = &F.c.lists[m[2001]];
	assert_int_equal(l->n, 1);
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[0]), "hi");
	assert_int_equal(m[2500], m[2001]);
	assert_int_equal(F.c.nlists, 3);
	oracle_check("edge1");
}

static void port_identical_lists_shared(void **state)
{
	static int32_t m[NPORTS];

	(void)state;
	one_node(EXT_IN("r0", "access", "tcp", "['80','443','5061-5062']") "," RULE(
		"r1", "external", "out", "access", "tcp", "'ports':'80','peer':'any'"));
	compile_access_in(m);
	assert_true(m[80] >= 0);
	assert_int_equal(m[443], m[80]);
	assert_int_equal(m[5061], m[80]);
	assert_int_equal(m[5062], m[80]);
	assert_int_equal(F.c.nports, 5); /* 80, 443, 5061-5062 (2), out 80 */
	assert_int_equal(F.c.nlists, 2); /* [r0] and [r1] */
}

static void port_touching_ranges_of_one_rule(void **state)
{
	(void)state;
	one_node(EXT_IN("r0", "access", "tcp", "['100-199','200-299','443','443']"));
	compile("edge1");
	assert_int_equal(F.c.nlists, 1);
	oracle_check("edge1");
}

/* A rule's own ranges may overlap: the rule still covers their union. */
static void port_nested_ranges_of_one_rule_cover_union(void **state)
{
	static int32_t m[NPORTS];

	(void)state;
	one_node(EXT_IN("r0", "access", "tcp", "['100-300','150-200']"));
	compile_access_in(m);
	for (unsigned p = 100; p <= 300; p++)
		if (m[p] < 0)
			fail_msg("port %u of 100-300 not covered", p);
	oracle_check("edge1");
}

static void port_partly_overlapping_ranges_of_one_rule_cover_union(void **state)
{
	(void)state;
	one_node(EXT_IN("r0", "access", "tcp", "['1000-2000','1500-2500']"));
	compile("edge1");
	oracle_check("edge1");
}

static void overlapping_rules(char *buf, size_t len, int n, const char *ports_fmt)
{
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		char ports[32];

		snprintf(ports, sizeof(ports), ports_fmt, 100 + 10 * i);
		o += (size_t)snprintf(
			buf + o, len - o,
			"%s{'name':'r%d','interface':'external','direction':'in',"
			"'service':'access','protocol':'tcp','ports':'%s','peer':'any'}",
			i ? "," : "", i, ports);
	}
}

static void port_eight_overlapping_rules_fit(void **state)
{
	char rules[4096];
	const struct ef_rule_list *l;
	static int32_t m[NPORTS];

	(void)state;
	overlapping_rules(rules, sizeof(rules), 8, "%d-500");
	one_node(rules);
	compile_access_in(m);
	l = &F.c.lists[m[500]];
	assert_int_equal(l->n, EF_LIST_MAX);
	for (unsigned k = 0; k < l->n; k++)
		assert_int_equal(l->rule[k], k);
	oracle_check("edge1");
}

static void port_nine_overlapping_rules_rejected(void **state)
{
	char rules[4096];

	(void)state;
	overlapping_rules(rules, sizeof(rules), 9, "%d-500");
	one_node(rules);
	assert_int_equal(compile_mode("edge1", -1), -1);
	assert_int_equal(F.d.errors, 1);
	assert_string_equal(F.d.msgs[0],
			    "t.json: node edge1: more than 8 rules overlap on external in tcp "
			    "port 180 (rules r0, r1, ...)");
	assert_true(ef_diag_has(&F.d, "more than 8 rules overlap"));
	/* a failed compile leaves nothing to free */
	assert_null(F.c.ports);
	assert_null(F.c.rules);
}

static void port_nine_rules_on_shared_access_xmpp_address_rejected(void **state)
{
	char rules[4096];
	size_t o = 0;

	(void)state;
	for (int i = 0; i < 9; i++)
		o += (size_t)snprintf(
			rules + o, sizeof(rules) - o,
			"%s{'name':'x%d','interface':'external','direction':'out',"
			"'service':'%s','protocol':'udp','ports':'5269','peer':'any'}",
			i ? "," : "", i, i % 2 ? "xmpp" : "access");
	one_node(rules);
	assert_int_equal(compile_mode("edge1", -1), -1);
	assert_string_equal(F.d.msgs[0],
			    "t.json: node edge1: more than 8 rules overlap on external out udp "
			    "port 5269 (rules x0, x1, ...)");
}

static void port_nine_rules_on_separate_addresses_fit(void **state)
{
	char rules[4096];
	size_t o = 0;

	(void)state;
	/* access, webconf and av have addresses of their own: 3 + 3 + 3 */
	for (int i = 0; i < 9; i++)
		o += (size_t)snprintf(rules + o, sizeof(rules) - o,
				      "%s{'name':'s%d','interface':'external','direction':'in',"
				      "'service':'%s','protocol':'tcp','ports':'443','peer':'any'}",
				      i ? "," : "", i,
				      i % 3 == 0 ? "access" :
				      i % 3 == 1 ? "webconf" :
						   "av");
	one_node(rules);
	compile("edge1");
	oracle_check("edge1");
}

/* ==== ef_range_prefixes ========================================================= */

struct pfx_acc {
	unsigned n;
	unsigned port[64], bits[64];
	uint8_t hit[NPORTS];
	int overlap;
};

static void acc_emit(void *ctx, unsigned port, unsigned bits)
{
	struct pfx_acc *a = ctx;
	unsigned size;

	assert_true(bits <= 16);
	size = 1u << (16 - bits);
	assert_int_equal(port & (size - 1), 0); /* aligned */
	assert_true(port + size <= NPORTS);
	if (a->n < 64) {
		a->port[a->n] = port;
		a->bits[a->n] = bits;
	}
	a->n++;
	for (unsigned p = port; p < port + size; p++) {
		if (a->hit[p])
			a->overlap = 1;
		a->hit[p] = 1;
	}
}

static void check_range(unsigned lo, unsigned hi)
{
	static struct pfx_acc a;
	int n;

	memset(&a, 0, sizeof(a));
	n = ef_range_prefixes(lo, hi, acc_emit, &a);
	assert_int_equal(n, a.n);
	if (a.overlap)
		fail_msg("%u-%u: prefixes overlap", lo, hi);
	for (unsigned p = 0; p < NPORTS; p++)
		if (a.hit[p] != (p >= lo && p <= hi))
			fail_msg("%u-%u: port %u covered %d", lo, hi, p, a.hit[p]);
	if (a.n != min_cover(lo, hi, 0, NPORTS))
		fail_msg("%u-%u: %u prefixes, the minimum is %u", lo, hi, a.n,
			 min_cover(lo, hi, 0, NPORTS));
}

/* lo-hi is the one prefix port/bits. */
static void want_one_prefix(unsigned lo, unsigned hi, unsigned port, unsigned bits)
{
	static struct pfx_acc a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ef_range_prefixes(lo, hi, acc_emit, &a), 1);
	assert_int_equal(a.port[0], port);
	assert_int_equal(a.bits[0], bits);
}

/* A single port is one prefix of 16 bits. */
static void want_single_port(unsigned port)
{
	want_one_prefix(port, port, port, 16);
}

/* lo-hi takes n prefixes, its minimal exact cover. */
static void want_prefixes(unsigned lo, unsigned hi, unsigned n)
{
	assert_int_equal(ef_range_prefixes(lo, hi, NULL, NULL), n);
	check_range(lo, hi);
}

static void range_full_space_is_one_zero_bit_prefix(void **state)
{
	(void)state;
	want_one_prefix(0, 65535, 0, 0);
}

static void range_single_65535(void **state)
{
	(void)state;
	want_single_port(65535);
}

static void range_1_65535_is_16_prefixes(void **state)
{
	(void)state;
	want_prefixes(1, 65535, 16);
}

static void range_single_0(void **state)
{
	(void)state;
	want_single_port(0);
}

static void range_aligned_block_is_one_prefix(void **state)
{
	(void)state;
	want_one_prefix(49152, 65535, 49152, 2);
}

static void range_50000_59999_is_10_prefixes(void **state)
{
	(void)state;
	want_prefixes(50000, 59999, 10);
}

static void range_many_minimal_exact_covers(void **state)
{
	uint32_t x = 12345;

	(void)state;
	check_range(0, 65534);
	check_range(32767, 32768);
	check_range(1023, 1024);
	for (int i = 0; i < 300; i++) {
		unsigned a, b;

		x = x * 1103515245u + 12345u;
		a = (x >> 8) & 0xffff;
		x = x * 1103515245u + 12345u;
		b = (x >> 8) & 0xffff;
		check_range(a < b ? a : b, a < b ? b : a);
	}
}

static void range_reversed_emits_nothing(void **state)
{
	(void)state;
	assert_int_equal(ef_range_prefixes(10, 9, NULL, NULL), 0);
}

/* ==== the oracle on whole policies =============================================== */

static void oracle_mixed_policy(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','settings':{'exclude_tags':['off']},"
	       "'peers':{'fe':['198.18.10.0/24']},"
	       "'nodes':[{'name':'n1','interfaces':{'external':'eth1','internal':'eth0'},"
	       "'addresses':{'access':['203.0.113.10','2001:db8::10'],'xmpp':['203.0.113.14'],"
	       "'av':['203.0.113.12'],'internal':['198.18.0.10','2001:db8:1::10']}}],"
	       "'rules':[" EXT_IN("a1", "access", "tcp", "['443','5061','1000-1999']") "," EXT_IN(
		       "a2", "access", "tcp",
		       "['1500-2500','443']") "," EXT_IN("x1", "xmpp", "tcp",
							 "'5269'") "," EXT_IN("a3", "access", "tcp",
									      "'any'") "," RULE("a4",
												"external",
												"out", "access", "tcp", "'ports':['53','80','443'],'peer':'any'") "," RULE("a5", "external", "out", "access", "udp", "'ports':'53','peer':'any'") "," RULE("v1", "external", "out", "av", "udp", "'ports':'any','local_ports':'50000-59999','peer':'any'") "," RULE("v2",
																																												    "external",
																																												    "in",
																																												    "av",
																																												    "udp", "'ports':['3478','50000-59999'],'peer':'any'") "," RULE("v3",
																																																				   "external",
																																																				   "in", "av", "udp",
																																																				   "'ports':'50000-50001','peer':'any','tags':['off']") "," RULE("v4", "external", "in", "av",
																																																												 "udp", "'ports':'59999-65535','peer':['198.51.100.0/24']") "," RULE("w1", "external", "in", "webconf", "tcp", "'ports':'443','peer':'any'") "," RULE("i1",
																																																																														      "internal",
																																																																														      "in",
																																																																														      "internal",
																																																																														      "tcp", "'ports':['5061','5062','8057','4443'],'peer':'fe'") "," RULE("i2",
																																																																																							   "internal",
																																																																																							   "in",
																																																																																							   "internal",
																																																																																							   "tcp",
																																																																																							   "'ports':'5000-6000','peer':'any','log':true") "," RULE("i3",
																																																																																														   "internal",
																																																																																														   "out",
																																																																																														   "internal", "tcp", "'ports':'5061','local_ports':1024,'peer':'fe'") "," RULE("i4",
																																																																																																								"internal",
																																																																																																								"in",
																																																																																																								"internal",
																																																																																																								"udp",
																																																																																																								"'ports':['1','65535'],'peer':'any'") "]}");
	compile("n1");
	oracle_check("n1");
}

static void oracle_shipped_edge1(void **state)
{
	(void)state;
	shipped("[]");
	compile("edge1");
	/* 37 rows + the RDP management rule (the SSH one needs a management
	 * address, which the example nodes do not have) */
	assert_int_equal(F.c.nrules, 38);
	oracle_check("edge1");
}

static void oracle_shipped_edge2(void **state)
{
	(void)state;
	shipped("[]");
	compile("edge2");
	oracle_check("edge2");
}

static void oracle_shipped_edge1_excluding_ocs2007(void **state)
{
	(void)state;
	shipped("[\"ocs2007\", \"live-messenger\"]");
	compile("edge1");
	assert_int_equal(F.c.nrules, 32); /* 31 rows + RDP management */
	oracle_check("edge1");
}

static void shipped_edge1_sip_443_candidates(void **state)
{
	static int32_t m[NPORTS];
	const struct ef_rule_list *l;

	(void)state;
	shipped("[]");
	compile_access_in(m);
	assert_true(m[443] >= 0);
	l = &F.c.lists[m[443]];
	assert_int_equal(l->n, 2);
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[0]), "ext-access-sip-tls-443-in");
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[1]), "pic-access-sip-tls-443-in");
	l = &F.c.lists[m[5269]];
	assert_int_equal(l->n, 2);
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[0]), "ext-xmpp-5269-in");
	assert_string_equal(ef_compiled_rule_name(&F.c, l->rule[1]), "xmpp-5269-in");
	assert_int_equal(m[80], -1);
}

/* ---- per-source limits -------------------------------------------------- */

static void limits_rule_and_service(void **state)
{
	(void)state;
	policy("{'format':'edgefw/v1','name':'t','settings':{'limits':{'access':"
	       "{'new_flows_per_sec':20,'burst':40,'block_seconds':60}},'limit_v6_prefix':56},"
	       "'nodes':[" NODE_EDGE1 "],'rules':[%s,%s,%s,%s]}",
	       EXT_IN("a", "access", "tcp", "'443'"),
	       RULE("b", "external", "in", "access", "tcp",
		    "'ports':'5061','peer':'any','limits':{'new_flows_per_sec':3}"),
	       EXT_IN("c", "av", "udp", "'3478'"),
	       RULE("d", "external", "out", "access", "tcp", "'ports':'5061','peer':'any'"));
	compile("edge1");
	assert_true(F.c.cfg.flags & EF_CFGF_LIMITS);
	assert_int_equal(F.c.cfg.limit_v6_prefix, 56);
	/* a: the service's limit */
	assert_int_equal(F.c.rules[0].lim_rate, 20);
	assert_int_equal(F.c.rules[0].lim_burst, 40);
	assert_int_equal(F.c.rules[0].lim_block_s, 60);
	/* b: its own replaces the service's */
	assert_int_equal(F.c.rules[1].lim_rate, 3);
	assert_int_equal(F.c.rules[1].lim_burst, 6);
	assert_int_equal(F.c.rules[1].lim_block_s, 300);
	/* c: another service, none; d: outbound, never */
	assert_int_equal(F.c.rules[2].lim_rate, 0);
	assert_int_equal(F.c.rules[3].lim_rate, 0);
}

static void limits_none_no_flag(void **state)
{
	(void)state;
	one_node(EXT_IN("a", "access", "tcp", "'443'"));
	compile("edge1");
	assert_false(F.c.cfg.flags & EF_CFGF_LIMITS);
	assert_int_equal(F.c.rules[0].lim_rate, 0);
	assert_int_equal(F.c.cfg.limit_v6_prefix, 64);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

/* ==== rules that can never match ============================================ */

static void shadow_exact_duplicate(void **state)
{
	(void)state;
	one_node(EXT_IN("a", "access", "tcp", "'443'") "," EXT_IN("b", "access", "tcp", "'443'"));
	compile("edge1");
	assert_int_equal(F.c.covered_by[rule_id("a")], -1);
	assert_int_equal(F.c.covered_by[rule_id("b")], rule_id("a"));
}

static void shadow_narrower_peer_and_subrange(void **state)
{
	(void)state;
	one_node(EXT_IN("wide", "av", "udp", "'50000-59999'") "," RULE(
		"narrow", "external", "in", "av", "udp",
		"'ports':'50010-50020','peer':['198.51.100.0/24']"));
	compile("edge1");
	assert_int_equal(F.c.covered_by[rule_id("narrow")], rule_id("wide"));
}

/* partly overlapping, another protocol, a peer set that is not "any", a
 * local-port range the earlier rule does not cover: all reachable */
static void shadow_not_when_something_is_left(void **state)
{
	(void)state;
	one_node(EXT_IN("a", "av", "udp", "'50000-50010'") "," EXT_IN("partly", "av", "udp", "'50005-50020'") "," EXT_IN("tcp", "av", "tcp", "'50000-50010'") "," RULE(
		"narrow", "external", "in", "access", "tcp",
		"'ports':'5061','peer':['198.51.100.0/24']") "," RULE("wide-after", "external",
								      "in", "access", "tcp",
								      "'ports':'5061','peer':'any'") "," RULE("lp1",
													      "external",
													      "out",
													      "av",
													      "udp",
													      "'local_ports':'50000-50100','peer':'any'") "," RULE("lp2",
																				   "external",
																				   "out",
																				   "av",
																				   "udp",
																				   "'local_ports':'40000-60000','peer':'any'"));
	compile("edge1");
	for (size_t i = 0; i < F.c.nrules; i++)
		if (F.c.covered_by[i] >= 0)
			fail_msg("%s reported as never matching",
				 ef_compiled_rule_name(&F.c, (unsigned)i));
}

static void shadow_shipped_policy_restatements(void **state)
{
	int n = 0;

	(void)state;
	shipped("[]");
	compile("edge1");
	for (size_t i = 0; i < F.c.nrules; i++) {
		const struct ef_prule *r = &F.p->rules[F.c.rule_src[i]];

		if (F.c.covered_by[i] < 0)
			continue;
		n++;
		/* every one is a row that restates an earlier table's row, and says so */
		assert_non_null(r->restates);
		assert_string_equal(r->restates,
				    ef_compiled_rule_name(&F.c, (unsigned)F.c.covered_by[i]));
	}
	assert_int_equal(n, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* limits */
		T(limits_rule_and_service),
		T(limits_none_no_flag),
		/* addresses */
		T(addr_access_xmpp_share_one_entry),
		T(addr_access_xmpp_listed_both_one_entry),
		T(addr_role_per_service),
		T(addr_xmpp_own_address),
		T(addr_xmpp_empty_list_no_xmpp_bit),
		T(addr_entries_of_this_node_only),
		/* interfaces, cfg */
		T(ifaces_carry_roles),
		T(cfg_defaults),
		T(cfg_from_settings),
		T(cfg_ping_and_log_allowed_flags),
		T(cfg_mode_override),
		T(cfg_mode_override_enforce_beats_monitor),
		/* rules */
		T(rule_flags_peer_any),
		T(rule_flags_log),
		T(rule_flags_lports),
		T(rule_without_lports_has_zero_bounds),
		T(rule_ids_follow_policy_order),
		T(exclude_tags_remove_rules),
		T(rule_for_missing_service_left_out),
		T(xmpp_rule_uses_access_address),
		/* peers */
		T(peer_set_becomes_keys),
		T(peer_set_shared_by_rules_compiled_once),
		T(peer_set_unused_on_node_not_compiled),
		T(peer_inline_list_compiled),
		T(peer_named_any_set_is_peer_any),
		T(peer_ipv6_prefix_never_matches_ipv4),
		/* ports */
		T(port_single_is_one_full_prefix),
		T(port_range_50000_59999_exact_cover),
		T(port_any_is_one_zero_bit_prefix),
		T(port_overlapping_rules_lists_in_policy_order),
		T(port_identical_lists_shared),
		T(port_touching_ranges_of_one_rule),
		T(port_nested_ranges_of_one_rule_cover_union),
		T(port_partly_overlapping_ranges_of_one_rule_cover_union),
		T(port_eight_overlapping_rules_fit),
		T(port_nine_overlapping_rules_rejected),
		T(port_nine_rules_on_shared_access_xmpp_address_rejected),
		T(shadow_exact_duplicate),
		T(shadow_narrower_peer_and_subrange),
		T(shadow_not_when_something_is_left),
		T(shadow_shipped_policy_restatements),
		T(port_nine_rules_on_separate_addresses_fit),
		/* ef_range_prefixes */
		T(range_full_space_is_one_zero_bit_prefix),
		T(range_1_65535_is_16_prefixes),
		T(range_single_65535),
		T(range_single_0),
		T(range_aligned_block_is_one_prefix),
		T(range_50000_59999_is_10_prefixes),
		T(range_many_minimal_exact_covers),
		T(range_reversed_emits_nothing),
		/* oracle */
		T(oracle_mixed_policy),
		T(oracle_shipped_edge1),
		T(oracle_shipped_edge2),
		T(oracle_shipped_edge1_excluding_ocs2007),
		T(shipped_edge1_sip_443_candidates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
