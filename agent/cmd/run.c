// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw run: the agent.  Order: options, policy (validate + compile), load
 * (adopting pinned maps), fill the maps, attach (adopting pinned links), then
 * one epoll loop over the event ring buffer, signals (signalfd: TERM/INT
 * stop, HUP reloads) and the subscriber socket.  One cleanup path.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmds.h"
#include "compile.h"
#include "seed.h"
#include "sink.h"
#include "sweep.h"
#include "datapath.h"
#include "events.h"
#include "lists.h"
#include "bpflog.h"
#include "log.h"
#include "offline.h"
#include "state.h"
#include "stats.h"
#include "subs.h"
#include "edgefw.skel.h"

#define EF_NOTICE_INTERVAL_S 10 /* how often suppressed/lost events are reported */
#define EF_DRIFT_INTERVAL_S  10 /* how often the attachments and maps are checked */
#define EF_EV_BATCH          16384 /* events a pass of the loop takes from the ring */
#define EF_EV_BATCH_FULL     (-EAGAIN) /* on_event: this pass took its batch */
#define EF_COUNTERS_SYNC_MS  200 /* how often the event accounting reaches the maps */

struct agent {
	/* options */
	const char *policy_path;
	char node[64];
	int mode_override;
	int xdp_mode;
	bool keep;
	bool handover;     /* SIGUSR2: exit keeping everything for the next agent */
	bool force;
	struct ef_dirs dirs;
	const char *metrics_file;
	int metrics_interval;
	int sweep_interval; /* s between flow-table sweeps (0: none) */
	struct ef_sink_opts sinko; /* --events-file, --events-max-size, --events-keep */
	/* state */
	char hostname[256];
	struct ef_dp dp;
	/* the live generation [0] and the one before [1], for the rule names
	 * of events still in flight */
	struct ef_policy *pol[2];
	struct ef_compiled comp[2];
	__u32 epoch[2];
	char **names; /* rule names of comp[0] */
	struct ef_fmt fmt;
	struct ring_buffer *rb;
	struct ef_sink sink;
	struct ef_subs *subs;
	unsigned ev_budget;    /* events this pass of the loop may still take */
	bool ev_more;          /* the last pass stopped at its batch: more waiting */
	unsigned long long unformatted; /* events too long for a line (never expected) */
	/* the event accounting already added to the counters map */
	unsigned long long synced_written, synced_unwritten, synced_subdrop;
	long long next_sync_ms;
	int epfd, sigfd, ctlfd;
	time_t started, loaded;
	time_t next_metrics, next_notice, next_drift, next_sweep;
	__u64 reported_suppressed, reported_lost;
	bool stop;
	/* apply --confirm-within: the policy text to roll back to, and when */
	char *confirmed;
	size_t confirmed_len;
	char *live;
	size_t live_len;
	time_t confirm_by;
	/* drift */
	unsigned long long drift_total;
	char drift_last[256];
	unsigned since_flush;
};

static const char *agent_ifname(void *ctx, __u32 ifindex)
{
	struct agent *a = ctx;
	static char buf[IF_NAMESIZE];

	for (size_t i = 0; i < a->dp.natt; i++)
		if ((__u32)a->dp.att[i].ifindex == ifindex)
			return a->dp.att[i].ifname;
	return if_indextoname(ifindex, buf);
}

static const char *agent_rule_name(void *ctx, __u32 epoch, __u16 rule)
{
	struct agent *a = ctx;

	for (int i = 0; i < 2; i++)
		if (a->pol[i] && a->epoch[i] == epoch)
			return ef_compiled_rule_name(&a->comp[i], rule);
	return NULL;
}

/* A line of the agent's own (a notice) to the events file and the subscribers. */
static void emit_notice(struct agent *a, const char *line, size_t len)
{
	ef_sink_write_other(&a->sink, line, len);
	ef_subs_publish(a->subs, line, len);
}

/* One event: formatted straight into the sink's buffer, queued to the
 * subscribers from there. */
