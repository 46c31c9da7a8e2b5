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

/* What the program did with a packet (enum ef_action). */
#define EF_ACTIONS(X)                                                          \
	X(0, PASS, "pass")                                                     \
	X(1, DROP, "drop")                                                     \
	/* monitor mode: a drop that was not carried out */                    \
	X(2, WOULD_DROP, "would-drop")                                         \
	/* a SYN answered with a cookie challenge (XDP_TX) */                  \
	X(3, CHALLENGE, "challenge")

/* settings.mode (enforce | monitor) and settings.egress (all three)
 * (enum ef_mode). */
#define EF_MODES(X)                                                            \
	X(0, ENFORCE, "enforce")                                               \
	X(1, MONITOR, "monitor")                                               \
	/* egress only: track flows, judge nothing */                          \
	X(2, OFF, "off")

/* settings.syn_flood.mode: SYN cookie challenges (enum ef_syn_mode). */
#define EF_SYN_MODES(X)                                                        \
	X(0, OFF, "off")                                                       \
	/* challenge only while the SYN rate is over the threshold */          \
	X(1, AUTO, "auto")                                                     \
	/* challenge every unverified source */                                \
	X(2, ALWAYS, "always")

/* Flow states (enum ef_flow_state). */
#define EF_FLOW_STATES(X)                                                      \
	/* UDP / ICMP echo */                                                  \
	X(0, OPEN, "open")                                                     \
	/* TCP, node sent SYN */                                               \
	X(1, SYN_SENT, "syn-sent")                                             \
	/* TCP, peer sent SYN, no SYN-ACK seen yet */                          \
	X(2, SYN_RECV, "syn-received")                                         \
	/* TCP, node answered; isn valid */                                    \
	X(3, SYNACK, "syn-ack-sent")                                           \
	/* TCP established */                                                  \
	X(4, EST, "established")                                               \
	/* TCP FIN or RST seen */                                              \
	X(5, CLOSING, "closing")

/* The flow tables, as ef_trace (and the program) name them (enum ef_table). */
#define EF_TABLES(X)                                                           \
	X(0, NONE, "none")                                                     \
	X(1, TRUSTED, "trusted")                                               \
	X(2, UNTRUSTED, "untrusted")

#endif /* EDGEFW_VOCAB_H */
