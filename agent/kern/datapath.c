// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "edgefw.skel.h"

/* bpffs reserves names with dots, and NIC names may have them: by ifindex */
#define XDP_LINK_PREFIX "xdp_link_"

const char *ef_xdp_mode_name(int mode)
{
	switch (mode) {
	case EF_XDP_NATIVE: return "native";
	case EF_XDP_GENERIC: return "generic";
	}
	return "auto";
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int ef_bpffs_prepare(const char *dir)
{
	struct statfs st;
	int err;

	/* as bpftool does: mount bpffs when a fresh machine has none */
	if (strncmp(dir, "/sys/fs/bpf", 11) == 0 &&
	    (statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC)) {
		mkdir("/sys/fs/bpf", 0700);
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			err = -errno;
			pr_warn("cannot mount bpffs on /sys/fs/bpf: %s\n", strerror(errno));
			return err;
		}
		pr_info("mounted bpffs on /sys/fs/bpf\n");
	}
	err = mkdir_p(dir, 0700);
	if (err)
		pr_warn("cannot create %s: %s\n", dir, strerror(-err));
	return err;
}

static void path_of(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* The maps the agent holds (struct ef_maps), from include/edgefw/maplist.h. */
static const struct {
	const char *name;
	size_t off;    /* of the fd in struct ef_maps */
	bool optional; /* an older build pinned none */
} held[] = {
#define HELD_MAP(n, opt) { "ef_" #n, offsetof(struct ef_maps, n), opt },
	EF_MAPS_HELD(HELD_MAP)
#undef HELD_MAP
};
#define NHELD (sizeof(held) / sizeof(held[0]))

static int *held_fd(struct ef_maps *m, size_t i)
{
	return (int *)((char *)m + held[i].off);
}

/* Never pinned: each loaded instance has its own. */
static bool map_private(const char *name)
{
#define IS_NAMED(n) !strcmp(name, "ef_" #n) ||
	return EF_MAPS_PRIVATE(IS_NAMED) false;
#undef IS_NAMED
}

/*
 * Decide, per map, whether the pinned one can be taken over: same type,
 * key, value and flags.  A compatible map keeps its pinned size (a changed
 * table size waits for `edgefw detach` and a fresh start); an incompatible
 * one (a new build changed its layout) is unpinned and starts empty.
 */
static int adopt_maps(struct ef_dp *dp, const struct ef_dp_opts *o)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, dp->skel->obj)
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd;

		/* per-process: explain's verdict, and scratch space an explain
		 * must not share with the live program */
		if (bpf_map__is_internal(map) || map_private(bpf_map__name(map)))
			continue;
		path_of(path, sizeof(path), o->pin_dir, bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (o->require_pins) {
				pr_warn("no pinned map %s: is edgefw running on this node? (see --bpffs-dir)\n",
					path);
				return -ENOENT;
			}
			bpf_map__set_pin_path(map, path); /* created and pinned at load */
			continue;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == (__u32)bpf_map__type(map) &&
		    info.key_size == bpf_map__key_size(map) &&
		    info.value_size == bpf_map__value_size(map) &&
		    info.map_flags == bpf_map__map_flags(map)) {
			if (info.max_entries != bpf_map__max_entries(map) && !o->require_pins)
				pr_warn("%s keeps its pinned size %u (settings ask for %u; "
					"takes effect after edgefw detach and a restart)\n",
					bpf_map__name(map), info.max_entries,
					bpf_map__max_entries(map));
			bpf_map__set_max_entries(map, info.max_entries);
			bpf_map__set_pin_path(map, path);
			dp->adopted_maps++;
		} else if (o->require_pins) {
			pr_warn("pinned map %s does not match this build of edgefw\n", path);
			close(fd);
			return -EINVAL;
		} else {
			pr_warn("pinned map %s has another layout (an older build?); "
				"starting it empty\n",
				path);
			unlink(path);
			bpf_map__set_pin_path(map, path);
		}
		close(fd);
	}
	return 0;
}

