/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Writing compiled policy into the live maps.  A new generation is built in
 * the inactive slot and made live by one write of ef_ctl (the epoch the
 * programs read once per packet): packets see the old rules or the new,
 * never a mixture.  A failure before that write leaves the old policy in
 * force untouched.
 */
#ifndef EF_APPLY_H
#define EF_APPLY_H

#include <stddef.h>
#include "compile.h"
#include "edgefw/maplist.h"

/* The fds of the maps the agent holds: ef_ctl in ctl, ef_flows_new in
 * flows_new, ... (include/edgefw/maplist.h: HELD and HELD_OPT, the latter
 * -1 with an older build's pins). */
struct ef_maps {
#define EF_MAPS_FD_(name, optional) int name;
	EF_MAPS_HELD(EF_MAPS_FD_)
#undef EF_MAPS_FD_
};

/* How long ef_apply waits after the previous flip before it rebuilds the
 * other slot (20 ms; tests that drive a program without packets in flight
 * set 0). */
extern unsigned long long ef_apply_grace_ns;

/* Read the live epoch (0: none). */
int ef_epoch_get(const struct ef_maps *m, __u32 *epoch);
/*
 * Build c into slot epoch % EF_SLOTS and make it live.  prev_names (may be
 * NULL) names the rules of the generation it replaces: a rule of the same
 * name keeps its packet and byte counters across the reload.
 */
int ef_apply(const struct ef_maps *m, const struct ef_compiled *c, __u32 epoch,
	     char *const *prev_names, size_t nprev);
/* Remove untrusted flows generation c would never look up (so never
 * revoke): outside monitor mode, those on ports no inbound rule covers.
 * ef_apply does it after the flip.  Returns how many. */
int ef_flows_prune(const struct ef_maps *m, const struct ef_compiled *c);
/* Replace the managed interface table. */
int ef_set_ifaces(const struct ef_maps *m, const int *ifindex, const int *role, size_t n);
/* Sum a per-CPU u64 counter array. */
int ef_counters_read(const struct ef_maps *m, __u64 out[EF_C_MAX]);
/* Add to a counter the programs never write (the agent's own: flows
 * pruned or swept, event lines written...), in CPU 0's slot. */
int ef_counter_add(const struct ef_maps *m, __u32 idx, __u64 delta);
/* Sum a rule's per-CPU stats in a slot. */
int ef_rule_stats_read(const struct ef_maps *m, unsigned slot, unsigned rule,
		       struct ef_rule_stats *out);
/* Count entries of a hash map (flow tables). */
long ef_map_count(int fd, size_t key_size);

#endif
