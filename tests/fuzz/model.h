/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An independent model of edgefw's state rules, written from the policy
 * reference (docs/policy.md: "What the data path does with a packet",
 * "Flows", "Per-source limits", "SYN flood protection", "Block and allow
 * lists"), not from the BPF source: plain arrays, a naive scan of the
 * policy's rules, and a clock the caller sets.  The stateful differential
 * tests run it beside the reference build of the data path and compare
 * verdicts, reasons, rules, flows, fragments, limits, blocks and verified
 * sources after every step.
 */
#ifndef EF_FUZZ_MODEL_H
#define EF_FUZZ_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "seq.h"
#include "seqpolicy.h"

#define MODEL_MAX 512 /* entries per table; sequences are shorter */

struct model_result {
	int action; /* enum ef_action */
	int reason; /* enum ef_reason */
	int rule;   /* index into the generation's pol->rules, -1 none */
};

struct model_flow {
	bool used;
	int role; /* the NIC it belongs to */
	union ef_addr local, remote;
	uint16_t lport, rport;
	uint8_t proto;
	bool trusted;
	int state; /* enum ef_flow_state */
	uint64_t seen;
	uint32_t epoch; /* the generation that last vouched for it */
	int rule;	/* in that generation's policy, -1 none */
	bool out, unlisted, unverified;
	uint32_t isn; /* the node's SYN-ACK sequence number */
};

struct model_frag {
	bool used;
	int role;
	union ef_addr src, dst;
	uint32_t id;
	uint8_t proto;
	uint64_t seen;
	uint32_t epoch;
	int rule;
};

struct model_bucket {
	bool used;
	union ef_addr src; /* the source as limits count it */
	int rule;
	uint32_t epoch;
	uint64_t credit, last; /* a token is EF_CREDIT_PER_TOKEN credit */
};

struct model_block {
	bool used;
	union ef_addr src;
	uint64_t until, since;
	int rule;
};

struct model_verified {
	bool used;
	union ef_addr src;
	uint64_t until;
};

struct model {
	const struct seq_gen *gen; /* the live generation */
	uint32_t epoch;
	int lists;
	struct model_flow flows[MODEL_MAX];
	struct model_frag frags[MODEL_MAX];
	struct model_bucket buckets[MODEL_MAX];
	struct model_block blocks[MODEL_MAX];
	struct model_verified verified[MODEL_MAX];
	/* SYNs of unverified sources per ~1 s window */
	uint64_t syn_window;
	uint32_t syn_count, syn_prev;
	/* the last challenge: (client, server, client port, server port) */
	bool challenged;
	union ef_addr ch_src, ch_dst;
	uint16_t ch_sport, ch_dport;
};

void model_start(struct model *m, const struct seq_gen *g, int lists, uint32_t epoch);
void model_reload(struct model *m, const struct seq_gen *g);
void model_packet(struct model *m, uint64_t now, const struct seq_step *st, struct model_result *r);

/* Expiry as the reference describes it (live generation's timeouts). */
bool model_flow_expired(const struct model *m, uint64_t now, uint8_t proto, int state,
			uint64_t seen);
/* The limit/verify/block key of a source. */
void model_source_key(const struct model *m, const union ef_addr *src, union ef_addr *k);

#endif
