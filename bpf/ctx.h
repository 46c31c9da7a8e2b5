/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every stage of the data path shares: the per-packet context, the
 * clock, counters, scratch space, the load-time knobs, and the named
 * constants of times and units.
 */
#ifndef EF_BPF_CTX_H
#define EF_BPF_CTX_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "edgefw/edgefw.h"
#include "edgefw/parse.h"
#include "maps.h"

/* ---- times and units ---------------------------------------------------------- */

#define EF_NS_PER_S 1000000000ull
#define EF_NS_PER_MS 1000000ull
#define EF_REFRESH_NS EF_NS_PER_S /* flow timestamps move at most once a second */
#define EF_SYN_WINDOW_SHIFT 30	  /* SYN-rate windows: 2^30 ns, about a second */
#define EF_EV_BUDGET_S 2ull	  /* the per-CPU event budget holds 2 s of its rate */
#define EF_TC_PULL 192		  /* header bytes the egress parser may need */
#define EF_EEXIST 17

/* ---- load-time knobs: constants the verifier prunes ---------------------------- */

/*
 * edgefw explain loads this same object a second time with ef_dry_run set,
 * over the live maps: it classifies exactly as the live program does but
 * writes nothing shared (no flow, counter, statistic or event; a flow it
 * finds is stepped on a private copy) and reports in ef_trace instead.
 */
#ifndef EF_NATIVE
const volatile __u8 ef_dry_run = 0;
#else
volatile __u8 ef_dry_run = 0; /* the native reference build (tests/fuzz) sets it */
#endif

/*
 * The stateful differential tests (tests/fuzz/seq*) run the enforcing
 * program on a clock they control: with ef_test_clock set at load, "now"
 * is ef_clock_ns, written by the test between packets.  In every other load
 * the verifier removes the branch: the program is the one that enforces.
 */
const volatile __u8 ef_test_clock = 0;
volatile __u64 ef_clock_ns = 0;

/*
 * The cost breakdown of bench/bench_prog.c loads this object once per stage
 * with ef_bench_stop set: the program drops the packet at the end of that
 * stage.  0 (every other load): the branches are removed by the verifier.
 */
enum ef_stage {
	EF_STAGE_ALL = 0,
	EF_STAGE_PARSE = 1,  /* headers parsed */
	EF_STAGE_CONFIG = 2, /* generation, settings, NIC role */
	EF_STAGE_LISTS = 3,  /* static block and allow lists */
	EF_STAGE_SHIELD = 4, /* temporary blocks, sanity checks */
	EF_STAGE_FLOW = 5,   /* flow tables looked up (and the flow stepped) */
	EF_STAGE_RULE = 6,   /* the verdict (rules, limits, challenges, new flows) */
};
const volatile __u8 ef_bench_stop = 0;
#define EF_STOP_AT(stage) (ef_bench_stop == (stage))

/* ---- scratch space -------------------------------------------------------------- */

/* The headers a SYN cookie is computed over (see shield.h). */
struct ef_cookie_hdrs {
	union {
		struct ef_iph v4;
		struct ef_ip6h v6;
	} ip;
	struct ef_tcph th;
	__u8 pseudo[40]; /* the reply's checksum pseudo-header */
};

/* ef_scratch's value (include/edgefw/maplist.h): off the stack (the
 * programs are near the 512-byte limit), per CPU, and a program does not
 * migrate while it runs.  Never pinned: explain's instance has its own. */
struct ef_scratch_area {
	struct ef_cookie_hdrs ch;
	struct ef_flow dry; /* dry run: the flow found, stepped privately */
};

static __always_inline struct ef_scratch_area *ef_scratch_area(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ef_scratch, &zero);
}

static __always_inline struct ef_cookie_hdrs *ef_scratch_get(void)
{
	struct ef_scratch_area *a = ef_scratch_area();

	return a ? &a->ch : (void *)0;
}

/* ---- the packet's context ---------------------------------------------------------- */

