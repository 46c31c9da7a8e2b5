// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Steering a running agent: reload, apply, confirm and reopen are requests
 * on its control socket (--run-dir); detach removes what it attached and
 * pinned (--bpffs-dir), stopping it first if asked to.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "control.h"
#include "bpflog.h"
#include "datapath.h"
#include "offline.h"
#include "state.h"

/* ---- requests to the agent's control socket (core/control.c) ------------- */

/* Ask the agent of run_dir (policy, within: apply); 0 with its answer in
 * resp, else EXIT_SYSTEM (said). */
static int ask(const char *run_dir, enum ef_ctl_cmd cmd, const char *policy, long within,
	       double timeout, struct ef_ctl_resp *resp)
{
	struct ef_ctl_req req;
	int err;

	ef_ctl_req_init(&req, cmd);
	if (policy) {
		snprintf(req.policy, sizeof(req.policy), "%s", policy);
		req.confirm_within = within;
	}
	err = ef_ctl_call(run_dir, &req, timeout, resp);
	if (err == -EPROTO || err == -EAGAIN || err == -ETIMEDOUT)
		fprintf(stderr, "edgefw: the agent at %s/control.sock did not answer\n", run_dir);
	return err ? EXIT_SYSTEM : 0;
}

/* The agent's messages, each on a line of stderr after prefix. */
static void answer_messages(const struct ef_ctl_resp *resp, const char *prefix)
{
	for (int i = 0; i < resp->nmessages; i++)
		fprintf(stderr, "%s%s\n", prefix, resp->messages[i]);
}

/* Print the answer to a policy request: 0 when it says ok, else
 * EXIT_INVALID. */
static int report(const struct ef_ctl_resp *resp, const char *done)
{
	answer_messages(resp, "");
	if (resp->ok)
		printf("edgefw: %s: policy \"%s\", generation %u\n", done, resp->policy,
		       resp->generation);
	else
		fprintf(stderr, "edgefw: refused; policy \"%s\" (generation %u) stays in force\n",
			resp->policy, resp->generation);
	return resp->ok ? 0 : EXIT_INVALID;
}

/* ask, then report: the exit status. */
static int ask_report(const char *run_dir, enum ef_ctl_cmd cmd, const char *policy, long within,
		      double timeout, const char *done)
{
	struct ef_ctl_resp resp;
	int rc = ask(run_dir, cmd, policy, within, timeout, &resp);

	if (rc)
		return rc;
	rc = report(&resp, done);
	if (rc == 0 && resp.confirm_by)
		printf("edgefw: run `edgefw confirm` within %lds, or it rolls back\n", within);
	ef_ctl_resp_free(&resp);
	return rc;
}

/*
 * Before a policy goes to the agent: there is one, the policy (path, or
 * NULL: the agent's own file) is valid for its node (validate's messages)
 * and, unless force, passes the lockout guard.  0 when it may be sent.
 */
static int precheck(const char *cmd, const char *run_dir, const char *path, bool force)
{
	struct ef_status s;
	struct ef_policy *p;
	struct ef_diag d;
	char why[512];
	int rc = 0;

	if (ef_status_read(run_dir, &s) || !ef_status_agent_alive(&s)) {
		fprintf(stderr, "edgefw %s: no running agent (see %s/status.json)\n", cmd, run_dir);
		return EXIT_SYSTEM;
	}
	path = path ? path : s.policy_file;
	ef_diag_init(&d, path);
	p = ef_policy_checked(path, s.node, &d);
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	if (!p)
		rc = EXIT_INVALID;
	else if (!force && ef_lockout_check(p, s.node, why, sizeof(why)) > 0) {
		fprintf(stderr, "edgefw: refused: %s\n", why);
		rc = EXIT_INVALID;
	}
	ef_policy_free(p);
	ef_status_free(&s);
	return rc;
}

