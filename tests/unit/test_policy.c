// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: policy parsing and checking (agent/policy.c) and the address
 * helpers (agent/addr.c).  Every message is compared whole, "FILE: PATH:
 * text", against what a user would read from `edgefw validate`.
 *
 * Policies are written with single quotes for readability; parse_q() turns
 * them into double quotes before parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <ifaddrs.h>
#include <cmocka.h>

#include "edgefw/parse.h"
#include "addr.h"
#include "diag.h"
#include "policy.h"
#include "testutil.h"

#ifndef EF_SHIPPED_POLICY
#define EF_SHIPPED_POLICY "policies/lync2013-scaled-edge-dnslb-public.json"
#endif

/* ---- fixture ------------------------------------------------------------- */

static struct {
	struct ef_diag d;
	struct ef_policy *p;
	char *text;
} F;

static void reset(void)
{
	ef_policy_free(F.p);
	ef_diag_free(&F.d);
	free(F.text);
	memset(&F, 0, sizeof(F));
}

static int teardown(void **state)
{
	(void)state;
	reset();
	return 0;
}

static struct ef_policy *parse_len(const char *text, size_t len)
{
	reset();
	ef_diag_init(&F.d, "t.json");
	F.p = ef_policy_parse("t.json", text, len, &F.d);
	return F.p;
}

static struct ef_policy *parse_raw(const char *text)
{
	return parse_len(text, strlen(text));
}

/* printf, then ' -> " so that JSON can be written inside C strings */
__attribute__((format(printf, 1, 2))) static struct ef_policy *parse_q(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vjson(fmt, ap);
	va_end(ap);
	parse_raw(s);
	F.text = s;
	return F.p;
}

#define NODE_EDGE1                                                            \
	"{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'}," \
	"'addresses':{'access':['203.0.113.10'],'webconf':['203.0.113.11'],"  \
	"'av':['203.0.113.12'],'internal':['198.18.0.10']}}"
#define NODE_EDGE2                                                            \
	"{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'}," \
	"'addresses':{'access':['203.0.113.20'],'internal':['198.18.0.20']}}"
#define RULE_IN                                                 \
	"{'name':'r0','interface':'external','direction':'in'," \
	"'service':'access','protocol':'tcp','ports':'443','peer':'any'}"

/* A whole policy: extra top-level members (each ending in a comma). */
static struct ef_policy *parse_doc(const char *extra, const char *nodes, const char *rules)
{
	return parse_q("{'format':'edgefw/v1','name':'t',%s'nodes':[%s],'rules':[%s]}", extra,
		       nodes, rules);
}

static struct ef_policy *parse_rules(const char *rules)
{
	return parse_doc("", NODE_EDGE1, rules);
}

static struct ef_policy *parse_nodes(const char *nodes)
{
	return parse_doc("", nodes, RULE_IN);
}

/* edge1 and these rules, with the top-level member name:{value} */
static struct ef_policy *parse_member(const char *name, const char *value, const char *rules)
{
	char *extra = NULL;
	struct ef_policy *p;

	assert_true(asprintf(&extra, "'%s':{%s},", name, value) >= 0);
	p = parse_doc(extra, NODE_EDGE1, rules);
	free(extra);
	return p;
}

static struct ef_policy *parse_settings(const char *settings)
{
	return parse_member("settings", settings, RULE_IN);
}

static struct ef_policy *parse_peers(const char *peers, const char *rules)
{
	return parse_member("peers", peers, rules);
}

/* One rule r0 on the external NIC (in: access TCP, out: av UDP) with the
 * given extra members. */
static struct ef_policy *parse_rule_dir(bool in, const char *members)
{
	char *r = NULL;
	struct ef_policy *p;

	assert_true(asprintf(&r,
			     "{'name':'r0','interface':'external','direction':'%s',"
			     "'service':'%s','protocol':'%s',%s}",
			     in ? "in" : "out", in ? "access" : "av", in ? "tcp" : "udp",
			     members) >= 0);
	p = parse_rules(r);
	free(r);
	return p;
}

static struct ef_policy *parse_rule_in(const char *members)
{
	return parse_rule_dir(true, members);
}

static struct ef_policy *parse_rule_out(const char *members)
{
	return parse_rule_dir(false, members);
}

/* ---- assertions on the diagnostics --------------------------------------- */

static void dump(void)
{
	print_error("diagnostics (%d errors, %d warnings):\n", F.d.errors, F.d.warnings);
	for (int i = 0; i < F.d.n; i++)
		print_error("  %s\n", F.d.msgs[i]);
}

static int find_msg(const char *msg)
{
	for (int i = 0; i < F.d.n; i++)
		if (strcmp(F.d.msgs[i], msg) == 0)
			return i;
	return -1;
}

/* The message is there, verbatim (and ef_diag_has agrees). */
#define want_msg(m) want_msg_(m, __FILE__, __LINE__)
static void want_msg_(const char *msg, const char *file, int line)
{
	if (find_msg(msg) < 0 || !ef_diag_has(&F.d, msg)) {
		print_error("missing message: %s\n", msg);
		dump();
		_fail(file, line);
	}
}

/* The only problem found is this one error. */
#define want_only(m) want_only_(m, __FILE__, __LINE__)
static void want_only_(const char *msg, const char *file, int line)
{
	if (F.d.n != 1 || F.d.errors != 1 || F.d.warnings != 0 || strcmp(F.d.msgs[0], msg) != 0 ||
	    !ef_diag_has(&F.d, msg)) {
		print_error("expected exactly one error: %s\n", msg);
		dump();
		_fail(file, line);
	}
}

/* The only problem found is this one warning. */
#define want_only_warning(m) want_only_warning_(m, __FILE__, __LINE__)
static void want_only_warning_(const char *msg, const char *file, int line)
{
	if (F.d.n != 1 || F.d.errors != 0 || F.d.warnings != 1 || strcmp(F.d.msgs[0], msg) != 0) {
		print_error("expected exactly one warning: %s\n", msg);
		dump();
		_fail(file, line);
	}
}

#define want_clean() want_clean_(__FILE__, __LINE__)
static void want_clean_(const char *file, int line)
{
	if (!F.p || F.d.errors || F.d.warnings || F.d.n) {
		print_error("expected a clean parse (policy %p)\n", (void *)F.p);
		dump();
		_fail(file, line);
	}
}

/* Not JSON or not an object: no policy at all, one error. */
#define want_rejected(m)          \
	do {                      \
		assert_null(F.p); \
		want_only(m);     \
	} while (0)

/* ==== not JSON ============================================================== */

static void json_syntax_error_names_the_line(void **state)
{
	(void)state;
	parse_raw("{\n\n  \"format\" \"edgefw/v1\"\n}\n");
	want_rejected(
		"t.json: not valid JSON: object property name separator ':' expected at line 3");
}

static void json_truncated_is_unexpected_end(void **state)
{
	(void)state;
	parse_raw("{\"format\": \"edgefw/v1\",");
	want_rejected("t.json: not valid JSON: unexpected end of file");
}

static void json_empty_file_is_unexpected_end(void **state)
{
	(void)state;
	parse_len("", 0);
	want_rejected("t.json: not valid JSON: unexpected end of file");
}

static void json_trailing_data_rejected(void **state)
{
	(void)state;
	/* json-c's strict mode reports the first character after the object */
	parse_raw("{}\n\n{}\n");
	want_rejected("t.json: not valid JSON: unexpected character at line 3");
}

static void json_trailing_whitespace_accepted(void **state)
{
	(void)state;
	parse_q("  {'format':'edgefw/v1','name':'t','nodes':[" NODE_EDGE1 "],'rules':[" RULE_IN
		"]} \n\n\t");
	want_clean();
}

static void json_nul_byte_rejected(void **state)
{
	static const char text[] = "{\"format\":\"edgefw/v1\"}\0{}";

	(void)state;
	parse_len(text, sizeof(text) - 1);
	want_rejected("t.json: not valid JSON: contains a NUL byte");
}

static char *nested(int depth)
{
	/* {"x": [[...[1]...]]}: the object plus depth-1 arrays */
	char *s = calloc(1, (size_t)depth * 2 + 16);
	size_t n = 0;

	assert_non_null(s);
	n += (size_t)sprintf(s, "{\"x\":");
	for (int i = 1; i < depth; i++)
		s[n++] = '[';
	s[n++] = '1';
	for (int i = 1; i < depth; i++)
		s[n++] = ']';
	s[n++] = '}';
	return s;
}

static void json_nesting_deeper_than_16_rejected(void **state)
{
	char *s = nested(17);

	(void)state;
	parse_raw(s);
	free(s);
	want_rejected("t.json: not valid JSON: nesting too deep at line 1");
}

static void json_nesting_of_15_accepted(void **state)
{
	char *s = nested(15);

	(void)state;
	parse_raw(s);
	free(s);
	assert_non_null(F.p); /* JSON is fine; the policy is not */
	want_msg("t.json: unknown key \"x\"");
}

static void json_invalid_utf8_rejected(void **state)
{
	(void)state;
	parse_raw("{\"format\":\"edgefw/v1\",\"name\":\"caf\xc3\x28\"}");
	want_rejected("t.json: not valid JSON: invalid utf-8 string at line 1");
}

static void json_top_level_array_rejected(void **state)
{
	(void)state;
	parse_raw("[{\"format\":\"edgefw/v1\"}]");
	want_rejected("t.json: a policy is a JSON object, not array");
}

static void json_top_level_string_rejected(void **state)
{
	(void)state;
	parse_raw("\"edgefw/v1\"");
	want_rejected("t.json: a policy is a JSON object, not string");
}

static void load_missing_file_reports_errno(void **state)
{
	(void)state;
	reset();
	ef_diag_init(&F.d, "nope.json");
	F.p = ef_policy_load("/nonexistent/edgefw/nope.json", &F.d);
	assert_null(F.p);
	want_only("nope.json: cannot open: No such file or directory");
}

/* ==== top level ================================================================ */

static void minimal_policy_is_clean(void **state)
{
	(void)state;
	assert_non_null(parse_doc("", NODE_EDGE1, RULE_IN));
	want_clean();
	assert_string_equal(F.p->name, "t");
	assert_string_equal(F.p->file, "t.json");
	assert_int_equal(F.p->nnodes, 1);
	assert_int_equal(F.p->nrules, 1);
}

static void empty_object_lists_every_missing_member(void **state)
{
	(void)state;
	assert_non_null(parse_raw("{}"));
	assert_int_equal(F.d.errors, 4);
	want_msg("t.json: format: missing (a string is required)");
	want_msg("t.json: name: missing (a string is required)");
	want_msg("t.json: nodes: missing (a list of edge nodes)");
	want_msg("t.json: rules: missing (a list of rules)");
}

static void format_missing(void **state)
{
	(void)state;
	parse_q("{'name':'t','nodes':[" NODE_EDGE1 "],'rules':[" RULE_IN "]}");
	want_only("t.json: format: missing (a string is required)");
}

static void format_wrong_version(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v2','name':'t','nodes':[" NODE_EDGE1 "],'rules':[" RULE_IN "]}");
	want_only("t.json: format: \"edgefw/v2\" is not supported (expected \"edgefw/v1\")");
}

static void format_not_a_string(void **state)
{
	(void)state;
	parse_q("{'format':1,'name':'t','nodes':[" NODE_EDGE1 "],'rules':[" RULE_IN "]}");
	want_only("t.json: format: must be a string, not int");
}

