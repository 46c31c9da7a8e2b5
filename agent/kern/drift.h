/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Drift: are our programs still attached where and how we attached them,
 * and do the maps still hold our generation?  What is safe to repair is
 * repaired: a missing egress filter is put back, a changed generation or
 * settings slot is rewritten.  A NIC that lost its XDP program is
 * reported (a bpf_link cannot be detached by others: the NIC went away).
 */
#ifndef EF_DRIFT_H
#define EF_DRIFT_H

#include "datapath.h"
#include "generation.h"

struct ef_drift {
	unsigned long long total; /* drifts found since the start */
	char last[256];		  /* the last one, in a sentence */
};

/* Check (and repair); returns how many drifts this check found. */
int ef_drift_check(struct ef_dp *dp, struct ef_gen *g, struct ef_drift *dr);

#endif
