/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Statistics from the pinned maps (core/statsfmt.h renders them). */
#ifndef EF_STATS_H
#define EF_STATS_H

#include "apply.h"
#include "statsfmt.h"

/* Read everything; names[i] names compiled rule i of the live generation. */
int ef_stats_collect(const struct ef_maps *m, char *const *names, size_t n, struct ef_stats *s);

#endif
