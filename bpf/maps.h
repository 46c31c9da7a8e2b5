/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the edgefw programs, each with its purpose.  Key and value
 * types come from include/edgefw/edgefw.h, shared with the agent.  The agent
 * finds maps by these names through the generated skeleton only.
 */
#ifndef EDGEFW_MAPS_H
#define EDGEFW_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "edgefw/edgefw.h"

/* Which policy generation is live (key 0). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ef_ctl);
} ef_ctl SEC(".maps");

/* Settings of each generation (key = slot). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EF_SLOTS);
	__type(key, __u32);
	__type(value, struct ef_cfg);
} ef_cfg SEC(".maps");

/* Managed interfaces: ifindex -> role (array: an inlined lookup). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EF_IFACE_ARRAY);
	__type(key, __u32);
	__type(value, struct ef_iface);
} ef_ifroles SEC(".maps");

/* The same for ifindexes >= EF_IFACE_ARRAY. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EF_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct ef_iface);
} ef_ifaces SEC(".maps");

/* Port -> candidate list, per port group (see edgefw.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EF_SLOTS * EF_MAX_GROUPS * EF_PORTMAP_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} ef_portmap SEC(".maps");

/* The same, as an array read without hashing a key (see edgefw.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EF_SLOTS * EF_ROLE_MAX * EF_ADDR_HINTS);
	__type(key, __u32);
	__type(value, struct ef_addr_hint);
} ef_addrhint SEC(".maps");

/* Service addresses of this node: (slot, role, address) -> services. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EF_DEF_ADDRS);
	__type(key, struct ef_addr_key);
	__type(value, struct ef_addr_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ef_addrs SEC(".maps");

/* Candidate rules of a port segment, in policy order. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EF_SLOTS * EF_MAX_LISTS);
	__type(key, __u32);
	__type(value, struct ef_rule_list);
} ef_lists SEC(".maps");

/* Rules: peer set and local-port restriction. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EF_SLOTS * EF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ef_rule);
} ef_rules SEC(".maps");

/* Peer sets: (slot, set, prefix). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EF_DEF_PEER_ENTRIES);
	__type(key, struct ef_peer_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ef_peers SEC(".maps");

/* Local ports that may have a flow (see edgefw.h): two halves. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * EF_HINT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} ef_flowports SEC(".maps");

/* Sources that may be blocked (see edgefw.h): two halves. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * EF_HINT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} ef_blockhint SEC(".maps");

/* Trusted flows: opened by the node, or inbound TCP that completed a
 * verified handshake.  Nothing a spoofing sender can create lives here. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EF_DEF_FLOWS);
	__type(key, struct ef_flow_key);
	__type(value, struct ef_flow);
} ef_flows SEC(".maps");

/* Untrusted flows: inbound-initiated, not (yet) verified.  A flood can
 * only churn this table. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EF_DEF_FLOWS_NEW);
	__type(key, struct ef_flow_key);
	__type(value, struct ef_flow);
} ef_flows_new SEC(".maps");

/* First fragments that passed, so their later fragments may follow. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EF_DEF_FRAGS);
	__type(key, struct ef_frag_key);
	__type(value, struct ef_frag);
} ef_frags SEC(".maps");

/* Verdict counters by reason and hook, plus housekeeping counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EF_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ef_counters SEC(".maps");

/* Packets and bytes per rule (slot * EF_MAX_RULES + rule). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EF_SLOTS * EF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ef_rule_stats);
} ef_rule_stats SEC(".maps");

/* Per-source new-flow limits: a token bucket per (source, rule). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EF_DEF_SRCLIMIT);
	__type(key, struct ef_srclimit_key);
	__type(value, struct ef_evbucket);
} ef_srclimit SEC(".maps");

/* Sources over a limit, dropped until their time is up. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EF_DEF_BLOCKED);
	__type(key, union ef_addr);
	__type(value, struct ef_blocked);
} ef_blocked SEC(".maps");

/* Static block list (threat feeds): dropped both ways. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EF_DEF_LIST_ENTRIES);
	__type(key, struct ef_list_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ef_blocklist SEC(".maps");

/* The IPv4 /24s the block list touches (see edgefw.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EF_BL4_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} ef_bl4 SEC(".maps");

/* Static allow list (partners, large NATs): exempt from the block list,
 * the per-source limits and temporary blocks (not from the rules). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EF_DEF_LIST_ENTRIES);
	__type(key, struct ef_list_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ef_allowlist SEC(".maps");

/* Sources that answered a SYN cookie challenge: source -> until (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EF_DEF_VERIFIED);
	__type(key, union ef_addr);
	__type(value, __u64);
} ef_verified SEC(".maps");

/* The SYN rate that turns challenges on (settings.syn_flood "auto"). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ef_synrate);
} ef_synrate SEC(".maps");

/* Which of the lists are in use (key 0). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ef_shield);
} ef_shield SEC(".maps");

/* Event rate limit per remote source. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EF_DEF_EVLIMIT);
	__type(key, union ef_addr);
	__type(value, struct ef_evbucket);
} ef_evlimit SEC(".maps");

/* Verdict of the dry-run instance (explain); never pinned or shared. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ef_trace);
} ef_trace SEC(".maps");

/* A global per-CPU event budget (a token bucket), checked before the
 * per-source bucket so that a flood from random sources does not insert
 * into ef_evlimit for every packet. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ef_evbucket);
} ef_evbudget SEC(".maps");

/* Drop/allow events to the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EF_RINGBUF_BYTES);
} ef_events SEC(".maps");

#endif /* EDGEFW_MAPS_H */
