/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * edgefw: definitions shared by the BPF programs and the agent.
 *
 * Every map key, map value, event and enum the two sides exchange is defined
 * here, once.  Fixed-width types only; every struct is padded explicitly so
 * that its layout is identical in BPF and in userspace and so that hash keys
 * have no uninitialised holes.
 *
 * Addresses are always 16 bytes.  IPv4 addresses are stored v4-mapped
 * (::ffff:a.b.c.d), so one code path handles both families.
 */
#ifndef EDGEFW_H
#define EDGEFW_H

#include <linux/types.h>
#include "reasons.h"
#include "vocab.h"

/* ---- limits ------------------------------------------------------------ */

#define EF_MAX_RULES 16384   /* rules per policy generation */
#define EF_MAX_LISTS 32768   /* distinct candidate-rule lists per generation */
#define EF_LIST_MAX 8	     /* rules that may overlap on one port */
#define EF_MAX_PEERSETS 4096 /* peer sets (named or inline) per generation */
#define EF_MAX_IFACES 64     /* managed interfaces per node */
#define EF_IFACE_ARRAY 4096  /* ifindexes below this: array lookup; above: hash */
#define EF_MAX_GROUPS 32     /* port groups (dir, role, protocol, service set) per slot */
#define EF_GROUP_NONE 0xff
#define EF_PORTMAP_WORDS 16384 /* 65536 ports, 4 list numbers of 16 bits a word */
#define EF_VLAN_MAX 2	       /* 802.1Q/802.1ad tags parsed */
#define EF_IPV6_EXT_MAX 6      /* IPv6 extension headers walked */
#define EF_SLOTS 2	       /* policy generations held at once (A/B) */
#define EF_RULE_NONE 0xffff

/* Default map sizes; the agent may override them from settings before load. */
#define EF_DEF_FLOWS 262144    /* trusted flow table (outbound + established inbound) */
#define EF_DEF_FLOWS_NEW 65536 /* untrusted table (embryonic TCP, inbound UDP) */
#define EF_DEF_FRAGS 8192
#define EF_DEF_PORT_ENTRIES 524288
#define EF_DEF_PEER_ENTRIES 2097152
#define EF_DEF_ADDRS 4096
#define EF_DEF_EVLIMIT 65536	    /* sources tracked by the event rate limit */
#define EF_DEF_SRCLIMIT 262144	    /* (source, rule) buckets of the new-flow limits */
#define EF_DEF_BLOCKED 65536	    /* sources blocked at once */
#define EF_DEF_LIST_ENTRIES 2097152 /* block list and allow list prefixes (each) */
#define EF_DEF_VERIFIED 262144	    /* sources that answered a SYN cookie challenge */
#define EF_RINGBUF_BYTES (4u << 20)
/*
 * Event wake-ups: the programs submit events without waking the agent,
 * except the one that brings the ring's unread bytes across a multiple of
 * EF_EV_WAKE_BYTES (about 800 events); the agent also looks at the ring
 * every EF_EV_POLL_MS on its own, so a lone event waits at most that long.
 */
#define EF_EV_WAKE_BYTES (64u << 10)				      /* a power of two */
#define EF_EV_RECORD_BYTES ((sizeof(struct ef_event) + 8 + 7) & ~7ul) /* with the ring's header */
#define EF_EV_POLL_MS 50

/* ---- enums --------------------------------------------------------------- */

/* Interface roles (the rule's "interface"). */
enum ef_role {
	EF_ROLE_EXTERNAL = 0,
	EF_ROLE_INTERNAL = 1,
	EF_ROLE_MAX,
};

/* Services; an address carries a mask of these. */
enum ef_service {
	EF_SVC_ACCESS = 0,
	EF_SVC_WEBCONF = 1,
	EF_SVC_AV = 2,
	EF_SVC_XMPP = 3,
	EF_SVC_INTERNAL = 4,
	EF_SVC_MANAGEMENT = 5, /* the host's own admin addresses (internal NIC) */
	EF_SVC_MAX,
};

