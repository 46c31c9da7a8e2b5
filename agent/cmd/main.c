// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw: command dispatch and `validate`.  Exit codes, for every command:
 *   0  success
 *   1  the policy is invalid (or, for explain, the packet is dropped)
 *   2  usage error
 *   3  system error: BPF load or attach failed, interface missing, no agent
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cmds.h"
#include "log.h"

#ifndef EF_VERSION
#define EF_VERSION "0.0.0-dev"
#endif

int cmd_validate(void *opts, const struct ef_args *args)
{
	const struct ef_validate_opts *o = opts;
	const char *path = args->argv[0];
	struct ef_policy *p;
	struct ef_diag d;
	int rc;

	ef_diag_init(&d, path);
	p = ef_policy_checked(path, o->node, &d);
	ef_diag_print(&d, stderr);
	rc = (!p || (o->strict && d.warnings)) ? EXIT_INVALID : 0;
	if (rc == 0 && !o->quiet)
		printf("%s: valid: policy %s, %zu node(s), %zu rule(s) + %zu management rule(s)%s\n",
		       path, p->name, p->nnodes, p->nrules - p->nmanagement, p->nmanagement,
		       d.warnings ? ", with warnings" : "");
	ef_policy_free(p);
	ef_diag_free(&d);
	return rc;
}

/* each command's line, options and usage (cli.c), and its body */
static const struct command {
	const struct ef_cmd *cli;
	int (*body)(void *opts, const struct ef_args *args);
} commands[] = {
	{ &ef_cli_validate, cmd_validate },
	{ &ef_cli_init, cmd_init },
	{ &ef_cli_diff, cmd_diff },
	{ &ef_cli_matrix, cmd_matrix },
	{ &ef_cli_run, cmd_run },
	{ &ef_cli_reload, cmd_reload },
	{ &ef_cli_apply, cmd_apply },
	{ &ef_cli_confirm, cmd_confirm },
	{ &ef_cli_status, cmd_status },
	{ &ef_cli_stats, cmd_stats },
	{ &ef_cli_explain, cmd_explain },
	{ &ef_cli_events, cmd_events },
	{ &ef_cli_reopen, cmd_reopen },
	{ &ef_cli_blocklist, cmd_blocklist },
	{ &ef_cli_allowlist, cmd_allowlist },
	{ &ef_cli_blocked, cmd_blocked },
	{ &ef_cli_unblock, cmd_unblock },
	{ &ef_cli_flows, cmd_flows },
	{ &ef_cli_capture, cmd_capture },
	{ &ef_cli_detach, cmd_detach },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: edgefw COMMAND [OPTIONS]\n\n"
		   "An XDP/eBPF host firewall for Lync Server 2013 Edge nodes.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].cli->name, commands[i].cli->summary);
	fprintf(f,
		"\n'edgefw COMMAND --help' describes a command; 'edgefw --version' prints the version.\n"
		"Exit status: 0 success, 1 invalid policy (explain: dropped), 2 usage error,\n"
		"3 system error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("edgefw %s (libbpf %s)\n", EF_VERSION, libbpf_version_string());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].cli->name) == 0)
			return ef_cmd_main(commands[i].cli, commands[i].body, argc - 1, argv + 1);
	fprintf(stderr, "edgefw: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
