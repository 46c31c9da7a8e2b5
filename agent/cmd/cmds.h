/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The commands' bodies: each takes the options struct its ef_cmd (cli.h)
 * parsed and the operands, does the work and prints the result; main.c
 * pairs them.  A body never calls another command's.
 */
#ifndef EF_CMDS_H
#define EF_CMDS_H

#include <stdio.h>
#include "check.h"
#include "cli.h"
#include "notify.h"
#include "opts.h"

#define EF_CMD(name) int cmd_##name(void *opts, const struct ef_args *args)

EF_CMD(validate);
EF_CMD(init);
EF_CMD(diff);
EF_CMD(matrix);
EF_CMD(run);
EF_CMD(reload);
EF_CMD(apply);
EF_CMD(confirm);
EF_CMD(status);
EF_CMD(stats);
EF_CMD(explain);
EF_CMD(events);
EF_CMD(reopen);
EF_CMD(blocklist);
EF_CMD(allowlist);
EF_CMD(blocked);
EF_CMD(unblock);
EF_CMD(flows);
EF_CMD(capture);
EF_CMD(detach);

#endif
