/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the edgefw programs, defined from their one list
 * (include/edgefw/maplist.h: each map's purpose, shape and pinning).  Key
 * and value types come from include/edgefw/edgefw.h, shared with the agent.
 * The agent finds maps by these names through the generated skeleton only.
 */
#ifndef EDGEFW_MAPS_H
#define EDGEFW_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "edgefw/edgefw.h"
#include "edgefw/maplist.h"

struct ef_scratch_area; /* bpf/ctx.h */

/* A BTF-defined map, as libbpf reads it: type, max_entries, key and value
 * (none for a ring buffer), then map_flags when given. */
#define EF_BPF_MAP(name, use, t, max, k, v, ...)                                    \
	struct {                                                                    \
		__uint(type, BPF_MAP_TYPE_##t);                                     \
		__uint(max_entries, max);                                           \
		EF_BPF_MAP_KV_##t(k, v) __VA_OPT__(__uint(map_flags, __VA_ARGS__);) \
	} ef_##name SEC(".maps");
#define EF_BPF_MAP_KV(k, v) \
	__type(key, k);     \
	__type(value, v);
#define EF_BPF_MAP_KV_ARRAY EF_BPF_MAP_KV
#define EF_BPF_MAP_KV_PERCPU_ARRAY EF_BPF_MAP_KV
#define EF_BPF_MAP_KV_HASH EF_BPF_MAP_KV
#define EF_BPF_MAP_KV_LRU_HASH EF_BPF_MAP_KV
#define EF_BPF_MAP_KV_LPM_TRIE EF_BPF_MAP_KV
#define EF_BPF_MAP_KV_RINGBUF(k, v)
#define EF_BPF_MAP_KV_ARRAY_OF_MAPS(k, v) \
	__type(key, k);                   \
	__array(values, v);

/* The inner map of ef_caprings: each capture slot's ring. */
struct ef_capring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EF_CAP_RING_BYTES);
};

EF_MAPS(EF_BPF_MAP)

#endif /* EDGEFW_MAPS_H */