/* Rule direction: who opens the flow. */
enum ef_dir {
	EF_DIR_IN = 0,	/* remote peer -> node service address */
	EF_DIR_OUT = 1, /* node service address -> remote peer */
};

/* Where a packet was seen. */
enum ef_hook {
	EF_HOOK_INGRESS = 0, /* XDP */
	EF_HOOK_EGRESS = 1,  /* TC clsact egress */
};

/* The enums of the lists in reasons.h and vocab.h: EF_<PREFIX>NAME = number. */
#define EF_ENUM_MODE_(num, name, token) EF_MODE_##name = num,
#define EF_ENUM_ACT_(num, name, token) EF_ACT_##name = num,
#define EF_ENUM_R_(num, name, token, text) EF_R_##name = num,
#define EF_ENUM_FS_(num, name, token) EF_FS_##name = num,
#define EF_ENUM_SYN_(num, name, token) EF_SYN_##name = num,
#define EF_ENUM_TABLE_(num, name, token) EF_TABLE_##name = num,

enum ef_mode { EF_MODES(EF_ENUM_MODE_) }; /* vocab.h */

enum ef_action { EF_ACTIONS(EF_ENUM_ACT_) }; /* vocab.h */

/* Verdict reasons (reasons.h): below EF_REASON_FIRST_DROP a pass, from it
 * a drop; stable numbers. */
enum ef_reason {
	EF_REASONS(EF_ENUM_R_) EF_REASON_FIRST_DROP = 16,
	EF_REASON_MAX = 40,
};

/* Global counters (per-CPU array, summed by the agent). */
enum ef_counter {
	/* [0, EF_REASON_MAX): one counter per verdict reason, ingress */
	/* [EF_REASON_MAX, 2*EF_REASON_MAX): the same, egress */
	/* [2*EF_REASON_MAX, 4*EF_REASON_MAX): drop reasons of packets a
	 * lenient mode let through (would-drop), ingress then egress */
	EF_C_WOULD_DROP_BASE = 2 * EF_REASON_MAX,
	EF_C_EVENTS_LOST = 4 * EF_REASON_MAX, /* ring buffer full */
	EF_C_FLOW_CREATE_FAIL,		      /* map update failed */
	EF_C_FLOWS_CREATED,		      /* trusted table */
	EF_C_FLOWS_NEW_CREATED,		      /* untrusted table */
	EF_C_FLOWS_PROMOTED,		      /* inbound TCP moved to trusted */
	EF_C_FLOWS_EXPIRED,		      /* deleted on lookup after timeout */
	EF_C_FLOWS_REVOKED,		      /* deleted: new policy no longer allows */
	EF_C_FRAG_CREATE_FAIL,
	EF_C_FRAGS_TRACKED,
	EF_C_EVENTS_SENT,
	EF_C_EVENTS_SUPPRESSED, /* over the per-source event rate */
	EF_C_SOURCES_BLOCKED,	/* temporary blocks started */
	EF_C_SYNCOOKIES_SENT,	/* SYN-ACKs with a cookie sent */
	EF_C_SYNCOOKIES_VALID,	/* ACKs with a valid cookie: flow admitted */
	EF_C_SYNCOOKIES_BAD,	/* ACKs with no flow and no valid cookie */
	EF_C_FLOWS_PRUNED,	/* removed by the agent at a reload: no
					       * inbound rule covers them any more
					       * (written by the agent only) */
	EF_C_FLOWS_SWEPT,	/* expired flows the agent removed
					       * (written by the agent only) */
	/* the agent's event accounting (written by the agent only): every
	 * event sent is written, or unwritten; a subscriber may miss lines */
	EF_C_EVENTS_WRITTEN,	 /* event lines in the events file/stdout */
	EF_C_EVENTS_UNWRITTEN,	 /* event lines a failed write lost */
	EF_C_EVENTS_SUB_DROPPED, /* lines slow subscribers did not take */
	EF_C_MAX,
};

