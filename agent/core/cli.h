/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The commands' command lines: one struct ef_cmd each (cli.c: the options
 * table, the operands, the usage text) and the options struct it fills
 * (opts.h describes both).  The bodies are in agent/cmd/; main.c pairs
 * each with its ef_cmd.  Pure, so that the unit tests hold the usage and
 * the man page to the tables.
 */
#ifndef EF_CLI_H
#define EF_CLI_H

#include <stdbool.h>

#include "init.h"
#include "matrix.h"
#include "opts.h"

/* status, stats, confirm, reopen, blocked, blocklist, allowlist: the
 * common options only */

struct ef_validate_opts {
	struct ef_common c;
	const char *node;
	bool strict, quiet;
};

struct ef_init_cli {
	struct ef_common c;
	bool list, interactive, force;
	const char *topology, *output;
	struct ef_init_opts o; /* --node and its options, --peer, ... */
};

struct ef_diff_opts {
	struct ef_common c;
	const char *node;
};

struct ef_matrix_cli {
	struct ef_common c;
	struct ef_matrix_opts m;
};

struct ef_run_opts {
	struct ef_common c;
	const char *policy, *node, *metrics_file, *events_file;
	bool monitor, keep, force, verbose;
	int xdp_mode; /* auto, native, generic: EF_XDP_* */
	long metrics_interval, sweep_interval, events_keep;
	long long events_max_size;
};

/* reload, detach */
struct ef_force_opts {
	struct ef_common c;
	bool force;
};

struct ef_apply_opts {
	struct ef_common c;
	long confirm_within; /* 0: unconditional */
	bool force;
};

/* events --action: "denied" (drop, would-drop), "allowed" (pass) or an action */
extern const char *const ef_events_actions[];

struct ef_events_opts {
	struct ef_common c; /* c.format: EF_FMT_TEXT is --text */
	bool follow;
	int action;	     /* index in ef_events_actions, if given */
	int reason;	     /* a reason number, if given */
	long backlog, count; /* if given */
};

enum ef_explain_dir { EF_EXPLAIN_IN, EF_EXPLAIN_OUT };
enum ef_explain_proto { EF_EXPLAIN_TCP, EF_EXPLAIN_UDP, EF_EXPLAIN_ICMP };
extern const char *const ef_explain_protos[];

struct ef_explain_opts {
	struct ef_common c;
	const char *iface, *src, *dst, *flags, *policy, *node;
	int dir, proto;
	long icmp_type, icmp_code;
};

/* flows [flush]: the filters (flowview.h), --count, flush's --all */
extern const char *const ef_flows_protos[];
extern const char *const ef_flows_tables[];

struct ef_flows_opts {
	struct ef_common c;
	const char *iface, *addr, *rule;
	int service, proto, state, table; /* if given */
	long port;			  /* if given */
	bool count, all;
};

/* capture: filters as flows' (--proto: ef_flows_protos), then the bounds */
struct ef_capture_opts {
	struct ef_common c;
	const char *write, *iface, *reasons, *rule, *addr;
	int proto;		    /* if given */
	long port, count, duration; /* if given */
	long snaplen, max_pps;	    /* defaults in the table */
	bool new_flows;
};

struct ef_unblock_opts {
	struct ef_common c;
	bool all;
};

extern const struct ef_cmd ef_cli_validate, ef_cli_init, ef_cli_diff, ef_cli_matrix, ef_cli_run,
	ef_cli_reload, ef_cli_apply, ef_cli_confirm, ef_cli_status, ef_cli_stats, ef_cli_explain,
	ef_cli_events, ef_cli_reopen, ef_cli_blocklist, ef_cli_allowlist, ef_cli_blocked,
	ef_cli_unblock, ef_cli_flows, ef_cli_capture, ef_cli_detach;

/* Every command, in `edgefw --help`'s order; NULL-terminated. */
extern const struct ef_cmd *const ef_cli_all[];

#endif