int cmd_reload(void *opts, const struct ef_args *args)
{
	const struct ef_force_opts *o = opts;
	int rc = precheck("reload", o->c.dirs.run, NULL, o->force);

	(void)args;
	return rc ? rc : ask_report(o->c.dirs.run, EF_CTL_RELOAD, NULL, 0, 30, "reloaded");
}

int cmd_apply(void *opts, const struct ef_args *args)
{
	const struct ef_apply_opts *o = opts;
	char path[PATH_MAX];
	int rc;

	if (!realpath(args->argv[0], path)) {
		fprintf(stderr, "edgefw apply: %s: %s\n", args->argv[0], strerror(errno));
		return EXIT_INVALID;
	}
	rc = precheck("apply", o->c.dirs.run, path, o->force);
	return rc ? rc :
		    ask_report(o->c.dirs.run, EF_CTL_APPLY, path, o->confirm_within, 30, "applied");
}

int cmd_confirm(void *opts, const struct ef_args *args)
{
	const struct ef_common *o = opts;

	(void)args;
	return ask_report(o->dirs.run, EF_CTL_CONFIRM, NULL, 0, 10, "confirmed");
}

int cmd_reopen(void *opts, const struct ef_args *args)
{
	const struct ef_common *o = opts;
	struct ef_ctl_resp resp;
	int rc = ask(o->dirs.run, EF_CTL_REOPEN, NULL, 0, 10, &resp);

	(void)args;
	if (rc)
		return rc;
	answer_messages(&resp, "edgefw reopen: ");
	if (resp.ok && resp.events_file[0])
		printf("edgefw: reopened %s\n", resp.events_file);
	else if (resp.ok)
		printf("edgefw: the agent writes its events to its standard output: nothing to reopen\n");
	rc = resp.ok ? 0 : EXIT_SYSTEM;
	ef_ctl_resp_free(&resp);
	return rc;
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

/* Wait up to n * 50 ms for pid to go. */
static bool wait_gone(int pid, int n)
{
	for (int i = 0; i < n; i++) {
		if (agent_gone(pid))
			return true;
		usleep(50000);
	}
	return false;
}

/* SIGTERM (the agent detaches itself), SIGKILL after 10 s. */
static int stop_agent(int pid)
{
	fprintf(stderr, "edgefw detach: stopping agent pid %d\n", pid);
	if (kill(pid, SIGTERM) && errno != ESRCH)
		return -errno;
	if (wait_gone(pid, 200))
		return 0;
	fprintf(stderr, "edgefw detach: agent pid %d did not stop; killing it\n", pid);
	kill(pid, SIGKILL);
	return wait_gone(pid, 40) ? 0 : -ETIMEDOUT;
}

int cmd_detach(void *opts, const struct ef_args *args)
{
	const struct ef_force_opts *o = opts;
	const struct ef_dirs *dirs = &o->c.dirs;
	struct ef_status s;
	char path[PATH_MAX];
	int n;

	(void)args;
	ef_log_setup_libbpf();
	if (ef_status_read(dirs->run, &s) == 0) {
		bool alive = ef_status_agent_alive(&s);

		ef_status_free(&s);
		if (alive && !o->force) {
			fprintf(stderr,
				"edgefw detach: agent pid %d is running; stop it (systemctl stop edgefw) "
				"or use --force\n",
				s.pid);
			return EXIT_INVALID;
		}
		/* the agent holds its XDP links and repairs what it finds
		 * missing: it has to go first, or nothing would stay detached */
		if (alive && stop_agent(s.pid))
			return EXIT_SYSTEM;
	}
	n = ef_detach_all(dirs->bpffs);
	if (n < 0) {
		fprintf(stderr, "edgefw detach: %s\n", strerror(-n));
		return EXIT_SYSTEM;
	}
	snprintf(path, sizeof(path), "%s/status.json", dirs->run);
	unlink(path);
	printf("edgefw: removed %d item(s); nothing of edgefw remains attached\n", n);
	return 0;
}