/* Flow states (vocab.h). */
enum ef_flow_state { EF_FLOW_STATES(EF_ENUM_FS_) };

/* Timeout classes (index into ef_cfg.timeout_ns). */
enum ef_timeout {
	EF_TO_TCP_SYN = 0,
	EF_TO_TCP_EST = 1,
	EF_TO_TCP_CLOSING = 2,
	EF_TO_UDP = 3,
	EF_TO_ICMP = 4,
	EF_TO_FRAGMENT = 5,
	EF_TO_MAX = 6,
};

/* ef_flow.flags */
#define EF_FLOW_ORIG_OUT 0x01	/* opened by the node (egress) */
#define EF_FLOW_UNLISTED 0x02	/* let through by a monitor/off mode, not a rule */
#define EF_FLOW_UNVERIFIED 0x04 /* inbound TCP whose SYN-ACK was never seen */

/* ef_rule.flags */
#define EF_RULEF_PEER_ANY 0x01
#define EF_RULEF_LOG 0x02    /* emit an event when it opens a flow */
#define EF_RULEF_LPORTS 0x04 /* lport_lo..lport_hi restrict the local port */

/* ef_cfg.flags */
#define EF_CFGF_PING 0x01      /* ICMP echo to/from service addresses */
#define EF_CFGF_LOG_ALLOW 0x02 /* every new flow emits an event */
#define EF_CFGF_LIMITS 0x04    /* some rule has a per-source limit */

/* ---- addresses ------------------------------------------------------------ */

union ef_addr {
	__u8 b[16];
	__u16 h[8];
	__u32 w[4];
};

/* ---- policy maps (per generation "slot") ------------------------------- */

/* ef_ctl[0]: which generation is live.  Read once per packet. */
struct ef_ctl {
	__u32 epoch; /* slot = epoch % EF_SLOTS; 0 = no policy loaded */
	__u32 hint;  /* EF_HINT_*: which half of each hint map is read */
};
#define EF_HINT_FLOWS 0x1  /* the half of ef_flowports */
#define EF_HINT_BLOCKS 0x2 /* the half of ef_blockhint */

/*
 * ef_flowports: the local ports that may have a flow, a bit each, in two
 * halves of EF_HINT_WORDS words.  A packet whose local port's bit is clear
 * belongs to no flow: neither flow table is looked up (a flood of random
 * ports or sources costs no hash miss).  The programs set a port's bit in
 * both halves before they open a flow there; the agent periodically clears
 * the half that is not read, sets the bits of the live flows in it, and
 * makes it the one read (ef_ctl.hint).  Never a false "no".
 */
#define EF_HINT_WORDS 1024 /* 65536 ports / 64 */

/*
 * ef_blockhint: the same for the temporary blocks: a bit per hash of a
 * source (as limits count it), set by the programs before they block one;
 * the agent rebuilds the unread half from the blocks in force.  A source
 * whose bit is clear is blocked nowhere: no ef_blocked lookup.
 */
static inline __u32 ef_src_hash16(const union ef_addr *a)
{
	__u32 h = a->w[0] ^ a->w[1] ^ a->w[2] ^ a->w[3];

	h ^= h >> 15;
	return (h * 0x9e3779b1u) >> 16;
}