static void name_missing(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v1','nodes':[" NODE_EDGE1 "],'rules':[" RULE_IN "]}");
	want_only("t.json: name: missing (a string is required)");
}

static void name_not_a_string(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v1','name':['t'],'nodes':[" NODE_EDGE1 "],'rules':[" RULE_IN
		"]}");
	want_only("t.json: name: must be a string, not array");
}

static void unknown_top_level_key(void **state)
{
	(void)state;
	parse_doc("'rulez':[],", NODE_EDGE1, RULE_IN);
	want_only("t.json: unknown key \"rulez\"");
}

static void description_and_schema_accepted(void **state)
{
	(void)state;
	parse_doc("'description':'d','$schema':'x',", NODE_EDGE1, RULE_IN);
	want_clean();
}

static void nodes_missing(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v1','name':'t','rules':[" RULE_IN "]}");
	want_only("t.json: nodes: missing (a list of edge nodes)");
}

static void nodes_empty(void **state)
{
	(void)state;
	parse_doc("", "", RULE_IN);
	want_only("t.json: nodes: must be a non-empty list");
}

static void nodes_not_a_list(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v1','name':'t','nodes':" NODE_EDGE1 ",'rules':[" RULE_IN "]}");
	want_only("t.json: nodes: must be a non-empty list");
}

static void rules_missing(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v1','name':'t','nodes':[" NODE_EDGE1 "]}");
	want_only("t.json: rules: missing (a list of rules)");
}

static void rules_not_a_list(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v1','name':'t','nodes':[" NODE_EDGE1 "],'rules':" RULE_IN "}");
	want_only("t.json: rules: must be a list");
}

static void rules_empty_list_accepted(void **state)
{
	(void)state;
	parse_rules("");
	want_clean();
	assert_int_equal(F.p->nrules, 0);
}

static void every_problem_is_reported(void **state)
{
	(void)state;
	parse_rules("{'name':'a','interface':'dmz','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':'any'},"
		    "{'name':'b','interface':'external','direction':'in','service':'access',"
		    "'protocol':'sctp','ports':'443','peer':'any'}");
	assert_non_null(F.p);
	assert_int_equal(F.d.errors, 2);
	want_msg("t.json: rules[0].interface: unknown interface \"dmz\" (external or internal)");
	want_msg("t.json: rules[1].protocol: unknown protocol \"sctp\" (tcp or udp)");
}

/* ==== settings ================================================================= */

static void settings_defaults_when_absent(void **state)
{
	const struct ef_settings *s;

	(void)state;
	parse_doc("", NODE_EDGE1, RULE_IN);
	want_clean();
	s = &F.p->settings;
	assert_int_equal(s->mode, EF_MODE_ENFORCE);
	assert_int_equal(s->egress, EF_MODE_ENFORCE);
	assert_true(s->ping);
	assert_false(s->log_allowed);
	assert_int_equal(s->nexclude_tags, 0);
	assert_int_equal(s->timeout_s[EF_TO_TCP_SYN], 30);
	assert_int_equal(s->timeout_s[EF_TO_TCP_EST], 7440);
	assert_int_equal(s->timeout_s[EF_TO_TCP_CLOSING], 60);
	assert_int_equal(s->timeout_s[EF_TO_UDP], 120);
	assert_int_equal(s->timeout_s[EF_TO_ICMP], 30);
	assert_int_equal(s->timeout_s[EF_TO_FRAGMENT], 10);
	assert_int_equal(s->flow_table_size, 262144);
	assert_int_equal(s->new_flow_table_size, 65536);
	assert_int_equal(s->fragment_table_size, 8192);
}

/* ==== per-source limits ======================================================== */

#define RULE_IN_LIMITS(l)                                                 \
	"{'name':'r0','interface':'external','direction':'in',"           \
	"'service':'access','protocol':'tcp','ports':'443','peer':'any'," \
	"'limits':" l "}"

static void limits_absent_means_none(void **state)
{
	(void)state;
	parse_doc("", NODE_EDGE1, RULE_IN);
	want_clean();
	assert_int_equal(F.p->rules[0].limits.rate, 0);
	for (int i = 0; i < EF_SVC_MAX; i++)
		assert_int_equal(F.p->settings.limits[i].rate, 0);
	assert_int_equal(F.p->settings.limit_v6_prefix, 64);
}

static void limits_rule_values_and_defaults(void **state)
{
	(void)state;
	parse_rules(RULE_IN_LIMITS("{'new_flows_per_sec':20,'burst':40,'block_seconds':60}"));
	want_clean();
	assert_int_equal(F.p->rules[0].limits.rate, 20);
	assert_int_equal(F.p->rules[0].limits.burst, 40);
	assert_int_equal(F.p->rules[0].limits.block_s, 60);
	parse_rules(RULE_IN_LIMITS("{'new_flows_per_sec':7}"));
	want_clean();
	assert_int_equal(F.p->rules[0].limits.rate, 7);
	assert_int_equal(F.p->rules[0].limits.burst, 14); /* 2 x rate */
	assert_int_equal(F.p->rules[0].limits.block_s, 300);
}

static void limits_rule_errors(void **state)
{
	(void)state;
	parse_rules(RULE_IN_LIMITS("{'burst':4}"));
	want_only("t.json: rules[0].limits: new_flows_per_sec missing");
	parse_rules(RULE_IN_LIMITS("{'new_flows_per_sec':0}"));
	assert_true(F.d.errors > 0);
	want_msg("t.json: rules[0].limits.new_flows_per_sec: 0 out of range 1-1000000");
	parse_rules(RULE_IN_LIMITS("{'new_flows_per_sec':5,'block_seconds':86401}"));
	assert_true(F.d.errors > 0);
	want_msg("t.json: rules[0].limits.block_seconds: 86401 out of range 1-86400");
	parse_rules(RULE_IN_LIMITS("{'new_flows_per_sec':5,'rate':3}"));
	want_only("t.json: rules[0].limits: unknown key \"rate\"");
	parse_rules(RULE_IN_LIMITS("20"));
	want_only("t.json: rules[0].limits: must be an object, not int");
	parse_rules(
		"{'name':'o','interface':'external','direction':'out','service':'access',"
		"'protocol':'tcp','ports':'443','peer':'any','limits':{'new_flows_per_sec':5}}");
	want_only(
		"t.json: rules[0].limits: limits apply to in rules (sources opening flows to the node)");
}

static void limits_settings_per_service(void **state)
{
	(void)state;
	parse_settings("'limits':{'access':{'new_flows_per_sec':20,'burst':40},"
		       "'xmpp':{'new_flows_per_sec':5}},'limit_v6_prefix':56");
	want_clean();
	assert_int_equal(F.p->settings.limits[EF_SVC_ACCESS].rate, 20);
	assert_int_equal(F.p->settings.limits[EF_SVC_ACCESS].burst, 40);
	assert_int_equal(F.p->settings.limits[EF_SVC_XMPP].rate, 5);
	assert_int_equal(F.p->settings.limits[EF_SVC_AV].rate, 0);
	assert_int_equal(F.p->settings.limit_v6_prefix, 56);
	parse_settings("'limits':{'acess':{'new_flows_per_sec':20}}");
	want_only("t.json: settings.limits.acess: unknown service \"acess\"");
	parse_settings("'limits':[1]");
	want_only("t.json: settings.limits: must be an object of services, not array");
	parse_settings("'limits':{'access':null}");
	assert_true(F.d.errors > 0);
	want_msg("t.json: settings.limits.access: must be an object, not null");
	parse_settings("'limit_v6_prefix':16");
	assert_true(F.d.errors > 0);
	want_msg("t.json: settings.limit_v6_prefix: 16 out of range 32-128");
}

static void settings_empty_object_keeps_defaults(void **state)
{
	(void)state;
	parse_settings("");
	want_clean();
	assert_int_equal(F.p->settings.mode, EF_MODE_ENFORCE);
	assert_true(F.p->settings.ping);
	assert_int_equal(F.p->settings.timeout_s[EF_TO_UDP], 120);
}

static void settings_values_parsed(void **state)
{
	const struct ef_settings *s;

	(void)state;
	parse_settings("'mode':'monitor','egress':'off','ping':false,'log_allowed':true,"
		       "'description':'x',"
		       "'timeouts':{'tcp_syn':5,'tcp_established':86400,'tcp_closing':7,"
		       "'udp':300,'icmp':9,'fragment':2},"
		       "'flow_table_size':1024,'new_flow_table_size':16777216,"
		       "'fragment_table_size':256");
	want_clean();
	s = &F.p->settings;
	assert_int_equal(s->mode, EF_MODE_MONITOR);
	assert_int_equal(s->egress, EF_MODE_OFF);
	assert_false(s->ping);
	assert_true(s->log_allowed);
	assert_int_equal(s->timeout_s[EF_TO_TCP_SYN], 5);
	assert_int_equal(s->timeout_s[EF_TO_TCP_EST], 86400);
	assert_int_equal(s->timeout_s[EF_TO_TCP_CLOSING], 7);
	assert_int_equal(s->timeout_s[EF_TO_UDP], 300);
	assert_int_equal(s->timeout_s[EF_TO_ICMP], 9);
	assert_int_equal(s->timeout_s[EF_TO_FRAGMENT], 2);
	assert_int_equal(s->flow_table_size, 1024);
	assert_int_equal(s->new_flow_table_size, 16777216);
	assert_int_equal(s->fragment_table_size, 256);
}

static void settings_partial_timeouts_keep_other_defaults(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'udp':60}");
	want_clean();
	assert_int_equal(F.p->settings.timeout_s[EF_TO_UDP], 60);
	assert_int_equal(F.p->settings.timeout_s[EF_TO_TCP_EST], 7440);
}

static void settings_egress_monitor_and_enforce(void **state)
{
	(void)state;
	parse_settings("'egress':'monitor'");
	want_clean();
	assert_int_equal(F.p->settings.egress, EF_MODE_MONITOR);
	parse_settings("'egress':'enforce','mode':'enforce'");
	want_clean();
	assert_int_equal(F.p->settings.egress, EF_MODE_ENFORCE);
}

static void settings_not_an_object(void **state)
{
	(void)state;
	parse_doc("'settings':['enforce'],", NODE_EDGE1, RULE_IN);
	want_only("t.json: settings: must be an object, not array");
}

static void settings_unknown_key(void **state)
{
	(void)state;
	parse_settings("'mod':'monitor'");
	want_only("t.json: settings: unknown key \"mod\"");
}

static void settings_mode_off_rejected(void **state)
{
	(void)state;
	parse_settings("'mode':'off'");
	want_only("t.json: settings.mode: \"off\" is not one of enforce, monitor");
}

static void settings_mode_unknown(void **state)
{
	(void)state;
	parse_settings("'mode':'Enforce'");
	want_only("t.json: settings.mode: \"Enforce\" is not one of enforce, monitor");
}

static void settings_mode_not_a_string(void **state)
{
	(void)state;
	parse_settings("'mode':true");
	want_only("t.json: settings.mode: must be a string, not boolean");
}

static void settings_egress_unknown(void **state)
{
	(void)state;
	parse_settings("'egress':'drop'");
	want_only("t.json: settings.egress: \"drop\" is not one of enforce, monitor, off");
}

