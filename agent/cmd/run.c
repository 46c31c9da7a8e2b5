// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw run: the agent.  Order: options, policy (validate + compile), the
 * events sink, load (adopting pinned maps), fill the maps, attach (adopting
 * pinned links), then one epoll loop over the event ring buffer
 * (kern/stream.c), signals (signalfd: TERM/INT stop, HUP reloads, USR1
 * reopens the events file, USR2 hands over), the control socket
 * (core/control.c: reload, apply, confirm, reopen; the generations in
 * kern/generation.c) and the subscribers.  One cleanup path.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/signalfd.h>

#include "bpflog.h"
#include "cmds.h"
#include "control.h"
#include "datapath.h"
#include "drift.h"
#include "generation.h"
#include "lists.h"
#include "log.h"
#include "offline.h"
#include "seed.h"
#include "state.h"
#include "stats.h"
#include "stream.h"
#include "sweep.h"

#define EF_NOTICE_INTERVAL_S 10 /* how often suppressed/lost events are reported */
#define EF_DRIFT_INTERVAL_S 10	/* how often the attachments and maps are checked */

struct agent {
	/* options */
	char node[64];
	int xdp_mode;
	bool keep;
	bool handover; /* SIGUSR2: exit keeping everything for the next agent */
	bool force;
	struct ef_dirs dirs;
	const char *metrics_file;
	int metrics_interval;
	int sweep_interval;	   /* s between flow-table sweeps (0: none) */
	struct ef_sink_opts sinko; /* --events-file, --events-max-size, --events-keep */
	/* state */
	char hostname[256];
	struct ef_dp dp;
	struct ef_gen gen;	 /* the live policy generation and the one before */
	struct ef_stream stream; /* events: ring buffer -> sink, subscribers */
	struct ef_drift drift;
	int epfd, sigfd, ctlfd;
	time_t started;
	time_t next_metrics, next_notice, next_drift, next_sweep;
	bool stop;
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
	return ef_gen_rule_name(&((struct agent *)ctx)->gen, epoch, rule);
}

static void write_status(struct agent *a)
{
	const struct ef_gen *g = &a->gen;
	struct ef_status s = {
		.pid = (int)getpid(),
		.policy_crc = g->pol[0]->crc,
		.epoch = g->epoch[0],
		.started = a->started,
		.loaded = g->loaded,
		.mode = g->comp[0].cfg.mode,
		.egress = g->comp[0].cfg.egress,
		.natt = a->dp.natt,
		.rules = g->names,
		.nrules = g->names ? g->comp[0].nrules : 0,
	};

	snprintf(s.node, sizeof(s.node), "%s", a->node);
	snprintf(s.hostname, sizeof(s.hostname), "%s", a->hostname);
	snprintf(s.policy_name, sizeof(s.policy_name), "%s", g->pol[0]->name);
	snprintf(s.policy_file, sizeof(s.policy_file), "%s", g->policy_path);
	snprintf(s.bpffs_dir, sizeof(s.bpffs_dir), "%s", a->dirs.bpffs);
	if (a->sinko.path)
		snprintf(s.events_file, sizeof(s.events_file), "%s", a->sinko.path);
	if (a->metrics_file)
		snprintf(s.metrics_file, sizeof(s.metrics_file), "%s", a->metrics_file);
	memcpy(s.att, a->dp.att, sizeof(s.att));
	s.confirm_by = g->confirm_by;
	s.drift_total = a->drift.total;
	snprintf(s.drift_last, sizeof(s.drift_last), "%s", a->drift.last);
	ef_status_write(a->dirs.run, &s);
}