/* ef_cfg[slot]: settings of that generation. */
struct ef_cfg {
	__u8 mode;   /* enum ef_mode: enforce | monitor (whole policy) */
	__u8 egress; /* enum ef_mode: enforce | monitor | off */
	__u8 flags;  /* EF_CFGF_* */
	__u8 pad[5];
	__u32 ev_rate;	      /* events per second per source (0: no limit at all) */
	__u32 ev_burst;	      /* bucket depth */
	__u32 ev_cpu_rate;    /* events per second per CPU, all sources */
	__u8 limit_v6_prefix; /* per-source limits count IPv6 sources per /N */
	__u8 syn_mode;	      /* enum ef_syn_mode: SYN cookie challenges */
	__u8 pad2[2];
	__u32 syn_threshold;  /* auto: new inbound SYNs per second per CPU that
			       * turn challenges on */
	__u32 syn_verified_s; /* how long a verified source stays verified */
	__u64 timeout_ns[EF_TO_MAX];
};

/* ef_cfg.syn_mode (vocab.h) */
enum ef_syn_mode { EF_SYN_MODES(EF_ENUM_SYN_) };

/* ef_synrate (per-CPU): SYNs of unverified sources in this window. */
struct ef_synrate {
	__u64 window; /* ~1 s windows of bpf_ktime_get_coarse_ns (ns >> 30) */
	__u32 count;  /* this window */
	__u32 prev;   /* the window before */
};

/* A token bucket (ef_evlimit: per remote source, IPv6 per /64, so that a
 * flood raises a few events and a counter, not a flood of events;
 * ef_srclimit: per source and rule; ef_evbudget: per CPU).  Its credit is
 * counted in billionths of a token, so that a refill of rate tokens a
 * second over elapsed ns is elapsed * rate: no division per packet. */
#define EF_CREDIT_PER_TOKEN 1000000000ull
struct ef_evbucket {
	__u64 last_ns;
	__u64 credit;
};

/* ef_ifroles[ifindex] (and ef_ifaces for large ifindexes): ifindex ->
 * role.  Not generational. */
struct ef_iface {
	__u8 role;    /* enum ef_role */
	__u8 managed; /* 0: not one of the node's NICs */
	__u8 pad[2];
};

/* ef_addrs: (slot, role, address) -> services on that address. */
struct ef_addr_key {
	__u8 slot;
	__u8 role;
	__u8 pad[2];
	union ef_addr addr;
};

struct ef_addr_val {
	__u16 svcmask; /* 1 << enum ef_service */
	/* port group of this address for [dir * 2 + (udp ? 1 : 0)], or
	 * EF_GROUP_NONE when no rule has a port there */
	__u8 grp[4];
	__u16 pad;
};

/*
 * ef_addrhint[(slot * EF_ROLE_MAX + role) * EF_ADDR_HINTS + ef_addr_hash()]:
 * the service addresses again, in an array the programs read without
 * hashing a key: a bucket holds no address (not a service address), one
 * (compare it), or several (look in ef_addrs).
 */
#define EF_ADDR_HINTS 256
enum ef_addr_hint_state {
	EF_AH_EMPTY = 0,
	EF_AH_ONE = 1,
	EF_AH_MANY = 2,
};

struct ef_addr_hint {
	union ef_addr addr;   /* EF_AH_ONE: the address */
	struct ef_addr_val v; /* EF_AH_ONE: its services */
	__u8 state;	      /* enum ef_addr_hint_state */
	__u8 pad[7];
};

static inline __u32 ef_addr_hash(const union ef_addr *a)
{
	__u32 h = a->w[0] ^ a->w[1] ^ a->w[2] ^ a->w[3];

	h ^= h >> 16;
	return (h * 0x9e3779b1u) >> 24; /* EF_ADDR_HINTS = 2^8 buckets */
}

static inline __u32 ef_addr_hint_index(__u32 slot, __u32 role, const union ef_addr *a)
{
	return ((slot & (EF_SLOTS - 1)) * EF_ROLE_MAX + (role & 1)) * EF_ADDR_HINTS +
	       ef_addr_hash(a);
}

