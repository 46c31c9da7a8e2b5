// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: the policy library and `edgefw init` (agent/init.c).  The
 * built-in topologies are the files of policies/; a starting policy from
 * every one of them, with one node or a pool, IPv4 and IPv6, tags left out
 * and peer sets narrowed, parses and compiles for every node (what
 * `validate` checks); mistakes are named by the option that made them.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "compile.h"
#include "diag.h"
#include "init.h"
#include "policy.h"
#include "testutil.h"

/* A node with the addresses the topology needs: v4 (and v6 if asked). */
static void add_node(struct ef_init_opts *o, const struct ef_topology *t, int i, bool v6)
{
	unsigned need = ef_topology_services(t);
	struct ef_init_node *n;
	char name[16], buf[96];

	snprintf(name, sizeof(name), "edge%d", i + 1);
	n = ef_init_add_node(o, name);
	assert_non_null(n);
	ef_init_add_list(&n->ifs[EF_ROLE_EXTERNAL], &n->nifs[EF_ROLE_EXTERNAL], "eth1");
	ef_init_add_list(&n->ifs[EF_ROLE_INTERNAL], &n->nifs[EF_ROLE_INTERNAL], "eth0,eth2");
	for (int s = 0; s < EF_SVC_MAX; s++) {
		if (!(need & (1u << s)) && s != EF_SVC_MANAGEMENT)
			continue;
		if (s == EF_SVC_INTERNAL || s == EF_SVC_MANAGEMENT)
			snprintf(buf, sizeof(buf), "198.18.%d.%d%s", s == EF_SVC_MANAGEMENT ? 1 : 0,
				 10 * (i + 1), v6 ? "" : "");
		else
			snprintf(buf, sizeof(buf), "203.0.113.%d", 10 * (i + 1) + s);
		if (v6) {
			size_t l = strlen(buf);

			snprintf(buf + l, sizeof(buf) - l, ",2001:db8:%d::%d", s, i + 1);
		}
		ef_init_add_list(&n->addrs[s], &n->naddrs[s], buf);
	}
}

/* Parse and compile every node; returns the policy (caller frees). */
static struct ef_policy *check_text(const char *text, int *warnings)
{
	struct ef_diag d;
	struct ef_policy *p;

	ef_diag_init(&d, "init.json");
	p = ef_policy_parse("init.json", text, strlen(text), &d);
	ef_diag_print(&d, stderr);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	for (size_t i = 0; i < p->nnodes; i++) {
		struct ef_compiled c;

		assert_int_equal(ef_compile(p, &p->nodes[i], -1, &c, &d), 0);
		ef_compiled_free(&c);
	}
	if (warnings)
		*warnings = d.warnings;
	ef_diag_free(&d);
	return p;
}

static char *read_file(const char *path)
{
	char *s = slurp(path);

	assert_non_null(s);
	return s;
}

/* ---- the library ---------------------------------------------------------------- */