static int on_event(void *ctx, void *data, size_t len)
{
	struct agent *a = ctx;
	char *line;
	int n;

	if (len < sizeof(struct ef_event))
		return 0;
	line = ef_sink_reserve(&a->sink);
	n = ef_event_format(data, &a->fmt, line, EF_LINE_MAX);
	if (n > 0) {
		ef_subs_publish(a->subs, line, (size_t)n);
		ef_sink_commit(&a->sink, (size_t)n);
	} else {
		a->unformatted++;
	}
	/* a burst can be tens of thousands of events: hand them to the
	 * subscribers' sockets as they come, not after the whole batch */
	if (++a->since_flush >= 256) {
		a->since_flush = 0;
		ef_subs_flush(a->subs);
	}
	/* a flood does not keep the loop from its signals and timers */
	return --a->ev_budget ? 0 : EF_EV_BATCH_FULL;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The event accounting into the counters map (the agent's own slots), for
 * `edgefw stats` and the metrics: event lines written, lost to a failed
 * write, and missed by slow subscribers.  At most every
 * EF_COUNTERS_SYNC_MS, and at exit (now).
 */
static void sync_event_counters(struct agent *a, bool now)
{
	unsigned long long w = a->sink.written, u = a->sink.failed + a->unformatted,
			   d = ef_subs_lost(a->subs);
	long long t = mono_ms();

	if (!now && t < a->next_sync_ms)
		return;
	a->next_sync_ms = t + EF_COUNTERS_SYNC_MS;
	if (w != a->synced_written && !ef_counter_add(&a->dp.maps, EF_C_EVENTS_WRITTEN, w - a->synced_written))
		a->synced_written = w;
	if (u != a->synced_unwritten &&
	    !ef_counter_add(&a->dp.maps, EF_C_EVENTS_UNWRITTEN, u - a->synced_unwritten)) {
		pr_warn("could not write %llu event line(s) to %s: %s\n", u - a->synced_unwritten,
			a->sinko.path ? a->sinko.path : "stdout", strerror(a->sink.last_errno));
		a->synced_unwritten = u;
	}
	if (d != a->synced_subdrop && !ef_counter_add(&a->dp.maps, EF_C_EVENTS_SUB_DROPPED, d - a->synced_subdrop))
		a->synced_subdrop = d;
}

static void refresh_names(struct agent *a)
{
	free(a->names);
	a->names = calloc(a->comp[0].nrules + 1, sizeof(char *));
	for (size_t i = 0; a->names && i < a->comp[0].nrules; i++)
		a->names[i] = (char *)ef_compiled_rule_name(&a->comp[0], (unsigned)i);
}

static void write_status(struct agent *a)
{
	struct ef_status s = {
		.pid = (int)getpid(),
		.policy_crc = a->pol[0]->crc,
		.epoch = a->epoch[0],
		.started = a->started,
		.loaded = a->loaded,
		.mode = a->comp[0].cfg.mode,
		.egress = a->comp[0].cfg.egress,
		.natt = a->dp.natt,
		.rules = a->names,
		.nrules = a->names ? a->comp[0].nrules : 0,
	};

	snprintf(s.node, sizeof(s.node), "%s", a->node);
	snprintf(s.hostname, sizeof(s.hostname), "%s", a->hostname);
	snprintf(s.policy_name, sizeof(s.policy_name), "%s", a->pol[0]->name);
	snprintf(s.policy_file, sizeof(s.policy_file), "%s", a->policy_path);
	snprintf(s.bpffs_dir, sizeof(s.bpffs_dir), "%s", a->dirs.bpffs);
	if (a->sinko.path)
		snprintf(s.events_file, sizeof(s.events_file), "%s", a->sinko.path);
	if (a->metrics_file)
		snprintf(s.metrics_file, sizeof(s.metrics_file), "%s", a->metrics_file);
	memcpy(s.att, a->dp.att, sizeof(s.att));
	s.confirm_by = a->confirm_by;
	s.drift_total = a->drift_total;
	snprintf(s.drift_last, sizeof(s.drift_last), "%s", a->drift_last);
	ef_status_write(a->dirs.run, &s);
}

static void write_metrics(struct agent *a)
{
	struct ef_stats st;
	char *text;
	int err;

	if (ef_stats_collect(&a->dp.maps, a->names, a->comp[0].nrules, &st))
		return;
	st.policy = a->pol[0]->name;
	st.node = a->node;
	st.loaded = (long long)a->loaded;
	text = ef_stats_prometheus(&st);
	/* node_exporter runs as another user: readable by all */
	if (text && (err = ef_write_atomic(a->metrics_file, text, 0644)))
		pr_warn("cannot write metrics to %s: %s\n", a->metrics_file, strerror(-err));
	free(text);
	ef_stats_free(&st);
}

/* Events the data path did not deliver are reported, as a line of their own. */
static void report_missing_events(struct agent *a)
{
	__u64 c[EF_C_MAX];
	char line[256];
	int n;

	if (ef_counters_read(&a->dp.maps, c))
		return;
	if (c[EF_C_EVENTS_SUPPRESSED] == a->reported_suppressed &&
	    c[EF_C_EVENTS_LOST] == a->reported_lost)
		return;
	n = snprintf(line, sizeof(line),
		     "{\"event\":{\"kind\":\"metric\",\"action\":\"events-not-delivered\","
		     "\"module\":\"edgefw\"},\"observer\":{\"hostname\":\"%s\",\"name\":\"%s\"},"
		     "\"edgefw\":{\"events_suppressed\":%llu,\"events_lost\":%llu}}",
		     a->hostname, a->node,
		     (unsigned long long)(c[EF_C_EVENTS_SUPPRESSED] - a->reported_suppressed),
		     (unsigned long long)(c[EF_C_EVENTS_LOST] - a->reported_lost));
	a->reported_suppressed = c[EF_C_EVENTS_SUPPRESSED];
	a->reported_lost = c[EF_C_EVENTS_LOST];
	emit_notice(a, line, (size_t)n);
}

/* Check and compile a policy text for our node into *p / *c (messages in d). */
static int prepare(struct agent *a, const char *label, const char *text, size_t len,
		   struct ef_policy **p, struct ef_compiled *c, struct ef_diag *d)
{
	*p = ef_policy_checked_text(label, text, len, a->node, d);
	if (!*p)
		return -EINVAL;
	if (ef_compile(*p, ef_policy_node(*p, a->node), a->mode_override, c, d)) {
		ef_policy_free(*p);
		*p = NULL;
		return -EINVAL;
	}
	return 0;
}

static void describe(const struct agent *a, const char *verb)
{
	const struct ef_compiled *c = &a->comp[0];
	char status[256];

	pr_info("%s policy \"%s\" (%s, crc32 %08x, generation %u) on node %s: %zu rules, "
		"%zu port prefixes, %zu peer prefixes, mode %s, egress %s\n",
		verb, a->pol[0]->name, a->policy_path, a->pol[0]->crc, a->epoch[0],
		a->node, c->nrules, c->nports, c->npeers, ef_mode_name(c->cfg.mode),
		ef_mode_name(c->cfg.egress));
	snprintf(status, sizeof(status), "STATUS=%s policy %s (generation %u, mode %s)",
		 verb, a->pol[0]->name, a->epoch[0], ef_mode_name(c->cfg.mode));
	ef_sd_notify(status);
}

static bool same_ifaces(const struct ef_compiled *x, const struct ef_compiled *y)
{
	if (x->nifaces != y->nifaces)
		return false;
	for (size_t i = 0; i < x->nifaces; i++)
		if (x->ifaces[i].role != y->ifaces[i].role ||
		    strcmp(x->ifaces[i].ifname, y->ifaces[i].ifname))
			return false;
	return true;
}

/*
 * Make a policy text live as the next generation.  On any failure the
 * running policy stays in force untouched; d says why.  Takes text.
 */
static int go_live(struct agent *a, const char *label, char *text, size_t len,
		   struct ef_diag *d)
{
	struct ef_policy *p;
	struct ef_compiled c;
	int err;

	err = prepare(a, label, text, len, &p, &c, d);
	if (err)
		goto out;
	if (!same_ifaces(&c, &a->comp[0])) {
		ef_diag_error(d, NULL, "the node's interfaces changed; restart edgefw to re-attach");
		err = -EBUSY;
		goto drop;
	}
	err = ef_apply(&a->dp.maps, &c, a->epoch[0] + 1, a->names, a->comp[0].nrules);
	if (err) {
		ef_diag_error(d, NULL, "cannot write the maps: %s", strerror(-err));
		goto drop;
	}
	ef_compiled_free(&a->comp[1]);
	ef_policy_free(a->pol[1]);
	a->comp[1] = a->comp[0];
	a->pol[1] = a->pol[0];
	a->epoch[1] = a->epoch[0];
	a->comp[0] = c;
	a->pol[0] = p;
	a->epoch[0]++;
	a->loaded = time(NULL);
	a->fmt.policy = p->name;
	free(a->live);
	a->live = text;
	a->live_len = len;
	refresh_names(a);
	write_status(a);
	describe(a, "reloaded");
	return 0;
drop:
	ef_compiled_free(&c);
	ef_policy_free(p);
out:
	free(text);
	return err;
}

/* The live text becomes what a rollback returns to. */
static void confirm_live(struct agent *a)
{
	char *copy = malloc(a->live_len + 1);

	if (!copy)
		return;
	memcpy(copy, a->live, a->live_len + 1);
	free(a->confirmed);
	a->confirmed = copy;
	a->confirmed_len = a->live_len;
	a->confirm_by = 0;
}

/* Reload the policy file (SIGHUP, edgefw reload, systemctl reload). */
static int reload(struct agent *a, struct ef_diag *d)
{
	size_t len;
	char *text;
	int err;

	ef_sd_notify("RELOADING=1");
	pr_info("reloading %s\n", a->policy_path);
	text = ef_policy_read(a->policy_path, &len, d);
	err = text ? go_live(a, a->policy_path, text, len, d) : -EINVAL;
	if (err)
		pr_warn("reload refused; policy \"%s\" (generation %u) stays in force\n",
			a->pol[0]->name, a->epoch[0]);
	else if (!a->confirm_by)
		confirm_live(a);
	ef_sd_notify("READY=1");
	return err;
}

/* Persist the live text as the configured policy file. */
static void persist_live(struct agent *a, const char *why)
{
	size_t len;
	struct ef_diag d;
	char *cur;
	int err;

	ef_diag_init(&d, a->policy_path);
	cur = ef_policy_read(a->policy_path, &len, &d);
	ef_diag_free(&d);
	if (cur && len == a->live_len && !memcmp(cur, a->live, len)) {
		free(cur);
		return;
	}
	free(cur);
	{
		struct stat st;

		/* keep the file's mode (and so who may read it) */
		err = ef_write_atomic(a->policy_path, a->live,
				      stat(a->policy_path, &st) ? 0644 : st.st_mode & 07777);
	}
	if (err)
		pr_warn("cannot write %s (%s): %s\n", a->policy_path, why, strerror(-err));
	else
		pr_info("wrote %s (%s)\n", a->policy_path, why);
}

static void rollback(struct agent *a)
{
	struct ef_diag d;
	char *text = malloc(a->confirmed_len + 1);

	pr_warn("apply was not confirmed in time: rolling back\n");
	if (!text)
		return;
	memcpy(text, a->confirmed, a->confirmed_len + 1);
	ef_diag_init(&d, "rollback");
	if (go_live(a, "confirmed policy", text, a->confirmed_len, &d)) {
		ef_diag_print(&d, stderr);
		pr_warn("rollback failed; the unconfirmed policy stays in force\n");
	} else {
		a->confirm_by = 0;
		persist_live(a, "rolled back");
		write_status(a);
	}
	ef_diag_free(&d);
}

/* The events file again, by its path (logrotate moved it away). */
static int reopen_events(struct agent *a)
{
	int err;

	if (!a->sinko.path)
		return 0; /* stdout: nothing to reopen */
	err = ef_sink_reopen(&a->sink);
	if (err)
		pr_warn("cannot reopen %s: %s; still writing to the file it was\n", a->sinko.path,
			strerror(-err));
	else
		pr_info("reopened %s\n", a->sinko.path);
	return err;
}

/* ---- the control socket ---------------------------------------------------- */

static json_object *diag_json(const struct ef_diag *d)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < d->n; i++)
		json_object_array_add(arr, json_object_new_string(d->msgs[i]));
	return arr;
}