/*
 * ef_portmap[(slot * EF_MAX_GROUPS + group) * EF_PORTMAP_WORDS + port / 4]:
 * for each port of the group, 1 + its candidate list (16 bits), 0 when no
 * rule covers it.  Dense (128 KiB a group, 8 MiB in all, fixed): one inlined
 * array lookup per packet instead of an LPM trie walk.  The compiler's
 * canonical form is still the port segments as prefixes (ef_port_key); the
 * array is their expansion.
 */

/*
 * ef_ports (LPM trie): (slot, dir, role, proto, svcmask, port/prefix) ->
 * candidate list.  Port ranges become a few prefixes; segments never overlap,
 * so the longest match is the only match.  The port is the local (service)
 * port for "in" rules and the remote port for "out" rules.
 */
struct ef_port_key {
	__u32 prefixlen; /* EF_PORT_KEY_FIXED_BITS + port prefix bits */
	__u8 slot;
	__u8 dir;
	__u8 role;
	__u8 proto;
	__u16 svcmask;
	__u16 port_be; /* network byte order: prefix bits are the high bits */
};
#define EF_PORT_KEY_FIXED_BITS 48

struct ef_port_val {
	__u32 list; /* index into ef_lists within the slot */
};

/* ef_lists[slot * EF_MAX_LISTS + list]: rules to try in order. */
struct ef_rule_list {
	__u16 n;
	__u16 rule[EF_LIST_MAX];
	__u16 pad;
};

/* The index of a generation's rule in ef_rules and ef_rule_stats (the
 * programs and the agent both use this). */
static inline __u32 ef_rule_index(__u32 slot, __u32 rule)
{
	return (slot & (EF_SLOTS - 1)) * EF_MAX_RULES + (rule & (EF_MAX_RULES - 1));
}

/* ef_rules[ef_rule_index(slot, rule)]. */
struct ef_rule {
	__u16 peerset; /* ignored with EF_RULEF_PEER_ANY */
	__u8 flags;    /* EF_RULEF_* */
	__u8 pad;
	__u16 lport_lo;
	__u16 lport_hi;
	/* per-source new-flow limit (inbound rules): 0 = none */
	__u32 lim_rate;	   /* new flows per second per source */
	__u32 lim_burst;   /* bucket depth */
	__u32 lim_block_s; /* seconds a source over the limit stays blocked */
};

/* ef_srclimit: (source prefix, generation, rule) -> token bucket
 * (ef_evbucket).  Keyed by the epoch, not the slot: a reload starts new
 * buckets, and the generation after next must not find this one's. */
struct ef_srclimit_key {
	union ef_addr src; /* IPv6 masked to settings.limit_v6_prefix */
	__u32 epoch;
	__u16 rule;
	__u16 pad;
};

/* ef_blocked: source prefix -> until when it is dropped. */
struct ef_blocked {
	__u64 until_ns; /* bpf_ktime_get_coarse_ns clock */
	__u64 since_ns;
	__u16 rule; /* the rule whose limit it exceeded */
	__u8 slot;
	__u8 pad[5];
};

/* ef_blocklist, ef_allowlist (LPM tries, not generational): static lists
 * of CIDRs from files, changed at run time by `edgefw blocklist`. */
struct ef_list_key {
	__u32 prefixlen; /* EF_LIST_KEY_FIXED_BITS + address prefix bits */
	__u8 family;	 /* 4 or 6: an IPv6 prefix never matches IPv4 */
	__u8 pad[3];
	union ef_addr addr;
};
#define EF_LIST_KEY_FIXED_BITS 32

/* ef_shield[0]: which of the lists hold anything (EF_SHIELD_*), so that
 * empty ones cost no lookup. */
struct ef_shield {
	__u32 flags;
	__u32 pad;
};
#define EF_SHIELD_BLOCKLIST 0x01
#define EF_SHIELD_ALLOWLIST 0x02
#define EF_SHIELD_BL4 \
	0x04 /* ef_bl4 is kept: an IPv4 remote whose /24
				    * has no bit is on no block-list prefix */

