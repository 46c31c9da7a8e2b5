// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "apply.h"
#include "log.h"

int ef_epoch_get(const struct ef_maps *m, __u32 *epoch)
{
	struct ef_ctl ctl;
	__u32 k = 0;

	if (bpf_map_lookup_elem(m->ctl, &k, &ctl))
		return -errno;
	*epoch = ctl.epoch;
	return 0;
}

/*
 * Delete every key of a hash/LPM map whose slot byte (at slot_off) equals
 * slot.  Keys are collected first: deleting while walking restarts the walk.
 */
static int purge_slot(int fd, size_t ksz, size_t slot_off, unsigned slot)
{
	unsigned char *keys = NULL, *prev = NULL, *cur;
	size_t n = 0, cap = 0;
	int err = 0;

	cur = malloc(ksz);
	if (!cur)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, cur) == 0) {
		if (cur[slot_off] == slot) {
			if (n == cap) {
				unsigned char *nk;

				cap = cap ? cap * 2 : 1024;
				nk = realloc(keys, cap * ksz);
				if (!nk) {
					err = -ENOMEM;
					goto out;
				}
				keys = nk;
			}
			memcpy(keys + n * ksz, cur, ksz);
			n++;
		}
		if (!prev) {
			prev = malloc(ksz);
			if (!prev) {
				err = -ENOMEM;
				goto out;
			}
		}
		memcpy(prev, cur, ksz);
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + i * ksz) && errno != ENOENT) {
			err = -errno;
			goto out;
		}
out:
	free(keys);
	free(prev);
	free(cur);
	return err;
}

static int put(int fd, const void *k, const void *v, const char *what)
{
	if (bpf_map_update_elem(fd, k, v, BPF_ANY)) {
		int err = -errno;

		pr_warn("cannot write %s map entry: %s\n", what, strerror(errno));
		return err;
	}
	return 0;
}

/* The port arrays of every group, one batch per group. */
static int put_portmap(const struct ef_maps *m, const struct ef_compiled *c, unsigned slot)
{
	__u32 *keys = malloc(sizeof(__u32) * EF_PORTMAP_WORDS);
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (size_t g = 0; g < c->ngroups && !err; g++) {
		__u32 count = EF_PORTMAP_WORDS;

		for (__u32 w = 0; w < EF_PORTMAP_WORDS; w++)
			keys[w] = ((__u32)slot * EF_MAX_GROUPS + (__u32)g) * EF_PORTMAP_WORDS + w;
		if (bpf_map_update_batch(m->portmap, keys, c->portmap[g], &count, NULL)) {
			/* no batch support: one by one */
			for (__u32 w = 0; w < EF_PORTMAP_WORDS && !err; w++)
				err = put(m->portmap, &keys[w], &c->portmap[g][w], "port map");
		}
	}
	free(keys);
	return err;
}

/* Two generations must not share a slot within a packet's lifetime: the
 * slot being rebuilt was retired at the previous flip, which was at least
 * this long ago. */
#define EF_SLOT_GRACE_NS 20000000ull
unsigned long long ef_apply_grace_ns = EF_SLOT_GRACE_NS;

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned long long last_flip_ns;

/* The slot's ef_addrhint buckets (see edgefw.h): every bucket is written,
 * so the previous generation's are gone.  Written before the flip. */
static int put_addr_hints(const struct ef_maps *m, const struct ef_compiled *c, unsigned slot)
{
	enum { N = EF_ROLE_MAX * EF_ADDR_HINTS };
	struct ef_addr_hint *h = calloc(N, sizeof(*h));
	__u32 *keys = calloc(N, sizeof(*keys));
	__u32 count = N;
	int err = 0;

	if (!h || !keys) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c->naddrs; i++) {
		const struct ef_addr_entry *a = &c->addrs[i];
		__u32 b = ef_addr_hint_index(slot, a->k.role, &a->k.addr) - slot * N;

		if (h[b].state == EF_AH_EMPTY) {
			h[b].state = EF_AH_ONE;
			h[b].addr = a->k.addr;
			h[b].v = a->v;
		} else {
			/* several addresses: the programs look in ef_addrs */
			memset(&h[b], 0, sizeof(h[b]));
			h[b].state = EF_AH_MANY;
		}
	}
	for (__u32 i = 0; i < N; i++)
		keys[i] = slot * N + i;
	if (bpf_map_update_batch(m->addrhint, keys, h, &count, NULL))
		for (__u32 i = 0; i < N && !err; i++)
			err = put(m->addrhint, &keys[i], &h[i], "address hint");
out:
	free(h);
	free(keys);
	return err;
}

/* Per-CPU statistics of rule i in the new slot: the old rule's of the same
 * name, else zero. */
