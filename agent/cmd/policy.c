// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy library commands: `init`, `diff`, `matrix`.  Options, files
 * and terminals here; the work is in init.c, diff.c and matrix.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "diff.h"
#include "init.h"
#include "matrix.h"

/* ---- init ------------------------------------------------------------------------ */

static void usage_init(FILE *f)
{
	fprintf(f,
		"Usage: edgefw init --topology NAME [OPTIONS] (--node NAME NODE-OPTIONS)...\n"
		"       edgefw init --topology NAME [OPTIONS]      (on a terminal: asks for the nodes)\n"
		"       edgefw init --list\n"
		"\n"
		"Write a starting policy for a pool from one of the built-in topologies\n"
		"(every row of its Microsoft port summary as a rule), with the pool's nodes,\n"
		"NICs and addresses put in.  The result is checked as `validate` checks a\n"
		"policy before it is written.\n"
		"\n"
		"  -l, --list                 the topologies, one line each\n"
		"  -t, --topology NAME        the topology (see --list)\n"
		"  -n, --node NAME            a node (its short hostname); the options below\n"
		"                             up to the next --node are its own:\n"
		"      --external NIC[,NIC]     its external NIC(s)\n"
		"      --internal NIC[,NIC]     its internal NIC(s)\n"
		"      --access ADDR[,ADDR]     Access Edge addresses\n"
		"      --webconf ADDR[,ADDR]    Web Conferencing Edge addresses\n"
		"      --av ADDR[,ADDR]         A/V Edge addresses\n"
		"      --xmpp ADDR[,ADDR]       XMPP proxy addresses (default: the Access ones)\n"
		"      --internal-address ADDR[,ADDR]  the internal interface's addresses\n"
		"      --management ADDR[,ADDR] the Linux host's own admin addresses (SSH)\n"
		"  -p, --peer SET=CIDR[,CIDR]  narrow a peer set (repeatable), e.g.\n"
		"                             --peer admin_hosts=198.18.255.0/28\n"
		"  -x, --exclude-tag TAG      leave the rules with TAG out (repeatable)\n"
		"  -m, --monitor              settings.mode \"monitor\": report, drop nothing\n"
		"      --name NAME            the policy's name (default: the topology's)\n"
		"  -i, --interactive          ask for the nodes even when not on a terminal\n"
		"  -o, --output FILE          write FILE (default: standard output)\n"
		"  -f, --force                replace an existing FILE\n"
		"  -h, --help                 this help\n"
		"\n"
		"Exit status: 0 written, 1 the nodes or options do not fit the topology,\n"
		"2 usage error.\n"
		"\n"
		"Examples:\n"
		"  edgefw init --list\n"
		"  edgefw init --topology lync2013-scaled-edge-dnslb-public -o policy.json \\\n"
		"      --node edge1 --external eth1 --internal eth0 --access 203.0.113.10 \\\n"
		"        --webconf 203.0.113.11 --av 203.0.113.12 --internal-address 198.18.0.10 \\\n"
		"      --node edge2 --external eth1 --internal eth0 --access 203.0.113.20 \\\n"
		"        --webconf 203.0.113.21 --av 203.0.113.22 --internal-address 198.18.0.20 \\\n"
		"      --peer admin_hosts=198.18.255.0/28 --monitor\n"
		"  edgefw init --topology sfb2015-2019-edge --exclude-tag xmpp -o policy.json\n");
}

static void list_topologies(void)
{
	size_t w = 0;

	for (size_t i = 0; i < ef_ntopologies; i++)
		if (strlen(ef_topologies[i].name) > w)
			w = strlen(ef_topologies[i].name);
	for (size_t i = 0; i < ef_ntopologies; i++)
		printf("%-*s  %s\n", (int)w, ef_topologies[i].name, ef_topologies[i].summary);
}

/* Write text to path atomically (a temporary file, then rename), not over
 * an existing file unless force. */
static int write_file(const char *path, const char *text, bool force)
{
	char *tmp = NULL;
	size_t len = strlen(text);
	int fd;

	if (!force && access(path, F_OK) == 0) {
		fprintf(stderr, "edgefw init: %s exists (--force replaces it)\n", path);
		return EXIT_USAGE;
	}
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return EXIT_SYSTEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) || close(fd) ||
	    rename(tmp, path)) {
		fprintf(stderr, "edgefw init: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		free(tmp);
		return EXIT_SYSTEM;
	}
	free(tmp);
	return 0;
}

