/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading the BPF object, pinning it, and attaching it to the node's NICs.
 *
 * State on bpffs (default /sys/fs/bpf/edgefw):
 *   DIR/ef_*            every map (not ef_trace, which is per process)
 *   DIR/xdp_link_IFINDEX the XDP bpf_link of each managed NIC
 * The TC egress filter (clsact, handle 0xef1, priority 1) holds its own
 * reference to the program.  With the pins in place the programs keep
 * enforcing the last policy when the agent dies; a new agent adopts the
 * maps (same flows, counters, generation) and swaps the programs in place:
 * bpf_link_update for XDP, a replacing tc filter for egress.
 */
#ifndef EF_DATAPATH_H
#define EF_DATAPATH_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include "apply.h"

#include "opts.h" /* EF_PIN_DIR */
#define EF_TC_HANDLE 0xef1
#define EF_TC_PRIORITY 1

struct edgefw_bpf;

enum ef_xdp_mode {
	EF_XDP_AUTO = 0, /* native, falling back to generic with a warning */
	EF_XDP_NATIVE = 1,
	EF_XDP_GENERIC = 2,
};

struct ef_att {
	char ifname[IF_NAMESIZE];
	int ifindex;
	int role;
	int xdp_link; /* bpf_link fd, -1 when not attached */
	int xdp_mode; /* EF_XDP_NATIVE or EF_XDP_GENERIC as attached */
	bool adopted; /* the link was pinned by an earlier agent */
	bool tc;      /* egress filter attached */
};

struct ef_dp_opts {
	const char *pin_dir;	/* NULL: private maps, nothing pinned (tests) */
	bool dry_run;		/* explain: classify only (see edgefw.bpf.c) */
	bool require_pins;	/* fail unless every map is already pinned */
	int only_hook;		/* 1 + enum ef_hook: load just that program (0: both) */
	bool test_clock;	/* tests: "now" is the object's ef_clock_ns (see edgefw.bpf.c) */
	unsigned test_max_hash; /* tests: cap every hash table at this size (0: as built) */
	bool no_capture;	/* bench: the programs without the capture check */
	int bench_stop;		/* bench: drop at the end of this stage (enum ef_stage; 0: off) */
};

struct ef_dp {
	struct edgefw_bpf *skel;
	struct ef_maps maps;
	int trace_fd; /* ef_trace (dry run) */
	struct ef_att att[EF_MAX_IFACES];
	size_t natt;
	char pin_dir[256]; /* empty when not pinned */
	int adopted_maps;  /* maps taken over from pins */
	int lock_fd;	   /* flock on the pin directory */
};

/* Make sure bpffs is mounted at /sys/fs/bpf and dir exists. */
int ef_bpffs_prepare(const char *dir);
/* Open and load the programs, sizing the tables from settings (s may be
 * NULL for the defaults); adopts compatible pinned maps. */
int ef_dp_open(struct ef_dp *dp, const struct ef_settings *s, const struct ef_dp_opts *o);
/* Resolve the node's NICs (all must exist) and fill ef_ifaces. */
int ef_dp_set_ifaces(struct ef_dp *dp, const struct ef_compiled *c);
/* Attach (or adopt and update) XDP and TC egress on every NIC; on failure
 * what this call attached is detached again. */
int ef_dp_attach(struct ef_dp *dp, int xdp_mode);
/* The NIC's driver is veth (ETHTOOL_GDRVINFO). */
bool ef_if_is_veth(const char *ifname);
/* Detach everything and remove the pins. */
void ef_dp_detach(struct ef_dp *dp);
/* Free the process's handles; keep=false also detaches and unpins. */
void ef_dp_close(struct ef_dp *dp, bool keep);
const char *ef_xdp_mode_name(int mode);

/* Open the pinned maps of a running (or orphaned) agent, read-only use. */
int ef_maps_open_pinned(const char *dir, struct ef_maps *m);
void ef_maps_close(struct ef_maps *m);

/* The detach command: remove every pin under dir and every edgefw egress
 * filter on this host's interfaces.  Returns the number of items removed,
 * or -errno. */
int ef_detach_all(const char *dir);

#endif
