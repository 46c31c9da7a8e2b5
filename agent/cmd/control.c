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
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <json-c/json.h>

#include "cmds.h"
#include "bpflog.h"
#include "datapath.h"
#include "offline.h"
#include "state.h"

/* ---- requests to the agent's control socket ------------------------------- */

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

/* {"cmd": CMD} and, if given, {"policy": POLICY, "confirm_within": S}: the
 * agent's answer, or NULL (said) when there is none. */
static json_object *ask(const char *run_dir, const char *cmd, const char *policy, long within,
			double timeout)
{
	json_object *req = json_object_new_object(), *resp;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (policy) {
		json_object_object_add(req, "policy", json_object_new_string(policy));
		json_object_object_add(req, "confirm_within", json_object_new_int64(within));
	}
	resp = ctl_call(run_dir, req, timeout);
	json_object_put(req);
	return resp;
}

static bool answer_ok(json_object *resp)
{
	json_object *v;

	return json_object_object_get_ex(resp, "ok", &v) && json_object_get_boolean(v);
}

/* The agent's messages, each on a line of stderr after prefix. */
static void answer_messages(json_object *resp, const char *prefix)
{
	json_object *msgs;

	if (json_object_object_get_ex(resp, "messages", &msgs))
		for (size_t i = 0; i < json_object_array_length(msgs); i++)
			fprintf(stderr, "%s%s\n", prefix,
				json_object_get_string(json_object_array_get_idx(msgs, i)));
}

/* Print the answer to a policy request; 0 when it says ok, else
 * EXIT_INVALID (EXIT_SYSTEM: no answer).  Frees it unless keep. */
static int report(json_object *resp, const char *done, bool keep)
{
	bool ok;

	if (!resp)
		return EXIT_SYSTEM;
	ok = answer_ok(resp);
	answer_messages(resp, "");
	if (ok)
		printf("edgefw: %s: policy \"%s\", generation %s\n", done,
		       json_object_get_string(json_object_object_get(resp, "policy")),
		       json_object_get_string(json_object_object_get(resp, "generation")));
	else
		fprintf(stderr, "edgefw: refused; policy \"%s\" (generation %s) stays in force\n",
			json_object_get_string(json_object_object_get(resp, "policy")),
			json_object_get_string(json_object_object_get(resp, "generation")));
	if (!keep)
		json_object_put(resp);
	return ok ? 0 : EXIT_INVALID;
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
	return rc ? rc : report(ask(o->c.dirs.run, "reload", NULL, 0, 30), "reloaded", false);
}

int cmd_apply(void *opts, const struct ef_args *args)
{
	const struct ef_apply_opts *o = opts;
	char path[PATH_MAX];
	json_object *resp, *v;
	int rc;

	if (!realpath(args->argv[0], path)) {
		fprintf(stderr, "edgefw apply: %s: %s\n", args->argv[0], strerror(errno));
		return EXIT_INVALID;
	}
	rc = precheck("apply", o->c.dirs.run, path, o->force);
	if (rc)
		return rc;
	resp = ask(o->c.dirs.run, "apply", path, o->confirm_within, 30);
	rc = report(resp, "applied", true);
	if (rc == 0 && json_object_object_get_ex(resp, "confirm_by", &v))
		printf("edgefw: run `edgefw confirm` within %lds, or it rolls back\n",
		       o->confirm_within);
	json_object_put(resp);
	return rc;
}

int cmd_confirm(void *opts, const struct ef_args *args)
{
	const struct ef_common *o = opts;

	(void)args;
	return report(ask(o->dirs.run, "confirm", NULL, 0, 10), "confirmed", false);
}

int cmd_reopen(void *opts, const struct ef_args *args)
{
	const struct ef_common *o = opts;
	json_object *resp = ask(o->dirs.run, "reopen", NULL, 0, 10), *v;
	bool ok;

	(void)args;
	if (!resp)
		return EXIT_SYSTEM;
	ok = answer_ok(resp);
	answer_messages(resp, "edgefw reopen: ");
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
			fprintf(stderr, "edgefw detach: agent pid %d is running; stop it (systemctl stop edgefw) "
					"or use --force\n", s.pid);
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
