// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reference classifier: the data path's own source, compiled natively.
 * Only this file sees BPF's helper declarations; the rest of the test
 * program sees the agent's (libbpf's) functions of the same names.
 */
#define EF_NATIVE 1
#include "../../bpf/edgefw.bpf.c"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim.h"

static __u64 sim_clock; /* 0: the real clock */

static __u64 mono_ns(void)
{
	struct timespec ts;

	if (sim_clock)
		return sim_clock;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* events submitted since ref_events() last took them */
#define REF_EVENTS 64
static struct ef_event evq[REF_EVENTS];
static int nevq;

static void *rb_reserve(void *rb, __u64 size, __u64 flags)
{
	static unsigned char buf[4096];

	(void)rb;
	(void)flags;
	return size <= sizeof(buf) ? buf : NULL;
}

static void rb_submit(void *data, __u64 flags)
{
	(void)flags;
	if (nevq < REF_EVENTS)
		memcpy(&evq[nevq++], data, sizeof(struct ef_event));
}

/* Unread bytes: the events captured so far, as the ring would count them. */
static __u64 rb_query(void *rb, __u64 flags)
{
	(void)rb;
	(void)flags;
	return (__u64)nevq * EF_EV_RECORD_BYTES;
}

/* The checksum helper: a 32-bit one's complement sum of to, plus seed
 * (from is always empty here). */
static __s64 csum_diff(__be32 *from, __u32 from_size, __be32 *to, __u32 to_size, __wsum seed)
{
	__u64 sum = seed;

	(void)from;
	(void)from_size;
	for (__u32 i = 0; i + 1 < to_size; i += 2) {
		__u16 w;

		memcpy(&w, (unsigned char *)to + i, 2);
		sum += w;
	}
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return (__s64)sum;
}

/* SYN cookies without the kernel's secret: a hash of the 4-tuple, valid
 * for the same tuple forever (the kernel's are valid for minutes; the
 * sequences take less than a second of real time). */
static __u32 cookie_of(const void *saddr, const void *daddr, size_t alen, const struct ef_tcph *th)
{
	__u32 h = 2166136261u;
	const unsigned char *p[2] = { saddr, daddr };

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < alen; i++)
			h = (h ^ p[k][i]) * 16777619u;
	h = (h ^ th->source) * 16777619u;
	h = (h ^ th->dest) * 16777619u;
	return h;
}

static __s64 cookie_gen4(struct iphdr *iph, struct tcphdr *th, __u32 th_len)
{
	const struct ef_iph *ip = (const void *)iph;

	(void)th_len;
	return cookie_of(&ip->saddr, &ip->daddr, 4, (const void *)th);
}

static __s64 cookie_gen6(struct ipv6hdr *iph, struct tcphdr *th, __u32 th_len)
{
	const struct ef_ip6h *ip = (const void *)iph;

	(void)th_len;
	return cookie_of(ip->saddr, ip->daddr, 16, (const void *)th);
}

static long pull(struct __sk_buff *skb, __u32 len)
{
	(void)skb;
	(void)len;
	return 0;
}

/* The check sees the ACK the checker expects: its ack_seq - 1 is the
 * cookie. */
static long cookie_check4(struct iphdr *iph, struct tcphdr *th)
{
	const struct ef_iph *ip = (const void *)iph;
	const struct ef_tcph *t = (const void *)th;

	return cookie_of(&ip->saddr, &ip->daddr, 4, t) == ef_ntohl(t->ack_seq) - 1 ? 0 : -13;
}

static long cookie_check6(struct ipv6hdr *iph, struct tcphdr *th)
{
	const struct ef_ip6h *ip = (const void *)iph;
	const struct ef_tcph *t = (const void *)th;

	return cookie_of(ip->saddr, ip->daddr, 16, t) == ef_ntohl(t->ack_seq) - 1 ? 0 : -13;
}

/* What a SYN cookie challenge calls (shield.h). */
static void challenge_helpers(void)
{
	bpf_tcp_raw_check_syncookie_ipv4 = cookie_check4;
	bpf_tcp_raw_check_syncookie_ipv6 = cookie_check6;
	bpf_tcp_raw_gen_syncookie_ipv4 = cookie_gen4;
	bpf_tcp_raw_gen_syncookie_ipv6 = cookie_gen6;
	bpf_csum_diff = csum_diff;
}

/* Every map of the object (include/edgefw/maplist.h), sized as defined;
 * the agent's are kept in M. */
#define REG_AT(m, key_size, value_size)                                                   \
	shim_register(&m, #m, (int)(sizeof(*m.type) / sizeof(int)), key_size, value_size, \
		      sizeof(*m.max_entries) / sizeof(int))
