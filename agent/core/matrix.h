/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `edgefw matrix`: a policy's effective port matrix, node by node, as the
 * tables of Microsoft's port summaries (interface, direction,
 * protocol/port, source, destination, note), so that a review can hold it
 * against the source.  Effective: rules left out by settings.exclude_tags
 * or without addresses on the node are listed apart, and a rule that can
 * never match (an earlier one allows all it allows) says which.  Pure.
 */
#ifndef EF_MATRIX_H
#define EF_MATRIX_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "policy.h"

enum ef_matrix_format { EF_MATRIX_TEXT, EF_MATRIX_MARKDOWN };

struct ef_matrix_opts {
	int format;	  /* enum ef_matrix_format */
	bool refs;	  /* the REF column (the source row) instead of NOTE */
	const char *node; /* only this node; NULL: every node */
};

/* 0, or -1 (a node that does not compile; the reasons in d). */
int ef_policy_matrix(const struct ef_policy *p, const struct ef_matrix_opts *o, FILE *out,
		     struct ef_diag *d);

#endif
