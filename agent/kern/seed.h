/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * When edgefw starts on a node that already carries TCP connections (the
 * admin's SSH session among them), those connections have no flow and
 * their next packet would meet "no-flow".  Before attaching, the agent
 * asks the real program (a dry-run instance over the pinned maps) whether
 * the policy would have allowed each established connection of this host
 * that crosses a managed NIC, and gives the allowed ones a flow.
 * Connections of a VM behind the host are not visible here: roll those out
 * with monitor mode first (docs/policy.md).
 */
#ifndef EF_SEED_H
#define EF_SEED_H

#include "datapath.h"

/* Returns the number of flows created, or -errno. */
int ef_seed_established(struct ef_dp *live);

#endif