static void test_library_is_policies_dir(void **state)
{
	size_t files = 0;
	glob_t g;

	(void)state;
	assert_int_equal(glob("policies/*.json", GLOB_PERIOD, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = g.gl_pathv[i] + strlen("policies/");
		size_t l = strlen(base);
		const struct ef_topology *t;
		char name[256], *text;

		if (l < 6 || strstr(base, ".schema."))
			continue;
		files++;
		snprintf(name, sizeof(name), "%.*s", (int)(l - 5), base);
		t = ef_topology_find(name);
		if (!t)
			fail_msg(
				"policies/%s is not a built-in topology (agent/init.c, topologies.S)",
				base);
		text = read_file(g.gl_pathv[i]);
		/* the built-in copy is the file as it is now */
		assert_string_equal(t->text, text);
		free(text);
	}
	globfree(&g);
	assert_int_equal(files, ef_ntopologies);
	for (size_t i = 0; i < ef_ntopologies; i++) {
		json_object *root = json_tokener_parse(ef_topologies[i].text), *name, *nodes;

		assert_non_null(root);
		assert_true(json_object_object_get_ex(root, "name", &name));
		assert_string_equal(json_object_get_string(name), ef_topologies[i].name);
		assert_true(json_object_object_get_ex(root, "nodes", &nodes));
		/* a single Edge Server's example has one node, a pool's more */
		assert_int_equal(json_object_array_length(nodes) == 1, ef_topologies[i].single);
		assert_true(strlen(ef_topologies[i].summary) < 110);
		json_object_put(root);
	}
	assert_null(ef_topology_find("lync2013"));
}

static void test_services(void **state)
{
	const unsigned all = 1u << EF_SVC_ACCESS | 1u << EF_SVC_WEBCONF | 1u << EF_SVC_AV |
			     1u << EF_SVC_INTERNAL;

	(void)state;
	for (size_t i = 0; i < ef_ntopologies; i++) {
		const struct ef_topology *t = &ef_topologies[i];
		unsigned want = strstr(t->name, "single-ip") ?
					1u << EF_SVC_ACCESS | 1u << EF_SVC_INTERNAL :
					all;

		assert_int_equal(ef_topology_services(t), want);
	}
}

/* ---- every topology's output is a valid policy ------------------------------------- */

static void test_every_topology_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ef_ntopologies; i++) {
		const struct ef_topology *t = &ef_topologies[i];
		json_object *orig = json_tokener_parse(t->text), *rules;
		size_t nrules;

		json_object_object_get_ex(orig, "rules", &rules);
		nrules = json_object_array_length(rules);
		for (int v6 = 0; v6 < 2; v6++) {
			struct ef_init_opts o = { 0 };
			struct ef_diag d;
			struct ef_policy *p;
			char *text;
			int warnings;

			for (int n = 0; n < (t->single ? 1 : 3); n++)
				add_node(&o, t, n, v6);
			ef_diag_init(&d, "edgefw init");
			text = ef_init_build(t, &o, &d);
			ef_diag_print(&d, stderr);
			if (!text)
				fail_msg("init --topology %s (IPv6 %d) failed", t->name, v6);
			assert_int_equal(d.n, 0);
			assert_int_equal(text[strlen(text) - 1], '\n');
			p = check_text(text, &warnings);
			assert_int_equal(warnings, 0);
			assert_string_equal(p->name, t->name);
			assert_int_equal(p->nnodes, t->single ? 1 : 3);
			/* the rules go out as they are */
			assert_int_equal(p->nrules - p->nmanagement, nrules);
			for (size_t k = 0; k < nrules; k++) {
				json_object *nm;

				json_object_object_get_ex(json_object_array_get_idx(rules, k),
							  "name", &nm);
				assert_string_equal(p->rules[k].name, json_object_get_string(nm));
			}
			assert_int_equal(p->nodes[0].nifnames[EF_ROLE_INTERNAL], 2);
			assert_int_equal(p->nodes[0].addrs[EF_SVC_ACCESS].n, v6 ? 2 : 1);
			assert_int_equal(p->settings.mode, EF_MODE_ENFORCE);
			{
				json_object *out = json_tokener_parse(text), *desc;
				char want[160];
				const char *s;

				assert_true(json_object_object_get_ex(out, "description", &desc));
				s = json_object_get_string(desc);
				snprintf(want, sizeof(want),
					 ". Written by edgefw init --topology %s for %s.", t->name,
					 t->single ? "edge1" : "edge1, edge2, edge3");
				assert_true(strlen(s) > strlen(want));
				assert_string_equal(s + strlen(s) - strlen(want), want);
				assert_null(strstr(s, "Replace the example node"));
				json_object_put(out);
			}
			ef_policy_free(p);
			free(text);
			ef_diag_free(&d);
			ef_init_opts_free(&o);
		}
		json_object_put(orig);
	}
}