/* One request line, one answer line:
 *   {"cmd":"reload"}
 *   {"cmd":"apply","policy":"/abs/path","confirm_within":120}
 *   {"cmd":"confirm"}                                           */
static json_object *ctl_request(struct agent *a, json_object *req)
{
	json_object *resp = json_object_new_object(), *v;
	const char *cmd = json_object_object_get_ex(req, "cmd", &v) ? json_object_get_string(v) : "";
	struct ef_diag d;
	int err = 0;

	ef_diag_init(&d, a->policy_path);
	if (!strcmp(cmd, "reload")) {
		err = reload(a, &d);
	} else if (!strcmp(cmd, "apply")) {
		const char *path = json_object_object_get_ex(req, "policy", &v) ?
					   json_object_get_string(v) : NULL;
		long within = json_object_object_get_ex(req, "confirm_within", &v) ?
				      (long)json_object_get_int64(v) : 0;
		size_t len;
		char *text;

		d.file = path ? path : "?";
		text = path ? ef_policy_read(path, &len, &d) : NULL;
		err = text ? go_live(a, path, text, len, &d) : -EINVAL;
		if (!err && within > 0) {
			if (!a->confirm_by && !a->confirmed)
				confirm_live(a);
			a->confirm_by = time(NULL) + within;
			pr_info("applied %s: rolls back at %lld unless confirmed\n", path,
				(long long)a->confirm_by);
			json_object_object_add(resp, "confirm_by", json_object_new_int64(a->confirm_by));
		} else if (!err) {
			confirm_live(a);
			persist_live(a, "applied");
		}
		write_status(a);
	} else if (!strcmp(cmd, "reopen")) {
		err = reopen_events(a);
		if (err)
			ef_diag_error(&d, NULL, "cannot reopen %s: %s", a->sinko.path, strerror(-err));
		else if (a->sinko.path)
			json_object_object_add(resp, "events_file", json_object_new_string(a->sinko.path));
	} else if (!strcmp(cmd, "confirm")) {
		if (!a->confirm_by) {
			ef_diag_error(&d, NULL, "nothing to confirm");
			err = -ENOENT;
		} else {
			confirm_live(a);
			persist_live(a, "confirmed");
			pr_info("policy \"%s\" confirmed\n", a->pol[0]->name);
			write_status(a);
		}
	} else {
		ef_diag_error(&d, NULL, "unknown request \"%s\"", cmd);
		err = -EINVAL;
	}
	json_object_object_add(resp, "ok", json_object_new_boolean(!err));
	json_object_object_add(resp, "generation", json_object_new_int64(a->epoch[0]));
	json_object_object_add(resp, "policy", json_object_new_string(a->pol[0]->name));
	json_object_object_add(resp, "messages", diag_json(&d));
	ef_diag_free(&d);
	return resp;
}

