// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "stats.h"

static __u32 max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

int ef_stats_collect(const struct ef_maps *m, char *const *names, size_t n, struct ef_stats *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	if ((err = ef_counters_read(m, s->c)) || (err = ef_epoch_get(m, &s->epoch)))
		return err;
	s->rules = calloc(n ? n : 1, sizeof(*s->rules));
	if (!s->rules)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s->rules[i].name = names[i];
		ef_rule_stats_read(m, s->epoch % EF_SLOTS, (unsigned)i, &s->rules[i].st);
	}
	s->nrules = n;
	s->flows = ef_map_count(m->flows, sizeof(struct ef_flow_key));
	s->flows_new = ef_map_count(m->flows_new, sizeof(struct ef_flow_key));
	s->frags = ef_map_count(m->frags, sizeof(struct ef_frag_key));
	s->flows_max = max_entries(m->flows);
	s->flows_new_max = max_entries(m->flows_new);
	s->frags_max = max_entries(m->frags);
	return 0;
}
