// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * status and stats: what a node's edgefw is doing, from its status file
 * (--run-dir), the kernel's attachments and the pinned maps (--bpffs-dir).
 * Both work after the agent died: the pins keep enforcing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cmds.h"
#include "datapath.h"
#include "state.h"
#include "stats.h"

/* ---- status -------------------------------------------------------------- */

/* Name of the program with this id ("" when gone). */
static void prog_name(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = id ? bpf_prog_get_fd_by_id(id) : -1;

	buf[0] = '\0';
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) == 0)
		snprintf(buf, len, "%s", info.name);
	close(fd);
}

/* What the kernel says is attached to an interface the agent asked for. */
struct live_att {
	bool xdp; /* our XDP program is attached */
	int xdp_mode;
	bool tc;	/* our egress filter is attached */
	char other[32]; /* someone else's XDP program, if any */
};

static void inspect(const struct ef_att *att, struct live_att *l)
{
	int ifindex = (int)if_nametoindex(att->ifname) ?: att->ifindex;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE, .priority = EF_TC_PRIORITY);
	char name[32];

	memset(l, 0, sizeof(*l));
	if (bpf_xdp_query(ifindex, 0, &q) == 0 && q.prog_id) {
		prog_name(q.prog_id, name, sizeof(name));
		if (strcmp(name, "edgefw_xdp") == 0) {
			l->xdp = true;
			l->xdp_mode =
				q.attach_mode == XDP_ATTACHED_SKB ? EF_XDP_GENERIC : EF_XDP_NATIVE;
		} else {
			snprintf(l->other, sizeof(l->other), "%s", name[0] ? name : "?");
		}
	}
	if (bpf_tc_query(&hook, &opts) == 0) {
		prog_name(opts.prog_id, name, sizeof(name));
		l->tc = strncmp(name, "edgefw_tc_egres", 15) == 0;
	}
}

static bool drifted(const struct ef_att *want, const struct live_att *l)
{
	return !l->xdp || !l->tc || l->xdp_mode != want->xdp_mode;
}

static void status_json(const struct ef_status *s, const struct live_att *live, bool alive,
			bool drift, time_t now)
{
	json_object *o = ef_status_json(s), *ifs = json_object_new_array();

	for (size_t i = 0; i < s->natt; i++) {
		const struct live_att *l = &live[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(s->att[i].ifname));
		json_object_object_add(e, "xdp_attached", json_object_new_boolean(l->xdp));
		json_object_object_add(
			e, "xdp_mode",
			json_object_new_string(l->xdp ? ef_xdp_mode_name(l->xdp_mode) : "none"));
		json_object_object_add(e, "tc_egress_attached", json_object_new_boolean(l->tc));
		if (l->other[0])
			json_object_object_add(e, "other_xdp_program",
					       json_object_new_string(l->other));
		json_object_array_add(ifs, e);
	}
	json_object_object_add(o, "agent_running", json_object_new_boolean(alive));
	json_object_object_add(o, "attached", ifs);
	json_object_object_add(o, "drift", json_object_new_boolean(drift));
	json_object_object_add(o, "uptime_seconds",
			       json_object_new_int64(alive ? now - s->started : 0));
	json_object_object_del(o, "rules");
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static void status_text(const struct ef_status *s, const struct live_att *live, bool alive,
			time_t now)
{
	for (size_t i = 0; i < s->natt; i++) {
		const struct live_att *l = &live[i];

		if (i == 0) {
			printf("edgefw: %s (%s)\n",
			       !l->xdp ? "NOT enforcing" :
			       s->mode == EF_MODE_MONITOR ?
					 "monitoring (mode monitor: nothing is dropped)" :
					 "enforcing",
			       alive ? "agent running" :
				       "agent gone: the pinned state enforces the last policy");
			printf("%-10s %s (host %s)\n", "node", s->node, s->hostname);
			printf("%-10s %s  %s  crc32 %08x\n", "policy", s->policy_name,
			       s->policy_file, s->policy_crc);
			printf("%-10s generation %u, loaded %lds ago, mode %s, egress %s\n", "",
			       s->epoch, (long)(now - s->loaded), ef_mode_name(s->mode),
			       ef_mode_name(s->egress));
			if (alive)
				printf("%-10s pid %d, up %lds\n", "agent", s->pid,
				       (long)(now - s->started));
			printf("%-10s %s\n", "events",
			       s->events_file[0] ? s->events_file : "the agent's standard output");
		}
		printf("%-10s %-8s XDP %s%s, TC egress %s%s\n", s->att[i].ifname,
		       ef_role_names[s->att[i].role],
		       l->xdp ? ef_xdp_mode_name(l->xdp_mode) : "DETACHED",
		       l->xdp && l->xdp_mode != s->att[i].xdp_mode ?
			       " (DRIFT: asked for another mode)" :
			       "",
		       l->tc ? "attached" : "DETACHED",
		       l->other[0] ? " (another XDP program is attached)" : "");
	}
}

int cmd_status(void *opts, const struct ef_args *args)
{
	const struct ef_common *o = opts;
	struct live_att live[EF_MAX_IFACES];
	bool alive, drift = false, any = false;
	time_t now = time(NULL);
	struct ef_status s;

	(void)args;
	if (ef_status_read(o->dirs.run, &s)) {
		if (o->format == EF_FMT_JSON)
			printf("{\"state\":\"stopped\"}\n");
		else
			printf("edgefw: not running (no %s/status.json)\n", o->dirs.run);
		return EXIT_SYSTEM;
	}
	alive = ef_status_agent_alive(&s);
	for (size_t i = 0; i < s.natt; i++) {
		inspect(&s.att[i], &live[i]);
		any |= live[i].xdp;
		drift |= drifted(&s.att[i], &live[i]);
	}
	if (o->format == EF_FMT_JSON)
		status_json(&s, live, alive, drift, now);
	else
		status_text(&s, live, alive, now);
	ef_status_free(&s);
	return any && !drift ? 0 : EXIT_SYSTEM;
}

/* ---- stats --------------------------------------------------------------- */

int cmd_stats(void *opts, const struct ef_args *args)
{
	const struct ef_common *o = opts;
	struct ef_status s = { 0 };
	struct ef_maps m;
	struct ef_stats st;
	char **names = NULL;
	size_t n = 0;
	__u32 epoch = 0;
	int rc = 0;

	(void)args;
	if (ef_maps_open_pinned(o->dirs.bpffs, &m)) {
		fprintf(stderr, "edgefw stats: no pinned state in %s (is edgefw running?)\n",
			o->dirs.bpffs);
		return EXIT_SYSTEM;
	}
	ef_epoch_get(&m, &epoch);
	if (ef_status_read(o->dirs.run, &s) == 0 && s.epoch == epoch) {
		names = s.rules;
		n = s.nrules;
	}
	if (ef_stats_collect(&m, names, n, &st)) {
		fprintf(stderr, "edgefw stats: cannot read the maps\n");
		rc = EXIT_SYSTEM;
	} else if (o->format == EF_FMT_JSON) {
		json_object *j = ef_stats_json(&st);

		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
		json_object_put(j);
	} else {
		char *t = ef_stats_table(&st);

		fputs(t ? t : "", stdout);
		free(t);
	}
	ef_stats_free(&st);
	ef_status_free(&s);
	ef_maps_close(&m);
	return rc;
}