static void settings_ping_not_bool(void **state)
{
	(void)state;
	parse_settings("'ping':'yes'");
	want_only("t.json: settings.ping: must be true or false, not string");
}

static void settings_log_allowed_not_bool(void **state)
{
	(void)state;
	parse_settings("'log_allowed':1");
	want_only("t.json: settings.log_allowed: must be true or false, not int");
}

static void settings_timeouts_not_an_object(void **state)
{
	(void)state;
	parse_settings("'timeouts':30");
	want_only("t.json: settings.timeouts: must be an object, not int");
}

static void settings_timeouts_unknown_key(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'tcp':30}");
	want_only("t.json: settings.timeouts: unknown key \"tcp\"");
}

static void settings_timeout_zero_out_of_range(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'udp':0}");
	want_only("t.json: settings.timeouts.udp: 0 out of range 1-2592000");
	assert_int_equal(F.p->settings.timeout_s[EF_TO_UDP], 120);
}

static void settings_timeout_above_30_days(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'tcp_established':2592001}");
	want_only("t.json: settings.timeouts.tcp_established: 2592001 out of range 1-2592000");
}

static void settings_timeout_negative(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'icmp':-1}");
	want_only("t.json: settings.timeouts.icmp: -1 out of range 1-2592000");
}

static void settings_timeout_bounds_accepted(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'tcp_syn':1,'fragment':2592000}");
	want_clean();
	assert_int_equal(F.p->settings.timeout_s[EF_TO_TCP_SYN], 1);
	assert_int_equal(F.p->settings.timeout_s[EF_TO_FRAGMENT], 2592000);
}

static void settings_timeout_not_an_integer(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'tcp_closing':'60'}");
	want_only("t.json: settings.timeouts.tcp_closing: must be an integer, not string");
}

static void settings_timeout_fraction_rejected(void **state)
{
	(void)state;
	parse_settings("'timeouts':{'udp':1.5}");
	want_only("t.json: settings.timeouts.udp: must be an integer, not double");
}

static void settings_flow_table_size_too_small(void **state)
{
	(void)state;
	parse_settings("'flow_table_size':1023");
	want_only("t.json: settings.flow_table_size: 1023 out of range 1024-16777216");
}

static void settings_new_flow_table_size_too_large(void **state)
{
	(void)state;
	parse_settings("'new_flow_table_size':16777217");
	want_only("t.json: settings.new_flow_table_size: 16777217 out of range 1024-16777216");
}

static void settings_fragment_table_size_out_of_range(void **state)
{
	(void)state;
	parse_settings("'fragment_table_size':255");
	want_only("t.json: settings.fragment_table_size: 255 out of range 256-1048576");
	parse_settings("'fragment_table_size':1048577");
	want_only("t.json: settings.fragment_table_size: 1048577 out of range 256-1048576");
}

static void settings_table_size_not_an_integer(void **state)
{
	(void)state;
	parse_settings("'flow_table_size':'big'");
	want_only("t.json: settings.flow_table_size: must be an integer, not string");
}

static void settings_exclude_tags_not_a_list(void **state)
{
	(void)state;
	parse_settings("'exclude_tags':{'ocs2007':true}");
	want_only(
		"t.json: settings.exclude_tags: must be a string or a list of strings, not object");
}

static void settings_exclude_tags_element_not_a_string(void **state)
{
	(void)state;
	parse_doc("'settings':{'exclude_tags':[7]},", NODE_EDGE1, RULE_IN);
	want_only("t.json: settings.exclude_tags[0]: must be a string, not int");
}

static void settings_exclude_tags_string_is_one_tag(void **state)
{
	(void)state;
	parse_doc("'settings':{'exclude_tags':'old'},", NODE_EDGE1,
		  "{'name':'r0','interface':'external','direction':'in','service':'access',"
		  "'protocol':'tcp','ports':'443','peer':'any','tags':['old']}");
	want_clean();
	assert_int_equal(F.p->settings.nexclude_tags, 1);
	assert_string_equal(F.p->settings.exclude_tags[0], "old");
}

static void exclude_tag_on_no_rule_warns(void **state)
{
	(void)state;
	parse_doc("'settings':{'exclude_tags':['ocs2007']},", NODE_EDGE1, RULE_IN);
	assert_non_null(F.p);
	want_only_warning("t.json: warning: settings.exclude_tags: tag \"ocs2007\" is on no rule");
}

static void exclude_tag_on_a_rule_does_not_warn(void **state)
{
	(void)state;
	parse_doc("'settings':{'exclude_tags':['ocs2007']},", NODE_EDGE1,
		  "{'name':'r0','interface':'external','direction':'in','service':'access',"
		  "'protocol':'tcp','ports':'443','peer':'any','tags':['a','ocs2007']}");
	want_clean();
}

/* ==== peers ====================================================================== */

#define RULE_PEER(set)                                                             \
	"{'name':'r0','interface':'external','direction':'in','service':'access'," \
	"'protocol':'tcp','ports':'443','peer':'" set "'}"

static void peers_not_an_object(void **state)
{
	(void)state;
	parse_doc("'peers':['10.0.0.0/8'],", NODE_EDGE1, RULE_IN);
	want_only("t.json: peers: must be an object of named sets, not array");
}

static void peers_any_cannot_name_a_set(void **state)
{
	(void)state;
	parse_peers("'any':['10.0.0.0/8']", RULE_IN);
	want_only("t.json: peers.any: \"any\" is reserved and cannot name a set");
}

static void peers_bad_cidr(void **state)
{
	(void)state;
	parse_peers("'fe':['10.0.0.0/8','front-end']", RULE_PEER("fe"));
	want_only("t.json: peers.fe[1]: bad CIDR \"front-end\": not an IPv4 or IPv6 address");
}

static void peers_prefix_length_out_of_range_v4(void **state)
{
	(void)state;
	parse_peers("'fe':['10.0.0.0/33']", RULE_PEER("fe"));
	want_only(
		"t.json: peers.fe[0]: bad CIDR \"10.0.0.0/33\": prefix length is not a number in range");
}

static void peers_prefix_length_out_of_range_v6(void **state)
{
	(void)state;
	parse_peers("'fe':['2001:db8::/129']", RULE_PEER("fe"));
	want_only(
		"t.json: peers.fe[0]: bad CIDR \"2001:db8::/129\": prefix length is not a number in range");
}

static void peers_prefix_length_not_a_number(void **state)
{
	(void)state;
	parse_peers("'fe':['10.0.0.0/x8']", RULE_PEER("fe"));
	want_only(
		"t.json: peers.fe[0]: bad CIDR \"10.0.0.0/x8\": prefix length is not a number in range");
}

static void peers_host_bits_set_v4(void **state)
{
	(void)state;
	parse_peers("'fe':['198.51.100.7/24']", RULE_PEER("fe"));
	want_only("t.json: peers.fe[0]: bad CIDR \"198.51.100.7/24\": host bits set");
}

static void peers_host_bits_set_v6(void **state)
{
	(void)state;
	parse_peers("'fe':['2001:db8::1/64']", RULE_PEER("fe"));
	want_only("t.json: peers.fe[0]: bad CIDR \"2001:db8::1/64\": host bits set");
}

static void peers_element_not_a_string(void **state)
{
	(void)state;
	parse_peers("'fe':[10]", RULE_PEER("fe"));
	want_only("t.json: peers.fe[0]: must be a string, not int");
}

static void peers_empty_set(void **state)
{
	(void)state;
	parse_peers("'fe':[]", RULE_PEER("fe"));
	want_only(
		"t.json: peers.fe: empty set would match nothing (use [\"any\"] or list prefixes)");
}

static void peers_set_not_a_list(void **state)
{
	(void)state;
	parse_peers("'fe':{'a':'10.0.0.0/8'}", RULE_PEER("fe"));
	want_only("t.json: peers.fe: must be a list of CIDRs or \"any\", not object");
}

static void peers_any_with_prefixes_warns(void **state)
{
	(void)state;
	parse_peers("'fe':['any','10.0.0.0/8']", RULE_PEER("fe"));
	assert_non_null(F.p);
	want_only_warning(
		"t.json: warning: peers.fe: \"any\" together with prefixes: the prefixes are redundant");
}

static const struct ef_peerset *peerset(const char *name)
{
	for (size_t i = 0; i < F.p->npeersets; i++)
		if (strcmp(F.p->peersets[i].name, name) == 0)
			return &F.p->peersets[i];
	fail_msg("no peer set %s", name);
	return NULL;
}

static void peers_set_parsed(void **state)
{
	const struct ef_peerset *ps;
	union ef_addr a;

	(void)state;
	parse_peers("'fe':['198.18.10.0/24','2001:db8::/32','198.51.100.7']", RULE_PEER("fe"));
	want_clean();
	ps = peerset("fe");
	assert_false(ps->any);
	assert_false(ps->inline_set);
	assert_int_equal(ps->n, 3);
	assert_int_equal(ps->pfx[0].len, 96 + 24);
	assert_int_equal(ps->pfx[1].len, 32);
	assert_int_equal(ps->pfx[2].len, 128);
	assert_int_equal(ef_addr_parse("198.18.10.0", &a), 0);
	assert_memory_equal(&ps->pfx[0].addr, &a, 16);
	assert_int_equal(F.p->rules[0].peerset, ps - F.p->peersets);
}

static void peers_lone_string_is_one_prefix(void **state)
{
	(void)state;
	parse_peers("'fe':'198.18.10.0/24'", RULE_PEER("fe"));
	want_clean();
	assert_int_equal(peerset("fe")->n, 1);
	assert_int_equal(peerset("fe")->pfx[0].len, 120);
}

static void peers_any_set(void **state)
{
	(void)state;
	parse_peers("'all':['any']", RULE_PEER("all"));
	want_clean();
	assert_true(peerset("all")->any);
	assert_int_equal(peerset("all")->n, 0);
}

/* ==== nodes ======================================================================= */

static void node_not_an_object(void **state)
{
	(void)state;
	parse_nodes("'edge1'");
	want_only("t.json: nodes[0]: must be an object, not string");
}

