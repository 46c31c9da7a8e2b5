// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "drift.h"
#include "log.h"
#include "edgefw.skel.h"

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static void drift(struct ef_drift *dr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void drift(struct ef_drift *dr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dr->last, sizeof(dr->last), fmt, ap);
	va_end(ap);
	dr->total++;
	pr_warn("drift: %s\n", dr->last);
}

int ef_drift_check(struct ef_dp *dp, struct ef_gen *g, struct ef_drift *dr)
{
	__u32 xdp_id = prog_id(bpf_program__fd(dp->skel->progs.edgefw_xdp));
	__u32 tc_id = prog_id(bpf_program__fd(dp->skel->progs.edgefw_tc_egress));
	unsigned long long before = dr->total;
	struct ef_cfg cfg;
	__u32 epoch = 0, k;

	for (size_t i = 0; i < dp->natt; i++) {
		struct ef_att *at = &dp->att[i];
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = at->ifindex,
			    .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE, .priority = EF_TC_PRIORITY);

		if ((int)if_nametoindex(at->ifname) != at->ifindex) {
			drift(dr,
			      "%s is gone or was re-created (ifindex %d); restart edgefw to re-attach",
			      at->ifname, at->ifindex);
			continue;
		}
		if (bpf_xdp_query(at->ifindex, 0, &q) || q.prog_id != xdp_id)
			drift(dr, "%s: the XDP program is not ours (id %u, ours %u)", at->ifname,
			      q.prog_id, xdp_id);
		else if ((q.attach_mode == XDP_ATTACHED_SKB) != (at->xdp_mode == EF_XDP_GENERIC))
			drift(dr, "%s: XDP runs in %s mode, attached as %s", at->ifname,
			      q.attach_mode == XDP_ATTACHED_SKB ? "generic" : "native",
			      ef_xdp_mode_name(at->xdp_mode));
		if (bpf_tc_query(&hook, &opts) || opts.prog_id != tc_id) {
			LIBBPF_OPTS(bpf_tc_opts, put, .handle = EF_TC_HANDLE,
				    .priority = EF_TC_PRIORITY, .flags = BPF_TC_F_REPLACE,
				    .prog_fd = bpf_program__fd(dp->skel->progs.edgefw_tc_egress));

			drift(dr, "%s: the egress filter is missing or replaced; putting it back",
			      at->ifname);
			bpf_tc_hook_create(&hook);
			bpf_tc_attach(&hook, &put);
		}
	}
	k = g->epoch[0] % EF_SLOTS;
	if (ef_epoch_get(&dp->maps, &epoch) || epoch != g->epoch[0] ||
	    bpf_map_lookup_elem(dp->maps.cfg, &k, &cfg) ||
	    memcmp(&cfg, &g->comp[0].cfg, sizeof(cfg))) {
		drift(dr, "the maps do not hold generation %u of policy %s; rewriting it",
		      g->epoch[0], g->pol[0]->name);
		ef_gen_rewrite(g);
	}
	return (int)(dr->total - before);
}