/* Every tag left out, every peer set narrowed, monitor mode, a name. */
static void test_every_topology_options(void **state)
{
	(void)state;
	for (size_t i = 0; i < ef_ntopologies; i++) {
		const struct ef_topology *t = &ef_topologies[i];
		json_object *orig = json_tokener_parse(t->text), *peers, *rules;
		struct ef_init_opts o = { .name = "pool-a", .monitor = true };
		struct ef_diag d;
		struct ef_policy *p;
		char *text;
		int k = 0;

		add_node(&o, t, 0, true);
		json_object_object_get_ex(orig, "peers", &peers);
		json_object_object_foreach(peers, set, val)
		{
			char spec[128];

			(void)val;
			snprintf(spec, sizeof(spec), "%s=198.51.%d.0/24,2001:db8:51:%d::/64", set,
				 k, k);
			k++;
			ef_diag_init(&d, "edgefw init");
			assert_int_equal(ef_init_add_peer(&o, spec, &d), 0);
			ef_diag_free(&d);
		}
		json_object_object_get_ex(orig, "rules", &rules);
		for (size_t r = 0; r < json_object_array_length(rules); r++) {
			json_object *tags;

			if (!json_object_object_get_ex(json_object_array_get_idx(rules, r), "tags",
						       &tags))
				continue;
			for (size_t g = 0; g < json_object_array_length(tags); g++) {
				const char *tag =
					json_object_get_string(json_object_array_get_idx(tags, g));
				bool have = false;

				for (size_t e = 0; e < o.nexclude_tags; e++)
					have |= !strcmp(o.exclude_tags[e], tag);
				if (!have)
					ef_init_add_list(&o.exclude_tags, &o.nexclude_tags, tag);
			}
		}
		ef_diag_init(&d, "edgefw init");
		text = ef_init_build(t, &o, &d);
		ef_diag_print(&d, stderr);
		assert_non_null(text);
		p = check_text(text, NULL);
		assert_string_equal(p->name, "pool-a");
		assert_int_equal(p->settings.mode, EF_MODE_MONITOR);
		assert_int_equal(p->settings.nexclude_tags, o.nexclude_tags);
		for (size_t s = 0; s < p->npeersets; s++)
			if (!p->peersets[s].inline_set) {
				assert_false(p->peersets[s].any);
				assert_int_equal(p->peersets[s].n, 2);
			}
		ef_policy_free(p);
		free(text);
		ef_diag_free(&d);
		ef_init_opts_free(&o);
		json_object_put(orig);
	}
}

/* ---- mistakes, named by their options ------------------------------------------------ */

static void expect_error(const struct ef_topology *t, struct ef_init_opts *o, const char *msg)
{
	struct ef_diag d;
	char *text;

	ef_diag_init(&d, "edgefw init");
	text = ef_init_build(t, o, &d);
	assert_null(text);
	if (!ef_diag_has(&d, msg)) {
		ef_diag_print(&d, stderr);
		fail_msg("no message \"%s\"", msg);
	}
	ef_diag_free(&d);
	ef_init_opts_free(o);
}