static void node_name_missing(void **state)
{
	(void)state;
	parse_nodes("{'interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only("t.json: nodes[0].name: missing (a string is required)");
}

static void node_name_invalid(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge 1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only(
		"t.json: nodes[0].name: \"edge 1\": use letters, digits, '.', '_' or '-' (at most 63)");
}

static void node_name_length_limit(void **state)
{
	char n63[64], n64[65];

	(void)state;
	memset(n63, 'a', 63);
	n63[63] = '\0';
	memset(n64, 'b', 64);
	n64[64] = '\0';
	parse_q("{'format':'edgefw/v1','name':'t','nodes':[{'name':'%s',"
		"'interfaces':{'external':'eth1','internal':'eth0'},"
		"'addresses':{'access':['203.0.113.10']}}],'rules':[]}",
		n63);
	want_clean();
	parse_q("{'format':'edgefw/v1','name':'t','nodes':[{'name':'%s',"
		"'interfaces':{'external':'eth1','internal':'eth0'},"
		"'addresses':{'access':['203.0.113.10']}}],'rules':[]}",
		n64);
	assert_non_null(F.p);
	assert_int_equal(F.d.errors, 1);
	assert_true(ef_diag_has(&F.d, "t.json: nodes[0].name: \"bbbb"));
	assert_true(ef_diag_has(&F.d, "bbbb\": use letters, digits, '.', '_' or '-' (at most 63)"));
}

static void node_name_duplicate(void **state)
{
	(void)state;
	parse_nodes(NODE_EDGE1
		    ",{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.20']}}");
	want_only("t.json: nodes[1].name: duplicate node name \"edge1\" (also nodes[0])");
}

static void node_unknown_key(void **state)
{
	(void)state;
	parse_nodes(
		"{'name':'edge1','role':'edge','interfaces':{'external':'eth1','internal':'eth0'},"
		"'addresses':{'access':['203.0.113.10']}}");
	want_only("t.json: nodes[0]: unknown key \"role\"");
}

static void node_interfaces_missing(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','addresses':{'access':['203.0.113.10']}}");
	want_only("t.json: nodes[0].interfaces: missing (external and internal NIC names)");
}

static void node_interfaces_not_an_object(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':['eth1','eth0'],"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only("t.json: nodes[0].interfaces: must be an object, not array");
}

static void node_interfaces_unknown_key(void **state)
{
	(void)state;
	parse_nodes(
		"{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0','dmz':'eth2'},"
		"'addresses':{'access':['203.0.113.10']}}");
	want_only("t.json: nodes[0].interfaces: unknown key \"dmz\"");
}

static void node_internal_interface_missing(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only("t.json: nodes[0].interfaces.internal: interface missing");
}

static void node_external_interface_empty_list(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':[],'internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only("t.json: nodes[0].interfaces.external: interface missing");
}

static void node_interface_not_a_string(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':3,'internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only(
		"t.json: nodes[0].interfaces.external: must be a string or a list of strings, not int");
}

static void node_interface_name_invalid(void **state)
{
	static const char *const bad[] = { "eth 1", "a/b", "abcdefghijklmnop", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		parse_q("{'format':'edgefw/v1','name':'t','nodes':[{'name':'edge1',"
			"'interfaces':{'external':'%s','internal':'eth0'},"
			"'addresses':{'access':['203.0.113.10']}}],'rules':[]}",
			bad[i]);
		snprintf(
			want, sizeof(want),
			"t.json: nodes[0].interfaces.external: \"%s\" is not a valid interface name",
			bad[i]);
		want_only(want);
	}
}

static void node_interface_name_15_chars_accepted(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'abcdefghijklmno','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_clean();
}

static void node_same_nic_for_both_roles(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':['eth1','eth0'],'internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only(
		"t.json: nodes[0].interfaces: eth0 is both the external and the internal interface");
}

static void node_interface_lists_parsed(void **state)
{
	const struct ef_node *n;

	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':['bond1','eth3'],'internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_clean();
	n = ef_policy_node(F.p, "edge1");
	assert_non_null(n);
	assert_int_equal(n->nifnames[EF_ROLE_EXTERNAL], 2);
	assert_string_equal(n->ifnames[EF_ROLE_EXTERNAL][0], "bond1");
	assert_string_equal(n->ifnames[EF_ROLE_EXTERNAL][1], "eth3");
	assert_int_equal(n->nifnames[EF_ROLE_INTERNAL], 1);
	assert_string_equal(n->ifnames[EF_ROLE_INTERNAL][0], "eth0");
	assert_null(ef_policy_node(F.p, "edge2"));
}

static void node_addresses_missing(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'}}");
	want_only("t.json: nodes[0].addresses: missing (service addresses)");
}

static void node_addresses_not_an_object(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':['203.0.113.10']}");
	want_only("t.json: nodes[0].addresses: must be an object, not array");
}

static void node_addresses_unknown_service(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10'],'sip':['203.0.113.13']}}");
	want_only("t.json: nodes[0].addresses: unknown key \"sip\"");
}

static void node_address_list_is_a_string(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':'203.0.113.10'}}");
	want_only("t.json: nodes[0].addresses.access: must be a list of addresses");
}

static void node_address_list_wrong_type(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10'],'av':{'a':1}}}");
	want_only("t.json: nodes[0].addresses.av: must be a list of addresses, not object");
}

static void node_address_invalid(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10','203.0.113.256']}}");
	want_only(
		"t.json: nodes[0].addresses.access[1]: \"203.0.113.256\" is not an IPv4 or IPv6 address");
}

static void node_address_cidr_is_not_an_address(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10/32']}}");
	want_only(
		"t.json: nodes[0].addresses.access[0]: \"203.0.113.10/32\" is not an IPv4 or IPv6 address");
}

static void node_address_not_a_string(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':[3405803786]}}");
	want_only(
		"t.json: nodes[0].addresses.access[0]: \"3405803786\" is not an IPv4 or IPv6 address");
}

static void node_address_reserved_rejected(void **state)
{
	static const char *const bad[] = {
		"224.0.0.1", "239.255.255.250", "127.0.0.1", "127.1.2.3",
		"0.0.0.0",   "255.255.255.255", "::",	     "::1",
		"ff02::1",   "ff05::1:3",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[200];

		parse_q("{'format':'edgefw/v1','name':'t','nodes':[{'name':'edge1',"
			"'interfaces':{'external':'eth1','internal':'eth0'},"
			"'addresses':{'av':['%s']}}],'rules':[]}",
			bad[i]);
		snprintf(want, sizeof(want),
			 "t.json: nodes[0].addresses.av[0]: %s cannot be a service address "
			 "(unspecified, loopback, multicast or broadcast)",
			 bad[i]);
		want_only(want);
	}
}

static void node_address_ipv6_and_ipv4_parsed(void **state)
{
	const struct ef_node *n;
	union ef_addr a;

	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10','2001:db8::10']}}");
	want_clean();
	n = &F.p->nodes[0];
	assert_true(n->addrs[EF_SVC_ACCESS].present);
	assert_int_equal(n->addrs[EF_SVC_ACCESS].n, 2);
	assert_int_equal(ef_addr_parse("203.0.113.10", &a), 0);
	assert_memory_equal(&n->addrs[EF_SVC_ACCESS].a[0], &a, 16);
	assert_int_equal(ef_addr_parse("2001:db8::10", &a), 0);
	assert_memory_equal(&n->addrs[EF_SVC_ACCESS].a[1], &a, 16);
	assert_false(n->addrs[EF_SVC_AV].present);
}

static void node_address_listed_twice(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10','203.0.113.11','203.0.113.10']}}");
	want_only("t.json: nodes[0].addresses.access[2]: 203.0.113.10 is listed twice");
}

static void node_address_listed_twice_in_two_spellings(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'av':['2001:db8::10','2001:0db8:0:0::10']}}");
	want_only("t.json: nodes[0].addresses.av[1]: 2001:db8::10 is listed twice");
}

static void node_address_used_by_two_services(void **state)
{
	(void)state;
	parse_nodes(
		"{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		"'addresses':{'access':['203.0.113.10'],'av':['203.0.113.12','203.0.113.10']}}");
	want_only(
		"t.json: nodes[0].addresses.av[1]: 203.0.113.10 is used by two services (access and av)");
}

static void node_address_used_by_external_and_internal(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'webconf':['198.18.0.10'],'internal':['198.18.0.10']}}");
	want_only(
		"t.json: nodes[0].addresses.internal[0]: 198.18.0.10 is used by two services (webconf and internal)");
}

static void node_address_used_by_two_nodes(void **state)
{
	(void)state;
	parse_nodes(NODE_EDGE1
		    ",{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.20'],'av':['203.0.113.12']}}");
	want_only(
		"t.json: nodes[1].addresses.av[0]: 203.0.113.12 is also an address of node edge1");
}

static void node_access_and_xmpp_may_share(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10'],'xmpp':['203.0.113.10']}}");
	want_clean();
}

static void node_xmpp_shares_only_with_access(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10'],'webconf':['203.0.113.11'],"
		    "'xmpp':['203.0.113.11']}}");
	want_only(
		"t.json: nodes[0].addresses.xmpp[0]: 203.0.113.11 is used by two services (webconf and xmpp)");
}

static void node_access_xmpp_share_not_across_nodes(void **state)
{
	(void)state;
	parse_nodes(NODE_EDGE1
		    ",{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.20'],'xmpp':['203.0.113.10']}}");
	want_only(
		"t.json: nodes[1].addresses.xmpp[0]: 203.0.113.10 is also an address of node edge1");
}

/*
 * One address of another node is one problem: edge1 lawfully lists it for
 * access and xmpp, and that must not double the complaint about edge2.
 */
static void node_address_of_other_node_reported_once(void **state)
{
	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10'],'xmpp':['203.0.113.10']}},"
		    "{'name':'edge2','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10']}}");
	want_only(
		"t.json: nodes[1].addresses.access[0]: 203.0.113.10 is also an address of node edge1");
}

/* ==== rules ========================================================================= */

static void rule_not_an_object(void **state)
{
	(void)state;
	parse_rules(RULE_IN ",'r1'");
	want_only("t.json: rules[1]: must be an object, not string");
}

static void rule_empty_object_lists_required_fields(void **state)
{
	(void)state;
	parse_rules("{}");
	assert_non_null(F.p);
	assert_int_equal(F.d.errors, 6);
	want_msg("t.json: rules[0].name: missing (a string is required)");
	want_msg("t.json: rules[0].interface: missing (a string is required)");
	want_msg("t.json: rules[0].direction: missing (a string is required)");
	want_msg("t.json: rules[0].service: missing (a string is required)");
	want_msg("t.json: rules[0].protocol: missing (a string is required)");
	want_msg("t.json: rules[0].peer: missing (\"any\", a set from peers, or a list of CIDRs)");
}

static void rule_name_missing(void **state)
{
	(void)state;
	parse_rules("{'interface':'external','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only("t.json: rules[0].name: missing (a string is required)");
}

static void rule_interface_missing(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only("t.json: rules[0].interface: missing (a string is required)");
}

static void rule_direction_missing(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only("t.json: rules[0].direction: missing (a string is required)");
}

static void rule_service_missing(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','direction':'in',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only("t.json: rules[0].service: missing (a string is required)");
}

static void rule_protocol_missing(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','direction':'in','service':'access',"
		    "'ports':'443','peer':'any'}");
	want_only("t.json: rules[0].protocol: missing (a string is required)");
}

static void rule_peer_missing(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443'");
	want_only("t.json: rules[0].peer: missing (\"any\", a set from peers, or a list of CIDRs)");
}

static void rule_field_not_a_string(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','direction':'in','service':'access',"
		    "'protocol':6,'ports':'443','peer':'any'}");
	want_only("t.json: rules[0].protocol: must be a string, not int");
}

static void rule_unknown_key(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','action':'allow'");
	want_only("t.json: rules[0]: unknown key \"action\"");
}

static void rule_name_invalid(void **state)
{
	(void)state;
	parse_rules("{'name':'sip tls','interface':'external','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only(
		"t.json: rules[0].name: \"sip tls\": use letters, digits, '.', '_' or '-' (at most 63)");
}

static void rule_unknown_interface(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'dmz','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only("t.json: rules[0].interface: unknown interface \"dmz\" (external or internal)");
}

static void rule_unknown_direction(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','direction':'both','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only("t.json: rules[0].direction: unknown direction \"both\" (in or out)");
}