static void ctl_handle(struct agent *a)
{
	struct timeval tv = { .tv_sec = 2 };
	char buf[4096];
	size_t have = 0;
	int c;

	while ((c = accept4(a->ctlfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		json_object *req, *resp;
		const char *out;

		/* a client that does not speak costs at most 2 s */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		have = 0;
		while (have < sizeof(buf) - 1) {
			ssize_t n = recv(c, buf + have, sizeof(buf) - 1 - have, 0);

			if (n <= 0)
				break;
			have += (size_t)n;
			if (memchr(buf, '\n', have))
				break;
		}
		buf[have] = '\0';
		req = json_tokener_parse(buf);
		resp = req ? ctl_request(a, req) : json_object_new_object();
		if (!req)
			json_object_object_add(resp, "ok", json_object_new_boolean(0));
		out = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN);
		if (send(c, out, strlen(out), MSG_NOSIGNAL) >= 0)
			send(c, "\n", 1, MSG_NOSIGNAL);
		json_object_put(req);
		json_object_put(resp);
		close(c);
	}
}

static int ctl_listen(struct agent *a)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	mode_t old;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", a->dirs.run);
	a->ctlfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->ctlfd < 0)
		return -errno;
	unlink(sa.sun_path);
	old = umask(077); /* root only */
	if (bind(a->ctlfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(a->ctlfd, 8)) {
		umask(old);
		pr_warn("cannot listen on %s: %s\n", sa.sun_path, strerror(errno));
		return -errno;
	}
	umask(old);
	ev.data.fd = a->ctlfd;
	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->ctlfd, &ev);
}

