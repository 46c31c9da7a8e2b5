// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A capture slot (capture.h).  The slot's owner writes only its own slot
 * of the mapped ef_capture and flips its bits in .on and .claimed with
 * atomic operations: two captures starting and stopping at once never
 * undo each other's writes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "capture.h"
#include "flowtab.h"

static void path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

int ef_cap_open(struct ef_cap *k, const char *bpffs)
{
	char p[4096];
	long page = sysconf(_SC_PAGESIZE);
	void *m;
	int err;

	memset(k, 0, sizeof(*k));
	k->slot = -1;
	k->ring_fd = -1;
	path(p, sizeof(p), bpffs, "ef_capture");
	k->map_fd = bpf_obj_get(p);
	path(p, sizeof(p), bpffs, "ef_caprings");
	k->rings_fd = bpf_obj_get(p);
	path(p, sizeof(p), bpffs, "ef_capstat");
	k->stat_fd = bpf_obj_get(p);
	if (k->map_fd < 0 || k->rings_fd < 0 || k->stat_fd < 0) {
		err = -errno;
		goto fail;
	}
	k->map_len = (sizeof(struct ef_capture) + (size_t)page - 1) & ~((size_t)page - 1);
	m = mmap(NULL, k->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, k->map_fd, 0);
	if (m == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	k->c = m;
	return 0;
fail:
	ef_cap_close(k);
	return err ? err : -ENOENT;
}

static __u64 lapsed_after(void)
{
	return ef_coarse_ns() - 1000000000ull; /* a second of slack after the lease */
}

/* Slots whose owner stopped renewing them (killed): off, ring gone, free. */
static void take_back_lapsed(struct ef_cap *k)
{
	__u64 limit = lapsed_after();

	for (__u32 i = 0; i < EF_CAP_SLOTS; i++) {
		__u32 bit = 1u << i;

		if (!(__atomic_load_n(&k->c->claimed, __ATOMIC_ACQUIRE) & bit))
			continue;
		if (__atomic_load_n(&k->c->slot[i].alive_until, __ATOMIC_RELAXED) >= limit)
			continue;
		__atomic_fetch_and(&k->c->on, ~bit, __ATOMIC_ACQ_REL);
		bpf_map_delete_elem(k->rings_fd, &i);
		__atomic_fetch_and(&k->c->claimed, ~bit, __ATOMIC_ACQ_REL);
	}
}

static int zero_stats(int fd, __u32 slot)
{
	int n = libbpf_num_possible_cpus();
	struct ef_capstat *z;
	int err = 0;

	if (n <= 0)
		return n ? n : -EINVAL;
	z = calloc((size_t)n, sizeof(*z));
	if (!z)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &slot, z, BPF_ANY))
		err = -errno;
	free(z);
	return err;
}

int ef_cap_start(struct ef_cap *k, const struct ef_capslot *s, ring_buffer_sample_fn cb, void *ctx)
{
	struct ef_capslot *mine;
	__u32 slot, bit = 0;
	int err;

	take_back_lapsed(k);
	for (slot = 0; slot < EF_CAP_SLOTS; slot++) {
		bit = 1u << slot;
		if (!(__atomic_fetch_or(&k->c->claimed, bit, __ATOMIC_ACQ_REL) & bit))
			break;
	}
	if (slot == EF_CAP_SLOTS)
		return -EBUSY;
	k->slot = (int)slot;
	mine = &k->c->slot[slot];
	/* the lease first: a starting capture must not look lapsed */
	__atomic_store_n(&mine->alive_until, ef_coarse_ns() + EF_CAP_LEASE_NS, __ATOMIC_RELEASE);
	mine->reasons = s->reasons;
	mine->addr = s->addr;
	mine->mask = s->mask;
	mine->ifindex = s->ifindex;
	mine->epoch = s->epoch;
	mine->cpu_pps = s->cpu_pps;
	mine->rule = s->rule;
	mine->port = s->port;
	mine->snaplen = s->snaplen;
	mine->proto = s->proto;
	mine->flags = s->flags;
	k->ring_fd =
		bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ef_capring", 0, 0, EF_CAP_RING_BYTES, NULL);
	if (k->ring_fd < 0) {
		err = -errno;
		goto fail;
	}
	if (bpf_map_update_elem(k->rings_fd, &slot, &k->ring_fd, BPF_ANY)) {
		err = -errno;
		goto fail;
	}
	err = zero_stats(k->stat_fd, slot);
	if (err)
		goto fail;
	k->rb = ring_buffer__new(k->ring_fd, cb, ctx, NULL);
	if (!k->rb) {
		err = -errno;
		goto fail;
	}
	__atomic_fetch_or(&k->c->on, bit, __ATOMIC_ACQ_REL);
	return 0;
fail:
	ef_cap_stop(k, NULL);
	return err;
}