static void rule_unknown_service(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','direction':'in','service':'sip',"
		    "'protocol':'tcp','ports':'443','peer':'any'}");
	want_only(
		"t.json: rules[0].service: unknown service \"sip\" (access, webconf, av, xmpp, internal or management)");
}

static void rule_unknown_protocol(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','direction':'in','service':'access',"
		    "'protocol':'icmp','ports':'443','peer':'any'}");
	want_only("t.json: rules[0].protocol: unknown protocol \"icmp\" (tcp or udp)");
}

static void rule_internal_service_on_external(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'external','direction':'in','service':'internal',"
		    "'protocol':'tcp','ports':'5061','peer':'any'}");
	want_only(
		"t.json: rules[0]: service internal lives on the internal interface, not the external one");
}

static void rule_external_service_on_internal(void **state)
{
	(void)state;
	parse_rules("{'name':'r0','interface':'internal','direction':'in','service':'xmpp',"
		    "'protocol':'tcp','ports':'5269','peer':'any'}");
	want_only(
		"t.json: rules[0]: service xmpp lives on the external interface, not the internal one");
}

static void rule_fields_parsed(void **state)
{
	const struct ef_prule *r;

	(void)state;
	parse_rules(
		"{'name':'int-sip','interface':'internal','direction':'out','service':'internal',"
		"'protocol':'udp','ports':'5061','peer':'any','note':'n','ref':'JJ205394',"
		"'description':'d'}");
	want_clean();
	r = &F.p->rules[0];
	assert_string_equal(r->name, "int-sip");
	assert_int_equal(r->role, EF_ROLE_INTERNAL);
	assert_int_equal(r->dir, EF_DIR_OUT);
	assert_int_equal(r->service, EF_SVC_INTERNAL);
	assert_int_equal(r->proto, IPPROTO_UDP);
	assert_string_equal(r->note, "n");
	assert_string_equal(r->ref, "JJ205394");
	assert_false(r->log);
	assert_int_equal(r->ntags, 0);
}

static void rule_note_not_a_string(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','note':['a']");
	want_only("t.json: rules[0].note: must be a string, not array");
}

/* ---- ports ---- */

static void ports_single_string(void **state)
{
	const struct ef_prule *r;

	(void)state;
	parse_rule_in("'ports':'5061','peer':'any'");
	want_clean();
	r = &F.p->rules[0];
	assert_false(r->ports_any);
	assert_int_equal(r->nports, 1);
	assert_int_equal(r->ports[0].lo, 5061);
	assert_int_equal(r->ports[0].hi, 5061);
}

static void ports_number(void **state)
{
	(void)state;
	parse_rule_in("'ports':443,'peer':'any'");
	want_clean();
	assert_int_equal(F.p->rules[0].nports, 1);
	assert_int_equal(F.p->rules[0].ports[0].lo, 443);
	assert_int_equal(F.p->rules[0].ports[0].hi, 443);
}

static void ports_range_and_list(void **state)
{
	const struct ef_prule *r;

	(void)state;
	parse_rule_in("'ports':['50000-59999',443,'1','65535'],'peer':'any'");
	want_clean();
	r = &F.p->rules[0];
	assert_int_equal(r->nports, 4);
	assert_int_equal(r->ports[0].lo, 50000);
	assert_int_equal(r->ports[0].hi, 59999);
	assert_int_equal(r->ports[1].lo, 443);
	assert_int_equal(r->ports[2].lo, 1);
	assert_int_equal(r->ports[3].lo, 65535);
	assert_int_equal(r->ports[3].hi, 65535);
}

static void ports_any(void **state)
{
	(void)state;
	parse_rule_in("'ports':'any','peer':'any'");
	want_clean();
	assert_true(F.p->rules[0].ports_any);
	assert_int_equal(F.p->rules[0].nports, 0);
}

static void ports_reversed_range(void **state)
{
	(void)state;
	parse_rule_in("'ports':'60000-50000','peer':'any'");
	want_only("t.json: rules[0].ports: range 60000-50000 is reversed");
}

static void ports_zero_out_of_range(void **state)
{
	(void)state;
	parse_rule_in("'ports':0,'peer':'any'");
	want_only("t.json: rules[0].ports: port 0 out of range 1-65535");
}

static void ports_65536_out_of_range(void **state)
{
	(void)state;
	parse_rule_in("'ports':'65536','peer':'any'");
	want_only("t.json: rules[0].ports: port 65536 out of range 1-65535");
}

static void ports_range_end_out_of_range(void **state)
{
	(void)state;
	parse_rule_in("'ports':'50000-70000','peer':'any'");
	want_only("t.json: rules[0].ports: range 50000-70000 out of range 1-65535");
}

static void ports_range_start_zero(void **state)
{
	(void)state;
	parse_rule_in("'ports':'0-1023','peer':'any'");
	want_only("t.json: rules[0].ports: range 0-1023 out of range 1-65535");
}

static void ports_junk_string(void **state)
{
	(void)state;
	parse_rule_in("'ports':'https','peer':'any'");
	want_only("t.json: rules[0].ports: \"https\" is not a port or a port range");
}

static void ports_junk_after_number(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443/tcp','peer':'any'");
	want_only("t.json: rules[0].ports: \"443/tcp\" is not a port or a port range");
}

static void ports_open_range(void **state)
{
	(void)state;
	parse_rule_in("'ports':'50000-','peer':'any'");
	want_only("t.json: rules[0].ports: \"50000-\" is not a port or a port range");
}

static void ports_leading_space(void **state)
{
	(void)state;
	parse_rule_in("'ports':' 443','peer':'any'");
	want_only("t.json: rules[0].ports: \" 443\" is not a port or a port range");
}

static void ports_huge_number_string(void **state)
{
	(void)state;
	parse_rule_in("'ports':'99999999999999999999','peer':'any'");
	want_only("t.json: rules[0].ports: \"99999999999999999999\" is not a port or a port range");
}

static void ports_empty_list(void **state)
{
	(void)state;
	parse_rule_in("'ports':[],'peer':'any'");
	want_only("t.json: rules[0].ports: empty list (use \"any\" for every port)");
}

static void ports_wrong_type(void **state)
{
	(void)state;
	parse_rule_in("'ports':true,'peer':'any'");
	want_only(
		"t.json: rules[0].ports: must be a port number or a \"low-high\" string, not boolean");
}

static void ports_fraction_rejected(void **state)
{
	(void)state;
	parse_rule_in("'ports':443.5,'peer':'any'");
	want_only(
		"t.json: rules[0].ports: must be a port number or a \"low-high\" string, not double");
}

static void ports_list_element_path(void **state)
{
	(void)state;
	parse_rule_in("'ports':['443','5061',{'lo':1}],'peer':'any'");
	want_only(
		"t.json: rules[0].ports[2]: must be a port number or a \"low-high\" string, not object");
	assert_int_equal(F.p->rules[0].nports, 2);
}

static void ports_list_reversed_element(void **state)
{
	(void)state;
	parse_rule_in("'ports':['443','3479-3478'],'peer':'any'");
	want_only("t.json: rules[0].ports[1]: range 3479-3478 is reversed");
}

static void ports_any_inside_a_list_rejected(void **state)
{
	(void)state;
	parse_rule_in("'ports':['any'],'peer':'any'");
	want_only("t.json: rules[0].ports[0]: \"any\" is not a port or a port range");
}

static void in_rule_without_ports(void **state)
{
	(void)state;
	parse_rule_in("'peer':'any'");
	want_only("t.json: rules[0]: ports missing (an in rule must name the service ports)");
}

static void out_rule_without_ports_or_local_ports(void **state)
{
	(void)state;
	parse_rule_out("'peer':'any'");
	want_only(
		"t.json: rules[0]: ports missing (an out rule needs ports, local_ports or \"ports\": \"any\")");
}

static void out_rule_with_only_local_ports(void **state)
{
	const struct ef_prule *r;

	(void)state;
	parse_rule_out("'local_ports':'50000-59999','peer':'any'");
	want_clean();
	r = &F.p->rules[0];
	assert_true(r->ports_any);
	assert_true(r->has_lports);
	assert_int_equal(r->lports.lo, 50000);
	assert_int_equal(r->lports.hi, 59999);
}

static void out_rule_ports_and_local_ports(void **state)
{
	const struct ef_prule *r;

	(void)state;
	parse_rule_out("'ports':'3478','local_ports':3478,'peer':'any'");
	want_clean();
	r = &F.p->rules[0];
	assert_false(r->ports_any);
	assert_int_equal(r->ports[0].lo, 3478);
	assert_true(r->has_lports);
	assert_int_equal(r->lports.lo, 3478);
	assert_int_equal(r->lports.hi, 3478);
}

static void out_rule_ports_any_without_local_ports(void **state)
{
	(void)state;
	parse_rule_out("'ports':'any','peer':'any'");
	want_clean();
	assert_true(F.p->rules[0].ports_any);
	assert_false(F.p->rules[0].has_lports);
}

static void local_ports_on_in_rule(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','local_ports':'443','peer':'any'");
	want_only(
		"t.json: rules[0].local_ports: applies to out rules; an in rule's ports are already the node's own");
}

static void local_ports_as_a_list(void **state)
{
	(void)state;
	parse_rule_out("'ports':'any','local_ports':['50000-59999'],'peer':'any'");
	want_only("t.json: rules[0].local_ports: must be one port or one \"low-high\" range");
}

static void local_ports_reversed(void **state)
{
	(void)state;
	parse_rule_out("'ports':'any','local_ports':'59999-50000','peer':'any'");
	want_only("t.json: rules[0].local_ports: range 59999-50000 is reversed");
}

/* ---- peer ---- */

static void rule_peer_any_shares_one_set(void **state)
{
	const struct ef_peerset *a, *b;

	(void)state;
	parse_rules(RULE_IN ",{'name':'r1','interface':'external','direction':'in',"
			    "'service':'av','protocol':'udp','ports':'3478','peer':'any'}");
	want_clean();
	assert_int_equal(F.p->rules[0].peerset, F.p->rules[1].peerset);
	a = &F.p->peersets[F.p->rules[0].peerset];
	b = &F.p->peersets[F.p->rules[1].peerset];
	assert_ptr_equal(a, b);
	assert_true(a->any);
	assert_int_equal(a->n, 0);
}

static void rule_peer_unknown_set(void **state)
{
	(void)state;
	parse_peers("'fe':['198.18.10.0/24']", RULE_PEER("front_end"));
	want_only("t.json: rules[0].peer: unknown peer set \"front_end\"");
}

static void rule_peer_wrong_type(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':{'set':'fe'}");
	want_only(
		"t.json: rules[0].peer: must be \"any\", a set name or a list of CIDRs, not object");
}

static void rule_peer_inline_list(void **state)
{
	const struct ef_peerset *ps;

	(void)state;
	parse_rule_in("'ports':'443','peer':['198.51.100.0/24','2001:db8:1::/48']");
	want_clean();
	assert_true(F.p->rules[0].peerset >= 0);
	ps = &F.p->peersets[F.p->rules[0].peerset];
	assert_true(ps->inline_set);
	assert_false(ps->any);
	assert_string_equal(ps->name, "rules[0].peer");
	assert_int_equal(ps->n, 2);
	assert_int_equal(ps->pfx[0].len, 120);
	assert_int_equal(ps->pfx[1].len, 48);
}

