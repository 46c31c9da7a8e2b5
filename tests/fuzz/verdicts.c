// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The differential half of the packet fuzzing: classify every file of a
 * corpus and print one line per file, "NAME pass|drop REASON RULE".
 * Built twice: -DREF against the reference classifier (the data path's
 * source compiled natively), and without it against the real program
 * loaded in the kernel and run with BPF_PROG_TEST_RUN.  Both use the
 * dry-run build of the program (no state between inputs) and the same
 * policy; tests/fuzz/diff.sh compares the two outputs line by line.
 * Input byte 0 selects the hook (bit 0) and the NIC (bit 1), as in
 * fuzz_packet.c.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "fuzzpolicy.h"
#include "events.h"

#ifdef REF
#include "shim.h"
#else
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "datapath.h"
#include "bpflog.h"
#include "log.h"
#include "bpfrun.h"
#endif

struct verdict {
	int pass, reason, rule;
};

#ifdef REF
static int setup(void)
{
	struct ef_maps m;

	if (ref_init())
		return -1;
	ref_set_dry_run(1);
	m = ref_maps();
	return fuzz_policy_apply(&m, FUZZ_IF_EXT, FUZZ_IF_INT);
}

static int classify(int sel, const unsigned char *f, size_t len, struct verdict *v)
{
	struct ref_verdict r;

	if (ref_run(sel & 1, sel & 2 ? FUZZ_IF_INT : FUZZ_IF_EXT, f, len, &r))
		return -1;
	v->pass = r.pass;
	v->reason = r.reason;
	v->rule = r.rule;
	return 0;
}
#else
static struct ef_dp dp;
static int ifx, ifi;

static int setup(void)
{
	struct ef_dp_opts o = { .dry_run = true };

	ef_log_level = EF_LOG_WARN;
	ef_log_setup_libbpf();
	/* a namespace of our own with two NICs for the ifindexes */
	if (netns_nics("efz", &ifx, &ifi))
		return -1;
	if (ef_dp_open(&dp, NULL, &o))
		return -1;
	return fuzz_policy_apply(&dp.maps, ifx, ifi);
}

static int classify(int sel, const unsigned char *f, size_t len, struct verdict *v)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (__u32)len, .repeat = 1);
	struct ef_trace t;
	__u32 k = 0;

	memset(&t, 0, sizeof(t));
	bpf_map_update_elem(dp.trace_fd, &k, &t, BPF_ANY);
	/* the kernel refuses frames shorter than an Ethernet header, or
	 * longer than a page; so does the wire */
	if (len < 14 || len > 3500)
		return 1;
	if (run_frame(dp.skel, sel & 1, sel & 2 ? ifi : ifx, &o)) {
		/* the skb test run refuses some frames no stack would send
		 * out (a truncated IP header on egress): not runnable */
		if (errno == EINVAL && (sel & 1))
			return 1;
		return -1;
	}
	if (bpf_map_lookup_elem(dp.trace_fd, &k, &t))
		return -1;
	v->pass = sel & 1 ? o.retval == TC_ACT_OK : o.retval == XDP_PASS;
	v->reason = t.reason;
	v->rule = t.rule != EF_RULE_NONE && t.reason < EF_REASON_FIRST_DROP ? t.rule : -1;
	return 0;
}
#endif

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	struct dirent **ents;
	int n, bad = 0, skipped = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	if (setup()) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	n = scandir(argv[1], &ents, NULL, by_name);
	for (int i = 0; i < n; i++) {
		char path[4096];
		unsigned char buf[65536];
		struct verdict v;
		size_t len;
		FILE *f;
		int rc;

		if (ents[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof(path), "%s/%s", argv[1], ents[i]->d_name);
		f = fopen(path, "rb");
		if (!f)
			goto next;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (len < 1 + 14 || len > 1 + 3500)
			goto next; /* what the kernel cannot run either */
		rc = classify(buf[0], buf + 1, len - 1, &v);
		if (rc < 0) {
			fprintf(stderr, "%s: cannot classify: %s\n", ents[i]->d_name,
				strerror(errno));
			bad++;
			goto next;
		}
		if (rc > 0)
			skipped++;
		if (rc == 0)
			printf("%s %s %s %d\n", ents[i]->d_name, v.pass ? "pass" : "drop",
			       ef_reason_name((unsigned)v.reason), v.rule);
next:
		free(ents[i]);
	}
	free(ents);
	if (skipped)
		fprintf(stderr, "%d input(s) the kernel cannot run were left out\n", skipped);
	return bad ? 1 : 0;
}