#define REG_KV(m) REG_AT(m, sizeof(*m.key), sizeof(*m.value))
#define REG_ARRAY REG_KV
#define REG_PERCPU_ARRAY REG_KV
#define REG_HASH REG_KV
#define REG_LRU_HASH REG_KV
#define REG_LPM_TRIE REG_KV
#define REG_RINGBUF(m) REG_AT(m, 0, 0)
#define REG_ARRAY_OF_MAPS(m) REG_AT(m, sizeof(*m.key), (int)sizeof(int))
#define REG(name, use, t, ...) failed |= REG_##t(ef_##name) < 0;
#define REG_HELD(name, optional) M.name = shim_fd(&ef_##name);

static struct ef_maps M;

int ref_init(void)
{
	int failed = 0;

	bpf_map_lookup_elem = shim_lookup;
	bpf_map_update_elem = (long (*)(void *, const void *, const void *, __u64))shim_update;
	bpf_map_delete_elem = shim_delete;
	bpf_ktime_get_ns = mono_ns;
	bpf_ktime_get_coarse_ns = mono_ns;
	bpf_ringbuf_reserve = rb_reserve;
	bpf_ringbuf_submit = rb_submit;
	bpf_ringbuf_query = rb_query;
	bpf_skb_pull_data = pull;
	challenge_helpers();

	EF_MAPS(REG)
	EF_MAPS_HELD(REG_HELD)
	return failed ? -1 : 0;
}

struct ef_maps ref_maps(void)
{
	return M;
}

void ref_set_dry_run(int on)
{
	ef_dry_run = (__u8)on;
}

void ref_clear_state(void)
{
	shim_clear(&ef_flows);
	shim_clear(&ef_flows_new);
	shim_clear(&ef_frags);
	shim_clear(&ef_evlimit);
	shim_clear(&ef_srclimit);
	shim_clear(&ef_blocked);
	shim_clear(&ef_verified);
	shim_clear(&ef_synrate);
	shim_clear(&ef_evbudget);
	shim_clear(&ef_counters);
}

/* The frame in an exact-size heap copy (a read beyond it is an ASan
 * report), parsed into x as the program's entry point does; the copy (to
 * free), or NULL. */
static unsigned char *ref_parse(struct ef_ctx *x, int hook, uint32_t ifindex, const void *frame,
				size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);

	if (!copy)
		return NULL;
	memcpy(copy, frame, len);
	memset(x, 0, sizeof(*x));
	x->hook = (__u64)hook;
	x->ifindex = ifindex;
	x->pkt_len = (__u32)len;
	x->reason = (__u8)ef_parse(copy, copy + len, (__u32)len, &x->pkt);
	return copy;
}

int ref_run(int hook, uint32_t ifindex, const void *frame, size_t len, struct ref_verdict *v)
{
	struct ef_ctx x;
	unsigned char *copy = ref_parse(&x, hook, ifindex, frame, len);
	int drop;

	if (!copy)
		return -1;
	/* a challenge (XDP_TX) passes nothing: a drop here, as in verdicts.c */
	drop = ef_process(&x);
	drop = drop == EF_ACT_DROP || drop == EF_ACT_CHALLENGE;
	free(copy);
	v->pass = !drop;
	v->reason = x.reason;
	v->rule = x.reason < EF_REASON_FIRST_DROP && x.rule != EF_RULE_NONE ? x.rule : -1;
	v->new_flow = x.new_flow;
	return 0;
}

void ref_set_clock(uint64_t ns)
{
	sim_clock = ns;
}

int ref_map_fd(const char *name)
{
#define FD_NAMED(n, ...)                 \
	if (strcmp(name, "ef_" #n) == 0) \
		return shim_fd(&ef_##n);
	EF_MAPS(FD_NAMED)
#undef FD_NAMED
	return -1;
}

int ref_events(struct ef_event *ev, int max)
{
	int n = nevq < max ? nevq : max;

	memcpy(ev, evq, sizeof(*ev) * (size_t)n);
	nevq = 0;
	return n;
}

/*
 * The enforcing program's entry points, natively: the verdict as the hook
 * returns it (XDP_* or TC_ACT_*), and the frame as it leaves (a challenge's
 * SYN-ACK, cut to its length, for XDP_TX).
 */
int ref_step(int hook, uint32_t ifindex, const void *frame, size_t len, unsigned char *out,
	     size_t *out_len)
{
	struct ef_ctx x;
	unsigned char *copy = ref_parse(&x, hook, ifindex, frame, len);
	int act, ret;

	if (!copy)
		return -1;
	act = ef_process(&x);
	*out_len = len;
	if (hook == EF_HOOK_EGRESS) {
		ret = act == EF_ACT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
	} else if (act == EF_ACT_DROP) {
		ret = XDP_DROP;
	} else if (act == EF_ACT_CHALLENGE) {
		int n = ef_syn_reply(copy, copy + len, &x.pkt);

		ret = n < 0 ? XDP_DROP : XDP_TX;
		if (n >= 0 && (size_t)n < len)
			*out_len = (size_t)n;
	} else {
		ret = XDP_PASS;
	}
	memcpy(out, copy, *out_len);
	free(copy);
	return ret;
}
