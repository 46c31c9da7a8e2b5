// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Commands that look at or steer a running agent: status, stats, reload,
 * events, detach.  They find it through its status file (--run-dir) and
 * its pinned maps (--bpffs-dir).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cmds.h"
#include "datapath.h"
#include "events.h"
#include "bpflog.h"
#include "log.h"
#include "offline.h"
#include "state.h"
#include "stats.h"

enum { OPT_BPFFS = 256, OPT_RUNDIR, OPT_JSON, OPT_TEXT, OPT_FORCE };

#define DIR_OPTIONS                                                   \
	{ "bpffs-dir", required_argument, NULL, OPT_BPFFS },          \
	{ "run-dir", required_argument, NULL, OPT_RUNDIR },           \
	{ "help", no_argument, NULL, 'h' }

static bool dir_option(struct ef_dirs *d, int c)
{
	if (c == OPT_BPFFS)
		d->bpffs = optarg;
	else if (c == OPT_RUNDIR)
		d->run = optarg;
	else
		return false;
	return true;
}

/* ---- status ------------------------------------------------------------- */

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

struct live_att {
	bool xdp;          /* our XDP program is attached */
	int xdp_mode;
	bool tc;           /* our egress filter is attached */
	char other[32];    /* someone else's XDP program, if any */
};

static void inspect(int ifindex, struct live_att *l)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE, .priority = EF_TC_PRIORITY);
	char name[32];

	memset(l, 0, sizeof(*l));
	if (bpf_xdp_query(ifindex, 0, &q) == 0 && q.prog_id) {
		prog_name(q.prog_id, name, sizeof(name));
		if (strcmp(name, "edgefw_xdp") == 0) {
			l->xdp = true;
			l->xdp_mode = q.attach_mode == XDP_ATTACHED_SKB ? EF_XDP_GENERIC :
									  EF_XDP_NATIVE;
		} else {
			snprintf(l->other, sizeof(l->other), "%s", name[0] ? name : "?");
		}
	}
	if (bpf_tc_query(&hook, &opts) == 0) {
		prog_name(opts.prog_id, name, sizeof(name));
		l->tc = strncmp(name, "edgefw_tc_egres", 15) == 0;
	}
}