static void write_metrics(struct agent *a)
{
	struct ef_stats st;
	char *text;
	int err;

	if (ef_stats_collect(&a->dp.maps, a->gen.names, a->gen.comp[0].nrules, &st))
		return;
	st.policy = a->gen.pol[0]->name;
	st.node = a->node;
	st.loaded = (long long)a->gen.loaded;
	text = ef_stats_prometheus(&st);
	/* node_exporter runs as another user: readable by all */
	if (text && (err = ef_write_atomic(a->metrics_file, text, 0644)))
		pr_warn("cannot write metrics to %s: %s\n", a->metrics_file, strerror(-err));
	free(text);
	ef_stats_free(&st);
}

static void describe(const struct agent *a, const char *verb)
{
	const struct ef_gen *g = &a->gen;
	const struct ef_compiled *c = &g->comp[0];
	char status[256];

	pr_info("%s policy \"%s\" (%s, crc32 %08x, generation %u) on node %s: %zu rules, "
		"%zu port prefixes, %zu peer prefixes, mode %s, egress %s\n",
		verb, g->pol[0]->name, g->policy_path, g->pol[0]->crc, g->epoch[0], a->node,
		c->nrules, c->nports, c->npeers, ef_mode_name(c->cfg.mode),
		ef_mode_name(c->cfg.egress));
	snprintf(status, sizeof(status), "STATUS=%s policy %s (generation %u, mode %s)", verb,
		 g->pol[0]->name, g->epoch[0], ef_mode_name(c->cfg.mode));
	ef_sd_notify(status);
}

/* A new generation is live: events name its rules and policy. */
static void went_live(void *ctx, const char *verb)
{
	struct agent *a = ctx;

	a->stream.fmt.policy = a->gen.pol[0]->name;
	write_status(a);
	describe(a, verb);
}

/* Reload the policy file (SIGHUP, edgefw reload, systemctl reload). */
static int reload(struct agent *a, struct ef_diag *d)
{
	int err;

	ef_sd_notify("RELOADING=1");
	err = ef_gen_reload(&a->gen, d);
	ef_sd_notify("READY=1");
	return err;
}

/* One request on the control socket (core/control.h). */
static void control(void *ctx, const struct ef_ctl_req *req, struct ef_ctl_resp *resp,
		    struct ef_diag *d)
{
	struct agent *a = ctx;
	int err = 0;

	d->file = a->gen.policy_path;
	switch (req->cmd) {
	case EF_CTL_RELOAD: err = reload(a, d); break;
	case EF_CTL_APPLY:
		err = ef_gen_apply(&a->gen, req->policy[0] ? req->policy : NULL,
				   req->confirm_within, d);
		if (!err && req->confirm_within > 0)
			resp->confirm_by = a->gen.confirm_by;
		write_status(a);
		break;
	case EF_CTL_CONFIRM:
		err = ef_gen_confirm(&a->gen, d);
		if (!err)
			write_status(a);
		break;
	case EF_CTL_REOPEN:
		err = ef_stream_reopen(&a->stream);
		if (err)
			ef_diag_error(d, NULL, "cannot reopen %s: %s", a->sinko.path,
				      strerror(-err));
		else if (a->sinko.path)
			snprintf(resp->events_file, sizeof(resp->events_file), "%s", a->sinko.path);
		break;
	default: ef_diag_error(d, NULL, "unknown request \"%s\"", req->name); err = -EINVAL;
	}
	resp->ok = !err;
	resp->generation = a->gen.epoch[0];
	snprintf(resp->policy, sizeof(resp->policy), "%s", a->gen.pol[0]->name);
}

static void handle_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct ef_diag d;

			ef_diag_init(&d, a->gen.policy_path);
			reload(a, &d);
			ef_diag_print(&d, stderr);
			ef_diag_free(&d);
		} else if (si.ssi_signo == SIGUSR1) {
			ef_stream_reopen(&a->stream);
		} else {
			/* SIGUSR2: a handover to the next agent */
			if (si.ssi_signo == SIGUSR2)
				a->keep = a->handover = true;
			a->stop = true;
		}
	}
}

