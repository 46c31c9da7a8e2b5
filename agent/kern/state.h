/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's status file (default /run/edgefw/status.json), rewritten
 * atomically at start and after every reload.  `edgefw status`, `stats`,
 * `reload` and `events` read it; a new agent reads the rule names of the
 * generation it adopts from it.
 */
#ifndef EF_STATE_H
#define EF_STATE_H

#include <stdint.h>
#include <time.h>
#include <json-c/json.h>
#include "datapath.h"

#include "opts.h" /* EF_RUN_DIR */

struct ef_status {
	int pid;
	char node[64];
	char hostname[256];
	char policy_name[128];
	char policy_file[PATH_MAX];
	uint32_t policy_crc;
	uint32_t epoch;
	time_t started;
	time_t loaded;
	int mode, egress;
	char bpffs_dir[256];
	char metrics_file[PATH_MAX];
	char events_file[PATH_MAX]; /* empty: events go to the agent's stdout */
	size_t natt;
	struct ef_att att[EF_MAX_IFACES];
	char **rules; /* compiled id -> name, live generation */
	size_t nrules;
	time_t confirm_by; /* apply --confirm-within pending: rolls back then */
	unsigned long long drift_total;
	char drift_last[256];
};

/* Write dir/status.json atomically (temp file + rename). */
int ef_status_write(const char *dir, const struct ef_status *s);
/* Read it; 0 or -errno.  Free with ef_status_free. */
int ef_status_read(const char *dir, struct ef_status *s);
void ef_status_free(struct ef_status *s);
/* JSON form (the file's content and `status --json`). */
json_object *ef_status_json(const struct ef_status *s);
/* Is the agent that wrote it still running? */
int ef_status_agent_alive(const struct ef_status *s);

/* Write text to path atomically (temp file + rename), with this mode
 * whatever the umask (the unit runs with UMask=0077). */
int ef_write_atomic(const char *path, const char *text, mode_t mode);

#endif