/* ef_bl4: a bit per IPv4 /24, set when some IPv4 prefix of the block list
 * intersects it: the common remote, on no prefix, costs one array read
 * instead of a longest-prefix walk of the whole list. */
#define EF_BL4_WORDS (1u << 18) /* 2^24 /24s, 64 a word: 2 MiB */

/*
 * ef_peers (LPM trie): (slot, family, set, prefix) -> present.  The family
 * byte keeps the families apart: an IPv6 prefix such as ::/0 never matches
 * a v4-mapped IPv4 address.
 */
struct ef_peer_key {
	__u32 prefixlen; /* EF_PEER_KEY_FIXED_BITS + address prefix bits */
	__u8 slot;
	__u8 family; /* 4 or 6 */
	__u16 set;
	union ef_addr addr;
};
#define EF_PEER_KEY_FIXED_BITS 32

/* ---- flows ---------------------------------------------------------------- */

/*
 * One orientation for both directions: "local" is the node's address (the
 * destination at ingress, the source at egress), "remote" the peer's.
 * ICMP echo uses the identifier as both ports.  A flow belongs to the NIC
 * (role) it was opened on: a packet with its addresses and ports arriving
 * on the other NIC is not part of it.
 */
struct ef_flow_key {
	union ef_addr local;
	union ef_addr remote;
	__u16 lport;
	__u16 rport;
	__u8 proto;
	__u8 role; /* enum ef_role */
	__u8 pad[2];
};

struct ef_flow {
	__u64 seen_ns; /* bpf_ktime_get_ns of the last refresh */
	__u32 epoch;   /* policy generation that last vouched for it */
	__u32 isn;     /* TCP: the node's SYN-ACK sequence number */
	__u16 rule;    /* rule that opened it, in the epoch's slot */
	__u8 state;    /* enum ef_flow_state */
	__u8 flags;    /* EF_FLOW_* */
	__u32 born_s;  /* its creation, in seconds of the same clock (0: unknown) */
};

/* Fragments: (src, dst, id, proto) of an allowed first fragment, on the
 * NIC (role) it passed. */
struct ef_frag_key {
	union ef_addr src;
	union ef_addr dst;
	__u32 id;
	__u8 proto;
	__u8 role;
	__u8 pad[2];
};

struct ef_frag {
	__u64 seen_ns;
	__u16 rule;
	__u8 pad[6];
};

/* Per-rule statistics: per-CPU, index slot * EF_MAX_RULES + rule. */
struct ef_rule_stats {
	__u64 packets;
	__u64 bytes;
	__u64 limited; /* new flows refused by the rule's per-source limit */
};

/* ---- explain ----------------------------------------------------------------- */

/*
 * ef_trace[0]: what the dry-run instance of the program decided for the last
 * packet it classified (edgefw explain).  The live program never writes it.
 */
/* The flow tables, as ef_trace (and the program) name them (vocab.h). */
enum ef_table { EF_TABLES(EF_ENUM_TABLE_) };

struct ef_trace {
	__u32 epoch;
	__u16 rule; /* EF_RULE_NONE when no rule decided */
	__u8 reason;
	__u8 action; /* enum ef_action */
	__u8 role;
	__u8 flow;	 /* the tracked flow it matched: enum ef_table */
	__u8 flow_state; /* its enum ef_flow_state */
	__u8 new_flow;	 /* the table it would open a flow in: enum ef_table */
	__u8 promote;	 /* would move an inbound TCP flow to the trusted table */
	__u8 pad[3];
};

/* ---- events --------------------------------------------------------------- */

struct ef_event {
	__u64 ts_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u32 ifindex;
	__u32 epoch;
	__u32 pkt_len;
	__u16 rule; /* EF_RULE_NONE when no rule decided */
	__u16 sport;
	__u16 dport;
	__u8 hook;   /* enum ef_hook */
	__u8 action; /* enum ef_action */
	__u8 reason; /* enum ef_reason */
	__u8 proto;  /* IPPROTO_* (0 when not IP) */
	__u8 family; /* 4 or 6 (0 when not IP) */
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 pad[4];
	union ef_addr src;
	union ef_addr dst;
};

