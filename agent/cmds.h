/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The subcommands, and what they share. */
#ifndef EF_CMDS_H
#define EF_CMDS_H

#include <stdio.h>
#include "diag.h"
#include "policy.h"

#define EXIT_INVALID 1
#define EXIT_USAGE   2
#define EXIT_SYSTEM  3

#define EF_DEFAULT_POLICY "/etc/edgefw/policy.json"

/* --bpffs-dir / --run-dir: option, else $EDGEFW_BPFFS_DIR / $EDGEFW_RUN_DIR,
 * else the defaults. */
struct ef_dirs {
	const char *bpffs;
	const char *run;
	const char *state; /* --state-dir, $EDGEFW_STATE_DIR: the block and allow lists */
};
void ef_dirs_init(struct ef_dirs *d);

/* An option's number: a decimal integer from lo to hi, else a usage
 * message naming the command and option ("edgefw events: --count: "x" is
 * not a number from 1 to ...") and -1. */
int ef_opt_number(const char *cmd, const char *opt, const char *val, long lo, long hi, long *out);
/* The same for a size in bytes: "SIZE", "SIZEK", "SIZEM" or "SIZEG" (x 1024^n). */
int ef_opt_size(const char *cmd, const char *opt, const char *val, long long lo, long long hi,
		long long *out);

/* Short hostname: the default node name. */
void ef_default_node(char *buf, size_t len);

/*
 * Load, check and compile a policy: for one node if node is given, else for
 * every node.  Returns the policy when it is fit to use (warnings allowed),
 * NULL otherwise; every problem is in d.
 */
struct ef_policy *ef_policy_checked(const char *path, const char *node,
				    struct ef_diag *d);
/* The same for a policy held in memory; file names it in messages. */
struct ef_policy *ef_policy_checked_text(const char *file, const char *text,
					 size_t len, const char *node,
					 struct ef_diag *d);

/*
 * The lockout guard.  $SSH_CONNECTION ("client port server port") names the
 * connection an admin runs edgefw from.  If the server address is on one of
 * node's NICs and the policy would drop a new connection like it, returns 1
 * and says why in why; 0 when it is safe (or not over a managed NIC); <0 on
 * error.  Classification is the real program's (a private dry-run instance).
 */
int ef_lockout_check(const struct ef_policy *p, const char *node, char *why,
		     size_t len);

/* One verdict of the real program, dry-run, over private maps filled from
 * p for node, the packet arriving on (hook) a NIC of the given role. */
struct pkt;
int ef_classify_offline(const struct ef_policy *p, const char *node, int role,
			int hook, const struct pkt *pk, struct ef_trace *t,
			int *pass, char *rule, size_t rlen);

/* sd_notify(3)'s protocol, to $NOTIFY_SOCKET when set. */
void ef_sd_notify(const char *msg);

int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_reopen(int argc, char **argv);
int cmd_blocklist(int argc, char **argv);
int cmd_allowlist(int argc, char **argv);
int cmd_blocked(int argc, char **argv);
int cmd_unblock(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_matrix(int argc, char **argv);

/* The agent's start: load the block and allow list files into the maps.
 * A list whose file is invalid is left as the maps hold it, with a warning. */
struct ef_maps;
void ef_lists_load(const char *state_dir, const struct ef_maps *m);

#endif
