// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF map semantics in process, enough for the reference classifier:
 * arrays (per-CPU arrays with one CPU), hashes and LRU hashes (a tsearch
 * tree; an LRU evicts its smallest key when full), LPM tries (longest
 * prefix over all entries) and a ring buffer that accepts everything.
 */
#include <errno.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "shim.h"

#define MAX_MAPS 64
#define FD_BASE 1000

struct smap {
	void *bpfmap;
	const char *name;
	int type;
	size_t ksz, vsz, max, n;
	unsigned char *array;
	void *tree;
};

/* an entry is its key, then its value at the next 8-byte boundary (as
 * the kernel aligns values) */
#define VOFF(m) (((m)->ksz + 7) & ~(size_t)7)

static struct smap maps[MAX_MAPS];
static int nmaps;
static size_t cmp_ksz; /* tsearch has no context argument */

static int cmp(const void *a, const void *b)
{
	return memcmp(a, b, cmp_ksz);
}

static bool is_array(const struct smap *m)
{
	return m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

int shim_register(void *bpfmap, const char *name, int type, size_t ksz, size_t vsz, size_t max)
{
	struct smap *m;

	if (nmaps == MAX_MAPS)
		return -1;
	m = &maps[nmaps];
	*m = (struct smap){
		.bpfmap = bpfmap, .name = name, .type = type, .ksz = ksz, .vsz = vsz, .max = max
	};
	if (is_array(m) && !(m->array = calloc(max, vsz)))
		return -1;
	return FD_BASE + nmaps++;
}

static struct smap *by_map(const void *bpfmap)
{
	for (int i = 0; i < nmaps; i++)
		if (maps[i].bpfmap == bpfmap)
			return &maps[i];
	abort(); /* a map the reference did not register */
}

static struct smap *by_fd(int fd)
{
	return fd >= FD_BASE && fd < FD_BASE + nmaps ? &maps[fd - FD_BASE] : NULL;
}

int shim_fd(const void *bpfmap)
{
	return FD_BASE + (int)(by_map(bpfmap) - maps);
}

/* LPM: keys are { u32 prefixlen; data }; the longest stored prefix of the
 * looked-up data wins. */
static const void *lpm_key;
static void *lpm_best;
static unsigned lpm_best_len;
static size_t lpm_ksz;

static bool prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	for (unsigned i = 0; i < bits; i++) {
		unsigned char m = (unsigned char)(0x80 >> (i % 8));

		if ((a[i / 8] & m) != (b[i / 8] & m))
			return false;
	}
	return true;
}

static void lpm_walk(const void *node, VISIT which, int depth)
{
	const unsigned char *e = *(const unsigned char *const *)node;
	unsigned len;

	(void)depth;
	if (which != postorder && which != leaf)
		return;
	memcpy(&len, e, 4);
	if (len > (lpm_ksz - 4) * 8 || (lpm_best && len <= lpm_best_len))
		return;
	if (prefix_eq(e + 4, (const unsigned char *)lpm_key + 4, len)) {
		lpm_best = (void *)e;
		lpm_best_len = len;
	}
}

static void *lookup(struct smap *m, const void *key)
{
	void **found;

	if (is_array(m)) {
		uint32_t i;

		memcpy(&i, key, 4);
		return i < m->max ? m->array + (size_t)i * m->vsz : NULL;
	}
	if (m->type == BPF_MAP_TYPE_RINGBUF)
		return NULL;
	cmp_ksz = m->ksz;
	if (m->type == BPF_MAP_TYPE_LPM_TRIE) {
		lpm_key = key;
		lpm_best = NULL;
		lpm_best_len = 0;
		lpm_ksz = m->ksz;
		twalk(m->tree, lpm_walk);
		return lpm_best ? (unsigned char *)lpm_best + VOFF(m) : NULL;
	}
	found = tfind(key, &m->tree, cmp);
	return found ? (unsigned char *)*found + VOFF(m) : NULL;
}

static void *first_key;

static void first_walk(const void *node, VISIT which, int depth)
{
	(void)depth;
	if (!first_key && (which == postorder || which == leaf))
		first_key = *(void *const *)node;
}

