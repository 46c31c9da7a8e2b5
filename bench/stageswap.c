// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stageswap: swap the XDP program of a running edgefw agent's NIC for the
 * same object loaded with ef_bench_stop = STAGE (it drops every packet at
 * the end of that stage), over the agent's pinned maps, through the agent's
 * pinned XDP link (bpf_link_update).  STAGE 0 puts the whole program back
 * (a fresh load of the same object).  bench/wire/run.sh uses it to measure
 * what each stage costs under a flood, cold caches and all.
 *
 *   stageswap --bpffs-dir DIR --ifname IF --stage N
 *   stageswap --bpffs-dir DIR --ifname IF --obj FILE   (another XDP object:
 *                                                       the bare XDP_DROP)
 *
 * Run in the agent's network namespace (the NIC), with the host's bpffs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "bpflog.h"
#include "log.h"
#include "edgefw.skel.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bpffs-dir", required_argument, NULL, 'b' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "stage", required_argument, NULL, 's' },
		{ "obj", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *dir = NULL, *ifname = NULL, *obj = NULL;
	struct ef_dp dp;
	struct ef_dp_opts o = { .require_pins = true, .only_hook = 1 + EF_HOOK_INGRESS };
	char path[512];
	int c, stage = -1, ifindex, link, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': dir = optarg; break;
		case 'i': ifname = optarg; break;
		case 's': stage = atoi(optarg); break;
		case 'o': obj = optarg; break;
		default: return 2;
		}
	}
	if (!dir || !ifname || (obj ? stage >= 0 : (stage < 0 || stage > 6))) {
		fprintf(stderr,
			"usage: stageswap --bpffs-dir DIR --ifname IF (--stage 0-6 | --obj FILE)\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "stageswap: no interface %s\n", ifname);
		return 3;
	}
	ef_log_level = EF_LOG_WARN;
	ef_log_setup_libbpf();
	snprintf(path, sizeof(path), "%s/xdp_link_%d", dir, ifindex);
	link = bpf_obj_get(path);
	if (link < 0) {
		fprintf(stderr, "stageswap: %s: %s\n", path, strerror(errno));
		return 3;
	}
	if (obj) {
		struct bpf_object *bo = bpf_object__open_file(obj, NULL);
		struct bpf_program *p;

		if (!bo || bpf_object__load(bo)) {
			fprintf(stderr, "stageswap: cannot load %s\n", obj);
			return 3;
		}
		p = bpf_object__next_program(bo, NULL);
		err = p ? bpf_link_update(link, bpf_program__fd(p), NULL) : -ENOENT;
		if (err)
			fprintf(stderr, "stageswap: bpf_link_update: %s\n", strerror(-err));
		return err ? 3 : 0;
	}
	o.pin_dir = dir;
	o.bench_stop = stage;
	if (ef_dp_open(&dp, NULL, &o))
		return 3;
	err = bpf_link_update(link, bpf_program__fd(dp.skel->progs.edgefw_xdp), NULL);
	if (err) {
		fprintf(stderr, "stageswap: bpf_link_update: %s\n", strerror(-err));
		return 3;
	}
	close(link);
	ef_dp_close(&dp, true);
	return 0;
}