static void rule_peer_inline_bad_cidr(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':['198.51.100.0/24','198.51.100.1/24']");
	want_only("t.json: rules[0].peer[1]: bad CIDR \"198.51.100.1/24\": host bits set");
}

static void rule_peer_inline_empty(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':[]");
	want_only(
		"t.json: rules[0].peer: empty set would match nothing (use [\"any\"] or list prefixes)");
}

static void rule_peer_inline_does_not_name_a_set(void **state)
{
	(void)state;
	/* an inline set's internal name is not something another rule can use */
	parse_rules("{'name':'r0','interface':'external','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'443','peer':['198.51.100.0/24']},"
		    "{'name':'r1','interface':'external','direction':'in','service':'access',"
		    "'protocol':'tcp','ports':'5061','peer':'rules[0].peer'}");
	want_only("t.json: rules[1].peer: unknown peer set \"rules[0].peer\"");
}

/* ---- names, tags, log ---- */

static void rule_names_duplicate(void **state)
{
	(void)state;
	parse_rules(RULE_IN ",{'name':'r1','interface':'external','direction':'in','service':'av',"
			    "'protocol':'udp','ports':'3478','peer':'any'}," RULE_IN);
	want_only("t.json: rules[2].name: duplicate rule name \"r0\" (also rules[0])");
}

static void rule_tags_parsed(void **state)
{
	const struct ef_prule *r;

	(void)state;
	parse_rule_in("'ports':'443','peer':'any','tags':['public-im','live-messenger']");
	want_clean();
	r = &F.p->rules[0];
	assert_int_equal(r->ntags, 2);
	assert_string_equal(r->tags[0], "public-im");
	assert_string_equal(r->tags[1], "live-messenger");
}

static void rule_tags_string_is_one_tag(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','tags':'xmpp'");
	want_clean();
	assert_int_equal(F.p->rules[0].ntags, 1);
	assert_string_equal(F.p->rules[0].tags[0], "xmpp");
}

static void rule_tags_wrong_type(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','tags':5");
	want_only("t.json: rules[0].tags: must be a string or a list of strings, not int");
}

static void rule_tags_element_not_a_string(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','tags':['a',true]");
	want_only("t.json: rules[0].tags[1]: must be a string, not boolean");
}

static void rule_log_parsed(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','log':true");
	want_clean();
	assert_true(F.p->rules[0].log);
}

static void rule_log_not_bool(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','log':'yes'");
	want_only("t.json: rules[0].log: must be true or false, not string");
}

/* ==== helpers: exclusion, xmpp fallback ================================================ */

static void rule_excluded_by_any_listed_tag(void **state)
{
	(void)state;
	parse_doc("'settings':{'exclude_tags':['old','lab']},", NODE_EDGE1,
		  "{'name':'a','interface':'external','direction':'in','service':'access',"
		  "'protocol':'tcp','ports':'443','peer':'any','tags':['x','lab']},"
		  "{'name':'b','interface':'external','direction':'in','service':'access',"
		  "'protocol':'tcp','ports':'5061','peer':'any','tags':['x']},"
		  "{'name':'c','interface':'external','direction':'in','service':'access',"
		  "'protocol':'tcp','ports':'5062','peer':'any'},"
		  "{'name':'d','interface':'external','direction':'in','service':'access',"
		  "'protocol':'tcp','ports':'5063','peer':'any','tags':'old'}");
	want_clean();
	assert_true(ef_rule_excluded(F.p, &F.p->rules[0]));
	assert_false(ef_rule_excluded(F.p, &F.p->rules[1]));
	assert_false(ef_rule_excluded(F.p, &F.p->rules[2]));
	assert_true(ef_rule_excluded(F.p, &F.p->rules[3]));
}

static void rule_not_excluded_without_exclude_tags(void **state)
{
	(void)state;
	parse_rule_in("'ports':'443','peer':'any','tags':['old']");
	want_clean();
	assert_false(ef_rule_excluded(F.p, &F.p->rules[0]));
}

static void xmpp_falls_back_to_access(void **state)
{
	const struct ef_node *n;

	(void)state;
	parse_nodes(NODE_EDGE1);
	want_clean();
	n = ef_policy_node(F.p, "edge1");
	assert_non_null(n);
	assert_false(n->addrs[EF_SVC_XMPP].present);
	assert_ptr_equal(ef_node_service_addrs(n, EF_SVC_XMPP), &n->addrs[EF_SVC_ACCESS]);
	assert_ptr_equal(ef_node_service_addrs(n, EF_SVC_ACCESS), &n->addrs[EF_SVC_ACCESS]);
	assert_ptr_equal(ef_node_service_addrs(n, EF_SVC_AV), &n->addrs[EF_SVC_AV]);
}

static void xmpp_own_addresses_used_when_given(void **state)
{
	const struct ef_node *n;
	const struct ef_addrlist *x;
	union ef_addr a;

	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10'],'xmpp':['203.0.113.14']}}");
	want_clean();
	n = &F.p->nodes[0];
	x = ef_node_service_addrs(n, EF_SVC_XMPP);
	assert_ptr_equal(x, &n->addrs[EF_SVC_XMPP]);
	assert_int_equal(x->n, 1);
	assert_int_equal(ef_addr_parse("203.0.113.14", &a), 0);
	assert_memory_equal(&x->a[0], &a, 16);
}

static void xmpp_empty_list_disables_xmpp(void **state)
{
	const struct ef_node *n;

	(void)state;
	parse_nodes("{'name':'edge1','interfaces':{'external':'eth1','internal':'eth0'},"
		    "'addresses':{'access':['203.0.113.10'],'xmpp':[]}}");
	want_clean();
	n = &F.p->nodes[0];
	assert_true(n->addrs[EF_SVC_XMPP].present);
	assert_int_equal(ef_node_service_addrs(n, EF_SVC_XMPP)->n, 0);
}

/* ==== the shipped policy =================================================================== */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the source tree)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* ---- long values: quoted in part, the reason always whole ------------------ */

/* A message of at most this many characters, ending in the reason. */
static void want_bounded(const char *start, const char *reason)
{
	bool found = false;

	for (int i = 0; i < F.d.n; i++) {
		const char *m = F.d.msgs[i];
		size_t ml = strlen(m), rl = strlen(reason);

		if (strncmp(m, start, strlen(start)))
			continue;
		found = true;
		if (ml > 300 || ml < rl || strcmp(m + ml - rl, reason)) {
			print_error("not bounded, or the reason is not last: %.400s\n", m);
			fail();
		}
	}
	if (!found) {
		print_error("no message starting %s\n", start);
		dump();
		fail();
	}
}

static void long_ports_string_is_quoted_in_part(void **state)
{
	size_t n = 160000;
	char *ports = malloc(n + 1), *rule = NULL;

	(void)state;
	for (size_t i = 0; i < n; i += 8)
		memcpy(ports + i, "1-65535,", 8);
	ports[n] = '\0';
	assert_true(asprintf(&rule, "'ports':'%s','peer':'any'", ports) >= 0);
	parse_rule_in(rule);
	want_only("t.json: rules[0].ports: "
		  "\"1-65535,1-65535,1-65535,1-65535,1-65535,1-65535,1-65535,1-65\"... "
		  "(160000 characters) is not a port or a port range");
	free(rule);
	free(ports);
}

static void megabyte_rule_name_is_quoted_in_part(void **state)
{
	size_t n = 1 << 20;
	char *name = malloc(n + 1), *rules = NULL;

	(void)state;
	memset(name, 'r', n);
	name[n] = '\0';
	/* twice: a bad name, then a duplicate one; an unknown peer set and restatement */
	assert_true(
		asprintf(
			&rules,
			"{'name':'%s','interface':'external','direction':'in','service':'access',"
			"'protocol':'tcp','ports':'443','peer':'any'},"
			"{'name':'%s','interface':'external','direction':'in','service':'access',"
			"'protocol':'tcp','ports':'444','peer':'nosuch-%s','restates':'earlier-%s'}",
			name, name, name, name) >= 0);
	parse_rules(rules);
	want_bounded(
		"t.json: rules[0].name: \"rrrr",
		"\"... (1048576 characters): use letters, digits, '.', '_' or '-' (at most 63)");
	want_bounded("t.json: rules[1].name: duplicate rule name \"rrrr",
		     "\"... (1048576 characters) (also rules[0])");
	want_bounded("t.json: rules[1].peer: unknown peer set \"nosuch-rrrr",
		     "\"... (1048583 characters)");
	want_bounded("t.json: rules[1].restates: \"earlier-rrrr",
		     "\"... (1048584 characters) is not an earlier rule");
	free(rules);
	free(name);
}

static void quote_bounds_whole_characters(void **state)
{
	char buf[EF_QUOTE_LEN], s[400] = "";

	(void)state;
	assert_string_equal(ef_quote(buf, sizeof(buf), "eth0", 1), "\"eth0\"");
	assert_string_equal(ef_quote(buf, sizeof(buf), "eth0", 0), "eth0");
	assert_string_equal(ef_quote(buf, sizeof(buf), NULL, 1), "\"\"");
	memset(s, 'x', EF_QUOTE_WHOLE);
	assert_int_equal(strlen(ef_quote(buf, sizeof(buf), s, 1)), EF_QUOTE_WHOLE + 2);
	/* 70 two-byte characters: the first 60, never half of one */
	s[0] = '\0';
	for (int i = 0; i < 70; i++)
		strcat(s, "\xc3\xa9");
	ef_quote(buf, sizeof(buf), s, 1);
	assert_int_equal(strncmp(buf + 1, s, 120), 0);
	assert_string_equal(buf + 121, "\"... (70 characters)");
	assert_string_equal(EF_BARE(s) + 120, "... (70 characters)");
}

static void rule_restates_must_name_an_earlier_rule(void **state)
{
	(void)state;
	parse_q("{'format':'edgefw/v1','name':'t','nodes':[{'name':'n','interfaces':{'external':'e','internal':'i'},"
		"'addresses':{'access':['203.0.113.10']}}],'rules':["
		"{'name':'a','interface':'external','direction':'in','service':'access','protocol':'tcp','ports':'443','peer':'any','restates':'b'},"
		"{'name':'b','interface':'external','direction':'in','service':'access','protocol':'tcp','ports':'443','peer':'any','restates':'a'}]}");
	assert_true(ef_diag_has(&F.d, "t.json: rules[0].restates: \"b\" is not an earlier rule"));
	assert_false(ef_diag_has(&F.d, "rules[1].restates"));
	assert_int_equal(F.d.errors, 1);
}

static void shipped_policy_is_clean(void **state)
{
	(void)state;
	reset();
	ef_diag_init(&F.d, EF_SHIPPED_POLICY);
	F.p = ef_policy_load(EF_SHIPPED_POLICY, &F.d);
	want_clean();
	assert_string_equal(F.p->name, "lync2013-scaled-edge-dnslb-public");
	assert_int_equal(F.p->nrules, 39); /* 37 rows + 2 management rules */
	assert_int_equal(F.p->nmanagement, 2);
	assert_true(F.p->rules[37].management);
	assert_false(F.p->rules[36].management);
	assert_int_equal(F.p->nnodes, 2);
	assert_non_null(ef_policy_node(F.p, "edge1"));
	assert_non_null(ef_policy_node(F.p, "edge2"));
	assert_int_equal(F.p->settings.mode, EF_MODE_ENFORCE);
	assert_int_equal(F.p->settings.nexclude_tags, 0);
}

