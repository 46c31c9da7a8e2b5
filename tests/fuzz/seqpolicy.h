/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The policies and lists of the stateful differential tests (seqpolicy.c). */
#ifndef EF_FUZZ_SEQPOLICY_H
#define EF_FUZZ_SEQPOLICY_H

#include "apply.h"
#include "compile.h"
#include "policy.h"

/* A policy variant, parsed and compiled for node edge1. */
struct seq_gen {
	struct ef_policy *pol;
	const struct ef_node *node;
	struct ef_compiled comp;
};

/* The variant's JSON text (malloc'd), NULL on failure. */
char *seq_policy_text(int variant);
int seq_policy_load(int variant, struct seq_gen *g);
void seq_policy_free(struct seq_gen *g);

/* The block and allow lists (NULL-terminated CIDRs) and loading them. */
extern const char *const seq_blocklist[];
extern const char *const seq_allowlist[];
int seq_lists_apply(const struct ef_maps *m, int on);

#endif
