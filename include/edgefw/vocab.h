/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The small vocabularies the programs and the agent share, one list each
 * (the reasons have their own header, reasons.h; the maps maplist.h).
 * Each entry is
 *
 *	X(number, NAME, "token")
 *
 * and from each list come its enum (edgefw.h: EF_ACT_NAME, EF_MODE_NAME,
 * ...) and its names and lookups by name (agent/core/names.c).  The numbers
 * are stable: the programs, the pinned maps and ef_trace carry them.
 */
#ifndef EDGEFW_VOCAB_H
#define EDGEFW_VOCAB_H

/* one list a line, as written: */
/* clang-format off */

/* What the program did with a packet (enum ef_action).  would-drop: a drop
 * a lenient mode did not carry out; challenge: a SYN answered with a cookie
 * challenge (XDP_TX). */
#define EF_ACTIONS(X) \
	X(0, PASS, "pass") X(1, DROP, "drop") X(2, WOULD_DROP, "would-drop") X(3, CHALLENGE, "challenge")

/* settings.mode (enforce | monitor) and settings.egress (all three; off:
 * track flows, judge nothing) (enum ef_mode). */
#define EF_MODES(X) \
	X(0, ENFORCE, "enforce") X(1, MONITOR, "monitor") X(2, OFF, "off")

/* settings.syn_flood.mode: SYN cookie challenges (enum ef_syn_mode).  auto:
 * only while the SYN rate is over the threshold; always: every unverified
 * source. */
#define EF_SYN_MODES(X) \
	X(0, OFF, "off") X(1, AUTO, "auto") X(2, ALWAYS, "always")

/* Flow states (enum ef_flow_state): open (UDP, ICMP echo); TCP: syn-sent
 * (the node sent a SYN), syn-received (the peer did, no SYN-ACK seen yet),
 * syn-ack-sent (the node answered; isn valid), established, closing (FIN
 * or RST seen). */
#define EF_FLOW_STATES(X) \
	X(0, OPEN, "open") X(1, SYN_SENT, "syn-sent") X(2, SYN_RECV, "syn-received") \
	X(3, SYNACK, "syn-ack-sent") X(4, EST, "established") X(5, CLOSING, "closing")

/* The flow tables, as ef_trace (and the program) name them (enum ef_table). */
#define EF_TABLES(X) \
	X(0, NONE, "none") X(1, TRUSTED, "trusted") X(2, UNTRUSTED, "untrusted")

/* clang-format on */

#endif /* EDGEFW_VOCAB_H */