struct ef_ctx {
	/* 8 bytes, first: a constant the verifier can track, so that the XDP
	 * program is not verified along egress-only paths and vice versa */
	__u64 hook; /* enum ef_hook */
	struct ef_pkt pkt;
	struct ef_flow_key fk; /* the packet's flow, local/remote oriented */
	const struct ef_cfg *cfg;
	__u64 now; /* 0 until a stage needs the time (ef_time) */
	__u32 ifindex;
	__u32 epoch;
	__u32 pkt_len;
	__u16 rule; /* rule credited with the packet */
	__u8 role;
	__u8 slot;
	__u8 rule_slot; /* slot the rule id belongs to */
	__u8 reason;
	__u8 new_flow;	 /* this packet created a flow: enum ef_table */
	__u8 log_allow;	 /* the creating rule asks for an allow event */
	__u8 flow_found; /* matched a flow: enum ef_table */
	__u8 flow_state;
	__u8 promoted;
	__u8 parsed;		      /* the headers parsed: pkt and fk are meaningful */
	__u8 exempt;		      /* the allow list: 0 not asked yet, 1 no, 2 yes (ef_exempt) */
	__u8 av_done;		      /* av has been looked up */
	__u8 hint;		      /* ef_ctl.hint: the halves of the hint maps to read */
	const struct ef_addr_val *av; /* the local address's services, or NULL */
};

/* ---- the clock ---------------------------------------------------------------------- */

/* The clock of flow, fragment, limit and event-budget timestamps: the
 * coarse one (tick resolution) is plenty for timeouts of seconds. */
static __always_inline __u64 ef_now(void)
{
	if (ef_test_clock)
		return ef_clock_ns;
	return bpf_ktime_get_coarse_ns();
}

/* Read once per packet, and only by a stage that needs it: a drop that
 * touches no timed state calls no clock.  A global function (of the one
 * field: a pointer to the whole context would make the verifier forget the
 * pointers in it): its callers see one result, not two paths each. */
__noinline __u64 ef_clock(__u64 *now)
{
	if (!now)
		return 0;
	if (!*now)
		*now = ef_now();
	return *now;
}
#define ef_time(x) ef_clock(&(x)->now)

/* ---- counters ------------------------------------------------------------------------ */

static __always_inline void ef_count(__u32 idx)
{
	__u64 *c;

	if (ef_dry_run)
		return;
	c = bpf_map_lookup_elem(&ef_counters, &idx);
	if (c)
		*c += 1;
}

/* ---- token buckets ---------------------------------------------------------------------- */

/*
 * What a bucket of cap credit (EF_CREDIT_PER_TOKEN a token) holds elapsed
 * ns after it held credit, refilled at rate tokens a second: credit +
 * elapsed * rate, exactly, capped.  No division unless it sat idle over
 * 2^34 ns (17 s): below that elapsed * rate fits (rate <= 10^7); above, a
 * bucket that needs less than elapsed to fill is full (cap <= 10^16).
 */
static __always_inline __u64 ef_bucket_refill(__u64 credit, __u64 elapsed, __u32 rate, __u64 cap)
{
	if (elapsed >= (1ull << 34) && elapsed >= cap / rate)
		return cap;
	credit += elapsed * rate;
	return credit > cap ? cap : credit;
}

/*
 * Take a token from bucket b (rate tokens a second, cap credit deep) at
 * now: 1 taken, 0 empty.  Nothing is written when write is 0 (the dry
 * run).
 */
static __always_inline int ef_bucket_take(struct ef_evbucket *b, __u64 now, __u32 rate, __u64 cap,
					  int write)
{
	__u64 elapsed = now > b->last_ns ? now - b->last_ns : 0;
	__u64 credit = ef_bucket_refill(b->credit, elapsed, rate, cap);

	if (write)
		b->last_ns = now;
	if (credit < EF_CREDIT_PER_TOKEN) {
		if (write)
			b->credit = credit;
		return 0;
	}
	if (write)
		b->credit = credit - EF_CREDIT_PER_TOKEN;
	return 1;
}

/* A new bucket (starts full) that has just given its first token. */
static __always_inline struct ef_evbucket ef_bucket_new(__u64 now, __u64 cap)
{
	struct ef_evbucket b = { .last_ns = now,
				 .credit = cap >= EF_CREDIT_PER_TOKEN ? cap - EF_CREDIT_PER_TOKEN :
									0 };

	return b;
}

#endif /* EF_BPF_CTX_H */
