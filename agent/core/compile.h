/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Compilation of one node's view of a policy into map entries.  Pure: no
 * BPF, no system calls, so it is unit-tested on its own.  Keys carry slot
 * 0; apply.c stamps the generation slot when it writes them.
 */
#ifndef EF_COMPILE_H
#define EF_COMPILE_H

#include "policy.h"

struct ef_addr_entry {
	struct ef_addr_key k;
	struct ef_addr_val v;
};

struct ef_port_entry {
	struct ef_port_key k;
	struct ef_port_val v;
};

struct ef_iface_entry {
	const char *ifname; /* borrowed from the policy */
	int role;
};

struct ef_compiled {
	const struct ef_policy *pol; /* borrowed */
	const struct ef_node *node;  /* borrowed */
	struct ef_cfg cfg;
	struct ef_addr_entry *addrs;
	size_t naddrs;
	struct ef_port_entry *ports;
	size_t nports;
	struct ef_rule_list *lists;
	size_t nlists;
	struct ef_rule *rules;
	int *rule_src; /* compiled rule id -> index in pol->rules */
	size_t nrules;
	struct ef_peer_key *peers;
	size_t npeers;
	int *set_src; /* compiled set id -> index in pol->peersets */
	size_t nsets;
	struct ef_iface_entry *ifaces;
	size_t nifaces;
	/* per port group: port -> 1 + candidate list, packed as in ef_portmap */
	uint64_t (*portmap)[EF_PORTMAP_WORDS];
	size_t ngroups;
	/* compiled rule id -> the compiled id of an earlier rule that covers it
	 * on every port it has (so it can never match), or -1 */
	int *covered_by;
};

/*
 * Compile policy p for node n.  mode_override >= 0 replaces settings.mode
 * (run --monitor).  Returns 0, or -1 with the reasons in d.
 */
int ef_compile(const struct ef_policy *p, const struct ef_node *n, int mode_override,
	       struct ef_compiled *out, struct ef_diag *d);
void ef_compiled_free(struct ef_compiled *c);

/* Name of a compiled rule id, or NULL. */
const char *ef_compiled_rule_name(const struct ef_compiled *c, unsigned id);

/*
 * Split [lo, hi] into aligned prefixes of the 16-bit port space; calls
 * emit(port, prefix_bits) for each.  Returns the number emitted.
 */
int ef_range_prefixes(unsigned lo, unsigned hi,
		      void (*emit)(void *ctx, unsigned port, unsigned bits), void *ctx);

#endif
