// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The stateful runner over the native reference build (ref.c). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "seqcore.h"
#include "shim.h"

static struct ef_maps maps;

int impl_setup(void)
{
	if (ref_init())
		return -1;
	ref_set_dry_run(0);
	maps = ref_maps();
	return 0;
}

const struct ef_maps *impl_maps(void)
{
	return &maps;
}

int impl_fd(const char *name)
{
	return ref_map_fd(name);
}

void impl_clock(unsigned long long ns)
{
	ref_set_clock(ns);
}

int impl_ifindex(int role)
{
	return role == EF_ROLE_INTERNAL ? SEQ_IF_INT : SEQ_IF_EXT;
}

int impl_run(int hook, int role, const unsigned char *f, size_t len, struct seq_out *o)
{
	o->ret = ref_step(hook, (uint32_t)impl_ifindex(role), f, len, o->frame, &o->len);
	return o->ret < 0 ? -1 : 0;
}

int impl_events(struct ef_event *ev, int max)
{
	return ref_events(ev, max);
}

int impl_cpu(void)
{
	return 0;
}

int impl_ncpu(void)
{
	return 1;
}