/* The generation to build on start: after an adopted one, or the first. */
static __u32 start_epoch(struct agent *a, char ***prev, size_t *nprev, struct ef_status *old)
{
	__u32 live = 0;

	*prev = NULL;
	*nprev = 0;
	if (!a->dp.adopted_maps || ef_epoch_get(&a->dp.maps, &live) || !live)
		return 1;
	/* counters carry over by rule name when we know the old names */
	if (ef_status_read(a->dirs.run, old) == 0 && old->epoch == live) {
		*prev = old->rules;
		*nprev = old->nrules;
	}
	pr_info("taking over policy generation %u from the pinned state\n", live);
	return live + 1;
}

static void sweep(struct agent *a)
{
	struct ef_sweep sw;
	int err = ef_flows_sweep(&a->dp.maps, &sw);

	if (err)
		pr_warn("cannot sweep the flow tables: %s\n", strerror(-err));
	else
		pr_debug(
			"swept the flow tables: %zu live, %zu expired removed, %zu local ports hinted\n",
			sw.live, sw.expired, sw.hinted_ports);
}

static int loop(struct agent *a)
{
	struct epoll_event evs[32];
	int rbfd = ef_stream_ring_fd(&a->stream);
	bool more = false;

	while (!a->stop) {
		time_t now;
		int n;

		/* the programs wake us only every EF_EV_WAKE_BYTES of events:
		 * look at the ring every EF_EV_POLL_MS anyway (a lone event
		 * waits no longer), at once while a flood keeps it full */
		n = epoll_wait(a->epfd, evs, 32, more ? 0 : EF_EV_POLL_MS);
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
				ef_ctl_serve(a->ctlfd, control, a);
			else if (ef_stream_owns(&a->stream, fd))
				ef_stream_handle(&a->stream, fd, evs[i].events);
		}
		more = ef_stream_pass(&a->stream);
		now = time(NULL);
		if (now >= a->next_notice) {
			ef_stream_notice(&a->stream);
			a->next_notice = now + EF_NOTICE_INTERVAL_S;
			a->stream.fmt.mono_to_real_ns = ef_mono_to_real_ns();
		}
		if (ef_gen_tick(&a->gen, now))
			write_status(a);
		if (now >= a->next_drift) {
			if (ef_drift_check(&a->dp, &a->gen, &a->drift))
				write_status(a);
			a->next_drift = now + EF_DRIFT_INTERVAL_S;
		}
		if (a->sweep_interval && now >= a->next_sweep) {
			sweep(a);
			a->next_sweep = now + a->sweep_interval;
		}
		if (a->metrics_file && now >= a->next_metrics) {
			write_metrics(a);
			a->next_metrics = now + a->metrics_interval;
		}
	}
	ef_stream_drain(&a->stream);
	return 0;
}

/* The options (cli.c parsed them) into the agent. */
static void take_opts(struct agent *a, const struct ef_run_opts *o)
{
	static const int xdp_modes[] = { EF_XDP_AUTO, EF_XDP_NATIVE, EF_XDP_GENERIC };

	a->gen.policy_path = o->policy;
	snprintf(a->node, sizeof(a->node), "%s", o->node ? o->node : "");
	a->gen.mode_override = o->monitor ? EF_MODE_MONITOR : -1;
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
	struct ef_fmt fmt = {
		.hostname = a->hostname,
		.node = a->node,
		.policy = a->gen.pol[0]->name,
		.mono_to_real_ns = ef_mono_to_real_ns(),
		.ifname = agent_ifname,
		.rule_name = agent_rule_name,
		.ctx = a,
	};
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
	mkdir(a->dirs.run, 0755);
	snprintf(path, sizeof(path), "%s/events.sock", a->dirs.run);
	a->stream.hostname = a->hostname;
	a->stream.node = a->node;
	if (ef_stream_start(&a->stream, &a->dp.maps, &fmt, path, a->epfd))
		return -EIO;
	a->ctlfd = ef_ctl_listen(a->dirs.run);
	if (a->ctlfd < 0) {
		pr_warn("cannot listen on %s/control.sock: %s\n", a->dirs.run, strerror(-a->ctlfd));
		return a->ctlfd;
	}
	ev.data.fd = a->ctlfd;
	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->ctlfd, &ev);
}

