/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control protocol between the commands (reload, apply, confirm,
 * reopen) and the running agent, both halves: a unix stream socket
 * RUN_DIR/control.sock (root only), one request line, one answer line,
 * each a JSON object:
 *
 *   {"cmd":"reload"}
 *   {"cmd":"apply","policy":"/abs/path","confirm_within":120}
 *   {"cmd":"confirm"}
 *   {"cmd":"reopen"}
 *   -> {"ok":true,"generation":7,"policy":"NAME","messages":["..."],
 *       "confirm_by":1765000000 (apply --confirm-within),
 *       "events_file":"/var/log/edgefw/events.json" (reopen)}
 *
 * Each message is defined once here, as a struct, with its encoding and
 * decoding; the agent serves the socket with ef_ctl_serve and a handler.
 */
#ifndef EF_CONTROL_H
#define EF_CONTROL_H

#include <limits.h>
#include <stdbool.h>
#include "diag.h"

enum ef_ctl_cmd { EF_CTL_UNKNOWN, EF_CTL_RELOAD, EF_CTL_APPLY, EF_CTL_CONFIRM, EF_CTL_REOPEN };

struct ef_ctl_req {
	enum ef_ctl_cmd cmd;
	char name[32];	       /* the cmd as sent (for "unknown request") */
	char policy[PATH_MAX]; /* apply */
	long confirm_within;   /* apply: seconds, 0 for none */
};

struct ef_ctl_resp {
	bool ok;
	unsigned generation;
	char policy[256];	    /* the live policy's name */
	long long confirm_by;	    /* apply --confirm-within: unix time, else 0 */
	char events_file[PATH_MAX]; /* reopen: the file, "" for stdout */
	char **messages;	    /* what went wrong (validate's messages) */
	int nmessages;
};

/* The client: send req to the agent of run_dir, wait up to timeout
 * seconds for its answer.  -errno when there is no agent to ask (said on
 * stderr) or no answer came. */
int ef_ctl_call(const char *run_dir, const struct ef_ctl_req *req, double timeout,
		struct ef_ctl_resp *resp);
void ef_ctl_resp_free(struct ef_ctl_resp *r);
/* A request by its command name ("reload", "apply", ...). */
void ef_ctl_req_init(struct ef_ctl_req *req, enum ef_ctl_cmd cmd);

/* The agent: listen on RUN_DIR/control.sock (non-blocking, mode 0600);
 * the fd, or -errno. */
int ef_ctl_listen(const char *run_dir);
/* Answer every pending connection: one request each, given to handle,
 * which fills resp (ok, generation, ...) and adds its messages to d. */
typedef void (*ef_ctl_handler)(void *ctx, const struct ef_ctl_req *req, struct ef_ctl_resp *resp,
			       struct ef_diag *d);
void ef_ctl_serve(int lfd, ef_ctl_handler handle, void *ctx);
/* Close the socket and remove its path. */
void ef_ctl_close(int lfd, const char *run_dir);

/* The encoding, for tests: one line (no newline), malloc'd. */
char *ef_ctl_req_encode(const struct ef_ctl_req *req);
int ef_ctl_req_decode(const char *line, struct ef_ctl_req *req);
char *ef_ctl_resp_encode(const struct ef_ctl_resp *resp, const struct ef_diag *d);
int ef_ctl_resp_decode(const char *line, struct ef_ctl_resp *resp);

#endif
