// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* edgefw capture's filter and packet comments (capview.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "capview.h"
#include "diag.h"
#include "names.h"

static int reasons_mask(const char *list, __u64 *mask, char *err, size_t len)
{
	char *copy = strdup(list), *save = NULL;
	int rc = 0;

	if (!copy) {
		snprintf(err, len, "--reason: out of memory");
		return -1;
	}
	*mask = 0;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int r = ef_reason_from_name(w);

		if (r < 0 || r >= 64) {
			snprintf(
				err, len,
				"--reason: %s is not a reason (the man page lists them under EVENTS)",
				EF_Q(w));
			rc = -1;
			break;
		}
		*mask |= 1ull << r;
	}
	if (!rc && !*mask) {
		snprintf(err, len, "--reason: no reason given");
		rc = -1;
	}
	free(copy);
	return rc;
}

int ef_capslot_build(const struct ef_cap_spec *sp, struct ef_capslot *s, char *err, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->rule = EF_RULE_NONE;
	s->flags = EF_CAPF_DROP | EF_CAPF_WOULD_DROP | (sp->new_flows ? EF_CAPF_NEW_FLOW : 0);
	if (sp->reasons && reasons_mask(sp->reasons, &s->reasons, err, len))
		return -1;
	if (sp->addr) {
		struct ef_prefix p;
		const char *why = NULL;

		if (ef_prefix_parse(sp->addr, &p, &why)) {
			snprintf(err, len, "--addr: %s is not an address or CIDR (%s)",
				 EF_Q(sp->addr), why ? why : "?");
			return -1;
		}
		for (unsigned i = 0; i < 4; i++) {
			unsigned bits = p.len > 32 * i ? p.len - 32 * i : 0;
			__u32 m = bits >= 32 ? 0xffffffffu : bits ? ~0u << (32 - bits) : 0;

			s->mask.w[i] = ef_htonl(m);
			s->addr.w[i] = p.addr.w[i] & s->mask.w[i];
		}
		s->flags |= EF_CAPF_ADDR;
	}
	s->proto = (__u8)sp->proto;
	s->port = (__u16)sp->port;
	s->snaplen = (__u16)sp->snaplen;
	/* the bound is the whole capture's: each CPU gets its share (at least 1) */
	s->cpu_pps = (__u32)(sp->max_pps / (sp->ncpus > 0 ? sp->ncpus : 1));
	if (!s->cpu_pps)
		s->cpu_pps = 1;
	return 0;
}

int ef_cap_comment(char *buf, size_t len, const struct ef_caprec *r, const char *rule)
{
	int n = snprintf(buf, len, "edgefw action=%s reason=%s", ef_action_name(r->action),
			 ef_reason_name(r->reason));

	if (n < 0 || (size_t)n >= len || r->rule == EF_RULE_NONE)
		return n;
	if (rule)
		return n + snprintf(buf + n, len - (size_t)n, " rule=%s", rule);
	return n + snprintf(buf + n, len - (size_t)n, " rule=#%u", r->rule);
}
