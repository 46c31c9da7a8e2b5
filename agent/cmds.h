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
};
void ef_dirs_init(struct ef_dirs *d);

/* Short hostname: the default node name. */
void ef_default_node(char *buf, size_t len);

/*
 * Load, check and compile a policy: for one node if node is given, else for
 * every node.  Returns the policy when it is fit to use (warnings allowed),
 * NULL otherwise; every problem is in d.
 */
struct ef_policy *ef_policy_checked(const char *path, const char *node,
				    struct ef_diag *d);

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

#endif