void ef_cap_renew(struct ef_cap *k)
{
	if (k->slot >= 0)
		__atomic_store_n(&k->c->slot[k->slot].alive_until, ef_coarse_ns() + EF_CAP_LEASE_NS,
				 __ATOMIC_RELEASE);
}

void ef_cap_set_rule(struct ef_cap *k, __u16 rule, __u32 epoch)
{
	if (k->slot < 0)
		return;
	/* two stores the programs may see half done: a packet or two of
	 * the switch is judged by the old rule or not captured */
	__atomic_store_n(&k->c->slot[k->slot].rule, rule, __ATOMIC_RELAXED);
	__atomic_store_n(&k->c->slot[k->slot].epoch, epoch, __ATOMIC_RELEASE);
}

int ef_cap_poll(struct ef_cap *k, int timeout_ms)
{
	int n, m;

	if (!k->rb)
		return -EINVAL;
	/* the programs wake the reader only every EF_CAP_WAKE_BYTES: after
	 * the wait, whatever the ring holds is read anyway */
	n = ring_buffer__poll(k->rb, timeout_ms);
	if (n < 0 && n != -EINTR)
		return n;
	m = ring_buffer__consume(k->rb);
	if (m < 0)
		return m;
	return (n > 0 ? n : 0) + m;
}

static void read_stats(struct ef_cap *k, struct ef_capstat *st)
{
	int n = libbpf_num_possible_cpus();
	__u32 slot = (__u32)k->slot;
	struct ef_capstat *v;

	memset(st, 0, sizeof(*st));
	if (n <= 0)
		return;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return;
	if (bpf_map_lookup_elem(k->stat_fd, &slot, v) == 0)
		for (int i = 0; i < n; i++) {
			st->captured += v[i].captured;
			st->skipped += v[i].skipped;
			st->lost += v[i].lost;
		}
	free(v);
}

void ef_cap_stop(struct ef_cap *k, struct ef_capstat *st)
{
	__u32 slot, bit;

	if (k->slot < 0)
		return;
	slot = (__u32)k->slot;
	bit = 1u << slot;
	__atomic_fetch_and(&k->c->on, ~bit, __ATOMIC_ACQ_REL);
	/* a program that saw the bit before it went may still be writing:
	 * they run to completion within microseconds */
	usleep(10000);
	if (k->rb)
		ring_buffer__consume(k->rb);
	if (st)
		read_stats(k, st);
	bpf_map_delete_elem(k->rings_fd, &slot);
	__atomic_fetch_and(&k->c->claimed, ~bit, __ATOMIC_ACQ_REL);
	k->slot = -1;
}

void ef_cap_close(struct ef_cap *k)
{
	ef_cap_stop(k, NULL);
	ring_buffer__free(k->rb);
	k->rb = NULL;
	if (k->c)
		munmap(k->c, k->map_len);
	k->c = NULL;
	if (k->ring_fd >= 0)
		close(k->ring_fd);
	if (k->map_fd > 0)
		close(k->map_fd);
	if (k->rings_fd > 0)
		close(k->rings_fd);
	if (k->stat_fd > 0)
		close(k->stat_fd);
	k->ring_fd = k->map_fd = k->rings_fd = k->stat_fd = -1;
}