static void test_errors(void **state)
{
	const struct ef_topology *pub = ef_topology_find("lync2013-scaled-edge-dnslb-public");
	const struct ef_topology *single = ef_topology_find("lync2013-single-edge-public");
	const struct ef_topology *one_ip = ef_topology_find("lync2013-single-edge-single-ip");
	struct ef_init_opts o = { 0 };
	struct ef_diag d;

	(void)state;
	assert_non_null(pub);
	assert_non_null(single);
	assert_non_null(one_ip);

	expect_error(pub, &o, "edgefw init: no node: give --node NAME");

	add_node(&o, single, 0, false);
	add_node(&o, single, 1, false);
	expect_error(
		single, &o,
		"edgefw init: lync2013-single-edge-public is a single Edge Server: one --node, not 2");

	add_node(&o, pub, 0, false);
	free(o.nodes[0].addrs[EF_SVC_AV][0]);
	o.nodes[0].naddrs[EF_SVC_AV] = 0;
	expect_error(pub, &o,
		     "edgefw init: --node edge1: no A/V Edge address (--av ADDR): the rules of "
		     "lync2013-scaled-edge-dnslb-public use it");

	add_node(&o, pub, 0, false);
	o.nodes[0].nifs[EF_ROLE_EXTERNAL] = 0;
	free(o.nodes[0].ifs[EF_ROLE_EXTERNAL][0]);
	expect_error(pub, &o, "edgefw init: --node edge1: no external NIC (--external NIC)");

	add_node(&o, one_ip, 0, false);
	ef_init_add_list(&o.nodes[0].addrs[EF_SVC_AV], &o.nodes[0].naddrs[EF_SVC_AV],
			 "203.0.113.99");
	expect_error(
		one_ip, &o,
		"edgefw init: --node edge1: --av: lync2013-single-edge-single-ip has no A/V Edge "
		"rules (every external service is on the --access address)");

	add_node(&o, pub, 0, false);
	ef_init_add_list(&o.nodes[0].addrs[EF_SVC_ACCESS], &o.nodes[0].naddrs[EF_SVC_ACCESS],
			 "203.0.113.300");
	expect_error(
		pub, &o,
		"edgefw init: --node edge1: --access 203.0.113.300: not an IPv4 or IPv6 address");

	add_node(&o, pub, 0, false);
	ef_diag_init(&d, "edgefw init");
	assert_int_equal(ef_init_add_peer(&o, "partners=198.51.100.0/24", &d), 0);
	ef_diag_free(&d);
	expect_error(
		pub, &o,
		"edgefw init: --peer: lync2013-scaled-edge-dnslb-public has no peer set \"partners\" "
		"(it has: xmpp_gateway, sip_next_hop, front_end, av_authentication, cms, "
		"public_im_partners, live_messenger_clients, admin_hosts)");

	add_node(&o, pub, 0, false);
	ef_diag_init(&d, "edgefw init");
	assert_int_equal(ef_init_add_peer(&o, "cms=198.51.100.7/24", &d), 0);
	ef_diag_free(&d);
	expect_error(pub, &o, "edgefw init: --peer: cms=198.51.100.7/24: host bits set");

	ef_diag_init(&d, "edgefw init");
	assert_int_equal(ef_init_add_peer(&o, "cms", &d), -1);
	assert_true(ef_diag_has(&d, "edgefw init: --peer: \"cms\": write SET=CIDR[,CIDR...]"));
	ef_diag_free(&d);
	ef_init_opts_free(&o);

	add_node(&o, pub, 0, false);
	ef_init_add_list(&o.exclude_tags, &o.nexclude_tags, "ocs2007,ocs2009");
	expect_error(
		pub, &o,
		"edgefw init: --exclude-tag: no rule of lync2013-scaled-edge-dnslb-public has the "
		"tag \"ocs2009\" (tags: xmpp, ocs2007, federation, public-im, live-messenger)");

	/* what only the whole policy shows: the parser's words, the policy's path */
	add_node(&o, pub, 0, false);
	add_node(&o, pub, 1, false);
	free(o.nodes[1].addrs[EF_SVC_ACCESS][0]);
	o.nodes[1].addrs[EF_SVC_ACCESS][0] = strdup("203.0.113.10");
	expect_error(
		pub, &o,
		"edgefw init: nodes[1].addresses.access[0]: 203.0.113.10 is also an address of node edge1");

	add_node(&o, pub, 0, false);
	free(o.nodes[0].name);
	o.nodes[0].name = strdup("edge 1");
	expect_error(pub, &o, "edgefw init: nodes[0].name: \"edge 1\": use letters, digits");
}

/* ---- prompts ----------------------------------------------------------------------------- */

static char *prompt(const struct ef_topology *t, const char *answers, struct ef_init_opts *o,
		    int *rc)
{
	FILE *in = fmemopen((void *)answers, strlen(answers), "r");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(in);
	assert_non_null(f);
	*rc = ef_init_prompt(t, in, f, o);
	fclose(in);
	fclose(f);
	return out;
}

