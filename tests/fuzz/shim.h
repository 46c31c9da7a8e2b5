/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The native reference classifier: bpf/edgefw.bpf.c compiled as C, its
 * BPF helpers pointed at an in-process map emulation, its maps filled by
 * the agent's own apply.c through fake libbpf map calls (fakebpf.c).
 * Same parser, decision code, compiler and apply code as the real thing;
 * only the map and helper primitives are emulated.  Single-threaded.
 */
#ifndef EF_FUZZ_SHIM_H
#define EF_FUZZ_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"

/* map emulation (shim.c) */
int shim_register(void *bpfmap, const char *name, int type, size_t ksz, size_t vsz, size_t max);
int shim_fd(const void *bpfmap);
void *shim_lookup(void *bpfmap, const void *key);
long shim_update(void *bpfmap, const void *key, const void *value, uint64_t flags);
long shim_delete(void *bpfmap, const void *key);
/* by fd, for fakebpf.c */
int shim_fd_lookup(int fd, const void *key, void *value);
int shim_fd_update(int fd, const void *key, const void *value, uint64_t flags);
int shim_fd_delete(int fd, const void *key);
int shim_fd_next_key(int fd, const void *key, void *next);
/* n values of an array at consecutive 32-bit keys; -EOPNOTSUPP otherwise */
int shim_fd_update_array(int fd, const void *keys, const void *values, uint32_t n);
/* empty a map (flows between inputs) */
void shim_clear(void *bpfmap);
size_t shim_count(void *bpfmap);

/* the reference classifier (ref.c) */
struct ref_verdict {
	int pass;
	int reason;
	int rule;     /* credited rule (passes), -1 none */
	int new_flow; /* 0 none, 1 trusted, 2 untrusted */
};

int ref_init(void);
struct ef_maps ref_maps(void);
void ref_set_dry_run(int on);
/* clear flows, fragments, event limits, counters */
void ref_clear_state(void);
int ref_run(int hook, uint32_t ifindex, const void *frame, size_t len, struct ref_verdict *v);

/* the stateful tests: the enforcing entry points on a controlled clock */
struct ef_event;
void ref_set_clock(uint64_t ns);	      /* 0: the real clock */
int ref_map_fd(const char *name);	      /* a map the agent does not open */
int ref_events(struct ef_event *ev, int max); /* events since the last call */
int ref_step(int hook, uint32_t ifindex, const void *frame, size_t len, unsigned char *out,
	     size_t *out_len); /* XDP_* or TC_ACT_* */

#endif
