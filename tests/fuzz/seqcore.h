/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The stateful differential tests' runner (seqcore.c), over one
 * implementation of the data path: the kernel's enforcing program through
 * BPF_PROG_TEST_RUN (seqimpl_bpf.c) or the native reference build of the
 * same source (seqimpl_ref.c).  Both print the same trace for the same
 * sequence, step by step: verdict, reason, rule, events and a digest of
 * every table the program writes; seqdiff.sh compares the two traces, and
 * each build checks every step against the independent model (model.c).
 */
#ifndef EF_FUZZ_SEQCORE_H
#define EF_FUZZ_SEQCORE_H

#include <stdio.h>

#include "seq.h"
#include "apply.h"

struct ef_event;

/* ---- what each implementation provides ---- */
struct seq_out {
	int ret; /* XDP_* (ingress) or TC_ACT_* (egress) */
	unsigned char frame[PKT_MAX + 64];
	size_t len; /* the frame as it leaves (XDP_TX) */
};

int impl_setup(void);
const struct ef_maps *impl_maps(void);
int impl_fd(const char *name); /* maps apply.h does not name */
void impl_clock(unsigned long long ns);
int impl_run(int hook, int role, const unsigned char *f, size_t len, struct seq_out *o);
int impl_events(struct ef_event *ev, int max);
int impl_ifindex(int role);
int impl_cpu(void); /* the CPU whose per-CPU values are ours */
int impl_ncpu(void);

/* ---- the runner ---- */
struct seq_opts {
	FILE *out;   /* the trace (NULL: none) */
	int verbose; /* full table dumps instead of digests */
	int model;   /* compare with the model */
};

int seq_core_init(void);
/* 0: the implementation agreed with the model at every step; 1: it did
 * not (said on out); -1: a system error */
int seq_run(const char *name, const struct seq *q, const struct seq_opts *o);

#endif
