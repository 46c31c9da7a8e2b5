/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What every command shares: exit statuses, default paths, option values. */
#ifndef EF_OPTS_H
#define EF_OPTS_H

#include <stddef.h>

#define EXIT_INVALID 1
#define EXIT_USAGE   2
#define EXIT_SYSTEM  3

#define EF_DEFAULT_POLICY "/etc/edgefw/policy.json"
#define EF_PIN_DIR        "/sys/fs/bpf/edgefw"
#define EF_RUN_DIR        "/run/edgefw"
#define EF_STATE_DIR      "/var/lib/edgefw"

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

#endif