static int seed_rule_stats(const struct ef_maps *m, const struct ef_compiled *c, unsigned slot,
			   size_t i, char *const *prev, size_t nprev, struct ef_rule_stats *buf,
			   int ncpu)
{
	const char *name = ef_compiled_rule_name(c, (unsigned)i);
	__u32 k = ef_rule_index(slot, (__u32)i);

	memset(buf, 0, sizeof(*buf) * (size_t)ncpu);
	for (size_t j = 0; name && prev && j < nprev; j++) {
		__u32 old = ef_rule_index((slot + EF_SLOTS - 1) % EF_SLOTS, (__u32)j);

		if (prev[j] && strcmp(prev[j], name) == 0) {
			if (bpf_map_lookup_elem(m->rule_stats, &old, buf))
				memset(buf, 0, sizeof(*buf) * (size_t)ncpu);
			break;
		}
	}
	return put(m->rule_stats, &k, buf, "rule statistics");
}

/* Does an inbound rule of c cover (local, proto, lport) on the flow's NIC? */
static bool in_covered(const struct ef_compiled *c, const struct ef_flow_key *k)
{
	for (size_t i = 0; i < c->naddrs; i++) {
		unsigned g = c->addrs[i].v.grp[EF_DIR_IN * 2 + (k->proto == IPPROTO_UDP)];

		if (g >= c->ngroups || c->addrs[i].k.role != k->role ||
		    memcmp(&c->addrs[i].k.addr, &k->local, sizeof(k->local)))
			continue;
		if ((c->portmap[g][k->lport >> 2] >> ((k->lport & 3) * 16)) & 0xffff)
			return true;
	}
	return false;
}

/*
 * The data path consults the untrusted table only where a flow can live
 * there: a port an inbound rule covers, or anything in monitor mode.  A
 * flow the new generation would never look up again could never be
 * revoked either, and would come back if a later generation covered its
 * port; remove those now.
 */
int ef_flows_prune(const struct ef_maps *m, const struct ef_compiled *c)
{
	struct ef_flow_key cur, prev, *gone = NULL;
	size_t n = 0, cap = 0;
	bool first = true;
	int removed = 0;

	if (c->cfg.mode == EF_MODE_MONITOR)
		return 0;
	/* collect, then delete: deleting while walking restarts the walk */
	while (bpf_map_get_next_key(m->flows_new, first ? NULL : &prev, &cur) == 0) {
		first = false;
		prev = cur;
		if ((cur.proto == IPPROTO_TCP || cur.proto == IPPROTO_UDP) && in_covered(c, &cur))
			continue;
		if (n == cap) {
			struct ef_flow_key *ng =
				realloc(gone, (cap ? cap * 2 : 256) * sizeof(*gone));

			if (!ng)
				break;
			gone = ng;
			cap = cap ? cap * 2 : 256;
		}
		gone[n++] = cur;
	}
	for (size_t i = 0; i < n; i++)
		removed += bpf_map_delete_elem(m->flows_new, &gone[i]) == 0;
	free(gone);
	if (removed)
		ef_counter_add(m, EF_C_FLOWS_PRUNED, (__u64)removed);
	return removed;
}

