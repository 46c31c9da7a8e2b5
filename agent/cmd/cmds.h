/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The subcommands, and what they share. */
#ifndef EF_CMDS_H
#define EF_CMDS_H

#include <stdio.h>
#include "check.h"
#include "notify.h"
#include "opts.h"

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

#endif