static void usage_status(FILE *f)
{
	fprintf(f, "Usage: edgefw status [--json] [--bpffs-dir DIR] [--run-dir DIR]\n\n"
		   "Which interfaces are attached in which mode, which policy (name, file,\n"
		   "crc32, generation, load time) is active, the node and the agent's uptime.\n"
		   "The kernel is asked what is attached; a difference from what the agent\n"
		   "asked for is shown as DRIFT.\n\n"
		   "Exit status: 0 enforcing, 3 nothing attached or drift, 2 usage error.\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, OPT_JSON },
					      DIR_OPTIONS, { 0 } };
	struct ef_dirs dirs;
	struct ef_status s;
	bool json = false, alive, drift = false, any = false;
	json_object *o, *ifs;
	time_t now = time(NULL);
	int c, err;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		if (c == OPT_JSON)
			json = true;
		else if (c == 'h') {
			usage_status(stdout);
			return 0;
		} else {
			usage_status(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) { /* no operands */
		usage_status(stderr);
		return EXIT_USAGE;
	}
	err = ef_status_read(dirs.run, &s);
	if (err) {
		if (json)
			printf("{\"state\":\"stopped\"}\n");
		else
			printf("edgefw: not running (no %s/status.json)\n", dirs.run);
		return EXIT_SYSTEM;
	}
	alive = ef_status_agent_alive(&s);
	o = ef_status_json(&s);
	ifs = json_object_new_array();
	for (size_t i = 0; i < s.natt; i++) {
		struct live_att l;
		json_object *e = json_object_new_object();
		int idx = (int)if_nametoindex(s.att[i].ifname);

		inspect(idx ? idx : s.att[i].ifindex, &l);
		any |= l.xdp;
		if (!l.xdp || !l.tc || l.xdp_mode != s.att[i].xdp_mode)
			drift = true;
		json_object_object_add(e, "name", json_object_new_string(s.att[i].ifname));
		json_object_object_add(e, "xdp_attached", json_object_new_boolean(l.xdp));
		json_object_object_add(e, "xdp_mode", json_object_new_string(l.xdp ? ef_xdp_mode_name(l.xdp_mode) : "none"));
		json_object_object_add(e, "tc_egress_attached", json_object_new_boolean(l.tc));
		if (l.other[0])
			json_object_object_add(e, "other_xdp_program", json_object_new_string(l.other));
		json_object_array_add(ifs, e);
		if (!json) {
			if (i == 0) {
				printf("edgefw: %s (%s)\n",
				       !(any || l.xdp) ? "NOT enforcing" :
				       s.mode == EF_MODE_MONITOR ? "monitoring (mode monitor: nothing is dropped)" :
								   "enforcing",
				       alive ? "agent running" : "agent gone: the pinned state enforces the last policy");
				printf("%-10s %s (host %s)\n", "node", s.node, s.hostname);
				printf("%-10s %s  %s  crc32 %08x\n", "policy", s.policy_name, s.policy_file,
				       s.policy_crc);
				printf("%-10s generation %u, loaded %lds ago, mode %s, egress %s\n", "",
				       s.epoch, (long)(now - s.loaded), ef_mode_name(s.mode),
				       ef_mode_name(s.egress));
				if (alive)
					printf("%-10s pid %d, up %lds\n", "agent", s.pid, (long)(now - s.started));
				printf("%-10s %s\n", "events", s.events_file[0] ? s.events_file :
								 "the agent's standard output");
			}
			printf("%-10s %-8s XDP %s%s, TC egress %s%s\n", s.att[i].ifname,
			       ef_role_names[s.att[i].role],
			       l.xdp ? ef_xdp_mode_name(l.xdp_mode) : "DETACHED",
			       l.xdp && l.xdp_mode != s.att[i].xdp_mode ? " (DRIFT: asked for another mode)" : "",
			       l.tc ? "attached" : "DETACHED",
			       l.other[0] ? " (another XDP program is attached)" : "");
		}
	}
	json_object_object_add(o, "agent_running", json_object_new_boolean(alive));
	json_object_object_add(o, "attached", ifs);
	json_object_object_add(o, "drift", json_object_new_boolean(drift));
	json_object_object_add(o, "uptime_seconds", json_object_new_int64(alive ? now - s.started : 0));
	json_object_object_del(o, "rules");
	if (json)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	ef_status_free(&s);
	return any && !drift ? 0 : EXIT_SYSTEM;
}

/* ---- stats --------------------------------------------------------------- */

static void usage_stats(FILE *f)
{
	fprintf(f, "Usage: edgefw stats [--json] [--bpffs-dir DIR] [--run-dir DIR]\n\n"
		   "Per-rule packet and byte counters (summed over CPUs; a rule keeps its\n"
		   "counters across reloads by name), packets by hook, verdict and reason,\n"
		   "flow and fragment table use, and event delivery counters.  Reads the\n"
		   "pinned maps: works while the agent runs and after it died.\n\n"
		   "Exit status: 0, 3 when no pinned state is found, 2 usage error.\n");
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, OPT_JSON },
					      DIR_OPTIONS, { 0 } };
	struct ef_dirs dirs;
	struct ef_status s = { 0 };
	struct ef_maps m;
	struct ef_stats st;
	char **names = NULL;
	size_t n = 0;
	bool json = false;
	__u32 epoch = 0;
	int c, rc = 0;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		if (c == OPT_JSON)
			json = true;
		else if (c == 'h') {
			usage_stats(stdout);
			return 0;
		} else {
			usage_stats(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) { /* no operands */
		usage_stats(stderr);
		return EXIT_USAGE;
	}
	if (ef_maps_open_pinned(dirs.bpffs, &m)) {
		fprintf(stderr, "edgefw stats: no pinned state in %s (is edgefw running?)\n",
			dirs.bpffs);
		return EXIT_SYSTEM;
	}
	ef_epoch_get(&m, &epoch);
	if (ef_status_read(dirs.run, &s) == 0 && s.epoch == epoch) {
		names = s.rules;
		n = s.nrules;
	}
	if (ef_stats_collect(&m, names, n, &st)) {
		fprintf(stderr, "edgefw stats: cannot read the maps\n");
		rc = EXIT_SYSTEM;
	} else if (json) {
		json_object *o = ef_stats_json(&st);

		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
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

/* ---- reload, apply, confirm: requests to the agent's control socket ------ */

/* Send one request line, read one answer line.  NULL when no agent. */
static json_object *ctl_call(const char *run_dir, json_object *req, double timeout)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = (time_t)timeout,
			      .tv_usec = (suseconds_t)((timeout - (time_t)timeout) * 1e6) };
	const char *line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char buf[65536];
	size_t have = 0;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", run_dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "edgefw: cannot reach the agent at %s: %s (is it running?)\n",
			sa.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		close(fd);
		return NULL;
	}
	while (have < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n <= 0)
			break;
		have += (size_t)n;
		if (memchr(buf, '\n', have))
			break;
	}
	close(fd);
	buf[have] = '\0';
	return json_tokener_parse(buf);
}