/* ---- drift ----------------------------------------------------------------------- */

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static void drift(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void drift(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->drift_last, sizeof(a->drift_last), fmt, ap);
	va_end(ap);
	a->drift_total++;
	pr_warn("drift: %s\n", a->drift_last);
}

/*
 * Are our programs still attached where and how we attached them, and do
 * the maps still hold our generation?  Repairs what is safe to repair: a
 * missing egress filter is put back, a changed generation or settings slot
 * is rewritten.  A NIC that lost its XDP program is reported (a bpf_link
 * cannot be detached by others; this means the NIC went away).
 */
static void check_drift(struct agent *a)
{
	__u32 xdp_id = prog_id(bpf_program__fd(a->dp.skel->progs.edgefw_xdp));
	__u32 tc_id = prog_id(bpf_program__fd(a->dp.skel->progs.edgefw_tc_egress));
	unsigned long long before = a->drift_total;
	struct ef_cfg cfg;
	__u32 epoch = 0, k;

	for (size_t i = 0; i < a->dp.natt; i++) {
		struct ef_att *at = &a->dp.att[i];
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = at->ifindex, .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EF_TC_HANDLE, .priority = EF_TC_PRIORITY);

		if ((int)if_nametoindex(at->ifname) != at->ifindex) {
			drift(a, "%s is gone or was re-created (ifindex %d); restart edgefw to re-attach",
			      at->ifname, at->ifindex);
			continue;
		}
		if (bpf_xdp_query(at->ifindex, 0, &q) || q.prog_id != xdp_id)
			drift(a, "%s: the XDP program is not ours (id %u, ours %u)", at->ifname,
			      q.prog_id, xdp_id);
		else if ((q.attach_mode == XDP_ATTACHED_SKB) != (at->xdp_mode == EF_XDP_GENERIC))
			drift(a, "%s: XDP runs in %s mode, attached as %s", at->ifname,
			      q.attach_mode == XDP_ATTACHED_SKB ? "generic" : "native",
			      ef_xdp_mode_name(at->xdp_mode));
		if (bpf_tc_query(&hook, &opts) || opts.prog_id != tc_id) {
			LIBBPF_OPTS(bpf_tc_opts, put, .handle = EF_TC_HANDLE,
				    .priority = EF_TC_PRIORITY, .flags = BPF_TC_F_REPLACE,
				    .prog_fd = bpf_program__fd(a->dp.skel->progs.edgefw_tc_egress));

			drift(a, "%s: the egress filter is missing or replaced; putting it back",
			      at->ifname);
			bpf_tc_hook_create(&hook);
			bpf_tc_attach(&hook, &put);
		}
	}
	k = a->epoch[0] % EF_SLOTS;
	if (ef_epoch_get(&a->dp.maps, &epoch) || epoch != a->epoch[0] ||
	    bpf_map_lookup_elem(a->dp.maps.cfg, &k, &cfg) ||
	    memcmp(&cfg, &a->comp[0].cfg, sizeof(cfg))) {
		drift(a, "the maps do not hold generation %u of policy %s; rewriting it", a->epoch[0],
		      a->pol[0]->name);
		if (ef_apply(&a->dp.maps, &a->comp[0], (epoch > a->epoch[0] ? epoch : a->epoch[0]) + 1,
			     a->names, a->comp[0].nrules) == 0) {
			ef_epoch_get(&a->dp.maps, &a->epoch[0]);
			a->epoch[1] = 0;
		}
	}
	if (a->drift_total != before)
		write_status(a);
}

