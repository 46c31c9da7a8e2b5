/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet sequences for the stateful differential tests: any bytes decode
 * into a sequence of steps (packets on both hooks and both NICs, time steps,
 * policy reloads, answers to SYN challenges) that follow conversations, so
 * that handshakes, replies, closes, fragments and ICMP errors about earlier
 * packets come up often.  The same sequence is run by the kernel's enforcing
 * program, by the native reference build of the same source, and by an
 * independent model of the state rules (model.c).
 */
#ifndef EF_FUZZ_SEQ_H
#define EF_FUZZ_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "pktbuild.h"

/* TCP flags (RFC 9293) and ICMP types (RFC 792, RFC 4443), our own: the
 * model shares nothing with the data path's headers */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define ICMP4_ECHOREPLY 0
#define ICMP4_ECHO 8
#define ICMP6_ECHO 128
#define ICMP6_ECHOREPLY 129
/* struct pkt's frag (pktbuild.h) */
#define SEQ_FRAG_FIRST 1
#define SEQ_FRAG_LATER 2

#define SEQ_MAX_STEPS 256
#define SEQ_VARIANTS 5		/* policy variants (seqpolicy.c) */
#define SEQ_T0 1000000000000ull /* the clock at the start: 1000 s */

enum seq_kind {
	SEQ_PKT = 0,	/* a packet */
	SEQ_TIME = 1,	/* the clock moves on */
	SEQ_RELOAD = 2, /* a new policy generation */
	SEQ_ANSWER = 3, /* a RST answering the last SYN challenge (the client's
			 * stack does this): built from each implementation's
			 * own challenge, since cookies differ */
};

/* A quoted packet (ICMP errors), for the model. */
struct seq_quote {
	int valid;
	int proto;
	const char *src, *dst;
	uint16_t sport, dport;
};

struct seq_step {
	int kind;
	uint64_t dt_ns; /* SEQ_TIME */
	int variant;	/* SEQ_RELOAD */
	int hook;	/* enum ef_hook */
	int role;	/* enum ef_role: the NIC */
	struct pkt p;	/* SEQ_PKT; addresses point at static pools */
	struct seq_quote q;
	uint8_t quote[96];
	int malformed; /* the frame is cut inside its L4 header */
};

struct seq {
	int variant; /* initial policy variant */
	int lists;   /* block and allow lists loaded */
	int n;
	struct seq_step s[SEQ_MAX_STEPS];
};

/* Decode bytes into q (never fails: every input is a sequence). */
void seq_decode(const uint8_t *data, size_t len, struct seq *q);
/* Deterministic pseudo-random bytes for seed. */
void seq_random_bytes(uint64_t seed, uint8_t *buf, size_t len);
/*
 * The frame of step st into out (PKT_MAX + 64 bytes); for SEQ_ANSWER,
 * challenge is the last SYN-ACK challenge this implementation sent (NULL
 * when none).  Returns its length (0: nothing to send).
 */
size_t seq_frame(const struct seq_step *st, const uint8_t *challenge, size_t clen, uint8_t *out);
/* One line describing a step (for traces). */
void seq_describe(const struct seq_step *st, char *buf, size_t len);

/* The node's addresses in the sequences' policies (seqpolicy.c) */
#define SEQ_IF_EXT 2
#define SEQ_IF_INT 5000 /* past EF_IFACE_ARRAY: ef_ifaces, as in bpfrun.h */

#endif