/* Print the agent's answer; 0 when it says ok. */
static int ctl_report(json_object *resp, const char *done)
{
	json_object *v, *msgs;
	bool ok = json_object_object_get_ex(resp, "ok", &v) && json_object_get_boolean(v);

	if (json_object_object_get_ex(resp, "messages", &msgs))
		for (size_t i = 0; i < json_object_array_length(msgs); i++)
			fprintf(stderr, "%s\n", json_object_get_string(json_object_array_get_idx(msgs, i)));
	if (ok)
		printf("edgefw: %s: policy \"%s\", generation %s\n", done,
		       json_object_get_string(json_object_object_get(resp, "policy")),
		       json_object_get_string(json_object_object_get(resp, "generation")));
	else
		fprintf(stderr, "edgefw: refused; policy \"%s\" (generation %s) stays in force\n",
			json_object_get_string(json_object_object_get(resp, "policy")),
			json_object_get_string(json_object_object_get(resp, "generation")));
	return ok ? 0 : EXIT_INVALID;
}

/* Validate a candidate locally (the messages the user expects from
 * validate) and apply the lockout guard; 0 when it may be sent. */
static int precheck(const char *path, const char *node, bool force)
{
	struct ef_policy *p;
	struct ef_diag d;
	char why[512];
	int rc = 0;

	ef_diag_init(&d, path);
	p = ef_policy_checked(path, node, &d);
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	if (!p)
		return EXIT_INVALID;
	if (!force && ef_lockout_check(p, node, why, sizeof(why)) > 0) {
		fprintf(stderr, "edgefw: refused: %s\n", why);
		rc = EXIT_INVALID;
	}
	ef_policy_free(p);
	return rc;
}

static void usage_reload(FILE *f)
{
	fprintf(f, "Usage: edgefw reload [--force] [--run-dir DIR]\n\n"
		   "Make the running agent re-read its policy file and apply it atomically.\n"
		   "The file is validated first (validate's messages); an invalid policy is\n"
		   "refused and the running one stays in force.  Refuses a policy that would\n"
		   "cut the SSH connection you run it from, unless --force.  For systemd's\n"
		   "ExecReload.\n\n"
		   "Exit status: 0 reloaded, 1 refused (invalid policy), 3 no agent, 2 usage.\n");
}

int cmd_reload(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, OPT_FORCE },
					      DIR_OPTIONS, { 0 } };
	struct ef_dirs dirs;
	struct ef_status s;
	json_object *req, *resp;
	bool force = false;
	int c, rc;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		if (c == OPT_FORCE)
			force = true;
		else if (c == 'h') {
			usage_reload(stdout);
			return 0;
		} else {
			usage_reload(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) { /* no operands */
		usage_reload(stderr);
		return EXIT_USAGE;
	}
	if (ef_status_read(dirs.run, &s) || !ef_status_agent_alive(&s)) {
		fprintf(stderr, "edgefw reload: no running agent (see %s/status.json)\n", dirs.run);
		return EXIT_SYSTEM;
	}
	rc = precheck(s.policy_file, s.node, force);
	ef_status_free(&s);
	if (rc)
		return rc;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("reload"));
	resp = ctl_call(dirs.run, req, 30);
	json_object_put(req);
	if (!resp)
		return EXIT_SYSTEM;
	rc = ctl_report(resp, "reloaded");
	json_object_put(resp);
	return rc;
}

