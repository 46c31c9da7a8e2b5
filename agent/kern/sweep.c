// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flow tables' upkeep, done by the agent in the background: expired
 * flows leave the tables (the data path only removes a flow when one of its
 * packets finds it expired), the port hint (ef_flowports, see edgefw.h) is
 * rebuilt from the flows that are left, so that ports whose flows are gone
 * stop costing a flow lookup, and the block hint (ef_blockhint) from the
 * blocks in force.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "edgefw/parse.h"
#include "apply.h"
#include "log.h"
#include "sweep.h"

#define HINT_BYTES (2 * EF_HINT_WORDS * sizeof(__u64))

static __u64 *hint_map(int fd)
{
	void *p = mmap(NULL, HINT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

int ef_flowports_set(int fd, __u16 port)
{
	__u64 *w = fd >= 0 ? hint_map(fd) : NULL;

	if (!w)
		return fd >= 0 ? -errno : 0;
	for (int h = 0; h < 2; h++)
		__atomic_fetch_or(&w[h * EF_HINT_WORDS + (port >> 6)], 1ull << (port & 63),
				  __ATOMIC_SEQ_CST);
	munmap(w, HINT_BYTES);
	return 0;
}

int ef_hints_fill(const struct ef_maps *m)
{
	int fds[2] = { m->flowports, m->blockhint };

	for (int i = 0; i < 2; i++) {
		__u64 *w = fds[i] >= 0 ? hint_map(fds[i]) : NULL;

		if (!w)
			continue;
		for (int j = 0; j < 2 * EF_HINT_WORDS; j++)
			__atomic_store_n(&w[j], ~0ull, __ATOMIC_SEQ_CST);
		munmap(w, HINT_BYTES);
	}
	return 0;
}

/* bpf_ktime_get_coarse_ns()'s clock */
static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static bool expired(const struct ef_cfg *cfg, __u64 now, __u8 proto, const struct ef_flow *f)
{
	int cls = ef_flow_timeout_class(proto, f->state);

	return now > f->seen_ns && now - f->seen_ns > cfg->timeout_ns[cls];
}

/* one table: live flows' ports into the hint half h, expired ones out */
static int sweep_table(int fd, const struct ef_cfg *cfg, __u64 *half, struct ef_sweep *out)
{
	struct ef_flow_key cur, prev, *gone = NULL;
	struct ef_flow f;
	size_t n = 0, cap = 0;
	bool first = true;
	int err = 0;

	while (bpf_map_get_next_key(fd, first ? NULL : &prev, &cur) == 0) {
		first = false;
		prev = cur;
		if (bpf_map_lookup_elem(fd, &cur, &f))
			continue; /* gone meanwhile */
		if (!expired(cfg, coarse_ns(), cur.proto, &f)) {
			__atomic_fetch_or(&half[cur.lport >> 6], 1ull << (cur.lport & 63),
					  __ATOMIC_SEQ_CST);
			out->live++;
			continue;
		}
		if (n == cap) {
			struct ef_flow_key *g =
				realloc(gone, (cap ? cap * 2 : 1024) * sizeof(*gone));

			if (!g) {
				err = -ENOMEM;
				break;
			}
			gone = g;
			cap = cap ? cap * 2 : 1024;
		}
		gone[n++] = cur;
	}
	/* removed only if still expired: the program may have replaced one
	 * with a new flow on the same ports meanwhile */
	for (size_t i = 0; i < n; i++)
		if (bpf_map_lookup_elem(fd, &gone[i], &f) == 0 &&
		    expired(cfg, coarse_ns(), gone[i].proto, &f) &&
		    bpf_map_delete_elem(fd, &gone[i]) == 0)
			out->expired++;
	free(gone);
	return err;
}

/* the blocks in force: their sources' bits into the hint half */
static void sweep_blocks(int fd, __u64 *half, struct ef_sweep *out)
{
	union ef_addr cur, prev;
	struct ef_blocked b;
	bool first = true;

	while (bpf_map_get_next_key(fd, first ? NULL : &prev, &cur) == 0) {
		__u32 h;

		first = false;
		prev = cur;
		if (bpf_map_lookup_elem(fd, &cur, &b) || b.until_ns <= coarse_ns())
			continue; /* served its time: no bit */
		h = ef_src_hash16(&cur);
		__atomic_fetch_or(&half[h >> 6], 1ull << (h & 63), __ATOMIC_SEQ_CST);
		out->blocks++;
	}
}

/* the half of a hint map nobody reads, cleared: from here on the programs
 * set new bits in it, and the caller those of what exists */
static void hint_clear(__u64 *w, int half)
{
	for (int i = 0; i < EF_HINT_WORDS; i++)
		__atomic_store_n(&w[half * EF_HINT_WORDS + i], 0, __ATOMIC_SEQ_CST);
}

int ef_flows_sweep(const struct ef_maps *m, struct ef_sweep *out)
{
	struct ef_ctl ctl;
	struct ef_cfg cfg;
	__u32 k = 0, slot, flip = 0;
	__u64 *w, *bw;
	int hf, hb, err;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(m->ctl, &k, &ctl))
		return -errno;
	if (!ctl.epoch)
		return 0;
	slot = ctl.epoch % EF_SLOTS;
	if (bpf_map_lookup_elem(m->cfg, &slot, &cfg))
		return -errno;
	w = m->flowports >= 0 ? hint_map(m->flowports) : NULL;
	bw = m->blockhint >= 0 ? hint_map(m->blockhint) : NULL;
	hf = !(ctl.hint & EF_HINT_FLOWS);
	hb = !(ctl.hint & EF_HINT_BLOCKS);
	if (w)
		hint_clear(w, hf);
	if (bw)
		hint_clear(bw, hb);
	{
		__u64 scratch[EF_HINT_WORDS];
		__u64 *half = w ? &w[hf * EF_HINT_WORDS] : scratch;

		err = sweep_table(m->flows, &cfg, half, out);
		if (!err)
			err = sweep_table(m->flows_new, &cfg, half, out);
	}
	if (bw)
		sweep_blocks(m->blocked, &bw[hb * EF_HINT_WORDS], out);
	if (w && !err)
		flip |= EF_HINT_FLOWS;
	if (bw)
		flip |= EF_HINT_BLOCKS;
	if (flip && bpf_map_lookup_elem(m->ctl, &k, &ctl) == 0) {
		/* the rebuilt halves are complete: read them */
		ctl.hint = (ctl.hint & ~flip) | (hf ? EF_HINT_FLOWS & flip : 0) |
			   (hb ? EF_HINT_BLOCKS & flip : 0);
		if (bpf_map_update_elem(m->ctl, &k, &ctl, BPF_ANY))
			err = -errno;
	}
	if (w) {
		for (int i = 0; i < EF_HINT_WORDS; i++)
			out->hinted_ports +=
				(size_t)__builtin_popcountll(w[hf * EF_HINT_WORDS + i]);
		munmap(w, HINT_BYTES);
	}
	if (bw)
		munmap(bw, HINT_BYTES);
	if (out->expired)
		ef_counter_add(m, EF_C_FLOWS_SWEPT, (__u64)out->expired);
	return err;
}
