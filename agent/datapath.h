/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Loading the BPF object and attaching it to the node's NICs. */
#ifndef EF_DATAPATH_H
#define EF_DATAPATH_H

#include <net/if.h>
#include <stdbool.h>
#include "apply.h"

struct edgefw_bpf;

enum ef_xdp_mode {
	EF_XDP_AUTO = 0,    /* native, falling back to generic with a warning */
	EF_XDP_NATIVE = 1,
	EF_XDP_GENERIC = 2,
};

struct ef_att {
	char ifname[IF_NAMESIZE];
	int ifindex;
	int role;
	int xdp_link;   /* bpf_link fd, -1 when not attached */
	int xdp_mode;   /* EF_XDP_NATIVE or EF_XDP_GENERIC as attached */
	bool tc;        /* egress filter attached */
};

struct ef_dp {
	struct edgefw_bpf *skel;
	struct ef_maps maps;
	struct ef_att att[EF_MAX_IFACES];
	size_t natt;
};

/* Open and load the programs, sizing the tables from settings. */
int ef_dp_open(struct ef_dp *dp, const struct ef_settings *s);
/* Resolve the node's NICs (all must exist) and fill ef_ifaces. */
int ef_dp_set_ifaces(struct ef_dp *dp, const struct ef_compiled *c);
/* Attach XDP and TC egress to every NIC; on failure nothing stays attached. */
int ef_dp_attach(struct ef_dp *dp, int xdp_mode);
void ef_dp_detach(struct ef_dp *dp);
void ef_dp_close(struct ef_dp *dp);
const char *ef_xdp_mode_name(int mode);

#endif
