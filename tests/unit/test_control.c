// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The control protocol's messages (agent/core/control.c): each request and
 * answer survives its encoding, byte for byte where the text is fixed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control.h"

static void requests_encode_as_documented(void **state)
{
	struct ef_ctl_req r;
	char *s;

	(void)state;
	ef_ctl_req_init(&r, EF_CTL_RELOAD);
	s = ef_ctl_req_encode(&r);
	assert_string_equal(s, "{\"cmd\":\"reload\"}");
	free(s);
	ef_ctl_req_init(&r, EF_CTL_APPLY);
	snprintf(r.policy, sizeof(r.policy), "/etc/edgefw/new.json");
	r.confirm_within = 120;
	s = ef_ctl_req_encode(&r);
	assert_string_equal(
		s,
		"{\"cmd\":\"apply\",\"policy\":\"/etc/edgefw/new.json\",\"confirm_within\":120}");
	free(s);
	ef_ctl_req_init(&r, EF_CTL_CONFIRM);
	s = ef_ctl_req_encode(&r);
	assert_string_equal(s, "{\"cmd\":\"confirm\"}");
	free(s);
	ef_ctl_req_init(&r, EF_CTL_REOPEN);
	s = ef_ctl_req_encode(&r);
	assert_string_equal(s, "{\"cmd\":\"reopen\"}");
	free(s);
}

static void requests_round_trip(void **state)
{
	static const enum ef_ctl_cmd cmds[] = { EF_CTL_RELOAD, EF_CTL_APPLY, EF_CTL_CONFIRM,
						EF_CTL_REOPEN };
	struct ef_ctl_req r, back;
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ef_ctl_req_init(&r, cmds[i]);
		if (cmds[i] == EF_CTL_APPLY) {
			snprintf(r.policy, sizeof(r.policy), "/tmp/a \"quoted\"\\path.json");
			r.confirm_within = 7;
		}
		s = ef_ctl_req_encode(&r);
		assert_int_equal(ef_ctl_req_decode(s, &back), 0);
		assert_int_equal(back.cmd, r.cmd);
		assert_string_equal(back.name, r.name);
		assert_string_equal(back.policy, r.policy);
		assert_int_equal(back.confirm_within, r.confirm_within);
		free(s);
	}
}

static void unknown_and_broken_requests(void **state)
{
	struct ef_ctl_req r;

	(void)state;
	assert_int_equal(ef_ctl_req_decode("{\"cmd\":\"format-disk\"}", &r), 0);
	assert_int_equal(r.cmd, EF_CTL_UNKNOWN);
	assert_string_equal(r.name, "format-disk");
	assert_int_equal(ef_ctl_req_decode("{\"policy\":\"x\"}", &r), 0);
	assert_int_equal(r.cmd, EF_CTL_UNKNOWN);
	assert_int_equal(ef_ctl_req_decode("not json", &r), -22);
	assert_int_equal(ef_ctl_req_decode("[1,2]", &r), -22);
	assert_int_equal(ef_ctl_req_decode("", &r), -22);
}

static void answers_round_trip(void **state)
{
	struct ef_ctl_resp a = { .ok = true, .generation = 7, .confirm_by = 1765000000 }, back;
	struct ef_diag d;
	char *s;

	(void)state;
	snprintf(a.policy, sizeof(a.policy), "lync \"pool\"");
	snprintf(a.events_file, sizeof(a.events_file), "/var/log/edgefw/events.json");
	ef_diag_init(&d, "/etc/edgefw/policy.json");
	ef_diag_error(&d, "rules[7].ports", "range 60000-50000 is reversed");
	ef_diag_error(&d, NULL, "nothing to confirm");
	s = ef_ctl_resp_encode(&a, &d);
	assert_int_equal(ef_ctl_resp_decode(s, &back), 0);
	assert_true(back.ok);
	assert_int_equal(back.generation, 7);
	assert_int_equal(back.confirm_by, 1765000000);
	assert_string_equal(back.policy, "lync \"pool\"");
	assert_string_equal(back.events_file, "/var/log/edgefw/events.json");
	assert_int_equal(back.nmessages, 2);
	assert_string_equal(
		back.messages[0],
		"/etc/edgefw/policy.json: rules[7].ports: range 60000-50000 is reversed");
	assert_string_equal(back.messages[1], "/etc/edgefw/policy.json: nothing to confirm");
	ef_ctl_resp_free(&back);
	ef_diag_free(&d);
	free(s);
	/* a refusal: no extras, ok false */
	memset(&a, 0, sizeof(a));
	s = ef_ctl_resp_encode(&a, NULL);
	assert_string_equal(s, "{\"ok\":false,\"generation\":0,\"policy\":\"\",\"messages\":[]}");
	assert_int_equal(ef_ctl_resp_decode(s, &back), 0);
	assert_false(back.ok);
	assert_int_equal(back.nmessages, 0);
	ef_ctl_resp_free(&back);
	free(s);
	assert_int_equal(ef_ctl_resp_decode("", &back), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_encode_as_documented),
		cmocka_unit_test(requests_round_trip),
		cmocka_unit_test(unknown_and_broken_requests),
		cmocka_unit_test(answers_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