static void handle_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct ef_diag d;

			ef_diag_init(&d, a->policy_path);
			reload(a, &d);
			ef_diag_print(&d, stderr);
			ef_diag_free(&d);
		} else if (si.ssi_signo == SIGUSR1) {
			reopen_events(a);
		} else {
			/* SIGUSR2: a handover to the next agent */
			if (si.ssi_signo == SIGUSR2)
				a->keep = a->handover = true;
			a->stop = true;
		}
	}
}

/* The generation to build on start: after an adopted one, or the first. */
static void start_epoch(struct agent *a, char ***prev, size_t *nprev,
			struct ef_status *old)
{
	__u32 live = 0;

	*prev = NULL;
	*nprev = 0;
	a->epoch[0] = 1;
	if (!a->dp.adopted_maps || ef_epoch_get(&a->dp.maps, &live) || !live)
		return;
	a->epoch[0] = live + 1;
	/* counters carry over by rule name when we know the old names */
	if (ef_status_read(a->dirs.run, old) == 0 && old->epoch == live) {
		*prev = old->rules;
		*nprev = old->nrules;
	}
	pr_info("taking over policy generation %u from the pinned state\n", live);
}

static int loop(struct agent *a)
{
	struct epoll_event evs[32];
	int rbfd = ring_buffer__epoll_fd(a->rb);

	while (!a->stop) {
		time_t now;
		int n, err;

		/* the programs wake us only every EF_EV_WAKE_BYTES of events:
		 * look at the ring every EF_EV_POLL_MS anyway (a lone event
		 * waits no longer), at once while a flood keeps it full */
		n = epoll_wait(a->epfd, evs, 32, a->ev_more ? 0 : EF_EV_POLL_MS);
		if (n < 0 && errno != EINTR) {
			pr_warn("epoll_wait: %s\n", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == rbfd)
				continue; /* below, every pass */
			else if (fd == a->sigfd)
				handle_signal(a);
			else if (fd == a->ctlfd)
				ctl_handle(a);
			else if (ef_subs_owns(a->subs, fd))
				ef_subs_handle(a->subs, fd, evs[i].events);
		}
		a->ev_budget = EF_EV_BATCH;
		err = ring_buffer__consume(a->rb);
		a->ev_more = err == EF_EV_BATCH_FULL;
		ef_sink_flush(&a->sink);
		ef_subs_flush(a->subs);
		sync_event_counters(a, false);
		now = time(NULL);
		if (now >= a->next_notice) {
			report_missing_events(a);
			a->next_notice = now + EF_NOTICE_INTERVAL_S;
			a->fmt.mono_to_real_ns = ef_mono_to_real_ns();
		}
		if (a->confirm_by && now >= a->confirm_by)
			rollback(a);
		if (now >= a->next_drift) {
			check_drift(a);
			a->next_drift = now + EF_DRIFT_INTERVAL_S;
		}
		if (a->sweep_interval && now >= a->next_sweep) {
			struct ef_sweep sw;
			int err = ef_flows_sweep(&a->dp.maps, &sw);

			if (err)
				pr_warn("cannot sweep the flow tables: %s\n", strerror(-err));
			else
				pr_debug("swept the flow tables: %zu live, %zu expired removed, %zu local ports hinted\n",
					 sw.live, sw.expired, sw.hinted_ports);
			a->next_sweep = now + a->sweep_interval;
		}
		if (a->metrics_file && now >= a->next_metrics) {
			write_metrics(a);
			a->next_metrics = now + a->metrics_interval;
		}
	}
	/* what is already in the ring buffer still gets reported */
	for (unsigned i = 0; i <= EF_RINGBUF_BYTES / EF_EV_RECORD_BYTES / EF_EV_BATCH; i++) {
		a->ev_budget = EF_EV_BATCH;
		if (ring_buffer__consume(a->rb) != EF_EV_BATCH_FULL)
			break;
	}
	ef_sink_flush(&a->sink);
	ef_subs_flush(a->subs);
	sync_event_counters(a, true);
	return 0;
}

