/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the runners over the kernel share (seqimpl_bpf.c, and verdicts.c
 * without REF): a network namespace of their own whose two veth NICs give
 * the ifindexes, and a frame run with BPF_PROG_TEST_RUN through XDP
 * (ingress) or the TC egress program.
 */
#ifndef EF_FUZZ_BPFRUN_H
#define EF_FUZZ_BPFRUN_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "edgefw.skel.h"

/* Into a network namespace of our own with the veth pairs p0-p1 and p2-p3,
 * p0 and p2 up: the ifindexes of p0 (external) and p2 (internal).  p2 is
 * SEQ_IF_INT (5000), past ef_ifroles: the internal NIC's role comes from
 * ef_ifaces, the external one's from the array. */
static inline int netns_nics(const char *p, int *ext, int *in)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "ip link add %s0 type veth peer name %s1 && "
		 "ip link add %s2 index 5000 type veth peer name %s3 && "
		 "ip link set %s0 up && ip link set %s2 up",
		 p, p, p, p, p, p);
	if (unshare(CLONE_NEWNET) || system(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s0", p);
	*ext = (int)if_nametoindex(cmd);
	snprintf(cmd, sizeof(cmd), "%s2", p);
	*in = (int)if_nametoindex(cmd);
	return 0;
}

/* Run the frame of t (data_in, data_size_in) through the TC egress program
 * (egress) or XDP, as on the NIC ifindex: bpf_prog_test_run_opts. */
static inline int run_frame(const struct edgefw_bpf *skel, bool egress, int ifindex,
			    struct bpf_test_run_opts *t)
{
	struct xdp_md x = { .data_end = t->data_size_in, .ingress_ifindex = (__u32)ifindex };
	struct __sk_buff sk = { .ifindex = (__u32)ifindex };
	int prog, err;

	if (egress) {
		prog = bpf_program__fd(skel->progs.edgefw_tc_egress);
		t->ctx_in = &sk;
		t->ctx_size_in = sizeof(sk);
	} else {
		prog = bpf_program__fd(skel->progs.edgefw_xdp);
		t->ctx_in = &x;
		t->ctx_size_in = sizeof(x);
	}
	err = bpf_prog_test_run_opts(prog, t);
	t->ctx_in = NULL; /* not left pointing at this frame */
	t->ctx_size_in = 0;
	return err;
}

#endif
