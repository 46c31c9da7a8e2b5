/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the naive oracles share: the unit tests' (test_compile.c) and the
 * program tests' (tests/prog/harness.c) scans of a policy's rules, which
 * check the compiled layout from outside the compiler.
 */
#ifndef EF_TEST_ORACLE_H
#define EF_TEST_ORACLE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* Does rule r take port: any port, or one of its ranges? */
static inline bool oracle_in_ranges(const struct ef_prule *r, unsigned port)
{
	if (r->ports_any)
		return true;
	for (size_t i = 0; i < r->nports; i++)
		if (port >= r->ports[i].lo && port <= r->ports[i].hi)
			return true;
	return false;
}

#endif