/* The options (cli.c parsed them) into the agent. */
static void take_opts(struct agent *a, const struct ef_run_opts *o)
{
	static const int xdp_modes[] = { EF_XDP_AUTO, EF_XDP_NATIVE, EF_XDP_GENERIC };

	a->policy_path = o->policy;
	snprintf(a->node, sizeof(a->node), "%s", o->node ? o->node : "");
	a->mode_override = o->monitor ? EF_MODE_MONITOR : -1;
	a->xdp_mode = xdp_modes[o->xdp_mode];
	a->keep = o->keep;
	a->force = o->force;
	a->dirs = o->c.dirs;
	a->metrics_file = o->metrics_file;
	a->metrics_interval = (int)o->metrics_interval;
	a->sweep_interval = (int)o->sweep_interval;
	a->sinko.path = o->events_file;
	a->sinko.max_bytes = (off_t)o->events_max_size;
	a->sinko.keep = (int)o->events_keep;
	if (o->verbose)
		ef_log_level = EF_LOG_DEBUG;
}

static int setup_loop(struct agent *a)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char path[PATH_MAX];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	a->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->sigfd < 0 || a->epfd < 0)
		return -errno;
	ev.data.fd = a->sigfd;
	epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->sigfd, &ev);
	a->rb = ring_buffer__new(a->dp.maps.events, on_event, a, NULL);
	if (!a->rb) {
		pr_warn("cannot open the event ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	ev.data.fd = ring_buffer__epoll_fd(a->rb);
	epoll_ctl(a->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	mkdir(a->dirs.run, 0755);
	snprintf(path, sizeof(path), "%s/events.sock", a->dirs.run);
	a->subs = ef_subs_open(path, a->epfd); /* events still reach stdout without it */
	return 0;
}

/*
 * SYN challenges leave with XDP_TX.  A veth hands an XDP_TX'd frame to its
 * peer only when the peer runs native XDP itself; otherwise the challenge
 * is lost and, while the shield is engaged, unverified clients cannot
 * connect.  Say so where it applies (a physical NIC has no such limit).
 */
static void warn_veth_challenges(struct agent *a)
{
	if (a->pol[0]->settings.syn_mode == EF_SYN_OFF || a->pol[0]->settings.mode == EF_MODE_MONITOR)
		return;
	for (size_t i = 0; i < a->dp.natt; i++) {
		const struct ef_att *t = &a->dp.att[i];

		if (t->role == EF_ROLE_EXTERNAL && t->xdp_mode == EF_XDP_NATIVE &&
		    ef_if_is_veth(t->ifname))
			pr_warn("%s is a veth: SYN challenges (settings.syn_flood) leave with XDP_TX, "
				"which a veth delivers only if its peer runs native XDP too; attach an "
				"XDP program to the peer or set syn_flood.mode \"off\"\n",
				t->ifname);
	}
}

int cmd_run(void *opts, const struct ef_args *args)
{
	struct agent a = { .sigfd = -1, .epfd = -1, .ctlfd = -1 };
	struct ef_status old = { 0 };
	struct ef_dp_opts dpo = { 0 };
	struct ef_diag d;
	char why[512];
	size_t nprev;
	char **prev;
	int rc, n;

	(void)args;
	take_opts(&a, opts);
	if (gethostname(a.hostname, sizeof(a.hostname)))
		snprintf(a.hostname, sizeof(a.hostname), "localhost");
	if (!a.node[0])
		ef_default_node(a.node, sizeof(a.node));
	ef_log_setup_libbpf();
	ef_diag_init(&d, a.policy_path);
	a.live = ef_policy_read(a.policy_path, &a.live_len, &d);
	rc = a.live ? prepare(&a, a.policy_path, a.live, a.live_len, &a.pol[0], &a.comp[0], &d) :
		      -EINVAL;
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	if (rc) {
		free(a.live);
		return EXIT_INVALID;
	}
	confirm_live(&a);
	if (a.sinko.path && !strcmp(a.sinko.path, "-"))
		a.sinko.path = NULL;
	if ((rc = ef_sink_open(&a.sink, &a.sinko))) {
		pr_warn("cannot open the events file %s: %s\n", a.sinko.path, strerror(-rc));
		rc = EXIT_SYSTEM;
		goto out;
	}
	/* the lockout guard: never cut the admin who starts us */
	if (!a.force && (n = ef_lockout_check(a.pol[0], a.node, why, sizeof(why))) > 0) {
		pr_warn("refusing to start: %s\n", why);
		rc = EXIT_INVALID;
		goto out;
	}

	rc = EXIT_SYSTEM;
	dpo.pin_dir = a.dirs.bpffs;
	if (ef_dp_open(&a.dp, &a.pol[0]->settings, &dpo) ||
	    ef_dp_set_ifaces(&a.dp, &a.comp[0]))
		goto out;
	/* the static lists: before the first packet is classified */
	ef_lists_load(a.dirs.state, &a.dp.maps);
	/* adopted tables may hold flows and blocks an older program opened
	 * without their hint bits: every lookup on until the first sweep */
	ef_hints_fill(&a.dp.maps);
	start_epoch(&a, &prev, &nprev, &old);
	if (ef_apply(&a.dp.maps, &a.comp[0], a.epoch[0], prev, nprev))
		goto out;
	a.started = a.loaded = time(NULL);
	refresh_names(&a);
	/* connections already open that the policy allows keep working */
	n = ef_seed_established(&a.dp);
	if (n > 0)
		pr_info("kept %d established TCP connection(s) the policy allows\n", n);
	a.fmt = (struct ef_fmt){
		.hostname = a.hostname,
		.node = a.node,
		.policy = a.pol[0]->name,
		.mono_to_real_ns = ef_mono_to_real_ns(),
		.ifname = agent_ifname,
		.rule_name = agent_rule_name,
		.ctx = &a,
	};
	if (setup_loop(&a) || ctl_listen(&a) || ef_dp_attach(&a.dp, a.xdp_mode))
		goto out;
	warn_veth_challenges(&a);
	write_status(&a);
	describe(&a, "enforcing");
	ef_sd_notify("READY=1");
	rc = loop(&a) ? EXIT_SYSTEM : 0;
	ef_sd_notify("STOPPING=1");
	pr_info("stopping: %s\n", a.handover ? "handing over: programs stay attached and pinned (SIGUSR2)" :
				   a.keep ? "programs stay attached and pinned (--keep-on-exit)" :
					   "detaching and unpinning");
out:
	ef_status_free(&old);
	ef_subs_close(a.subs);
	ef_sink_close(&a.sink);
	ring_buffer__free(a.rb);
	if (a.dp.skel) {
		/* a failed start never leaves what it attached behind, and
		 * never removes a pinned state it was taking over: that
		 * state keeps enforcing the last good policy */
		bool keep = rc == 0 ? a.keep : a.dp.adopted_maps > 0;

		ef_dp_close(&a.dp, keep);
		if (!keep) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/status.json", a.dirs.run);
			unlink(path);
		}
	}
	if (a.sigfd >= 0)
		close(a.sigfd);
	if (a.epfd >= 0)
		close(a.epfd);
	if (a.ctlfd >= 0) {
		char path[PATH_MAX];

		close(a.ctlfd);
		snprintf(path, sizeof(path), "%s/control.sock", a.dirs.run);
		unlink(path);
	}
	free(a.names);
	free(a.live);
	free(a.confirmed);
	for (int i = 0; i < 2; i++) {
		ef_compiled_free(&a.comp[i]);
		ef_policy_free(a.pol[i]);
	}
	return rc;
}