int ef_apply(const struct ef_maps *m, const struct ef_compiled *c, __u32 epoch,
	     char *const *prev_names, size_t nprev)
{
	unsigned slot = epoch % EF_SLOTS;
	int ncpu = libbpf_num_possible_cpus();
	struct ef_rule_stats *zero;
	struct ef_ctl ctl = { .epoch = epoch }, old;
	unsigned long long now = mono_ns();
	__u32 k;
	int err;

	if (epoch == 0)
		return -EINVAL;
	if (last_flip_ns && now - last_flip_ns < ef_apply_grace_ns)
		usleep((useconds_t)((ef_apply_grace_ns - (now - last_flip_ns)) / 1000));

	if ((err = purge_slot(m->addrs, sizeof(struct ef_addr_key),
			      offsetof(struct ef_addr_key, slot), slot)) ||
	    (err = purge_slot(m->peers, sizeof(struct ef_peer_key),
			      offsetof(struct ef_peer_key, slot), slot))) {
		pr_warn("cannot clear policy slot %u: %s\n", slot, strerror(-err));
		return err;
	}

	if (ncpu < 1)
		return -EINVAL;
	zero = calloc((size_t)ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (size_t i = 0; i < c->nrules; i++) {
		k = ef_rule_index(slot, (__u32)i);
		if ((err = put(m->rules, &k, &c->rules[i], "rule")) ||
		    (err = seed_rule_stats(m, c, slot, i, prev_names, nprev, zero, ncpu)))
			goto out;
	}
	for (size_t i = 0; i < c->nlists; i++) {
		k = slot * EF_MAX_LISTS + (__u32)i;
		if ((err = put(m->lists, &k, &c->lists[i], "rule list")))
			goto out;
	}
	if ((err = put_portmap(m, c, slot)))
		goto out;
	k = slot;
	if ((err = put(m->cfg, &k, &c->cfg, "settings")))
		goto out;
	for (size_t i = 0; i < c->naddrs; i++) {
		struct ef_addr_key ak = c->addrs[i].k;

		ak.slot = (__u8)slot;
		if ((err = put(m->addrs, &ak, &c->addrs[i].v, "address")))
			goto out;
	}
	if ((err = put_addr_hints(m, c, slot)))
		goto out;
	for (size_t i = 0; i < c->npeers; i++) {
		struct ef_peer_key pk = c->peers[i];
		__u8 one = 1;

		pk.slot = (__u8)slot;
		if ((err = put(m->peers, &pk, &one, "peer prefix")))
			goto out;
	}
	/* the flip: from here on packets see the new generation (the flow
	 * port hint stays as the sweeper left it) */
	k = 0;
	if (bpf_map_lookup_elem(m->ctl, &k, &old) == 0)
		ctl.hint = old.hint;
	err = put(m->ctl, &k, &ctl, "control");
	if (!err) {
		last_flip_ns = mono_ns();
		ef_flows_prune(m, c);
	}
out:
	free(zero);
	return err;
}

int ef_set_ifaces(const struct ef_maps *m, const int *ifindex, const int *role, size_t n)
{
	__u32 keys[EF_MAX_IFACES], key, *prev = NULL;
	size_t nk = 0;
	int err;

	/* forget interfaces no longer managed (collect, then delete) */
	while (nk < EF_MAX_IFACES && bpf_map_get_next_key(m->ifaces, prev, &keys[nk]) == 0) {
		prev = &keys[nk];
		nk++;
	}
	for (size_t i = 0; i < nk; i++) {
		bool keep = false;

		for (size_t j = 0; j < n; j++)
			keep |= keys[i] == (__u32)ifindex[j];
		if (!keep)
			bpf_map_delete_elem(m->ifaces, &keys[i]);
	}
	for (key = 0; key < EF_IFACE_ARRAY; key++) {
		struct ef_iface v;
		bool keep = false;

		if (bpf_map_lookup_elem(m->ifroles, &key, &v) || !v.managed)
			continue;
		for (size_t j = 0; j < n; j++)
			keep |= key == (__u32)ifindex[j];
		if (!keep) {
			memset(&v, 0, sizeof(v));
			bpf_map_update_elem(m->ifroles, &key, &v, BPF_ANY);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct ef_iface v = { .role = (__u8)role[i], .managed = 1 };

		key = (__u32)ifindex[i];
		if ((err = put(key < EF_IFACE_ARRAY ? m->ifroles : m->ifaces, &key, &v,
			       "interface")))
			return err;
	}
	return 0;
}

int ef_counters_read(const struct ef_maps *m, __u64 out[EF_C_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v;

	if (ncpu < 1)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (__u32 i = 0; i < EF_C_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(m->counters, &i, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[i] += v[c];
	}
	free(v);
	return 0;
}

int ef_counter_add(const struct ef_maps *m, __u32 idx, __u64 delta)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v;
	int err;

	if (ncpu < 1 || idx >= EF_C_MAX)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = bpf_map_lookup_elem(m->counters, &idx, v) ? -errno : 0;
	if (!err) {
		v[0] += delta;
		err = bpf_map_update_elem(m->counters, &idx, v, BPF_ANY) ? -errno : 0;
	}
	free(v);
	return err;
}

int ef_rule_stats_read(const struct ef_maps *m, unsigned slot, unsigned rule,
		       struct ef_rule_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ef_rule_stats *v;
	__u32 k = ef_rule_index(slot, rule);
	int err = 0;

	memset(out, 0, sizeof(*out));
	v = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->rule_stats, &k, v)) {
		err = -errno;
	} else {
		for (int c = 0; c < ncpu; c++) {
			out->packets += v[c].packets;
			out->bytes += v[c].bytes;
			out->limited += v[c].limited;
		}
	}
	free(v);
	return err;
}

long ef_map_count(int fd, size_t key_size)
{
	unsigned char key[2][256]; /* the previous key and the next, in turn */
	void *prev = NULL;
	long n = 0;

	if (key_size > sizeof(key[0]))
		return -EINVAL;
	while (bpf_map_get_next_key(fd, prev, key[n & 1]) == 0) {
		prev = key[n & 1];
		n++;
	}
	return n;
}