static void usage_apply(FILE *f)
{
	fprintf(f, "Usage: edgefw apply POLICY [--confirm-within SECONDS] [--force] [--run-dir DIR]\n\n"
		   "Make POLICY the running agent's policy, atomically.  With\n"
		   "--confirm-within, it is rolled back to the policy that ran before\n"
		   "unless `edgefw confirm` arrives in time (\"commit confirmed\"): push,\n"
		   "check that the node is still reachable, confirm.  A confirmed (or\n"
		   "unconditional) apply also becomes the agent's policy file; a rollback\n"
		   "restores the file too.  Refuses a policy that would cut the SSH connection\n"
		   "you run it from, unless --force.\n\n"
		   "Exit status: 0 applied, 1 refused, 3 no agent, 2 usage error.\n\n"
		   "Example:\n"
		   "  edgefw apply /etc/edgefw/policy.json --confirm-within 120 && \\\n"
		   "    ssh edge1 true && edgefw confirm\n");
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "confirm-within", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, OPT_FORCE },
		DIR_OPTIONS,
		{ 0 }
	};
	struct ef_dirs dirs;
	struct ef_status s;
	json_object *req, *resp, *v;
	char path[PATH_MAX];
	long within = 0;
	bool force = false;
	char *end;
	int c, rc;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		if (c == OPT_FORCE) {
			force = true;
		} else if (c == 'c') {
			within = strtol(optarg, &end, 10);
			if (*end || within < 1 || within > 86400) {
				fprintf(stderr, "edgefw apply: --confirm-within: \"%s\" is not 1-86400 seconds\n",
					optarg);
				return EXIT_USAGE;
			}
		} else if (c == 'h') {
			usage_apply(stdout);
			return 0;
		} else {
			usage_apply(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage_apply(stderr);
		return EXIT_USAGE;
	}
	if (!realpath(argv[optind], path)) {
		fprintf(stderr, "edgefw apply: %s: %s\n", argv[optind], strerror(errno));
		return EXIT_INVALID;
	}
	if (ef_status_read(dirs.run, &s) || !ef_status_agent_alive(&s)) {
		fprintf(stderr, "edgefw apply: no running agent (see %s/status.json)\n", dirs.run);
		return EXIT_SYSTEM;
	}
	rc = precheck(path, s.node, force);
	ef_status_free(&s);
	if (rc)
		return rc;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("apply"));
	json_object_object_add(req, "policy", json_object_new_string(path));
	json_object_object_add(req, "confirm_within", json_object_new_int64(within));
	resp = ctl_call(dirs.run, req, 30);
	json_object_put(req);
	if (!resp)
		return EXIT_SYSTEM;
	rc = ctl_report(resp, "applied");
	if (rc == 0 && json_object_object_get_ex(resp, "confirm_by", &v))
		printf("edgefw: run `edgefw confirm` within %lds, or it rolls back\n", within);
	json_object_put(resp);
	return rc;
}

static void usage_confirm(FILE *f)
{
	fprintf(f, "Usage: edgefw confirm [--run-dir DIR]\n\n"
		   "Keep the policy of the last `edgefw apply --confirm-within`.\n\n"
		   "Exit status: 0 confirmed, 1 nothing to confirm, 3 no agent, 2 usage.\n");
}

int cmd_confirm(int argc, char **argv)
{
	static const struct option opts[] = { DIR_OPTIONS, { 0 } };
	struct ef_dirs dirs;
	json_object *req, *resp;
	int c, rc;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		if (c == 'h') {
			usage_confirm(stdout);
			return 0;
		}
		usage_confirm(stderr);
		return EXIT_USAGE;
	}
	if (optind != argc) { /* no operands */
		usage_confirm(stderr);
		return EXIT_USAGE;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("confirm"));
	resp = ctl_call(dirs.run, req, 10);
	json_object_put(req);
	if (!resp)
		return EXIT_SYSTEM;
	rc = ctl_report(resp, "confirmed");
	json_object_put(resp);
	return rc;
}

