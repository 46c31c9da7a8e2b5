// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <json-c/json.h>

#include "control.h"
#include "jget.h"
#include "strv.h"

static const char *const cmd_names[] = {
	[EF_CTL_UNKNOWN] = "",	      [EF_CTL_RELOAD] = "reload", [EF_CTL_APPLY] = "apply",
	[EF_CTL_CONFIRM] = "confirm", [EF_CTL_REOPEN] = "reopen",
};

#define NCMDS (sizeof(cmd_names) / sizeof(cmd_names[0]))

void ef_ctl_req_init(struct ef_ctl_req *req, enum ef_ctl_cmd cmd)
{
	memset(req, 0, sizeof(*req));
	req->cmd = cmd;
	snprintf(req->name, sizeof(req->name), "%s", cmd_names[cmd]);
}

static char *to_line(json_object *o)
{
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return s;
}

char *ef_ctl_req_encode(const struct ef_ctl_req *req)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cmd",
			       json_object_new_string(req->cmd == EF_CTL_UNKNOWN ?
							      req->name :
							      cmd_names[req->cmd]));
	if (req->cmd == EF_CTL_APPLY) {
		json_object_object_add(o, "policy", json_object_new_string(req->policy));
		if (req->confirm_within)
			json_object_object_add(o, "confirm_within",
					       json_object_new_int64(req->confirm_within));
	}
	return to_line(o);
}

int ef_ctl_req_decode(const char *line, struct ef_ctl_req *req)
{
	json_object *o = json_tokener_parse(line);
	const char *cmd = o ? ef_jstr(o, "cmd", NULL) : NULL;

	ef_ctl_req_init(req, EF_CTL_UNKNOWN);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EINVAL;
	}
	snprintf(req->name, sizeof(req->name), "%s", cmd ? cmd : "");
	for (size_t i = 1; cmd && i < NCMDS; i++)
		if (!strcmp(cmd, cmd_names[i]))
			req->cmd = (enum ef_ctl_cmd)i;
	if (ef_jstr(o, "policy", NULL))
		snprintf(req->policy, sizeof(req->policy), "%s", ef_jstr(o, "policy", NULL));
	req->confirm_within = (long)ef_jint(o, "confirm_within");
	json_object_put(o);
	return 0;
}

char *ef_ctl_resp_encode(const struct ef_ctl_resp *resp, const struct ef_diag *d)
{
	json_object *o = json_object_new_object(), *msgs = json_object_new_array();

	if (resp->confirm_by)
		json_object_object_add(o, "confirm_by", json_object_new_int64(resp->confirm_by));
	if (resp->events_file[0])
		json_object_object_add(o, "events_file", json_object_new_string(resp->events_file));
	json_object_object_add(o, "ok", json_object_new_boolean(resp->ok));
	json_object_object_add(o, "generation", json_object_new_int64(resp->generation));
	json_object_object_add(o, "policy", json_object_new_string(resp->policy));
	for (int i = 0; d && i < d->n; i++)
		json_object_array_add(msgs, json_object_new_string(d->msgs[i]));
	json_object_object_add(o, "messages", msgs);
	return to_line(o);
}

int ef_ctl_resp_decode(const char *line, struct ef_ctl_resp *resp)
{
	json_object *o = json_tokener_parse(line), *v;

	memset(resp, 0, sizeof(*resp));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EINVAL;
	}
	resp->ok = json_object_object_get_ex(o, "ok", &v) && json_object_get_boolean(v);
	resp->generation = (unsigned)ef_jint(o, "generation");
	resp->confirm_by = ef_jint(o, "confirm_by");
	snprintf(resp->policy, sizeof(resp->policy), "%s",
		 ef_jstr(o, "policy", NULL) ? ef_jstr(o, "policy", NULL) : "");
	snprintf(resp->events_file, sizeof(resp->events_file), "%s",
		 ef_jstr(o, "events_file", NULL) ? ef_jstr(o, "events_file", NULL) : "");
	if (json_object_object_get_ex(o, "messages", &v) &&
	    json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		resp->messages = calloc(n ? n : 1, sizeof(char *));
		for (size_t i = 0; resp->messages && i < n; i++) {
			const char *m = json_object_get_string(json_object_array_get_idx(v, i));

			resp->messages[resp->nmessages++] = strdup(m ? m : "");
		}
	}
	json_object_put(o);
	return 0;
}

void ef_ctl_resp_free(struct ef_ctl_resp *r)
{
	ef_strs_free(r->messages, (size_t)r->nmessages);
	r->messages = NULL;
	r->nmessages = 0;
}

static void sock_path(struct sockaddr_un *sa, const char *run_dir)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/control.sock", run_dir);
}

/* One line from fd into buf (up to len - 1 bytes, NUL-terminated). */
static size_t read_line(int fd, char *buf, size_t len)
{
	size_t have = 0;

	while (have < len - 1) {
		ssize_t n = recv(fd, buf + have, len - 1 - have, 0);

		if (n <= 0)
			break;
		have += (size_t)n;
		if (memchr(buf, '\n', have))
			break;
	}
	buf[have] = '\0';
	return have;
}

static int send_line(int fd, const char *line)
{
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

int ef_ctl_call(const char *run_dir, const struct ef_ctl_req *req, double timeout,
		struct ef_ctl_resp *resp)
{
	struct timeval tv = { .tv_sec = (time_t)timeout,
			      .tv_usec = (suseconds_t)((timeout - (time_t)timeout) * 1e6) };
	struct sockaddr_un sa;
	char *line, buf[65536];
	int fd, err;

	memset(resp, 0, sizeof(*resp));
	sock_path(&sa, run_dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		fprintf(stderr, "edgefw: cannot reach the agent at %s: %s (is it running?)\n",
			sa.sun_path, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	line = ef_ctl_req_encode(req);
	err = line ? send_line(fd, line) : -ENOMEM;
	free(line);
	if (!err) {
		read_line(fd, buf, sizeof(buf));
		err = ef_ctl_resp_decode(buf, resp) ? -EPROTO : 0;
	}
	close(fd);
	return err;
}

int ef_ctl_listen(const char *run_dir)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, err;

	sock_path(&sa, run_dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	old = umask(077); /* root only */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		err = -errno;
		umask(old);
		close(fd);
		return err;
	}
	umask(old);
	return fd;
}

void ef_ctl_serve(int lfd, ef_ctl_handler handle, void *ctx)
{
	struct timeval tv = { .tv_sec = 2 };
	char buf[4096];
	int c;

	while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct ef_ctl_resp resp = { 0 };
		struct ef_ctl_req req;
		struct ef_diag d;
		char *out;

		/* a client that does not speak costs at most 2 s */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		read_line(c, buf, sizeof(buf));
		ef_diag_init(&d, "control");
		if (ef_ctl_req_decode(buf, &req) == 0)
			handle(ctx, &req, &resp, &d);
		out = ef_ctl_resp_encode(&resp, &d);
		if (out)
			send_line(c, out);
		free(out);
		ef_diag_free(&d);
		close(c);
	}
}

void ef_ctl_close(int lfd, const char *run_dir)
{
	struct sockaddr_un sa;

	if (lfd < 0)
		return;
	close(lfd);
	sock_path(&sa, run_dir);
	unlink(sa.sun_path);
}