enum {
	O_EXTERNAL = 256, O_INTERNAL, O_ACCESS, O_WEBCONF, O_AV, O_XMPP, O_INTADDR, O_MGMT, O_NAME
};

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "topology", required_argument, NULL, 't' },
		{ "node", required_argument, NULL, 'n' },
		{ "external", required_argument, NULL, O_EXTERNAL },
		{ "internal", required_argument, NULL, O_INTERNAL },
		{ "access", required_argument, NULL, O_ACCESS },
		{ "webconf", required_argument, NULL, O_WEBCONF },
		{ "av", required_argument, NULL, O_AV },
		{ "xmpp", required_argument, NULL, O_XMPP },
		{ "internal-address", required_argument, NULL, O_INTADDR },
		{ "management", required_argument, NULL, O_MGMT },
		{ "peer", required_argument, NULL, 'p' },
		{ "exclude-tag", required_argument, NULL, 'x' },
		{ "monitor", no_argument, NULL, 'm' },
		{ "name", required_argument, NULL, O_NAME },
		{ "interactive", no_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const int svc_of[] = { [O_ACCESS - O_ACCESS] = EF_SVC_ACCESS,
				      [O_WEBCONF - O_ACCESS] = EF_SVC_WEBCONF,
				      [O_AV - O_ACCESS] = EF_SVC_AV,
				      [O_XMPP - O_ACCESS] = EF_SVC_XMPP,
				      [O_INTADDR - O_ACCESS] = EF_SVC_INTERNAL,
				      [O_MGMT - O_ACCESS] = EF_SVC_MANAGEMENT };
	struct ef_init_opts o = { 0 };
	struct ef_init_node *node = NULL;
	const struct ef_topology *t = NULL;
	const char *topo = NULL, *output = NULL;
	bool list = false, interactive = false, force = false;
	struct ef_diag d;
	char *text = NULL;
	int c, rc = EXIT_USAGE;

	ef_diag_init(&d, "edgefw init");
	while ((c = getopt_long(argc, argv, "lt:n:p:x:mio:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'l': list = true; break;
		case 't': topo = optarg; break;
		case 'n':
			if (!(node = ef_init_add_node(&o, optarg)))
				goto out;
			break;
		case O_EXTERNAL:
		case O_INTERNAL:
			if (!node) {
				fprintf(stderr, "edgefw init: --%s comes after the --node it belongs to\n",
					c == O_EXTERNAL ? "external" : "internal");
				goto out;
			}
			ef_init_add_list(&node->ifs[c == O_EXTERNAL ? EF_ROLE_EXTERNAL : EF_ROLE_INTERNAL],
					 &node->nifs[c == O_EXTERNAL ? EF_ROLE_EXTERNAL : EF_ROLE_INTERNAL],
					 optarg);
			break;
		case O_ACCESS: case O_WEBCONF: case O_AV: case O_XMPP: case O_INTADDR: case O_MGMT:
			if (!node) {
				for (const struct option *op = opts; op->name; op++)
					if (op->val == c)
						fprintf(stderr, "edgefw init: --%s comes after the --node it belongs to\n",
							op->name);
				goto out;
			}
			ef_init_add_list(&node->addrs[svc_of[c - O_ACCESS]],
					 &node->naddrs[svc_of[c - O_ACCESS]], optarg);
			break;
		case 'p':
			if (ef_init_add_peer(&o, optarg, &d)) {
				ef_diag_print(&d, stderr);
				goto out;
			}
			break;
		case 'x':
			ef_init_add_list(&o.exclude_tags, &o.nexclude_tags, optarg);
			break;
		case 'm': o.monitor = true; break;
		case O_NAME: o.name = optarg; break;
		case 'i': interactive = true; break;
		case 'o': output = optarg; break;
		case 'f': force = true; break;
		case 'h': usage_init(stdout); rc = 0; goto out;
		default: usage_init(stderr); goto out;
		}
	}
	if (optind != argc) {
		usage_init(stderr);
		goto out;
	}
	if (list) {
		list_topologies();
		rc = 0;
		goto out;
	}
	if (!topo) {
		fprintf(stderr, "edgefw init: --topology NAME is required (edgefw init --list shows them)\n");
		goto out;
	}
	if (!(t = ef_topology_find(topo))) {
		fprintf(stderr, "edgefw init: unknown topology \"%s\"; they are:\n", topo);
		for (size_t i = 0; i < ef_ntopologies; i++)
			fprintf(stderr, "  %s\n", ef_topologies[i].name);
		goto out;
	}
	if (!o.nnodes && (interactive || isatty(STDIN_FILENO))) {
		if (ef_init_prompt(t, stdin, stderr, &o)) {
			fprintf(stderr, "\nedgefw init: no answer, nothing written\n");
			goto out;
		}
	}
	text = ef_init_build(t, &o, &d);
	ef_diag_print(&d, stderr);
	if (!text) {
		rc = EXIT_INVALID;
		goto out;
	}
	if (output) {
		rc = write_file(output, text, force);
		if (rc == 0)
			fprintf(stderr, "edgefw init: wrote %s: policy %s, topology %s, %zu node(s)%s\n",
				output, o.name ? o.name : t->name, t->name, o.nnodes,
				o.monitor ? ", mode monitor" : "");
	} else {
		rc = fputs(text, stdout) < 0 || fflush(stdout) ? EXIT_SYSTEM : 0;
	}
out:
	free(text);
	ef_diag_free(&d);
	ef_init_opts_free(&o);
	return rc;
}

/* ---- diff --------------------------------------------------------------------------- */

static void usage_diff(FILE *f)
{
	fprintf(f,
		"Usage: edgefw diff [--node NAME] OLD NEW\n"
		"\n"
		"What changing policy OLD into NEW opens and closes, node by node, in the\n"
		"words of the rules: every flow NEW allows that OLD did not (opens) and the\n"
		"other way round (closes), with the rule that does it, why (a new, removed\n"
		"or changed rule, a tag, a peer set, the node's addresses) and its note;\n"
		"before that, every setting, peer set, node and rule that changed.  Both\n"
		"policies are checked as `validate` checks them.\n"
		"\n"
		"  -n, --node NAME   only this node's opens and closes\n"
		"  -h, --help        this help\n"
		"\n"
		"Exit status: 0 compared, 1 a policy is invalid, 2 usage error.\n"
		"\n"
		"Example (change review before an Ansible push):\n"
		"  edgefw diff /etc/edgefw/policy.json roles/edgefw/files/policy.json\n");
}

static bool has_node(const struct ef_policy *p, const char *node)
{
	return ef_policy_node(p, node) != NULL;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *node = NULL;
	struct ef_policy *p[2] = { NULL, NULL };
	int c, rc = EXIT_INVALID;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = optarg; break;
		case 'h': usage_diff(stdout); return 0;
		default: usage_diff(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 2) {
		usage_diff(stderr);
		return EXIT_USAGE;
	}
	for (int i = 0; i < 2; i++) {
		struct ef_diag d;

		ef_diag_init(&d, argv[optind + i]);
		p[i] = ef_policy_checked(argv[optind + i], NULL, &d);
		if (!p[i])
			ef_diag_print(&d, stderr);
		ef_diag_free(&d);
	}
	if (!p[0] || !p[1])
		goto out;
	if (node && !has_node(p[0], node) && !has_node(p[1], node)) {
		fprintf(stderr, "edgefw diff: neither policy has a node named \"%s\"\n", node);
		rc = EXIT_USAGE;
		goto out;
	}
	ef_policy_diff(p[0], p[1], node, stdout, NULL);
	rc = fflush(stdout) ? EXIT_SYSTEM : 0;
out:
	ef_policy_free(p[0]);
	ef_policy_free(p[1]);
	return rc;
}

/* ---- matrix ----------------------------------------------------------------------------- */

static void usage_matrix(FILE *f)
{
	fprintf(f,
		"Usage: edgefw matrix [--node NAME] [--format text|markdown] [--ref] [POLICY]\n"
		"\n"
		"Print a policy's effective port matrix, node by node, as the tables of\n"
		"Microsoft's port summaries: per interface, every rule as a row (direction,\n"
		"protocol/port, source, destination, rule, note), so that a review can hold\n"
		"it against the source.  Rules left out (settings.exclude_tags, no address\n"
		"on the node) are listed apart; a rule an earlier one covers says which.\n"
		"\n"
		"  -n, --node NAME       only this node (default: every node)\n"
		"  -F, --format FORMAT   text (default) or markdown\n"
		"  -r, --ref             the REF column (the Microsoft row) instead of NOTE\n"
		"  -h, --help            this help\n"
		"\n"
		"POLICY defaults to " EF_DEFAULT_POLICY ".\n"
		"Exit status: 0 printed, 1 the policy is invalid, 2 usage error.\n"
		"\n"
		"Examples:\n"
		"  edgefw matrix --node edge1 /etc/edgefw/policy.json\n"
		"  edgefw matrix --format markdown --ref policy.json >port-matrix.md\n");
}

int cmd_matrix(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'F' },
		{ "ref", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ef_matrix_opts o = { .format = EF_MATRIX_TEXT };
	const char *path = EF_DEFAULT_POLICY;
	struct ef_policy *p;
	struct ef_diag d;
	int c, rc;

	while ((c = getopt_long(argc, argv, "n:F:rh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.node = optarg; break;
		case 'F':
			if (!strcmp(optarg, "text")) {
				o.format = EF_MATRIX_TEXT;
			} else if (!strcmp(optarg, "markdown")) {
				o.format = EF_MATRIX_MARKDOWN;
			} else {
				fprintf(stderr, "edgefw matrix: --format %s: text or markdown\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r': o.refs = true; break;
		case 'h': usage_matrix(stdout); return 0;
		default: usage_matrix(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		usage_matrix(stderr);
		return EXIT_USAGE;
	}
	if (optind == argc - 1)
		path = argv[optind];
	ef_diag_init(&d, path);
	p = ef_policy_checked(path, o.node, &d);
	if (!p) {
		ef_diag_print(&d, stderr);
		ef_diag_free(&d);
		return EXIT_INVALID;
	}
	rc = ef_policy_matrix(p, &o, stdout, &d) ? EXIT_INVALID : 0;
	if (rc)
		ef_diag_print(&d, stderr);
	if (fflush(stdout))
		rc = EXIT_SYSTEM;
	ef_diag_free(&d);
	ef_policy_free(p);
	return rc;
}
