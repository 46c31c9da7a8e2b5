// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reading and flushing the flow tables for `edgefw flows` (flowtab.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "edgefw/parse.h"
#include "flowtab.h"

__u64 ef_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* the service of a local address in the live slot, or -1 */
static int service_of(const struct ef_maps *m, __u32 slot, const struct ef_flow_key *k)
{
	struct ef_addr_key ak = { .slot = (__u8)slot, .role = k->role, .addr = k->local };
	struct ef_addr_val v;

	if (bpf_map_lookup_elem(m->addrs, &ak, &v) || !v.svcmask)
		return -1;
	/* an address with several services (XMPP on Access): the lowest */
	return __builtin_ctz(v.svcmask);
}

static int add_row(struct ef_flow_row **rows, size_t *n, size_t *cap, const struct ef_flow_row *r)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct ef_flow_row *nr = realloc(*rows, c * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		*rows = nr;
		*cap = c;
	}
	(*rows)[(*n)++] = *r;
	return 0;
}

static int read_table(const struct ef_maps *m, int table, const struct ef_cfg *cfg, __u32 slot,
		      const struct ef_flow_names *nm, __u64 now, struct ef_flow_row **rows,
		      size_t *n, size_t *cap)
{
	int fd = table == EF_TABLE_TRUSTED ? m->flows : m->flows_new;
	struct ef_flow_key cur, prev;
	bool first = true;

	while (bpf_map_get_next_key(fd, first ? NULL : &prev, &cur) == 0) {
		struct ef_flow_row r = { .k = cur, .table = table };
		__u64 idle, to;

		first = false;
		prev = cur;
		if (bpf_map_lookup_elem(fd, &cur, &r.f))
			continue; /* gone meanwhile */
		idle = now > r.f.seen_ns ? now - r.f.seen_ns : 0;
		to = cfg->timeout_ns[ef_flow_timeout_class(cur.proto, r.f.state)];
		if (idle > to)
			continue; /* expired: leaves at its next lookup or sweep */
		r.idle_s = (long long)(idle / 1000000000ull);
		r.expires_s = (long long)((to - idle) / 1000000000ull);
		r.age_s = r.f.born_s && now / 1000000000ull >= r.f.born_s ?
				  (long long)(now / 1000000000ull - r.f.born_s) :
				  -1;
		r.ifname = cur.role < EF_ROLE_MAX ? nm->ifname[cur.role] : NULL;
		r.service = service_of(m, slot, &cur);
		if (!(r.f.flags & EF_FLOW_UNLISTED) && r.f.epoch == nm->epoch && nm->rules &&
		    r.f.rule < nm->nrules)
			r.rule = nm->rules[r.f.rule];
		if (add_row(rows, n, cap, &r))
			return -ENOMEM;
	}
	return 0;
}

int ef_flows_read(const struct ef_maps *m, const struct ef_flow_names *nm, __u64 now,
		  struct ef_flow_row **rows, size_t *n)
{
	struct ef_ctl ctl;
	struct ef_cfg cfg;
	__u32 k = 0, slot;
	size_t cap = 0;
	int err;

	*rows = NULL;
	*n = 0;
	if (bpf_map_lookup_elem(m->ctl, &k, &ctl))
		return -errno;
	if (!ctl.epoch)
		return 0; /* no generation ever went live: no flow either */
	slot = ctl.epoch % EF_SLOTS;
	if (bpf_map_lookup_elem(m->cfg, &slot, &cfg))
		return -errno;
	err = read_table(m, EF_TABLE_TRUSTED, &cfg, slot, nm, now, rows, n, &cap);
	if (!err)
		err = read_table(m, EF_TABLE_UNTRUSTED, &cfg, slot, nm, now, rows, n, &cap);
	if (err) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return err;
}

long ef_flows_delete(const struct ef_maps *m, const struct ef_flow_row *rows, size_t n,
		     const struct ef_flow_filter *fl)
{
	long gone = 0;

	for (size_t i = 0; i < n; i++) {
		int fd = rows[i].table == EF_TABLE_TRUSTED ? m->flows : m->flows_new;

		if (!ef_flow_match(fl, &rows[i]))
			continue;
		if (bpf_map_delete_elem(fd, &rows[i].k) == 0)
			gone++;
		else if (errno != ENOENT)
			return -errno;
	}
	return gone;
}