int ef_dp_open(struct ef_dp *dp, const struct ef_settings *s, const struct ef_dp_opts *o)
{
	static const struct ef_dp_opts none = { 0 };
	struct edgefw_bpf *skel;
	int err;

	if (!o)
		o = &none;
	memset(dp, 0, sizeof(*dp));
	dp->lock_fd = -1;
	skel = edgefw_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the BPF object: %s\n", strerror(errno));
		return err;
	}
	dp->skel = skel;
	skel->rodata->ef_dry_run = o->dry_run;
	skel->rodata->ef_test_clock = o->test_clock;
	skel->rodata->ef_bench_stop = (__u8)o->bench_stop;
	skel->rodata->ef_no_capture = o->no_capture;
	/* explain needs one program: verifying the other would double its cost */
	if (o->only_hook == 1 + EF_HOOK_INGRESS)
		bpf_program__set_autoload(skel->progs.edgefw_tc_egress, false);
	else if (o->only_hook == 1 + EF_HOOK_EGRESS)
		bpf_program__set_autoload(skel->progs.edgefw_xdp, false);
	if (o->test_max_hash) {
		/* small tables: a walk over an empty hash table visits every bucket */
		struct bpf_map *map;

		bpf_object__for_each_map(map, skel->obj)
		{
			enum bpf_map_type t = bpf_map__type(map);

			if ((t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH) &&
			    bpf_map__max_entries(map) > o->test_max_hash)
				bpf_map__set_max_entries(map, o->test_max_hash);
		}
	}
	if (s) {
		bpf_map__set_max_entries(skel->maps.ef_flows, s->flow_table_size);
		bpf_map__set_max_entries(skel->maps.ef_flows_new, s->new_flow_table_size);
		bpf_map__set_max_entries(skel->maps.ef_frags, s->fragment_table_size);
	}
	if (o->pin_dir) {
		if (strlen(o->pin_dir) >= sizeof(dp->pin_dir)) {
			pr_warn("bpffs directory name too long: %s\n", o->pin_dir);
			err = -ENAMETOOLONG;
			goto fail;
		}
		if (!o->require_pins && (err = ef_bpffs_prepare(o->pin_dir)))
			goto fail;
		snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", o->pin_dir);
		if (!o->dry_run && !o->require_pins && !o->bench_stop) {
			/* one agent per pin directory */
			dp->lock_fd = open(o->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dp->lock_fd < 0 || flock(dp->lock_fd, LOCK_EX | LOCK_NB)) {
				err = -errno;
				pr_warn("another edgefw agent holds %s (%s)\n", o->pin_dir,
					strerror(errno));
				goto fail;
			}
		}
		if ((err = adopt_maps(dp, o)))
			goto fail;
	}
	err = edgefw_bpf__load(skel);
	if (err) {
		pr_warn("cannot load the BPF programs: %s%s\n", strerror(-err),
			err == -EPERM ? " (edgefw needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
		goto fail;
	}
	for (size_t i = 0; i < NHELD; i++)
		*held_fd(&dp->maps, i) =
			bpf_map__fd(bpf_object__find_map_by_name(skel->obj, held[i].name));
	dp->trace_fd = bpf_map__fd(skel->maps.ef_trace);
	if (dp->adopted_maps && !o->dry_run) /* a dry run only looks */
		pr_info("adopted %d pinned maps from %s\n", dp->adopted_maps, dp->pin_dir);
	return 0;
fail:
	if (dp->lock_fd >= 0)
		close(dp->lock_fd);
	edgefw_bpf__destroy(skel);
	dp->skel = NULL;
	return err;
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

static void link_path(const struct ef_dp *dp, const struct ef_att *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" XDP_LINK_PREFIX "%d", dp->pin_dir, a->ifindex);
}

/* The mode the kernel reports for the XDP program on ifindex. */
static int xdp_mode_of(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q) == 0 && q.attach_mode == XDP_ATTACHED_SKB)
		return EF_XDP_GENERIC;
	return EF_XDP_NATIVE;
}

/* Take over a pinned XDP link of an earlier agent: swap the program. */
static int adopt_xdp(struct ef_dp *dp, struct ef_att *a, int prog)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	if (!dp->pin_dir[0])
		return 0;
	link_path(dp, a, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP ||
	    (int)info.xdp.ifindex != a->ifindex) {
		/* stale: the NIC went away or was renumbered */
		close(fd);
		unlink(path);
		return 0;
	}
	if (bpf_link_update(fd, prog, NULL)) {
		int err = -errno;

		pr_warn("cannot update the XDP program on %s: %s\n", a->ifname, strerror(errno));
		close(fd);
		return err;
	}
	a->xdp_link = fd;
	a->adopted = true;
	a->xdp_mode = xdp_mode_of(a->ifindex);
	return 1;
}

static int attach_xdp(struct ef_dp *dp, struct ef_att *a, int mode)
{
	int prog = bpf_program__fd(dp->skel->progs.edgefw_xdp);
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	char path[PATH_MAX];
	int fd, err;

	err = adopt_xdp(dp, a, prog);
	if (err)
		return err < 0 ? err : 0;
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
		err = -errno;
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
	if (dp->pin_dir[0]) {
		link_path(dp, a, path, sizeof(path));
		if (bpf_obj_pin(fd, path)) {
			err = -errno;
			pr_warn("cannot pin the XDP link of %s at %s: %s\n", a->ifname, path,
				strerror(errno));
			return err;
		}
	}
	return 0;
}

static int attach_tc(struct ef_dp *dp, struct ef_att *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = BPF_TC_EGRESS);
	/* replacing: an earlier agent's filter is swapped in one operation */
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE, .priority = EF_TC_PRIORITY,
		    .flags = BPF_TC_F_REPLACE,
		    .prog_fd = bpf_program__fd(dp->skel->progs.edgefw_tc_egress));
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_warn("cannot create clsact on %s: %s\n", a->ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_warn("cannot attach the egress filter to %s: %s\n", a->ifname, strerror(-err));
		return err;
	}
	a->tc = true;
	return 0;
}

