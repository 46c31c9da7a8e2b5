/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One capture slot of the running data path (ef_capture, edgefw.h), as
 * `edgefw capture` owns it: claimed (lapsed slots of killed captures are
 * taken back), given a filter and a ring of its own, renewed while it
 * runs, and released - the data path then captures nothing for it.
 */
#ifndef EF_CAPTURE_H
#define EF_CAPTURE_H

#include <stdbool.h>
#include <bpf/libbpf.h>

#include "edgefw/edgefw.h"

struct ef_cap {
	int map_fd, rings_fd, stat_fd, ring_fd;
	struct ef_capture *c; /* ef_capture, mapped */
	size_t map_len;
	int slot; /* -1: none */
	struct ring_buffer *rb;
};

/* The pinned capture maps in bpffs dir: 0, or -errno (-ENOENT: no
 * edgefw there, or one older than capture). */
int ef_cap_open(struct ef_cap *k, const char *bpffs);
/* Claim a slot, set it to s (its lease from now), give it a ring whose
 * records go to cb(ctx, record, size), zero its counts, turn it on.
 * 0, -EBUSY when every slot is in use, or -errno. */
int ef_cap_start(struct ef_cap *k, const struct ef_capslot *s, ring_buffer_sample_fn cb, void *ctx);
/* Keep the slot alive for another EF_CAP_LEASE_NS. */
void ef_cap_renew(struct ef_cap *k);
/* The rule filter's rule in a new generation (EF_CAPF_RULE). */
void ef_cap_set_rule(struct ef_cap *k, __u16 rule, __u32 epoch);
/* Records to the callback, waiting up to timeout_ms for a wake-up (the
 * programs wake the reader every EF_CAP_WAKE_BYTES), then whatever the
 * ring holds: how many, or -errno. */
int ef_cap_poll(struct ef_cap *k, int timeout_ms);
/* Turn the slot off, hand over what its ring still holds, release it;
 * its counts (summed over the CPUs) in *st if not NULL. */
void ef_cap_stop(struct ef_cap *k, struct ef_capstat *st);
void ef_cap_close(struct ef_cap *k);

#endif