static void test_prompt_pool(void **state)
{
	const struct ef_topology *t = ef_topology_find("lync2013-scaled-edge-dnslb-nat");
	struct ef_init_opts o = { 0 };
	struct ef_diag d;
	char *out, *text;
	int rc;

	(void)state;
	out = prompt(t,
		     /* node 1: defaults for name and NICs, a bad address asked again */
		     "\n\n\n10.45.16.10\n10.45.16.20\n10.45.16.300\n10.45.16.30\n198.18.0.10\n\ny\n"
		     /* node 2 */
		     "edge-b\neth3\neth2, eth4\n10.45.16.11\n10.45.16.21\n\n10.45.16.31\n"
		     "198.18.0.20\n198.18.1.20\nn\n"
		     /* jump hosts */
		     "198.18.255.0/28 2001:db8:ff::/64\n",
		     &o, &rc);
	assert_int_equal(rc, 0);
	assert_has_all(out, "lync2013-scaled-edge-dnslb-nat: Lync 2013 scaled",
		       "Node 1: name (the short hostname) [edge1]: ", "  external NIC(s) [eth1]: ",
		       "  10.45.16.300 is not an IPv4 or IPv6 address\n",
		       "  at least one address, please\n",
		       "Another node? (y/n) [y]: ", "Another node? (y/n) [n]: ");
	assert_int_equal(o.nnodes, 2);
	assert_string_equal(o.nodes[0].name, "edge1");
	assert_string_equal(o.nodes[0].ifs[EF_ROLE_EXTERNAL][0], "eth1");
	assert_int_equal(o.nodes[0].naddrs[EF_SVC_MANAGEMENT], 0);
	assert_string_equal(o.nodes[1].name, "edge-b");
	assert_int_equal(o.nodes[1].nifs[EF_ROLE_INTERNAL], 2);
	assert_string_equal(o.nodes[1].ifs[EF_ROLE_INTERNAL][1], "eth4");
	assert_string_equal(o.nodes[1].addrs[EF_SVC_AV][0], "10.45.16.31");
	assert_string_equal(o.nodes[1].addrs[EF_SVC_MANAGEMENT][0], "198.18.1.20");
	assert_int_equal(o.npeers, 1);
	assert_string_equal(o.peers[0].set, "admin_hosts");
	assert_int_equal(o.peers[0].n, 2);
	ef_diag_init(&d, "edgefw init");
	text = ef_init_build(t, &o, &d);
	ef_diag_print(&d, stderr);
	assert_non_null(text);
	ef_policy_free(check_text(text, NULL));
	free(text);
	free(out);
	ef_diag_free(&d);
	ef_init_opts_free(&o);
}

static void test_prompt_single_ip(void **state)
{
	const struct ef_topology *t = ef_topology_find("lync2013-single-edge-single-ip");
	struct ef_init_opts o = { 0 };
	char *out;
	int rc;

	(void)state;
	/* one node, never "another node?"; only the one external address asked */
	out = prompt(t, "edge9\neth1\neth0\n203.0.113.9\n198.18.0.9\n\n\n", &o, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(out, "Another node"));
	assert_null(strstr(out, "A/V Edge"));
	assert_non_null(
		strstr(out, "  Access Edge address(es) (every external service uses it): "));
	assert_int_equal(o.nnodes, 1);
	assert_int_equal(o.npeers, 0); /* the example prefix kept */
	free(out);
	ef_init_opts_free(&o);

	/* end of input: -1 */
	out = prompt(t, "edge9\neth1\n", &o, &rc);
	assert_int_equal(rc, -1);
	free(out);
	ef_init_opts_free(&o);
}

static void test_lists(void **state)
{
	char **v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(ef_init_add_list(&v, &n, " a, b  c,,d "), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[3], "d");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_library_is_policies_dir),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_every_topology_valid),
		cmocka_unit_test(test_every_topology_options),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_prompt_pool),
		cmocka_unit_test(test_prompt_single_ip),
		cmocka_unit_test(test_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
