/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The policy the packet harnesses classify against: the shipped policy,
 * node edge1 with IPv6 twins, narrowed peer sets, a management address. */
#ifndef EF_FUZZPOLICY_H
#define EF_FUZZPOLICY_H

#include "apply.h"

#define FUZZ_IF_EXT 2
#define FUZZ_IF_INT 5000 /* past EF_IFACE_ARRAY (ef_ifaces), as bpfrun.h makes it */

/* Parse, compile and apply it into m (the real maps or the emulated ones),
 * with ifindexes ext/int for the two roles.  0 or -1. */
int fuzz_policy_apply(const struct ef_maps *m, int ext, int internal);

#endif
