// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "edgefw.skel.h"

/* Our egress filter's place in the clsact egress chain. */
#define EF_TC_HANDLE   0xef1
#define EF_TC_PRIORITY 1

const char *ef_xdp_mode_name(int mode)
{
	switch (mode) {
	case EF_XDP_NATIVE: return "native";
	case EF_XDP_GENERIC: return "generic";
	}
	return "auto";
}

int ef_dp_open(struct ef_dp *dp, const struct ef_settings *s)
{
	struct edgefw_bpf *skel;
	int err;

	memset(dp, 0, sizeof(*dp));
	skel = edgefw_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the BPF object: %s\n", strerror(errno));
		return err;
	}
	bpf_map__set_max_entries(skel->maps.ef_flows, s->flow_table_size);
	bpf_map__set_max_entries(skel->maps.ef_flows_new, s->new_flow_table_size);
	bpf_map__set_max_entries(skel->maps.ef_frags, s->fragment_table_size);
	err = edgefw_bpf__load(skel);
	if (err) {
		pr_warn("cannot load the BPF programs: %s%s\n", strerror(-err),
			err == -EPERM ? " (edgefw needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
		edgefw_bpf__destroy(skel);
		return err;
	}
	dp->skel = skel;
	dp->maps = (struct ef_maps){
		.ctl = bpf_map__fd(skel->maps.ef_ctl),
		.cfg = bpf_map__fd(skel->maps.ef_cfg),
		.ifaces = bpf_map__fd(skel->maps.ef_ifaces),
		.addrs = bpf_map__fd(skel->maps.ef_addrs),
		.ports = bpf_map__fd(skel->maps.ef_ports),
		.lists = bpf_map__fd(skel->maps.ef_lists),
		.rules = bpf_map__fd(skel->maps.ef_rules),
		.peers = bpf_map__fd(skel->maps.ef_peers),
		.flows = bpf_map__fd(skel->maps.ef_flows),
		.flows_new = bpf_map__fd(skel->maps.ef_flows_new),
		.frags = bpf_map__fd(skel->maps.ef_frags),
		.counters = bpf_map__fd(skel->maps.ef_counters),
		.rule_stats = bpf_map__fd(skel->maps.ef_rule_stats),
		.events = bpf_map__fd(skel->maps.ef_events),
	};
	return 0;
}

int ef_dp_set_ifaces(struct ef_dp *dp, const struct ef_compiled *c)
{
	int ifindex[EF_MAX_IFACES], role[EF_MAX_IFACES];

	if (c->nifaces > EF_MAX_IFACES) {
		pr_warn("node %s: more than %d interfaces\n", c->node->name, EF_MAX_IFACES);
		return -E2BIG;
	}
	for (size_t i = 0; i < c->nifaces; i++) {
		unsigned idx = if_nametoindex(c->ifaces[i].ifname);

		if (!idx) {
			pr_warn("node %s: %s interface %s: %s\n", c->node->name,
				ef_role_names[c->ifaces[i].role], c->ifaces[i].ifname,
				strerror(errno));
			return -ENODEV;
		}
		ifindex[i] = (int)idx;
		role[i] = c->ifaces[i].role;
	}
	dp->natt = c->nifaces;
	for (size_t i = 0; i < c->nifaces; i++) {
		struct ef_att *a = &dp->att[i];

		memset(a, 0, sizeof(*a));
		snprintf(a->ifname, sizeof(a->ifname), "%s", c->ifaces[i].ifname);
		a->ifindex = ifindex[i];
		a->role = role[i];
		a->xdp_link = -1;
	}
	return ef_set_ifaces(&dp->maps, ifindex, role, c->nifaces);
}

static int attach_xdp(struct ef_dp *dp, struct ef_att *a, int mode)
{
	int prog = bpf_program__fd(dp->skel->progs.edgefw_xdp);
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd;

	opts.flags = mode == EF_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(prog, a->ifindex, BPF_XDP, &opts);
	if (fd < 0 && mode == EF_XDP_AUTO && errno != EBUSY && errno != EEXIST) {
		pr_warn("%s: native XDP unavailable (%s); using generic XDP, which is slower\n",
			a->ifname, strerror(errno));
		opts.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog, a->ifindex, BPF_XDP, &opts);
		mode = EF_XDP_GENERIC;
	}
	if (fd < 0) {
		int err = -errno;

		if (err == -EBUSY || err == -EEXIST)
			pr_warn("cannot attach XDP to %s: %s (another XDP program is attached; "
				"edgefw never replaces programs it did not attach)\n",
				a->ifname, strerror(-err));
		else
			pr_warn("cannot attach XDP to %s: %s\n", a->ifname, strerror(-err));
		return err;
	}
	a->xdp_link = fd;
	a->xdp_mode = mode == EF_XDP_GENERIC ? EF_XDP_GENERIC : EF_XDP_NATIVE;
	return 0;
}

static int attach_tc(struct ef_dp *dp, struct ef_att *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE,
		    .priority = EF_TC_PRIORITY, .flags = BPF_TC_F_REPLACE,
		    .prog_fd = bpf_program__fd(dp->skel->progs.edgefw_tc_egress));
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_warn("cannot create clsact on %s: %s\n", a->ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_warn("cannot attach the egress filter to %s: %s\n", a->ifname,
			strerror(-err));
		return err;
	}
	a->tc = true;
	return 0;
}

int ef_dp_attach(struct ef_dp *dp, int xdp_mode)
{
	int err;

	/* egress first: flows the node opens are tracked before replies
	 * meet the ingress filter */
	for (size_t i = 0; i < dp->natt; i++) {
		if ((err = attach_tc(dp, &dp->att[i])) ||
		    (err = attach_xdp(dp, &dp->att[i], xdp_mode))) {
			ef_dp_detach(dp);
			return err;
		}
		pr_info("attached to %s (%s): XDP %s, TC egress\n", dp->att[i].ifname,
			ef_role_names[dp->att[i].role],
			ef_xdp_mode_name(dp->att[i].xdp_mode));
	}
	return 0;
}

void ef_dp_detach(struct ef_dp *dp)
{
	for (size_t i = 0; i < dp->natt; i++) {
		struct ef_att *a = &dp->att[i];

		if (a->xdp_link >= 0) {
			close(a->xdp_link); /* an unpinned link detaches on close */
			a->xdp_link = -1;
		}
		if (a->tc) {
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
				    .attach_point = BPF_TC_EGRESS);
			LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE,
				    .priority = EF_TC_PRIORITY);

			/* the clsact qdisc stays: other filters may live there */
			bpf_tc_detach(&hook, &opts);
			a->tc = false;
		}
	}
}

void ef_dp_close(struct ef_dp *dp)
{
	ef_dp_detach(dp);
	edgefw_bpf__destroy(dp->skel);
	dp->skel = NULL;
}