/* ---- capture (edgefw capture) ---------------------------------------------- */

/*
 * Up to EF_CAP_SLOTS captures run at once, each in a slot of ef_capture
 * (one mmapable entry: its owner writes its slot and flips its bits with
 * atomic operations, no read-modify-write of the map).  The programs look
 * at ef_capture.on after the verdict; while it is 0 a capture costs them
 * that one load.  A slot captures only while alive_until is ahead of the
 * programs' clock: its owner renews it; a killed capture lapses on its own.
 * Each slot has its own ring (ef_caprings[slot], made by its owner), its
 * own per-CPU rate bucket and counts (ef_capstat[slot]).
 */
#define EF_CAP_SLOTS 4
#define EF_CAP_SNAP_MAX 2048	      /* bytes of a packet a record can hold */
#define EF_CAP_RING_BYTES (4u << 20)  /* each slot's ring */
#define EF_CAP_LEASE_NS 3000000000ull /* how long a renewal keeps a slot alive */
#define EF_CAP_WAKE_BYTES (64u << 10) /* a power of two: see bpf/capture.h */
#define EF_CAPF_DROP 0x01	      /* dropped packets (and challenged SYNs) */
#define EF_CAPF_WOULD_DROP 0x02	      /* what a lenient mode passed instead */
#define EF_CAPF_NEW_FLOW 0x04	      /* the packet that opened an allowed flow */
#define EF_CAPF_RULE 0x08	      /* only packets credited to .rule (in .epoch) */
#define EF_CAPF_ADDR 0x10	      /* only packets from or to .addr/.mask */

struct ef_capslot {
	__u64 alive_until;  /* the programs' clock (ns): ignored after it */
	__u64 reasons;	    /* a bit per enum ef_reason; 0: any */
	union ef_addr addr; /* source or destination, masked, equals it */
	union ef_addr mask;
	__u32 ifindex; /* 0: any */
	__u32 epoch;   /* the generation .rule names a rule of */
	__u32 cpu_pps; /* packets a second, per CPU (a token bucket) */
	__u16 rule;
	__u16 port;    /* source or destination port (host order); 0: any */
	__u16 snaplen; /* 1-EF_CAP_SNAP_MAX */
	__u8 proto;    /* IPPROTO_*; 0: any */
	__u8 flags;    /* EF_CAPF_* */
	__u8 pad[4];
};

struct ef_capture {
	__u32 on;      /* a bit per slot: capturing */
	__u32 claimed; /* a bit per slot: owned by a capture process */
	__u64 pad;
	struct ef_capslot slot[EF_CAP_SLOTS];
};

/* ef_capstat[slot], per CPU: the slot's rate bucket and what it did. */
struct ef_capstat {
	struct ef_evbucket bucket;
	__u64 captured; /* records written to the ring */
	__u64 skipped;	/* matched, over the rate */
	__u64 lost;	/* matched, the ring was full */
};

/* One captured packet in a slot's ring: the record, then cap_len bytes. */
struct ef_caprec {
	__u64 ts_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u32 ifindex;
	__u32 epoch;
	__u32 pkt_len; /* the packet's length */
	__u32 cap_len; /* the bytes that follow */
	__u16 rule;    /* EF_RULE_NONE when no rule decided */
	__u8 hook;     /* enum ef_hook */
	__u8 action;   /* enum ef_action */
	__u8 reason;   /* enum ef_reason */
	__u8 pad[3];
};

/* The programs build a record here (per CPU) before they copy it out. */
struct ef_capbuf {
	struct ef_caprec rec;
	__u8 data[EF_CAP_SNAP_MAX];
};

#endif /* EDGEFW_H */
