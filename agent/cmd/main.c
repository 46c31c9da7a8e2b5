// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw: command dispatch and `validate`.  Exit codes, for every command:
 *   0  success
 *   1  the policy is invalid (or, for explain, the packet is dropped)
 *   2  usage error
 *   3  system error: BPF load or attach failed, interface missing, no agent
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cmds.h"
#include "log.h"

#ifndef EF_VERSION
#define EF_VERSION "0.0.0-dev"
#endif

static void usage_validate(FILE *f)
{
	fprintf(f,
		"Usage: edgefw validate [--node NAME] [--strict] [--quiet] POLICY\n"
		"\n"
		"Check a policy file: JSON syntax, keys and types, rules, peer sets,\n"
		"addresses, and that every node (or just NAME) compiles into maps.\n"
		"Prints one line per problem: FILE: JSON.PATH: what is wrong.\n"
		"\n"
		"  -n, --node NAME   also require that node NAME exists\n"
		"  -s, --strict      treat warnings as errors\n"
		"  -q, --quiet       print nothing when the policy is valid\n"
		"  -h, --help        this help\n"
		"\n"
		"Exit status: 0 valid, 1 invalid, 2 usage error.\n"
		"\n"
		"Examples:\n"
		"  edgefw validate /etc/edgefw/policy.json\n"
		"  edgefw validate --node edge1 policies/lync2013-scaled-edge-dnslb-public.json\n"
		"  # Ansible: template: ... validate: 'edgefw validate %%s'\n");
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *node = NULL;
	bool strict = false, quiet = false;
	struct ef_policy *p;
	struct ef_diag d;
	int c, rc;

	while ((c = getopt_long(argc, argv, "n:sqh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = optarg; break;
		case 's': strict = true; break;
		case 'q': quiet = true; break;
		case 'h': usage_validate(stdout); return 0;
		default: usage_validate(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage_validate(stderr);
		return EXIT_USAGE;
	}
	ef_diag_init(&d, argv[optind]);
	p = ef_policy_checked(argv[optind], node, &d);
	ef_diag_print(&d, stderr);
	rc = (!p || (strict && d.warnings)) ? EXIT_INVALID : 0;
	if (rc == 0 && !quiet)
		printf("%s: valid: policy %s, %zu node(s), %zu rule(s) + %zu management rule(s)%s\n",
		       argv[optind], p->name, p->nnodes, p->nrules - p->nmanagement,
		       p->nmanagement, d.warnings ? ", with warnings" : "");
	ef_policy_free(p);
	ef_diag_free(&d);
	return rc;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "validate", cmd_validate, "check a policy file (exit 0 valid, 1 invalid)" },
	{ "init", cmd_init, "write a pool's starting policy from a built-in topology (--list)" },
	{ "diff", cmd_diff, "what changing a policy opens and closes, node by node" },
	{ "matrix", cmd_matrix, "a policy's effective port matrix, as Microsoft's tables" },
	{ "run", cmd_run, "enforce a policy on this node and stream events" },
	{ "reload", cmd_reload, "validate and apply the running agent's policy file again" },
	{ "apply", cmd_apply, "make a policy live, optionally rolled back unless confirmed" },
	{ "confirm", cmd_confirm, "keep the policy of the last apply --confirm-within" },
	{ "status", cmd_status, "what is attached where, which policy, since when" },
	{ "stats", cmd_stats, "per-rule counters, drops by reason, flow table use" },
	{ "explain", cmd_explain, "trace a packet through the real program: verdict, reason, rule" },
	{ "events", cmd_events, "read the running agent's event stream" },
	{ "reopen", cmd_reopen, "make the agent reopen its events file (after logrotate)" },
	{ "blocklist", cmd_blocklist, "CIDRs dropped both ways: add, del, load FILE, list, clear" },
	{ "allowlist", cmd_allowlist, "CIDRs exempt from the block list and the per-source limits" },
	{ "blocked", cmd_blocked, "sources blocked for exceeding a per-source limit" },
	{ "unblock", cmd_unblock, "lift the temporary block of a source (or --all)" },
	{ "detach", cmd_detach, "remove everything edgefw attached or pinned" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: edgefw COMMAND [OPTIONS]\n\n"
		   "An XDP/eBPF host firewall for Lync Server 2013 Edge nodes.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'edgefw COMMAND --help' describes a command; 'edgefw --version' prints the version.\n"
		   "Exit status: 0 success, 1 invalid policy (explain: dropped), 2 usage error,\n"
		   "3 system error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("edgefw %s (libbpf %s)\n", EF_VERSION, libbpf_version_string());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "edgefw: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
