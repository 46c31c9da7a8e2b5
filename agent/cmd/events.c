// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * events: the running agent's event stream, from its subscriber socket
 * (--run-dir): the last --backlog events, or (--follow) every new one; as
 * the agent writes them (ECS JSON lines) or as text, filtered by action or
 * reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>

#include "cmds.h"
#include "events.h"

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
			       sp ? sp : "",
			       jget(o, "destination.ip") ? jget(o, "destination.ip") : "-",
			       dp ? ":" : "", dp ? dp : "", rsn ? rsn : "",
			       jget(o, "rule.name") ? " rule=" : "",
			       jget(o, "rule.name") ? jget(o, "rule.name") : "");
		}
		shown = 1;
	}
	json_object_put(o);
	return shown;
}

int cmd_events(void *opts, const struct ef_args *args)
{
	const struct ef_events_opts *o = opts;
	const struct ef_cmd *c = &ef_cli_events;
	const char *action = ef_opt_given(c, o, "action") ? ef_events_actions[o->action] : NULL;
	const char *reason =
		ef_opt_given(c, o, "reason") ? ef_reason_name((unsigned)o->reason) : NULL;
	long backlog = ef_opt_given(c, o, "backlog") ? o->backlog : o->follow ? 0 : 100;
	long count = ef_opt_given(c, o, "count") ? o->count : -1, seen = 0;
	bool text = o->c.format == EF_FMT_TEXT, follow = o->follow;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[64], *buf;
	size_t have = 0;
	bool raw;
	int fd;

	(void)args;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/events.sock", o->c.dirs.run);
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
