// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Statistics rendering (agent/stats.c): table, JSON and Prometheus text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "statsfmt.h"
#include "testutil.h"

static struct ef_stats_rule rules[] = {
	{ .name = "ext-access-sip-tls-443-in", .st = { 12, 3400 } },
	{ .name = "int-sip-mtls-5061-out", .st = { 0, 0 } },
};

static struct ef_stats sample(void)
{
	struct ef_stats s;

	memset(&s, 0, sizeof(s));
	s.epoch = 7;
	s.rules = rules;
	s.nrules = 2;
	s.c[EF_HOOK_INGRESS * EF_REASON_MAX + EF_R_NO_RULE] = 41;
	s.c[EF_HOOK_EGRESS * EF_REASON_MAX + EF_R_FLOW] = 99;
	s.c[EF_C_WOULD_DROP_BASE + EF_HOOK_INGRESS * EF_REASON_MAX + EF_R_NO_RULE] = 7;
	s.c[EF_C_EVENTS_SUPPRESSED] = 5;
	s.c[EF_C_FLOWS_PROMOTED] = 3;
	s.flows = 10;
	s.flows_max = 262144;
	s.flows_new = 4;
	s.flows_new_max = 65536;
	s.policy = "lync \"pool\"\nA";
	s.node = "edge1";
	s.loaded = 1700000000;
	s.c[EF_C_EVENTS_SUB_DROPPED] = 2;
	return s;
}

static void table_lists_rules_reasons_tables(void **state)
{
	struct ef_stats s = sample();
	char *t = ef_stats_table(&s);

	(void)state;
	assert_has_all(t, "policy generation 7", "ext-access-sip-tls-443-in", "3400",
		       "ingress  drop       no-rule", "egress   pass       flow",
		       "ingress  would-drop no-rule");
	assert_null(strstr(t, "peer-not-allowed")); /* zero counters are left out */
	assert_has_all(t, "flows (trusted)", "262144", "events_suppressed");
	free(t);
}

static void json_has_exact_values(void **state)
{
	struct ef_stats s = sample();
	json_object *o = ef_stats_json(&s), *v, *e;

	(void)state;
	assert_true(json_object_object_get_ex(o, "generation", &v));
	assert_int_equal(json_object_get_int(v), 7);
	assert_true(json_object_object_get_ex(o, "rules", &v));
	assert_int_equal(json_object_array_length(v), 2);
	e = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(e, "bytes", &v));
	assert_int_equal(json_object_get_int64(v), 3400);
	assert_true(json_object_object_get_ex(o, "verdicts", &v));
	assert_int_equal(json_object_array_length(v), 3);
	e = json_object_array_get_idx(v, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(e, "reason")), "no-rule");
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(v, 2), "verdict")),
			    "would-drop");
	assert_int_equal(json_object_get_int64(json_object_object_get(e, "packets")), 41);
	assert_true(json_object_object_get_ex(o, "counters", &v));
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "flows_promoted")), 3);
	json_object_put(o);
}

/* Every sample's metric has HELP and TYPE before it; values are exact;
 * label values are escaped. */
static void prometheus_is_well_formed(void **state)
{
	struct ef_stats s = sample();
	char *t = ef_stats_prometheus(&s), *line, *save = NULL;
	char typed[64][64];
	int ntyped = 0, samples = 0;

	(void)state;
	assert_has_all(
		t,
		"edgefw_packets_total{hook=\"ingress\",verdict=\"drop\",reason=\"no-rule\"} 41\n",
		"edgefw_packets_total{hook=\"egress\",verdict=\"pass\",reason=\"flow\"} 99\n",
		"edgefw_rule_bytes_total{rule=\"ext-access-sip-tls-443-in\"} 3400\n",
		"edgefw_events_suppressed_total 5\n",
		"edgefw_packets_total{hook=\"ingress\",verdict=\"would-drop\",reason=\"no-rule\"} 7\n",
		"edgefw_table_entries{table=\"flows_trusted\"} 10\n",
		"edgefw_policy_info{policy=\"lync \\\"pool\\\"\\nA\",node=\"edge1\"} 1\n",
		"edgefw_subscriber_events_dropped_total 2\n");
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];

		if (!strncmp(line, "# TYPE ", 7)) {
			sscanf(line + 7, "%63s", typed[ntyped]);
			assert_true(ntyped < 63);
			ntyped++;
			continue;
		}
		if (line[0] == '#')
			continue;
		sscanf(line, "%63[a-z_]", name);
		{
			bool seen = false;

			for (int i = 0; i < ntyped; i++)
				seen |= !strcmp(typed[i], name);
			if (!seen)
				fail_msg("sample of %s before its TYPE line", name);
		}
		samples++;
	}
	assert_true(samples > 2 * 20);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_lists_rules_reasons_tables),
		cmocka_unit_test(json_has_exact_values),
		cmocka_unit_test(prometheus_is_well_formed),
	};

	return cmocka_run_group_tests_name("statistics rendering", tests, NULL, NULL);
}