static void usage_reopen(FILE *f)
{
	fprintf(f, "Usage: edgefw reopen [--run-dir DIR]\n\n"
		   "Make the running agent reopen its events file (--events-file) by its\n"
		   "path: after logrotate (or anything else) moved the file away, the agent\n"
		   "goes on in a new one.  Lines already written stay in the moved file;\n"
		   "none is lost or split.  The same as SIGUSR1 to the agent.  Not needed\n"
		   "with the agent's own rotation (--events-max-size).\n\n"
		   "Exit status: 0 reopened (or the agent writes to stdout: nothing to do),\n"
		   "3 no agent or the file cannot be opened, 2 usage.\n");
}

int cmd_reopen(int argc, char **argv)
{
	static const struct option opts[] = { DIR_OPTIONS, { 0 } };
	struct ef_dirs dirs;
	json_object *req, *resp, *v, *msgs;
	bool ok;
	int c;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		if (c == 'h') {
			usage_reopen(stdout);
			return 0;
		}
		usage_reopen(stderr);
		return EXIT_USAGE;
	}
	if (optind != argc) { /* no operands */
		usage_reopen(stderr);
		return EXIT_USAGE;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("reopen"));
	resp = ctl_call(dirs.run, req, 10);
	json_object_put(req);
	if (!resp)
		return EXIT_SYSTEM;
	ok = json_object_object_get_ex(resp, "ok", &v) && json_object_get_boolean(v);
	if (json_object_object_get_ex(resp, "messages", &msgs))
		for (size_t i = 0; i < json_object_array_length(msgs); i++)
			fprintf(stderr, "edgefw reopen: %s\n",
				json_object_get_string(json_object_array_get_idx(msgs, i)));
	if (ok && json_object_object_get_ex(resp, "events_file", &v))
		printf("edgefw: reopened %s\n", json_object_get_string(v));
	else if (ok)
		printf("edgefw: the agent writes its events to its standard output: nothing to reopen\n");
	json_object_put(resp);
	return ok ? 0 : EXIT_SYSTEM;
}

/* ---- detach ----------------------------------------------------------------- */

