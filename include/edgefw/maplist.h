/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the edgefw programs, each with its purpose: the one list.
 * Each entry is
 *
 *	EF_MAP(name, use, type, max_entries, key, value[, map_flags])
 *
 *   name        ef_<name> in the object, the skeleton and on bpffs; <name>
 *               in the agent's struct ef_maps
 *   use         HELD      pinned; the agent holds it (struct ef_maps), and
 *                         ef_maps_open_pinned needs it
 *               HELD_OPT  the same, but an older build pinned none: opened
 *                         when it is there (-1 when not)
 *               PINNED    pinned; only the programs use it
 *               PRIVATE   never pinned: each loaded instance has its own
 *                         (explain's dry run must not share it)
 *   type        BPF_MAP_TYPE_<type>; a RINGBUF has no key or value; an
 *               ARRAY_OF_MAPS's value names its inner map's definition
 *               (bpf/maps.h)
 *
 * From it come the map definitions (bpf/maps.h), struct ef_maps
 * (agent/kern/apply.h), which maps are pinned, adopted and opened
 * (agent/kern/datapath.c), and the emulated maps of the native reference
 * build (tests/fuzz/ref.c).  Key and value types are edgefw.h's (the
 * scratch area is bpf/ctx.h's: only the programs see it).  The order is
 * the order of the definitions in the object.
 */
#ifndef EDGEFW_MAPLIST_H
#define EDGEFW_MAPLIST_H

/* one map a line, as written: */
/* clang-format off */
#define EF_MAP_LIST(F, X)                                                                          \
	/* Which policy generation is live (key 0). */                                             \
	F(X, ctl, HELD, ARRAY, 1, __u32, struct ef_ctl)                                            \
	/* Settings of each generation (key = slot). */                                            \
	F(X, cfg, HELD, ARRAY, EF_SLOTS, __u32, struct ef_cfg)                                     \
	/* Managed interfaces: ifindex -> role (array: an inlined lookup). */                      \
	F(X, ifroles, HELD, ARRAY, EF_IFACE_ARRAY, __u32, struct ef_iface)                         \
	/* The same for ifindexes >= EF_IFACE_ARRAY. */                                            \
	F(X, ifaces, HELD, HASH, EF_MAX_IFACES, __u32, struct ef_iface)                            \
	/* Port -> candidate list, per port group (see edgefw.h). */                               \
	F(X, portmap, HELD, ARRAY, EF_SLOTS * EF_MAX_GROUPS * EF_PORTMAP_WORDS, __u32, __u64)      \
	/* The service addresses, as an array read without hashing a key (see edgefw.h). */        \
	F(X, addrhint, HELD, ARRAY, EF_SLOTS * EF_ROLE_MAX * EF_ADDR_HINTS, __u32,                 \
	  struct ef_addr_hint)                                                                     \
	/* Service addresses of this node: (slot, role, address) -> services. */                   \
	F(X, addrs, HELD, HASH, EF_DEF_ADDRS, struct ef_addr_key, struct ef_addr_val,              \
	  BPF_F_NO_PREALLOC)                                                                       \
	/* Candidate rules of a port segment, in policy order. */                                  \
	F(X, lists, HELD, ARRAY, EF_SLOTS * EF_MAX_LISTS, __u32, struct ef_rule_list)              \
	/* Rules: peer set and local-port restriction. */                                          \
	F(X, rules, HELD, ARRAY, EF_SLOTS * EF_MAX_RULES, __u32, struct ef_rule)                   \
	/* Peer sets: (slot, set, prefix). */                                                      \
	F(X, peers, HELD, LPM_TRIE, EF_DEF_PEER_ENTRIES, struct ef_peer_key, __u8,                 \
	  BPF_F_NO_PREALLOC)                                                                       \
	/* Local ports that may have a flow (see edgefw.h): two halves. */                         \
	F(X, flowports, HELD_OPT, ARRAY, 2 * EF_HINT_WORDS, __u32, __u64, BPF_F_MMAPABLE)          \
	/* Sources that may be blocked (see edgefw.h): two halves. */                              \
	F(X, blockhint, HELD_OPT, ARRAY, 2 * EF_HINT_WORDS, __u32, __u64, BPF_F_MMAPABLE)          \
	/* Trusted flows: opened by the node, or inbound TCP that completed a                      \
	 * verified handshake.  Nothing a spoofing sender can create lives here. */                \
	F(X, flows, HELD, LRU_HASH, EF_DEF_FLOWS, struct ef_flow_key, struct ef_flow)              \
	/* Untrusted flows: inbound-initiated, not (yet) verified.  A flood can                    \
	 * only churn this table. */                                                               \
	F(X, flows_new, HELD, LRU_HASH, EF_DEF_FLOWS_NEW, struct ef_flow_key, struct ef_flow)      \
	/* First fragments that passed, so their later fragments may follow. */                    \
	F(X, frags, HELD, LRU_HASH, EF_DEF_FRAGS, struct ef_frag_key, struct ef_frag)              \
	/* Verdict counters by reason and hook, plus housekeeping counters. */                     \
	F(X, counters, HELD, PERCPU_ARRAY, EF_C_MAX, __u32, __u64)                                 \
	/* Packets and bytes per rule (slot * EF_MAX_RULES + rule). */                             \
	F(X, rule_stats, HELD, PERCPU_ARRAY, EF_SLOTS * EF_MAX_RULES, __u32, struct ef_rule_stats) \
	/* Per-source new-flow limits: a token bucket per (source, rule). */                       \
	F(X, srclimit, HELD, LRU_HASH, EF_DEF_SRCLIMIT, struct ef_srclimit_key, struct ef_evbucket) \
	/* Sources over a limit, dropped until their time is up. */                                \
	F(X, blocked, HELD, LRU_HASH, EF_DEF_BLOCKED, union ef_addr, struct ef_blocked)            \
	/* Static block list (threat feeds): dropped both ways. */                                 \
	F(X, blocklist, HELD, LPM_TRIE, EF_DEF_LIST_ENTRIES, struct ef_list_key, __u8,             \
	  BPF_F_NO_PREALLOC)                                                                       \
	/* The IPv4 /24s the block list touches (see edgefw.h). */                                 \
	F(X, bl4, HELD_OPT, ARRAY, EF_BL4_WORDS, __u32, __u64, BPF_F_MMAPABLE)                     \
	/* Static allow list (partners, large NATs): exempt from the block list,                   \
	 * the per-source limits and temporary blocks (not from the rules). */                    \
	F(X, allowlist, HELD, LPM_TRIE, EF_DEF_LIST_ENTRIES, struct ef_list_key, __u8,             \
	  BPF_F_NO_PREALLOC)                                                                       \
	/* Sources that answered a SYN cookie challenge: source -> until (ns). */                  \
	F(X, verified, PINNED, LRU_HASH, EF_DEF_VERIFIED, union ef_addr, __u64)                    \
	/* The SYN rate that turns challenges on (settings.syn_flood "auto"). */                   \
	F(X, synrate, PINNED, PERCPU_ARRAY, 1, __u32, struct ef_synrate)                           \
	/* Which of the lists are in use (key 0). */                                               \
	F(X, shield, HELD, ARRAY, 1, __u32, struct ef_shield)                                      \
	/* Event rate limit per remote source. */                                                  \
	F(X, evlimit, PINNED, LRU_HASH, EF_DEF_EVLIMIT, union ef_addr, struct ef_evbucket)         \
	/* Verdict of the dry-run instance (explain). */                                           \
	F(X, trace, PRIVATE, ARRAY, 1, __u32, struct ef_trace)                                     \
	/* A global per-CPU event budget (a token bucket), checked before the                      \
	 * per-source bucket so that a flood from random sources does not insert                   \
	 * into ef_evlimit for every packet. */                                                    \
	F(X, evbudget, PINNED, PERCPU_ARRAY, 1, __u32, struct ef_evbucket)                         \
	/* Drop/allow events to the agent. */                                                      \
	F(X, events, HELD, RINGBUF, EF_RINGBUF_BYTES, void, void)                                  \
	/* Captures (edgefw capture): the slots, their filters and switches (see edgefw.h). */    \
	F(X, capture, PINNED, ARRAY, 1, __u32, struct ef_capture, BPF_F_MMAPABLE)                  \
	/* Each capture slot's ring, made by the capture that owns the slot. */                    \
	F(X, caprings, PINNED, ARRAY_OF_MAPS, EF_CAP_SLOTS, __u32, struct ef_capring)              \
	/* Each capture slot's rate bucket and counts, per CPU. */                                 \
	F(X, capstat, PINNED, PERCPU_ARRAY, EF_CAP_SLOTS, __u32, struct ef_capstat)                \
	/* A capture record is built here before it is copied to a ring. */                        \
	F(X, capbuf, PRIVATE, PERCPU_ARRAY, 1, __u32, struct ef_capbuf)                            \
	/* Off the stack (the programs are near the 512-byte limit): per CPU, and a                \
	 * program does not migrate while it runs. */                                              \
	F(X, scratch, PRIVATE, PERCPU_ARRAY, 1, __u32, struct ef_scratch_area)
/* clang-format on */

/* X(name, use, type, max_entries, key, value[, map_flags]) for every map */
#define EF_MAPS(X) EF_MAP_LIST(EF_MAP_ALL_, X)
#define EF_MAP_ALL_(X, ...) X(__VA_ARGS__)

/* X(name, optional) for each map the agent holds (HELD, HELD_OPT) */
#define EF_MAPS_HELD(X) EF_MAP_LIST(EF_MAP_HELD_, X)
#define EF_MAP_HELD_(X, name, use, ...) EF_MAP_HELD_##use(X, name)
#define EF_MAP_HELD_HELD(X, name) X(name, 0)
#define EF_MAP_HELD_HELD_OPT(X, name) X(name, 1)
#define EF_MAP_HELD_PINNED(X, name)
#define EF_MAP_HELD_PRIVATE(X, name)

/* X(name) for each map that is never pinned (PRIVATE) */
#define EF_MAPS_PRIVATE(X) EF_MAP_LIST(EF_MAP_PRIVATE_, X)
#define EF_MAP_PRIVATE_(X, name, use, ...) EF_MAP_PRIVATE_##use(X, name)
#define EF_MAP_PRIVATE_HELD(X, name)
#define EF_MAP_PRIVATE_HELD_OPT(X, name)
#define EF_MAP_PRIVATE_PINNED(X, name)
#define EF_MAP_PRIVATE_PRIVATE(X, name) X(name)

#endif /* EDGEFW_MAPLIST_H */
