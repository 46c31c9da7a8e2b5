// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile.h"

struct ef_policy *ef_policy_checked(const char *path, const char *node, struct ef_diag *d)
{
	size_t len;
	char *text = ef_policy_read(path, &len, d);
	struct ef_policy *p;

	if (!text)
		return NULL;
	p = ef_policy_checked_text(path, text, len, node, d);
	free(text);
	return p;
}

struct ef_policy *ef_policy_checked_text(const char *file, const char *text, size_t len,
					 const char *node, struct ef_diag *d)
{
	struct ef_policy *p = ef_policy_parse(file, text, len, d);

	if (!p || d->errors)
		goto bad;
	if (node && !ef_policy_node(p, node)) {
		char names[512] = "";

		for (size_t i = 0; i < p->nnodes; i++) {
			size_t l = strlen(names);

			snprintf(names + l, sizeof(names) - l, "%s%s", i ? ", " : "",
				 p->nodes[i].name);
		}
		ef_diag_error(d, "nodes", "no node named %s (the file has: %s)", EF_Q(node), names);
		goto bad;
	}
	for (size_t i = 0; i < p->nnodes; i++) {
		struct ef_compiled c;

		if (node && strcmp(p->nodes[i].name, node) != 0)
			continue;
		if (ef_compile(p, &p->nodes[i], -1, &c, d) == 0) {
			bool mgmt = false;

			if (c.nrules == 0)
				ef_diag_warn(d, NULL, "node %s: no rule applies to it",
					     p->nodes[i].name);
			for (size_t k = 0; k < c.nrules; k++) {
				const struct ef_prule *r = &p->rules[c.rule_src[k]];

				mgmt |= r->management;
				if (c.covered_by[k] >= 0 && !r->restates) {
					char path[64];

					snprintf(path, sizeof(path), "%s[%d]",
						 r->management ? "management" : "rules",
						 r->management ?
							 c.rule_src[k] -
								 (int)(p->nrules - p->nmanagement) :
							 c.rule_src[k]);
					ef_diag_warn(
						d, path,
						"rule %s can never match: %s comes first and allows "
						"everything it allows (mark a deliberate restatement with "
						"\"restates\")",
						r->name,
						p->rules[c.rule_src[c.covered_by[k]]].name);
				}
			}
			if (!mgmt)
				ef_diag_warn(
					d, NULL,
					"node %s: no management rule applies to it: nothing lets an "
					"admin reach the node (SSH/RDP from jump hosts; see the "
					"\"management\" section in docs/policy.md)",
					p->nodes[i].name);
			ef_compiled_free(&c);
		}
	}
	if (!d->errors)
		return p;
bad:
	ef_policy_free(p);
	return NULL;
}