/* Gone, or a zombie its parent has not reaped yet. */
static bool agent_gone(int pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* SIGTERM (the agent detaches itself), SIGKILL after 10 s. */
static int stop_agent(int pid)
{
	fprintf(stderr, "edgefw detach: stopping agent pid %d\n", pid);
	if (kill(pid, SIGTERM) && errno != ESRCH)
		return -errno;
	for (int i = 0; i < 200; i++) {
		if (agent_gone(pid))
			return 0;
		usleep(50000);
	}
	fprintf(stderr, "edgefw detach: agent pid %d did not stop; killing it\n", pid);
	kill(pid, SIGKILL);
	for (int i = 0; i < 40; i++) {
		if (agent_gone(pid))
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

static void usage_detach(FILE *f)
{
	fprintf(f, "Usage: edgefw detach [--force] [--bpffs-dir DIR] [--run-dir DIR]\n\n"
		   "Remove everything edgefw attached or pinned on this host: the XDP links\n"
		   "and maps pinned under the bpffs directory, and edgefw's egress filters.\n"
		   "Programs edgefw did not attach are never touched.  For a node whose\n"
		   "agent is gone; refuses while an agent runs unless --force, which stops\n"
		   "the agent first.\n\n"
		   "Exit status: 0, 1 an agent is running, 3 system error, 2 usage error.\n");
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, OPT_FORCE },
					      DIR_OPTIONS, { 0 } };
	struct ef_dirs dirs;
	struct ef_status s;
	bool force = false;
	char path[PATH_MAX];
	int c, n;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		if (c == OPT_FORCE)
			force = true;
		else if (c == 'h') {
			usage_detach(stdout);
			return 0;
		} else {
			usage_detach(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) { /* no operands */
		usage_detach(stderr);
		return EXIT_USAGE;
	}
	ef_log_setup_libbpf();
	if (ef_status_read(dirs.run, &s) == 0) {
		bool alive = ef_status_agent_alive(&s);

		ef_status_free(&s);
		if (alive && !force) {
			fprintf(stderr, "edgefw detach: agent pid %d is running; stop it (systemctl stop edgefw) "
					"or use --force\n", s.pid);
			return EXIT_INVALID;
		}
		/* the agent holds its XDP links and repairs what it finds
		 * missing: it has to go first, or nothing would stay detached */
		if (alive && stop_agent(s.pid))
			return EXIT_SYSTEM;
	}
	n = ef_detach_all(dirs.bpffs);
	if (n < 0) {
		fprintf(stderr, "edgefw detach: %s\n", strerror(-n));
		return EXIT_SYSTEM;
	}
	snprintf(path, sizeof(path), "%s/status.json", dirs.run);
	unlink(path);
	printf("edgefw: removed %d item(s); nothing of edgefw remains attached\n", n);
	return 0;
}

/* ---- events ------------------------------------------------------------------ */

static void usage_events(FILE *f)
{
	fprintf(f, "Usage: edgefw events [--follow] [--json|--text] [--action ACTION]\n"
		   "                     [--reason REASON] [--backlog N] [--count N] [--run-dir DIR]\n\n"
		   "Read the running agent's event stream.  Without --follow, print the last\n"
		   "--backlog events (default 100) and exit; with it, keep streaming.  A\n"
		   "subscriber that does not keep up loses events and is told how many.\n\n"
		   "  -f, --follow         stream new events\n"
		   "      --json           ECS JSON lines, as the agent writes them (default)\n"
		   "      --text           one readable line per event\n"
		   "  -a, --action A       denied (drop + would-drop), allowed, drop, pass,\n"
		   "                       would-drop\n"
		   "  -r, --reason R       only this reason (no-rule, peer-not-allowed, ...)\n"
		   "  -b, --backlog N      recent events to start with (0-1024)\n"
		   "  -c, --count N        exit after N events\n\n"
		   "Examples:\n"
		   "  edgefw events --follow --text --action denied\n"
		   "  edgefw events --backlog 1000 --reason no-rule | jq .source.ip\n");
}

static const char *jget(json_object *o, const char *path)
{
	char buf[128], *save = NULL, *tok;
	json_object *cur = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(cur, tok, &cur))
			return NULL;
	return json_object_get_string(cur);
}

static bool action_matches(const char *want, const char *act)
{
	if (!want)
		return true;
	if (!act)
		return false;
	if (!strcmp(want, "denied"))
		return !strcmp(act, "drop") || !strcmp(act, "would-drop");
	if (!strcmp(want, "allowed"))
		return !strcmp(act, "pass");
	return !strcmp(want, act);
}

#define EF_EVENTS_READ_BYTES (1u << 20)

/* An event document (the agent's notices are not: they go to stderr). */
static bool is_event_line(const char *line)
{
	static const char ev[] = "{\"@timestamp\":";

	return !strncmp(line, ev, sizeof(ev) - 1);
}

/* One event line, filtered and printed; returns 1 if it counted. */
static int show(const char *line, bool text, const char *action, const char *reason)
{
	json_object *o = json_tokener_parse(line);
	const char *act, *rsn;
	int shown = 0;

	if (!o)
		return 0;
	act = jget(o, "event.action");
	rsn = jget(o, "event.reason");
	if (!jget(o, "event.kind") || strcmp(jget(o, "event.kind"), "event")) {
		/* notices: lost or suppressed events */
		fprintf(stderr, "edgefw events: %s\n", line);
	} else if (action_matches(action, act) && (!reason || (rsn && !strcmp(reason, rsn)))) {
		if (!text) {
			puts(line);
		} else {
			const char *dir = jget(o, "network.direction");
			const char *ifn = jget(o, dir && !strcmp(dir, "egress") ?
							  "observer.egress.interface.name" :
							  "observer.ingress.interface.name");
			const char *sp = jget(o, "source.port"), *dp = jget(o, "destination.port");

			printf("%s %-10s %-7s %-6s %-9s %s%s%s -> %s%s%s %s%s%s\n",
			       jget(o, "@timestamp"), act, dir ? dir : "?", ifn ? ifn : "?",
			       jget(o, "network.transport") ? jget(o, "network.transport") : "-",
			       jget(o, "source.ip") ? jget(o, "source.ip") : "-", sp ? ":" : "",
			       sp ? sp : "", jget(o, "destination.ip") ? jget(o, "destination.ip") : "-",
			       dp ? ":" : "", dp ? dp : "", rsn ? rsn : "",
			       jget(o, "rule.name") ? " rule=" : "",
			       jget(o, "rule.name") ? jget(o, "rule.name") : "");
		}
		shown = 1;
	}
	json_object_put(o);
	return shown;
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "text", no_argument, NULL, OPT_TEXT },
		{ "action", required_argument, NULL, 'a' },
		{ "reason", required_argument, NULL, 'r' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		DIR_OPTIONS,
		{ 0 }
	};
	static const char *const actions[] = { "denied", "allowed", "drop", "pass", "would-drop" };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ef_dirs dirs;
	const char *action = NULL, *reason = NULL;
	bool follow = false, text = false;
	long backlog = -1, count = -1, seen = 0;
	char req[64], *buf;
	size_t have = 0;
	bool raw;
	int c, fd;

	ef_dirs_init(&dirs);
	while ((c = getopt_long(argc, argv, "fa:r:b:c:h", opts, NULL)) != -1) {
		if (dir_option(&dirs, c))
			continue;
		switch (c) {
		case 'f': follow = true; break;
		case OPT_JSON: text = false; break;
		case OPT_TEXT: text = true; break;
		case 'a': action = optarg; break;
		case 'r': reason = optarg; break;
		case 'b':
			if (ef_opt_number("events", "--backlog", optarg, 0, 1024, &backlog))
				return EXIT_USAGE;
			break;
		case 'c':
			if (ef_opt_number("events", "--count", optarg, 1, LONG_MAX, &count))
				return EXIT_USAGE;
			break;
		case 'h': usage_events(stdout); return 0;
		default: usage_events(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage_events(stderr);
		return EXIT_USAGE;
	}
	if (action) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			ok |= !strcmp(action, actions[i]);
		if (!ok) {
			fprintf(stderr, "edgefw events: --action: \"%s\" is not denied, allowed, drop, pass or would-drop\n",
				action);
			return EXIT_USAGE;
		}
	}
	if (reason && ef_reason_from_name(reason) < 0) {
		fprintf(stderr, "edgefw events: --reason: unknown reason \"%s\"\n", reason);
		return EXIT_USAGE;
	}
	if (backlog < 0)
		backlog = follow ? 0 : 100;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/events.sock", dirs.run);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "edgefw events: cannot connect to %s: %s (is edgefw running?)\n",
			sa.sun_path, strerror(errno));
		return EXIT_SYSTEM;
	}
	snprintf(req, sizeof(req), "{\"follow\":%s,\"backlog\":%ld}\n", follow ? "true" : "false",
		 backlog);
	if (write(fd, req, strlen(req)) < 0) {
		perror("edgefw events");
		close(fd);
		return EXIT_SYSTEM;
	}
	raw = !text && !action && !reason;
	buf = malloc(EF_EVENTS_READ_BYTES);
	if (!buf) {
		close(fd);
		return EXIT_SYSTEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, EF_EVENTS_READ_BYTES - have - 1);
		char *nl, *start, *run = NULL;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		start = buf;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			if (raw && is_event_line(start)) {
				/* JSON as it came: whole runs of event lines in one write */
				if (!run)
					run = start;
				seen++;
			} else {
				if (run)
					fwrite(run, 1, (size_t)(start - run), stdout);
				run = NULL;
				*nl = '\0';
				seen += show(start, text, action, reason);
			}
			start = nl + 1;
			if (count >= 0 && seen >= count)
				break;
		}
		if (run)
			fwrite(run, 1, (size_t)(start - run), stdout);
		fflush(stdout);
		if (count >= 0 && seen >= count)
			break;
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == EF_EVENTS_READ_BYTES - 1)
			have = 0; /* a line longer than any event: drop it */
	}
	free(buf);
	close(fd);
	return 0;
}
