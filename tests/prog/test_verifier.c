// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests, the verifier: the cost of both programs on this kernel,
 * held to a budget.
 */
#include "harness.h"

/*
 * The verifier's cost for both programs on this kernel, printed so that
 * growth is visible in every CI log, and held to a budget well under the
 * kernel's 1M-instruction limit.
 */
#define EF_VERIFIER_BUDGET 300000 /* processed instructions per program (30% of the limit) */

static void test_verifier_margin(void **state)
{
	struct edgefw_bpf *skel = edgefw_bpf__open();
	static char log[2][1 << 16];
	struct bpf_program *progs[2];
	FILE *out = fopen("build/verifier-stats.txt", "w");

	(void)state;
	assert_non_null(skel);
	progs[0] = skel->progs.edgefw_xdp;
	progs[1] = skel->progs.edgefw_tc_egress;
	for (int i = 0; i < 2; i++) {
		bpf_program__set_log_level(progs[i], 4); /* BPF_LOG_STATS */
		bpf_program__set_log_buf(progs[i], log[i], sizeof(log[i]));
	}
	assert_int_equal(edgefw_bpf__load(skel), 0);
	for (int i = 0; i < 2; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		unsigned processed = 0, states = 0, peak = 0, insns;
		char *p = strstr(log[i], "processed ");

		assert_int_equal(bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len), 0);
		insns = info.xlated_prog_len / 8;
		assert_non_null(p);
		sscanf(p, "processed %u insns", &processed);
		if ((p = strstr(log[i], "total_states ")))
			sscanf(p, "total_states %u", &states);
		if ((p = strstr(log[i], "peak_states ")))
			sscanf(p, "peak_states %u", &peak);
		printf("  verifier: %-16s %5u instructions (%u bytes jited), %6u processed "
		       "(%.1f%% of the 1M limit), %u states, peak %u\n",
		       bpf_program__name(progs[i]), insns, info.jited_prog_len, processed,
		       processed / 10000.0, states, peak);
		if (out)
			fprintf(out,
				"%s instructions=%u jited_bytes=%u processed=%u verified_insns=%u total_states=%u peak_states=%u\n",
				bpf_program__name(progs[i]), insns, info.jited_prog_len, processed,
				info.verified_insns, states, peak);
		assert_true(processed > 0);
		if (processed > EF_VERIFIER_BUDGET)
			fail_msg("%s: the verifier processed %u instructions, over the %u budget",
				 bpf_program__name(progs[i]), processed, EF_VERIFIER_BUDGET);
	}
	if (out)
		fclose(out);
	edgefw_bpf__destroy(skel);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_verifier_margin),
};

PROG_GROUP(verifier_group, "verifier", "the verifier's cost for both programs, against a budget");
