/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The command line, table-driven (xdp-tools' lib/util/params.c is the
 * model).  Every command is a struct ef_cmd (cli.c): its name, one options
 * table, how many operands it takes and the common options it takes; the
 * free text of its usage is its section of usage.txt.  From the table
 * alone come
 *
 *   - the parser: getopt_long over the table (long names, the short ones,
 *     whether an option takes an argument), typed and range-checked values
 *     written into the command's own options struct at .offset, defaults
 *     (.def, or the variable .env) parsed as if given first, the required
 *     options and the number of operands checked;
 *   - the usage: a synopsis, one aligned line per option with its default,
 *     usage.txt's words around them (ef_cmd_usage; --help prints it);
 *   - the unit test (tests/unit/test_cli.c) that holds the man page's
 *     option lists to the tables.
 *
 * A command runs as parse -> do -> render: ef_cmd_main() parses into a
 * zeroed options struct of .size bytes and calls the command's body with
 * it (agent/cmd/); the body does the work and prints the result.
 *
 * Options struct: every command's begins with struct ef_common, where the
 * common options (--json, --bpffs-dir, --run-dir, --state-dir: written once,
 * in ef_common_opts[]) put their values.  Value types: FLAG a bool, SET an
 * int, STRING a const char * (the argument itself), INT a long, SIZE a long
 * long, ENUM an int (the index in .names, or what .lookup returns).
 *
 * A value that does not parse is a usage error naming the command and the
 * option, a bounded quote of the value and what it should be:
 *   edgefw run: --sweep-interval: "3601" is not a number from 0 to 3600
 *   edgefw explain: --proto: "sctp" is not tcp, udp or icmp
 * getopt_long itself reports unknown options and missing arguments; after
 * those, and after a wrong number of operands, the usage follows on stderr.
 * Exit statuses, for every command: EXIT_INVALID, EXIT_USAGE, EXIT_SYSTEM.
 */
#ifndef EF_OPTS_H
#define EF_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define EXIT_INVALID 1
#define EXIT_USAGE 2
#define EXIT_SYSTEM 3

#define EF_DEFAULT_POLICY "/etc/edgefw/policy.json"
#define EF_PIN_DIR "/sys/fs/bpf/edgefw"
#define EF_RUN_DIR "/run/edgefw"
#define EF_STATE_DIR "/var/lib/edgefw"

/* --bpffs-dir / --run-dir / --state-dir: option, else $EDGEFW_BPFFS_DIR /
 * $EDGEFW_RUN_DIR / $EDGEFW_STATE_DIR, else the defaults. */
struct ef_dirs {
	const char *bpffs;
	const char *run;
	const char *state; /* the block and allow lists */
};

enum ef_format { EF_FMT_DEFAULT, EF_FMT_JSON, EF_FMT_TEXT };

/* The head of every command's options struct. */
struct ef_common {
	struct ef_dirs dirs;
	int format;		  /* enum ef_format: --json (events: --text too) */
	unsigned long long given; /* bit i: the command's own option i was given */
};

/* The common options a command takes (struct ef_cmd.common). */
#define EF_C_JSON (1u << 0)
#define EF_C_BPFFS (1u << 1)
#define EF_C_RUN (1u << 2)
#define EF_C_STATE (1u << 3)
#define EF_C_DIRS (EF_C_BPFFS | EF_C_RUN)

enum ef_opt_type {
	EF_OPT_FLAG,   /* bool = true */
	EF_OPT_SET,    /* int = .val */
	EF_OPT_STRING, /* const char * = the argument */
	EF_OPT_INT,    /* long: a decimal number from .lo to .hi */
	EF_OPT_SIZE,   /* long long: bytes, with K, M or G (x 1024^n), .lo to .hi */
	EF_OPT_ENUM,   /* int: the argument's index in .names, or .lookup(arg) >= 0 */
	EF_OPT_CALL,   /* .call(opts, opt, arg, cmd): repeated or order-dependent */
	EF_OPT_HELP,   /* --help: the usage on stdout */
};

#define EF_OPT_REQUIRED (1u << 0) /* must be given */
#define EF_OPT_ZERO (1u << 1)	  /* SIZE: 0 as well, though below .lo */
#define EF_OPT_SUB (1u << 2)	  /* usage: belongs to the option above (indented) */

struct ef_opt {
	const char *name; /* the long name, without "--" */
	int short_name;	  /* 'x', or 0 */
	enum ef_opt_type type;
	size_t offset;	     /* of the value in the command's options struct */
	const char *metavar; /* the argument in the usage (ENUM: a|b|c if NULL) */
	const char *help;
	long long lo, hi;	  /* INT, SIZE: the range (INT: hi LONG_MAX, no upper bound) */
	const char *unit;	  /* INT: "seconds": 'is not 1-86400 seconds' */
	const char *const *names; /* ENUM: its values, NULL-terminated */
	int (*lookup)(const char *arg); /* ENUM without names: index, or < 0 */
	const char *what;		/* ENUM with lookup: what a value is ("a reason") */
	const char *def;		/* the default, as an argument (shown in the usage) */
	const char *env;		/* a variable that overrides .def */
	long val;			/* SET: the value; CALL: the callee's argument */
	unsigned flags;			/* EF_OPT_* */
	/* CALL: 0, or -1 after a message on stderr */
	int (*call)(void *opts, const struct ef_opt *o, const char *arg, const char *cmd);
};

struct ef_cmd {
	const char *name;
	const char *summary;  /* its line in `edgefw --help` */
	const char *synopsis; /* the usage's synopsis lines (NULL: from the table) */
	const char *operands; /* in the synopsis: "POLICY", "OLD NEW", "[POLICY]" */
	int min_operands;
	int max_operands;	   /* -1: any number */
	unsigned common;	   /* EF_C_*: the common options it takes */
	const struct ef_opt *opts; /* its own, ending in { 0 } */
	size_t size;		   /* of its options struct (begins with struct ef_common) */
	void (*free)(void *opts);  /* what its CALL options allocated */
};

/* The operands, after parsing. */
struct ef_args {
	int argc;
	char **argv;
};

#define EF_OPTS_HELP (-1) /* ef_cmd_parse: --help was answered */

extern const struct ef_opt ef_common_opts[];

/*
 * Parse argv (argv[0]: the command's name) into opts (c->size bytes,
 * zeroed here).  0: parsed, the operands in *a; EF_OPTS_HELP: the usage is
 * on stdout; EXIT_USAGE: the reason is on stderr.
 */
int ef_cmd_parse(const struct ef_cmd *c, void *opts, int argc, char **argv, struct ef_args *a);

/* parse -> body (do, render) -> free; the exit status. */
int ef_cmd_main(const struct ef_cmd *c, int (*body)(void *opts, const struct ef_args *a), int argc,
		char **argv);

/* The usage: the synopsis, what the command does, its options, the rest
 * (exit status, examples). */
void ef_cmd_usage(const struct ef_cmd *c, FILE *f);
/* usage.txt's words for c: part 0 before the options, 1 after; their
 * length in *len (0: none). */
const char *ef_cmd_text(const struct ef_cmd *c, int part, int *len);
/* The usage after a usage error: on stderr, after a blank line if why. */
int ef_cmd_usage_error(const struct ef_cmd *c, const char *why);

/* Was c's own option NAME on the command line? */
bool ef_opt_given(const struct ef_cmd *c, const void *opts, const char *name);

/* Short hostname: the default node name. */
void ef_default_node(char *buf, size_t len);

#endif
