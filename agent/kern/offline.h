/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EF_OFFLINE_H
#define EF_OFFLINE_H

#include <stddef.h>
#include "datapath.h"
#include "pktbuild.h"
#include "policy.h"

/* The packet p through dp's dry-run instance (dp opened with dry_run) on
 * (hook) the NIC ifindex: its trace, and whether it passed.  0 or -errno. */
int ef_run_dry(struct ef_dp *dp, int hook, int ifindex, const struct pkt *p, struct ef_trace *t,
	       int *pass);

/* One verdict of the real program, dry-run, over private maps filled from
 * p for node, the packet arriving on (hook) a NIC of the given role; the
 * deciding rule's name in rule. */
int ef_classify_offline(const struct ef_policy *p, const char *node, int role, int hook,
			const struct pkt *pk, struct ef_trace *t, int *pass, char *rule,
			size_t rlen);

/*
 * The lockout guard.  $SSH_CONNECTION ("client port server port") names the
 * connection an admin runs edgefw from.  If the server address is on one of
 * node's NICs and the policy would drop a new connection like it, returns 1
 * and says why in why; 0 when it is safe (or not over a managed NIC); <0 on
 * error.  Classification is the real program's (a private dry-run instance).
 */
int ef_lockout_check(const struct ef_policy *p, const char *node, char *why, size_t len);

#endif
