/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The verdict reasons: the one list.  Each entry is
 *
 *	EF_REASON(number, NAME, "token", "sentence")
 *
 * and from it come enum ef_reason (EF_R_NAME = number, edgefw.h), the
 * tokens of events, statistics, metrics and `edgefw events --reason`
 * (ef_reason_name, ef_reason_from_name), and the sentences of `edgefw
 * explain` (ef_reason_text) (agent/core/vocab.c).
 *
 * Stable numbers: they index the counters and appear in events and metrics,
 * so a retired reason keeps its number and is never reused, and the BPF
 * programs are built against them.  Reasons below EF_REASON_FIRST_DROP (16)
 * explain a pass, the rest a drop; all are below EF_REASON_MAX (40).
 * Every token is named in docs/man/edgefw.8 (EVENTS) and docs/policy.md
 * (tests/unit/test_vocab.c checks).
 */
#ifndef EDGEFW_REASONS_H
#define EDGEFW_REASONS_H

/* one entry a line, as written: */
/* clang-format off */
#define EF_REASONS(EF_REASON) \
	EF_REASON(0, NONE, "none", "no reason was recorded") \
	/* passes */ \
	EF_REASON(1, RULE, "rule", "a rule allows it and it opens a flow") \
	EF_REASON(2, FLOW, "flow", "it belongs to a tracked flow") \
	/* ARP, LLDP, ... */ \
	EF_REASON(3, NON_IP, "non-ip", "a pass-through ethertype") \
	/* neighbour discovery, MLD, router adverts */ \
	EF_REASON(4, ICMP_ESSENTIAL, "icmp-essential", "neighbour discovery / MLD always pass") \
	EF_REASON(5, ICMP_RELATED, "icmp-related", "an ICMP error about a tracked flow or our own packet") \
	EF_REASON(6, FRAGMENT, "fragment", "a later fragment of an allowed datagram") \
	/* egress */ \
	EF_REASON(7, REPLY_BY_RULE, "reply-by-rule", "the node answering from a port an inbound rule allows") \
	EF_REASON(8, PING, "ping", "ICMP echo, allowed by settings.ping") \
	/* egress mode off: untracked by rules, passed */ \
	EF_REASON(9, UNLISTED, "unlisted", "egress is off: outbound traffic is tracked, not judged") \
	/* drops (from EF_REASON_FIRST_DROP) */ \
	/* truncated or inconsistent headers */ \
	EF_REASON(16, MALFORMED, "malformed", "malformed headers") \
	EF_REASON(17, ETHERTYPE, "ethertype", "an ethertype that could carry IP past the classifier") \
	/* more than EF_VLAN_MAX tags */ \
	EF_REASON(18, VLAN_DEPTH, "vlan-depth", "more VLAN tags than the parser follows") \
	/* more than EF_IPV6_EXT_MAX */ \
	EF_REASON(19, EXT_HEADERS, "ext-headers", "an IPv6 extension header chain too long (or of a kind not followed)") \
	/* destination (source at egress) */ \
	EF_REASON(20, NOT_SERVICE, "not-a-service-address", "the node's address is not a service address of this interface") \
	EF_REASON(21, NO_RULE, "no-rule", "no rule allows this service, protocol and port on this interface") \
	EF_REASON(22, PEER, "peer-not-allowed", "a rule has the port, but the remote is not in its peer set") \
	EF_REASON(23, NO_FLOW, "no-flow", "not a flow opener (TCP needs a SYN) and no tracked flow") \
	EF_REASON(24, FRAG_UNTRACKED, "fragment-untracked", "a later fragment of a datagram whose first fragment was not allowed") \
	EF_REASON(25, ICMP_UNRELATED, "icmp-unrelated", "an ICMP error about no tracked flow") \
	EF_REASON(26, ICMP_TYPE, "icmp-type", "this ICMP type is not allowed") \
	/* an IP protocol other than TCP, UDP and ICMP */ \
	EF_REASON(27, PROTOCOL, "protocol", "only TCP, UDP and ICMP are policed; other protocols are dropped") \
	/* the program runs on an interface not in the policy */ \
	EF_REASON(28, UNMANAGED_IF, "unmanaged-interface", "the interface is not one of the node's") \
	EF_REASON(29, BAD_ADDRESS, "bad-source-address", "the source address is unspecified, loopback, multicast or broadcast") \
	EF_REASON(30, LAND, "land", "source and destination are the same") \
	/* SYN+FIN, SYN+RST, no flags */ \
	EF_REASON(31, TCP_FLAGS, "bad-tcp-flags", "a TCP flag combination no stack sends") \
	/* no policy generation is active */ \
	EF_REASON(32, NO_POLICY, "no-policy", "no policy is loaded") \
	/* over its rule's new-flow limit: the source is now blocked */ \
	EF_REASON(33, RATE_LIMITED, "rate-limited", "the source exceeded the rule's per-source new-flow limit and is now blocked") \
	EF_REASON(34, BLOCKED_SOURCE, "blocked-source", "the source is on the temporary block list (edgefw blocked / unblock)") \
	EF_REASON(35, BLOCKLIST, "blocklisted", "the remote address is in the static block list (edgefw blocklist)") \
	/* answered with a cookie challenge (XDP_TX), not passed */ \
	EF_REASON(36, SYN_CHALLENGE, "syn-challenge", "a SYN from an unverified source under a SYN flood: answered with a cookie challenge") \
	/* consumed: the source's next SYN passes */ \
	EF_REASON(37, SYN_VERIFIED, "syn-verified", "a RST that returned a challenge cookie: the source is now verified")
/* clang-format on */

#endif /* EDGEFW_REASONS_H */