static long update(struct smap *m, const void *key, const void *value, uint64_t flags)
{
	void **found, *e;

	if (is_array(m)) {
		void *v = lookup(m, key);

		if (!v)
			return -E2BIG;
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		memcpy(v, value, m->vsz);
		return 0;
	}
	cmp_ksz = m->ksz;
	found = tfind(key, &m->tree, cmp);
	if (found) {
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		memcpy((unsigned char *)*found + VOFF(m), value, m->vsz);
		return 0;
	}
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (m->n >= m->max) {
		if (m->type != BPF_MAP_TYPE_LRU_HASH)
			return -E2BIG;
		first_key = NULL; /* "least recently used": the smallest key will do */
		twalk(m->tree, first_walk);
		if (first_key) {
			void *victim = first_key;

			tdelete(victim, &m->tree, cmp);
			free(victim);
			m->n--;
		}
	}
	e = malloc(VOFF(m) + m->vsz);
	if (!e)
		return -ENOMEM;
	memcpy(e, key, m->ksz);
	memcpy((unsigned char *)e + VOFF(m), value, m->vsz);
	if (!tsearch(e, &m->tree, cmp)) {
		free(e);
		return -ENOMEM;
	}
	m->n++;
	return 0;
}

static long delete (struct smap *m, const void *key)
{
	void **found;
	void *e;

	if (is_array(m))
		return -EINVAL;
	cmp_ksz = m->ksz;
	found = tfind(key, &m->tree, cmp);
	if (!found)
		return -ENOENT;
	e = *found;
	tdelete(key, &m->tree, cmp);
	free(e);
	m->n--;
	return 0;
}

void *shim_lookup(void *bpfmap, const void *key)
{
	return lookup(by_map(bpfmap), key);
}

long shim_update(void *bpfmap, const void *key, const void *value, uint64_t flags)
{
	return update(by_map(bpfmap), key, value, flags);
}

long shim_delete(void *bpfmap, const void *key)
{
	return delete (by_map(bpfmap), key);
}

int shim_fd_lookup(int fd, const void *key, void *value)
{
	struct smap *m = by_fd(fd);
	void *v = m ? lookup(m, key) : NULL;

	if (!v)
		return -ENOENT;
	memcpy(value, v, m->vsz);
	return 0;
}

int shim_fd_update(int fd, const void *key, const void *value, uint64_t flags)
{
	struct smap *m = by_fd(fd);

	return m ? (int)update(m, key, value, flags) : -EBADF;
}

int shim_fd_update_array(int fd, const void *keys, const void *values, uint32_t n)
{
	struct smap *m = by_fd(fd);
	uint32_t first;

	if (!m || !is_array(m) || !n)
		return -EOPNOTSUPP;
	memcpy(&first, keys, 4);
	for (uint32_t i = 1; i < n; i++) {
		uint32_t k;

		memcpy(&k, (const unsigned char *)keys + 4 * i, 4);
		if (k != first + i)
			return -EOPNOTSUPP;
	}
	if ((size_t)first + n > m->max)
		return -E2BIG;
	memcpy(m->array + (size_t)first * m->vsz, values, (size_t)n * m->vsz);
	return 0;
}

int shim_fd_delete(int fd, const void *key)
{
	struct smap *m = by_fd(fd);

	return m ? (int)delete (m, key) : -EBADF;
}

/* next key after key (NULL: the first) in key order */
static const void *nk_after;
static void *nk_best;

static void next_walk(const void *node, VISIT which, int depth)
{
	void *e = *(void *const *)node;

	(void)depth;
	if (which != postorder && which != leaf)
		return;
	if (nk_after && memcmp(e, nk_after, cmp_ksz) <= 0)
		return;
	if (!nk_best || memcmp(e, nk_best, cmp_ksz) < 0)
		nk_best = e;
}

int shim_fd_next_key(int fd, const void *key, void *next)
{
	struct smap *m = by_fd(fd);

	if (!m)
		return -EBADF;
	if (is_array(m)) {
		uint32_t i = 0;

		if (key) {
			memcpy(&i, key, 4);
			i++;
		}
		if (i >= m->max)
			return -ENOENT;
		memcpy(next, &i, 4);
		return 0;
	}
	cmp_ksz = m->ksz;
	nk_after = key;
	nk_best = NULL;
	twalk(m->tree, next_walk);
	if (!nk_best)
		return -ENOENT;
	memcpy(next, nk_best, m->ksz);
	return 0;
}

static void free_node(void *p)
{
	free(p);
}

void shim_clear(void *bpfmap)
{
	struct smap *m = by_map(bpfmap);

	if (is_array(m)) {
		memset(m->array, 0, m->max * m->vsz);
		return;
	}
	tdestroy(m->tree, free_node);
	m->tree = NULL;
	m->n = 0;
}

size_t shim_count(void *bpfmap)
{
	return by_map(bpfmap)->n;
}
