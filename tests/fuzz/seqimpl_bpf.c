// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The stateful runner over the kernel: the enforcing program (not the dry
 * run), private maps, loaded with the test clock (ef_test_clock) and run
 * on CPU 0 with BPF_PROG_TEST_RUN, in a network namespace of its own whose
 * two veth NICs give the ifindexes.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "bpflog.h"
#include "log.h"
#include "seqcore.h"
#include "bpfrun.h"

static struct ef_dp dp;
static struct ring_buffer *rb;
static int ifx, ifi;
static struct ef_event evq[64];
static int nevq;

static int on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len >= sizeof(struct ef_event) && nevq < 64)
		memcpy(&evq[nevq++], data, sizeof(struct ef_event));
	return 0;
}

int impl_setup(void)
{
	/* tables far larger than a sequence fills (nothing is evicted) and
	 * small enough to walk after every packet */
	struct ef_dp_opts o = { .test_clock = true, .test_max_hash = 1024 };
	cpu_set_t cpus;

	ef_log_level = EF_LOG_WARN;
	ef_log_setup_libbpf();
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		return -1;
	if (netns_nics("efq", &ifx, &ifi))
		return -1;
	if (ef_dp_open(&dp, NULL, &o))
		return -1;
	rb = ring_buffer__new(dp.maps.events, on_event, NULL, NULL);
	return rb ? 0 : -1;
}

const struct ef_maps *impl_maps(void)
{
	return &dp.maps;
}

int impl_fd(const char *name)
{
	return bpf_object__find_map_fd_by_name(dp.skel->obj, name);
}

void impl_clock(unsigned long long ns)
{
	dp.skel->bss->ef_clock_ns = ns;
}

int impl_ifindex(int role)
{
	return role == EF_ROLE_INTERNAL ? ifi : ifx;
}

int impl_run(int hook, int role, const unsigned char *f, size_t len, struct seq_out *o)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f, .data_size_in = (__u32)len,
		    .data_out = o->frame, .data_size_out = sizeof(o->frame), .repeat = 1);

	if (run_frame(dp.skel, hook == EF_HOOK_EGRESS, impl_ifindex(role), &t)) {
		fprintf(stderr, "test run: %s\n", strerror(errno));
		return -1;
	}
	o->ret = (int)t.retval;
	o->len = t.data_size_out;
	ring_buffer__consume(rb);
	return 0;
}

int impl_events(struct ef_event *ev, int max)
{
	int n = nevq < max ? nevq : max;

	memcpy(ev, evq, sizeof(*ev) * (size_t)n);
	nevq = 0;
	return n;
}

int impl_cpu(void)
{
	return 0;
}

int impl_ncpu(void)
{
	return libbpf_num_possible_cpus();
}