static void shipped_policy_exclude_tags(void **state)
{
	static const char *const excluded[] = {
		"ext-av-rtp-udp-out", "ext-av-rtp-tcp-in",	  "ext-av-rtp-udp-in",
		"pic-av-rtp-tcp-out", "pic-av-stun-udp-3478-out", "pic-av-stun-udp-3478-in",
	};
	static const char from[] = "\"exclude_tags\": []";
	static const char to[] = "\"exclude_tags\": [\"ocs2007\", \"live-messenger\"]";
	size_t len, nex = 0;
	char *text = read_file(EF_SHIPPED_POLICY, &len), *at, *edited;

	(void)state;
	at = strstr(text, from);
	assert_non_null(at);
	edited = malloc(len + sizeof(to));
	assert_non_null(edited);
	sprintf(edited, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	free(text);
	parse_raw(edited);
	free(edited);
	want_clean();
	for (size_t i = 0; i < F.p->nrules; i++) {
		bool want = false;

		for (size_t k = 0; k < sizeof(excluded) / sizeof(excluded[0]); k++)
			if (strcmp(F.p->rules[i].name, excluded[k]) == 0)
				want = true;
		if (ef_rule_excluded(F.p, &F.p->rules[i]) != want)
			fail_msg("rule %s: excluded %d, expected %d", F.p->rules[i].name, !want,
				 want);
		nex += want;
	}
	assert_int_equal(nex, 6);
}

static void crc_depends_on_the_bytes(void **state)
{
	uint32_t a, b;

	(void)state;
	parse_doc("", NODE_EDGE1, RULE_IN);
	want_clean();
	a = F.p->crc;
	parse_doc("'description':'x',", NODE_EDGE1, RULE_IN);
	want_clean();
	b = F.p->crc;
	assert_int_not_equal(a, b);
	parse_doc("", NODE_EDGE1, RULE_IN);
	assert_int_equal(F.p->crc, a);
}

/* ==== addr.c ================================================================================ */

static void v4(union ef_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	a->b[12] = x;
	a->b[13] = y;
	a->b[14] = z;
	a->b[15] = w;
}

static void addr_parse_ipv4_is_v4_mapped(void **state)
{
	union ef_addr a, want;

	(void)state;
	assert_int_equal(ef_addr_parse("198.51.100.7", &a), 0);
	v4(&want, 198, 51, 100, 7);
	assert_memory_equal(&a, &want, 16);
	assert_true(ef_addr_is_v4(&a));
	assert_int_equal(ef_addr_family(&a), 4);
}

/* The shared encoding helpers (edgefw/addr.h), against the bytes above. */
static void addr_helpers_encode_v4_mapped(void **state)
{
	union ef_addr a, want;
	static const uint8_t be[4] = { 198, 51, 100, 7 };
	__u32 w;

	(void)state;
	memcpy(&w, be, 4);
	memset(&a, 0xa5, sizeof(a));
	ef_addr_from_v4(&a, w);
	v4(&want, 198, 51, 100, 7);
	assert_memory_equal(&a, &want, 16);
	assert_true(ef_addr_is_v4(&a));
	assert_true(ef_addr_eq(&a, &want));
	want.b[11] = 0;
	assert_false(ef_addr_is_v4(&want)); /* ::ff:a.b.c.d is IPv6 */
	assert_false(ef_addr_eq(&a, &want));
}

static void addr_from_sockaddr(void **state)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr other = { .sa_family = AF_UNIX };
	union ef_addr a, want;
	char buf[EF_ADDRSTRLEN];

	(void)state;
	memcpy(&s4.sin_addr, (const uint8_t[]){ 203, 0, 113, 10 }, 4);
	assert_int_equal(ef_addr_from_sockaddr(&a, (struct sockaddr *)&s4), 0);
	v4(&want, 203, 0, 113, 10);
	assert_memory_equal(&a, &want, 16);
	assert_int_equal(ef_addr_parse("2001:db8::7", &want), 0);
	memcpy(&s6.sin6_addr, want.b, 16);
	assert_int_equal(ef_addr_from_sockaddr(&a, (struct sockaddr *)&s6), 0);
	assert_string_equal(ef_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::7");
	assert_int_equal(ef_addr_family(&a), 6);
	assert_int_equal(ef_addr_from_sockaddr(&a, &other), -1);
}

static void ifaddrs_find_by_address(void **state)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in s4b = { .sin_family = AF_INET };
	struct ifaddrs lo = { .ifa_name = (char *)"lo", .ifa_addr = NULL };
	struct ifaddrs eth0 = { .ifa_name = (char *)"eth0", .ifa_addr = (struct sockaddr *)&s4 };
	struct ifaddrs eth1 = { .ifa_name = (char *)"eth1", .ifa_addr = (struct sockaddr *)&s4b };
	struct ifaddrs eth2 = { .ifa_name = (char *)"eth2", .ifa_addr = (struct sockaddr *)&s4 };
	union ef_addr a;

	(void)state;
	lo.ifa_next = &eth0;
	eth0.ifa_next = &eth1;
	eth1.ifa_next = &eth2;
	memcpy(&s4.sin_addr, (const uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(&s4b.sin_addr, (const uint8_t[]){ 192, 0, 2, 2 }, 4);
	assert_int_equal(ef_addr_parse("192.0.2.1", &a), 0);
	assert_ptr_equal(ef_ifaddrs_find(&lo, &a), &eth0);
	assert_ptr_equal(ef_ifaddrs_find(eth0.ifa_next, &a), &eth2);
	assert_null(ef_ifaddrs_find(eth2.ifa_next, &a));
	assert_int_equal(ef_addr_parse("::ffff:192.0.2.2", &a), 0);
	assert_ptr_equal(ef_ifaddrs_find(&lo, &a), &eth1);
	assert_int_equal(ef_addr_parse("192.0.2.3", &a), 0);
	assert_null(ef_ifaddrs_find(&lo, &a));
}

static void addr_parse_ipv6(void **state)
{
	union ef_addr a;
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,    0,
					  0,	0,    0,    0,	  0, 0, 0x00, 0x01 };

	(void)state;
	assert_int_equal(ef_addr_parse("2001:db8::1", &a), 0);
	assert_memory_equal(&a, want, 16);
	assert_false(ef_addr_is_v4(&a));
	assert_int_equal(ef_addr_family(&a), 6);
}

static void addr_parse_rejects_junk(void **state)
{
	union ef_addr a;

	(void)state;
	assert_int_not_equal(ef_addr_parse("", &a), 0);
	assert_int_not_equal(ef_addr_parse("198.51.100", &a), 0);
	assert_int_not_equal(ef_addr_parse("198.51.100.256", &a), 0);
	assert_int_not_equal(ef_addr_parse("2001:db8::g", &a), 0);
	assert_int_not_equal(ef_addr_parse("edge1", &a), 0);
}

static void prefix_parse_ipv4(void **state)
{
	struct ef_prefix p;
	union ef_addr want;
	const char *why = NULL;

	(void)state;
	assert_int_equal(ef_prefix_parse("198.51.100.0/24", &p, &why), 0);
	assert_int_equal(p.len, 96 + 24);
	v4(&want, 198, 51, 100, 0);
	assert_memory_equal(&p.addr, &want, 16);
}

static void prefix_parse_ipv4_zero_length(void **state)
{
	struct ef_prefix p;
	union ef_addr want;

	(void)state;
	assert_int_equal(ef_prefix_parse("0.0.0.0/0", &p, NULL), 0);
	assert_int_equal(p.len, 96);
	v4(&want, 0, 0, 0, 0);
	assert_memory_equal(&p.addr, &want, 16);
}

static void prefix_parse_ipv6(void **state)
{
	struct ef_prefix p;
	union ef_addr want;

	(void)state;
	assert_int_equal(ef_prefix_parse("2001:db8::/32", &p, NULL), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(ef_addr_parse("2001:db8::", &want), 0);
	assert_memory_equal(&p.addr, &want, 16);
}

static void prefix_parse_bare_address_is_a_host(void **state)
{
	struct ef_prefix p;

	(void)state;
	assert_int_equal(ef_prefix_parse("198.51.100.7", &p, NULL), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(ef_prefix_parse("2001:db8::7", &p, NULL), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(ef_prefix_parse("198.51.100.7/32", &p, NULL), 0);
	assert_int_equal(p.len, 128);
}

static void prefix_parse_errors_say_why(void **state)
{
	static const struct {
		const char *in, *why;
	} t[] = {
		{ "10.0.0.0/33", "prefix length is not a number in range" },
		{ "2001:db8::/129", "prefix length is not a number in range" },
		{ "10.0.0.0/", "prefix length is not a number in range" },
		{ "10.0.0.0/-1", "prefix length is not a number in range" },
		{ "10.0.0.0/+8", "prefix length is not a number in range" },
		{ "10.0.0.0/8x", "prefix length is not a number in range" },
		{ "/8", "not an IPv4 or IPv6 address" },
		{ "", "not an IPv4 or IPv6 address" },
		{ "10.0.0/8", "not an IPv4 or IPv6 address" },
		{ "10.0.0.1/8", "host bits set" },
		{ "10.0.0.128/25", NULL },
		{ "10.0.0.64/25", "host bits set" },
		{ "2001:db8::1/127", "host bits set" },
		{ "2001:db9::/31", "host bits set" },
		{ "2001:db8::/31", NULL },
	};
	struct ef_prefix p;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why = NULL;
		int rc = ef_prefix_parse(t[i].in, &p, &why);

		if (!t[i].why) {
			if (rc != 0)
				fail_msg("\"%s\" rejected: %s", t[i].in, why);
			continue;
		}
		if (rc == 0)
			fail_msg("\"%s\" accepted", t[i].in);
		if (!why || strcmp(why, t[i].why) != 0)
			fail_msg("\"%s\": why \"%s\", expected \"%s\"", t[i].in,
				 why ? why : "(null)", t[i].why);
	}
}

static void addr_fmt_ipv4_dotted(void **state)
{
	union ef_addr a;
	char buf[EF_ADDRSTRLEN];

	(void)state;
	v4(&a, 203, 0, 113, 10);
	assert_string_equal(ef_addr_fmt(&a, buf, sizeof(buf)), "203.0.113.10");
}

static void addr_fmt_ipv6_compressed(void **state)
{
	union ef_addr a;
	char buf[EF_ADDRSTRLEN];

	(void)state;
	assert_int_equal(ef_addr_parse("2001:0db8:0000:0000:0000:0000:0000:0010", &a), 0);
	assert_string_equal(ef_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::10");
	assert_int_equal(ef_addr_parse("fe80:0:0:0:1:0:0:1", &a), 0);
	assert_string_equal(ef_addr_fmt(&a, buf, sizeof(buf)), "fe80::1:0:0:1");
}

static void prefix_fmt_ipv4(void **state)
{
	struct ef_prefix p;
	char buf[64];

	(void)state;
	assert_int_equal(ef_prefix_parse("198.51.100.0/24", &p, NULL), 0);
	assert_string_equal(ef_prefix_fmt(&p, buf, sizeof(buf)), "198.51.100.0/24");
	assert_int_equal(ef_prefix_parse("198.51.100.7", &p, NULL), 0);
	assert_string_equal(ef_prefix_fmt(&p, buf, sizeof(buf)), "198.51.100.7/32");
	assert_int_equal(ef_prefix_parse("0.0.0.0/0", &p, NULL), 0);
	assert_string_equal(ef_prefix_fmt(&p, buf, sizeof(buf)), "0.0.0.0/0");
}

static void prefix_fmt_ipv6(void **state)
{
	struct ef_prefix p;
	char buf[64];

	(void)state;
	assert_int_equal(ef_prefix_parse("2001:db8:0::/48", &p, NULL), 0);
	assert_string_equal(ef_prefix_fmt(&p, buf, sizeof(buf)), "2001:db8::/48");
	assert_int_equal(ef_prefix_parse("::/0", &p, NULL), 0);
	assert_string_equal(ef_prefix_fmt(&p, buf, sizeof(buf)), "::/0");
}

/* Is a in the prefix (its text)? */
static bool in_prefix(const char *prefix, const union ef_addr *a)
{
	struct ef_prefix p;

	assert_int_equal(ef_prefix_parse(prefix, &p, NULL), 0);
	return ef_prefix_contains(&p, a);
}

/* The address of text, which parses. */
static const union ef_addr *addr(const char *text)
{
	static union ef_addr a;

	assert_int_equal(ef_addr_parse(text, &a), 0);
	return &a;
}

static void prefix_contains_ipv4(void **state)
{
	union ef_addr a;

	(void)state;
	v4(&a, 198, 51, 100, 0);
	assert_true(in_prefix("198.51.100.0/24", &a));
	v4(&a, 198, 51, 100, 255);
	assert_true(in_prefix("198.51.100.0/24", &a));
	v4(&a, 198, 51, 101, 0);
	assert_false(in_prefix("198.51.100.0/24", &a));
	v4(&a, 198, 51, 99, 255);
	assert_false(in_prefix("198.51.100.0/24", &a));
}

static void prefix_contains_ipv4_any_is_ipv4_only(void **state)
{
	union ef_addr a;

	(void)state;
	v4(&a, 203, 0, 113, 9);
	assert_true(in_prefix("0.0.0.0/0", &a));
	assert_false(in_prefix("0.0.0.0/0", addr("2001:db8::1")));
}

static void prefix_contains_ipv6(void **state)
{
	union ef_addr a;

	(void)state;
	assert_true(in_prefix("2001:db8:1::/48", addr("2001:db8:1:ffff::9")));
	assert_false(in_prefix("2001:db8:1::/48", addr("2001:db8:2::9")));
	v4(&a, 32, 1, 13, 184); /* 0x20010db8 in the v4 slot: no match */
	assert_false(in_prefix("2001:db8:1::/48", &a));
}

static void prefix_contains_host(void **state)
{
	union ef_addr a;

	(void)state;
	v4(&a, 198, 51, 100, 7);
	assert_true(in_prefix("198.51.100.7", &a));
	v4(&a, 198, 51, 100, 6);
	assert_false(in_prefix("198.51.100.7", &a));
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* not JSON */
		T(json_syntax_error_names_the_line),
		T(json_truncated_is_unexpected_end),
		T(json_empty_file_is_unexpected_end),
		T(json_trailing_data_rejected),
		T(json_trailing_whitespace_accepted),
		T(json_nul_byte_rejected),
		T(json_nesting_deeper_than_16_rejected),
		T(json_nesting_of_15_accepted),
		T(json_invalid_utf8_rejected),
		T(json_top_level_array_rejected),
		T(json_top_level_string_rejected),
		T(load_missing_file_reports_errno),
		/* top level */
		T(minimal_policy_is_clean),
		T(empty_object_lists_every_missing_member),
		T(format_missing),
		T(format_wrong_version),
		T(format_not_a_string),
		T(name_missing),
		T(name_not_a_string),
		T(unknown_top_level_key),
		T(description_and_schema_accepted),
		T(nodes_missing),
		T(nodes_empty),
		T(nodes_not_a_list),
		T(rules_missing),
		T(rules_not_a_list),
		T(rules_empty_list_accepted),
		T(every_problem_is_reported),
		/* settings */
		T(settings_defaults_when_absent),
		T(settings_empty_object_keeps_defaults),
		T(limits_absent_means_none),
		T(limits_rule_values_and_defaults),
		T(limits_rule_errors),
		T(limits_settings_per_service),
		T(settings_values_parsed),
		T(settings_partial_timeouts_keep_other_defaults),
		T(settings_egress_monitor_and_enforce),
		T(settings_not_an_object),
		T(settings_unknown_key),
		T(settings_mode_off_rejected),
		T(settings_mode_unknown),
		T(settings_mode_not_a_string),
		T(settings_egress_unknown),
		T(settings_ping_not_bool),
		T(settings_log_allowed_not_bool),
		T(settings_timeouts_not_an_object),
		T(settings_timeouts_unknown_key),
		T(settings_timeout_zero_out_of_range),
		T(settings_timeout_above_30_days),
		T(settings_timeout_negative),
		T(settings_timeout_bounds_accepted),
		T(settings_timeout_not_an_integer),
		T(settings_timeout_fraction_rejected),
		T(settings_flow_table_size_too_small),
		T(settings_new_flow_table_size_too_large),
		T(settings_fragment_table_size_out_of_range),
		T(settings_table_size_not_an_integer),
		T(settings_exclude_tags_not_a_list),
		T(settings_exclude_tags_element_not_a_string),
		T(settings_exclude_tags_string_is_one_tag),
		T(exclude_tag_on_no_rule_warns),
		T(exclude_tag_on_a_rule_does_not_warn),
		/* peers */
		T(peers_not_an_object),
		T(peers_any_cannot_name_a_set),
		T(peers_bad_cidr),
		T(peers_prefix_length_out_of_range_v4),
		T(peers_prefix_length_out_of_range_v6),
		T(peers_prefix_length_not_a_number),
		T(peers_host_bits_set_v4),
		T(peers_host_bits_set_v6),
		T(peers_element_not_a_string),
		T(peers_empty_set),
		T(peers_set_not_a_list),
		T(peers_any_with_prefixes_warns),
		T(peers_set_parsed),
		T(peers_lone_string_is_one_prefix),
		T(peers_any_set),
		/* nodes */
		T(node_not_an_object),
		T(node_name_missing),
		T(node_name_invalid),
		T(node_name_length_limit),
		T(node_name_duplicate),
		T(node_unknown_key),
		T(node_interfaces_missing),
		T(node_interfaces_not_an_object),
		T(node_interfaces_unknown_key),
		T(node_internal_interface_missing),
		T(node_external_interface_empty_list),
		T(node_interface_not_a_string),
		T(node_interface_name_invalid),
		T(node_interface_name_15_chars_accepted),
		T(node_same_nic_for_both_roles),
		T(node_interface_lists_parsed),
		T(node_addresses_missing),
		T(node_addresses_not_an_object),
		T(node_addresses_unknown_service),
		T(node_address_list_is_a_string),
		T(node_address_list_wrong_type),
		T(node_address_invalid),
		T(node_address_cidr_is_not_an_address),
		T(node_address_not_a_string),
		T(node_address_reserved_rejected),
		T(node_address_ipv6_and_ipv4_parsed),
		T(node_address_listed_twice),
		T(node_address_listed_twice_in_two_spellings),
		T(node_address_used_by_two_services),
		T(node_address_used_by_external_and_internal),
		T(node_address_used_by_two_nodes),
		T(node_access_and_xmpp_may_share),
		T(node_xmpp_shares_only_with_access),
		T(node_access_xmpp_share_not_across_nodes),
		T(node_address_of_other_node_reported_once),
		/* rules */
		T(rule_not_an_object),
		T(rule_empty_object_lists_required_fields),
		T(rule_name_missing),
		T(rule_interface_missing),
		T(rule_direction_missing),
		T(rule_service_missing),
		T(rule_protocol_missing),
		T(rule_peer_missing),
		T(rule_field_not_a_string),
		T(rule_unknown_key),
		T(rule_name_invalid),
		T(rule_unknown_interface),
		T(rule_unknown_direction),
		T(rule_unknown_service),
		T(rule_unknown_protocol),
		T(rule_internal_service_on_external),
		T(rule_external_service_on_internal),
		T(rule_fields_parsed),
		T(rule_note_not_a_string),
		T(ports_single_string),
		T(ports_number),
		T(ports_range_and_list),
		T(ports_any),
		T(ports_reversed_range),
		T(ports_zero_out_of_range),
		T(ports_65536_out_of_range),
		T(ports_range_end_out_of_range),
		T(ports_range_start_zero),
		T(ports_junk_string),
		T(ports_junk_after_number),
		T(ports_open_range),
		T(ports_leading_space),
		T(ports_huge_number_string),
		T(ports_empty_list),
		T(ports_wrong_type),
		T(ports_fraction_rejected),
		T(ports_list_element_path),
		T(ports_list_reversed_element),
		T(ports_any_inside_a_list_rejected),
		T(in_rule_without_ports),
		T(out_rule_without_ports_or_local_ports),
		T(out_rule_with_only_local_ports),
		T(out_rule_ports_and_local_ports),
		T(out_rule_ports_any_without_local_ports),
		T(local_ports_on_in_rule),
		T(local_ports_as_a_list),
		T(local_ports_reversed),
		T(rule_peer_any_shares_one_set),
		T(rule_peer_unknown_set),
		T(rule_peer_wrong_type),
		T(rule_peer_inline_list),
		T(rule_peer_inline_bad_cidr),
		T(rule_peer_inline_empty),
		T(rule_peer_inline_does_not_name_a_set),
		T(rule_names_duplicate),
		T(rule_tags_parsed),
		T(rule_tags_string_is_one_tag),
		T(rule_tags_wrong_type),
		T(rule_tags_element_not_a_string),
		T(rule_log_parsed),
		T(rule_log_not_bool),
		/* helpers */
		T(rule_excluded_by_any_listed_tag),
		T(rule_not_excluded_without_exclude_tags),
		T(xmpp_falls_back_to_access),
		T(xmpp_own_addresses_used_when_given),
		T(xmpp_empty_list_disables_xmpp),
		/* shipped policy */
		T(rule_restates_must_name_an_earlier_rule),
		T(long_ports_string_is_quoted_in_part),
		T(megabyte_rule_name_is_quoted_in_part),
		T(quote_bounds_whole_characters),
		T(shipped_policy_is_clean),
		T(shipped_policy_exclude_tags),
		T(crc_depends_on_the_bytes),
		/* addr.c */
		T(addr_parse_ipv4_is_v4_mapped),
		T(addr_helpers_encode_v4_mapped),
		T(addr_from_sockaddr),
		T(ifaddrs_find_by_address),
		T(addr_parse_ipv6),
		T(addr_parse_rejects_junk),
		T(prefix_parse_ipv4),
		T(prefix_parse_ipv4_zero_length),
		T(prefix_parse_ipv6),
		T(prefix_parse_bare_address_is_a_host),
		T(prefix_parse_errors_say_why),
		T(addr_fmt_ipv4_dotted),
		T(addr_fmt_ipv6_compressed),
		T(prefix_fmt_ipv4),
		T(prefix_fmt_ipv6),
		T(prefix_contains_ipv4),
		T(prefix_contains_ipv4_any_is_ipv4_only),
		T(prefix_contains_ipv6),
		T(prefix_contains_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