static void detach_one(struct ef_dp *dp, struct ef_att *a)
{
	char path[PATH_MAX];

	if (a->xdp_link >= 0) {
		if (dp->pin_dir[0]) {
			link_path(dp, a, path, sizeof(path));
			unlink(path);
		}
		/* the last reference: the link detaches */
		close(a->xdp_link);
		a->xdp_link = -1;
	}
	if (a->tc) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE, .priority = EF_TC_PRIORITY);

		/* the clsact qdisc stays: other filters may live there */
		bpf_tc_detach(&hook, &opts);
		a->tc = false;
	}
}

int ef_dp_attach(struct ef_dp *dp, int xdp_mode)
{
	int err;

	/* egress first: flows the node opens are tracked before replies
	 * meet the ingress filter */
	for (size_t i = 0; i < dp->natt; i++) {
		struct ef_att *a = &dp->att[i];

		if ((err = attach_tc(dp, a)) || (err = attach_xdp(dp, a, xdp_mode))) {
			for (size_t j = 0; j <= i; j++)
				if (!dp->att[j].adopted)
					detach_one(dp, &dp->att[j]);
			return err;
		}
		pr_info("%s %s (%s): XDP %s, TC egress\n", a->adopted ? "took over" : "attached to",
			a->ifname, ef_role_names[a->role], ef_xdp_mode_name(a->xdp_mode));
	}
	return 0;
}

bool ef_if_is_veth(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool veth = false;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		veth = strcmp(info.driver, "veth") == 0;
	close(fd);
	return veth;
}

void ef_dp_detach(struct ef_dp *dp)
{
	for (size_t i = 0; i < dp->natt; i++)
		detach_one(dp, &dp->att[i]);
}

static void unpin_maps(struct ef_dp *dp)
{
	struct bpf_map *map;

	if (!dp->pin_dir[0])
		return;
	bpf_object__for_each_map(map, dp->skel->obj) if (bpf_map__pin_path(map))
		bpf_map__unpin(map, NULL);
	rmdir(dp->pin_dir);
}

void ef_dp_close(struct ef_dp *dp, bool keep)
{
	if (!dp->skel)
		return;
	if (!keep) {
		ef_dp_detach(dp);
		unpin_maps(dp);
	} else {
		for (size_t i = 0; i < dp->natt; i++)
			if (dp->att[i].xdp_link >= 0)
				close(dp->att[i].xdp_link);
	}
	edgefw_bpf__destroy(dp->skel);
	dp->skel = NULL;
	if (dp->lock_fd >= 0)
		close(dp->lock_fd);
	dp->lock_fd = -1;
}

int ef_maps_open_pinned(const char *dir, struct ef_maps *m)
{
	for (size_t i = 0; i < NHELD; i++)
		*held_fd(m, i) = -1;
	for (size_t i = 0; i < NHELD; i++) {
		char path[PATH_MAX];
		int fd;

		path_of(path, sizeof(path), dir, held[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0 && !held[i].optional) {
			int err = -errno;

			ef_maps_close(m);
			return err;
		}
		*held_fd(m, i) = fd < 0 ? -1 : fd;
	}
	return 0;
}

void ef_maps_close(struct ef_maps *m)
{
	for (size_t i = 0; i < NHELD; i++) {
		if (*held_fd(m, i) >= 0)
			close(*held_fd(m, i));
		*held_fd(m, i) = -1;
	}
}

/* Is the program with this id one of ours? */
static bool prog_is_edgefw(__u32 id, const char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	ours = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	       strncmp(info.name, name, sizeof(info.name) - 1) == 0;
	close(fd);
	return ours;
}

int ef_detach_all(const char *dir)
{
	struct if_nameindex *ifs = if_nameindex();
	DIR *d = opendir(dir);
	int derr = d ? 0 : errno; /* before anything else sets errno */
	struct dirent *de;
	int n = 0;

	/* egress filters: ours by handle, priority and program name only */
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)i->if_index,
			    .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE, .priority = EF_TC_PRIORITY);

		if (bpf_tc_query(&hook, &opts) == 0 &&
		    prog_is_edgefw(opts.prog_id, "edgefw_tc_egres")) {
			opts.prog_id = 0;
			opts.prog_fd = 0;
			opts.flags = 0;
			if (bpf_tc_detach(&hook, &opts) == 0) {
				pr_info("removed the egress filter from %s\n", i->if_name);
				n++;
			}
		}
	}
	if_freenameindex(ifs);
	if (!d)
		return derr == ENOENT ? n : -derr;
	/* pins: XDP links (unpinning the last reference detaches) and maps */
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		path_of(path, sizeof(path), dir, de->d_name);
		if (unlink(path) == 0) {
			pr_info("removed %s\n", path);
			n++;
		}
	}
	closedir(d);
	rmdir(dir);
	return n;
}
