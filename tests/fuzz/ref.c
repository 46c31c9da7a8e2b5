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

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void *rb_reserve(void *rb, __u64 size, __u64 flags)
{
	static unsigned char buf[4096];

	(void)rb;
	(void)flags;
	return size <= sizeof(buf) ? buf : NULL;
}

static void rb_submit(void *data, __u64 flags)
{
	(void)data;
	(void)flags;
}

static long pull(struct __sk_buff *skb, __u32 len)
{
	(void)skb;
	(void)len;
	return 0;
}

/* No kernel secret here: no cookie is ever valid (a fuzzer cannot have
 * seen a challenge either). */
static long cookie_check4(struct iphdr *iph, struct tcphdr *th)
{
	(void)iph;
	(void)th;
	return -13;
}

static long cookie_check6(struct ipv6hdr *iph, struct tcphdr *th)
{
	(void)iph;
	(void)th;
	return -13;
}

#define REG(m)                                                                     \
	shim_register(&m, #m, (int)(sizeof(*m.type) / sizeof(int)), sizeof(*m.key),    \
		      sizeof(*m.value), sizeof(*m.max_entries) / sizeof(int))

static struct ef_maps M;

int ref_init(void)
{
	bpf_map_lookup_elem = shim_lookup;
	bpf_map_update_elem = (long (*)(void *, const void *, const void *, __u64))shim_update;
	bpf_map_delete_elem = shim_delete;
	bpf_ktime_get_ns = mono_ns;
	bpf_ktime_get_coarse_ns = mono_ns;
	bpf_ringbuf_reserve = rb_reserve;
	bpf_ringbuf_submit = rb_submit;
	bpf_skb_pull_data = pull;
	bpf_tcp_raw_check_syncookie_ipv4 = cookie_check4;
	bpf_tcp_raw_check_syncookie_ipv6 = cookie_check6;

	M.ctl = REG(ef_ctl);
	M.cfg = REG(ef_cfg);
	M.ifroles = REG(ef_ifroles);
	M.ifaces = REG(ef_ifaces);
	M.portmap = REG(ef_portmap);
	M.addrs = REG(ef_addrs);
	M.lists = REG(ef_lists);
	M.rules = REG(ef_rules);
	M.peers = REG(ef_peers);
	M.flows = REG(ef_flows);
	M.flows_new = REG(ef_flows_new);
	M.frags = REG(ef_frags);
	M.counters = REG(ef_counters);
	M.rule_stats = REG(ef_rule_stats);
	REG(ef_evlimit);
	REG(ef_srclimit);
	REG(ef_blocked);
	REG(ef_blocklist);
	REG(ef_allowlist);
	REG(ef_shield);
	REG(ef_verified);
	REG(ef_synrate);
	REG(ef_scratch);
	REG(ef_evbudget);
	REG(ef_trace);
	M.events = shim_register(&ef_events, "ef_events", BPF_MAP_TYPE_RINGBUF, 0, 0, 0);
	return M.events < 0 ? -1 : 0;
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

int ref_run(int hook, uint32_t ifindex, const void *frame, size_t len, struct ref_verdict *v)
{
	/* an exact-size heap copy: a read beyond the frame is an ASan report */
	unsigned char *copy = malloc(len ? len : 1);
	struct ef_ctx x;
	int drop;

	if (!copy)
		return -1;
	memcpy(copy, frame, len);
	memset(&x, 0, sizeof(x));
	x.hook = (__u64)hook;
	x.ifindex = ifindex;
	x.pkt_len = (__u32)len;
	x.reason = (__u8)ef_parse(copy, copy + len, (__u32)len, &x.pkt);
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