/*
 * SYN challenges leave with XDP_TX.  A veth hands an XDP_TX'd frame to its
 * peer only when the peer runs native XDP itself; otherwise the challenge
 * is lost and, while the shield is engaged, unverified clients cannot
 * connect.  Say so where it applies (a physical NIC has no such limit).
 */
static void warn_veth_challenges(struct agent *a)
{
	if (a->gen.pol[0]->settings.syn_mode == EF_SYN_OFF ||
	    a->gen.pol[0]->settings.mode == EF_MODE_MONITOR)
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
	__u32 epoch;
	int rc, n;

	(void)args;
	take_opts(&a, opts);
	if (gethostname(a.hostname, sizeof(a.hostname)))
		snprintf(a.hostname, sizeof(a.hostname), "localhost");
	if (!a.node[0])
		ef_default_node(a.node, sizeof(a.node));
	ef_log_setup_libbpf();
	a.gen.node = a.node;
	a.gen.maps = &a.dp.maps;
	a.gen.went_live = went_live;
	a.gen.ctx = &a;
	ef_diag_init(&d, a.gen.policy_path);
	rc = ef_gen_load(&a.gen, &d);
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	if (rc)
		return EXIT_INVALID;
	if (a.sinko.path && !strcmp(a.sinko.path, "-"))
		a.sinko.path = NULL;
	if ((rc = ef_stream_open_sink(&a.stream, &a.sinko))) {
		pr_warn("cannot open the events file %s: %s\n", a.sinko.path, strerror(-rc));
		rc = EXIT_SYSTEM;
		goto out;
	}
	/* the lockout guard: never cut the admin who starts us */
	if (!a.force && (n = ef_lockout_check(a.gen.pol[0], a.node, why, sizeof(why))) > 0) {
		pr_warn("refusing to start: %s\n", why);
		rc = EXIT_INVALID;
		goto out;
	}

	rc = EXIT_SYSTEM;
	dpo.pin_dir = a.dirs.bpffs;
	if (ef_dp_open(&a.dp, &a.gen.pol[0]->settings, &dpo) ||
	    ef_dp_set_ifaces(&a.dp, &a.gen.comp[0]))
		goto out;
	/* the static lists: before the first packet is classified */
	ef_lists_load(a.dirs.state, &a.dp.maps);
	/* adopted tables may hold flows and blocks an older program opened
	 * without their hint bits: every lookup on until the first sweep */
	ef_hints_fill(&a.dp.maps);
	epoch = start_epoch(&a, &prev, &nprev, &old);
	if (ef_gen_start(&a.gen, epoch, prev, nprev))
		goto out;
	a.started = a.gen.loaded;
	/* connections already open that the policy allows keep working */
	n = ef_seed_established(&a.dp);
	if (n > 0)
		pr_info("kept %d established TCP connection(s) the policy allows\n", n);
	if (setup_loop(&a) || ef_dp_attach(&a.dp, a.xdp_mode))
		goto out;
	warn_veth_challenges(&a);
	write_status(&a);
	describe(&a, "enforcing");
	ef_sd_notify("READY=1");
	rc = loop(&a) ? EXIT_SYSTEM : 0;
	ef_sd_notify("STOPPING=1");
	pr_info("stopping: %s\n",
		a.handover ? "handing over: programs stay attached and pinned (SIGUSR2)" :
		a.keep	   ? "programs stay attached and pinned (--keep-on-exit)" :
			     "detaching and unpinning");
out:
	ef_status_free(&old);
	ef_stream_close(&a.stream);
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
	ef_ctl_close(a.ctlfd, a.dirs.run);
	ef_gen_free(&a.gen);
	return rc;
}
