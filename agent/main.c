// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw: the agent.  Subcommands are a table; each parses its own options
 * with getopt_long.  Exit codes:
 *   0  success
 *   1  the policy is invalid (validate, or run/reload refused it)
 *   2  usage error
 *   3  system error: BPF load or attach failed, interface missing, ...
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/libbpf.h>

#include "compile.h"
#include "datapath.h"
#include "events.h"
#include "log.h"
#include "policy.h"

#ifndef EF_VERSION
#define EF_VERSION "0.0.0-dev"
#endif

#define EXIT_INVALID 1
#define EXIT_USAGE   2
#define EXIT_SYSTEM  3

#define EF_DEFAULT_POLICY "/etc/edgefw/policy.json"

/* ---- shared helpers ------------------------------------------------------ */

static void default_node(char *buf, size_t len)
{
	char *dot;

	if (gethostname(buf, len) != 0)
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	dot = strchr(buf, '.');
	if (dot)
		*dot = '\0';
}

/*
 * Load, check and compile a policy: for one node if node is given, else for
 * every node.  Returns the policy when it is fit to use (warnings allowed),
 * NULL otherwise; every problem is in d.
 */
static struct ef_policy *policy_checked(const char *path, const char *node,
					struct ef_diag *d)
{
	struct ef_policy *p = ef_policy_load(path, d);

	if (!p || d->errors)
		goto bad;
	if (node && !ef_policy_node(p, node)) {
		char names[512] = "";

		for (size_t i = 0; i < p->nnodes; i++) {
			size_t l = strlen(names);

			snprintf(names + l, sizeof(names) - l, "%s%s", i ? ", " : "",
				 p->nodes[i].name);
		}
		ef_diag_error(d, "nodes", "no node named \"%s\" (the file has: %s)",
			      node, names);
		goto bad;
	}
	for (size_t i = 0; i < p->nnodes; i++) {
		struct ef_compiled c;

		if (node && strcmp(p->nodes[i].name, node) != 0)
			continue;
		if (ef_compile(p, &p->nodes[i], -1, &c, d) == 0) {
			if (c.nrules == 0)
				ef_diag_warn(d, NULL, "node %s: no rule applies to it",
					     p->nodes[i].name);
			ef_compiled_free(&c);
		}
	}
	if (!d->errors)
		return p;
bad:
	ef_policy_free(p);
	return NULL;
}

/* ---- validate ---------------------------------------------------------------- */

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

static int cmd_validate(int argc, char **argv)
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
	p = policy_checked(argv[optind], node, &d);
	ef_diag_print(&d, stderr);
	rc = (!p || (strict && d.warnings)) ? EXIT_INVALID : 0;
	if (rc == 0 && !quiet)
		printf("%s: valid: policy %s, %zu node(s), %zu rule(s)%s\n",
		       argv[optind], p->name, p->nnodes, p->nrules,
		       d.warnings ? ", with warnings" : "");
	ef_policy_free(p);
	ef_diag_free(&d);
	return rc;
}

/* ---- run --------------------------------------------------------------------- */

struct agent {
	const char *policy_path;
	char node[256];
	char hostname[256];
	int mode_override;
	int xdp_mode;
	struct ef_dp dp;
	/* the live generation [0] and the one before [1], for rule names of
	 * events still in flight */
	struct ef_policy *pol[2];
	struct ef_compiled comp[2];
	__u32 epoch[2];
	struct ef_fmt fmt;
	unsigned long long events;
};

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static const char *agent_ifname(void *ctx, __u32 ifindex)
{
	struct agent *a = ctx;
	static char buf[IF_NAMESIZE];

	for (size_t i = 0; i < a->dp.natt; i++)
		if ((__u32)a->dp.att[i].ifindex == ifindex)
			return a->dp.att[i].ifname;
	return if_indextoname(ifindex, buf);
}

static const char *agent_rule_name(void *ctx, __u32 epoch, __u16 rule)
{
	struct agent *a = ctx;

	for (int i = 0; i < 2; i++)
		if (a->pol[i] && a->epoch[i] == epoch)
			return ef_compiled_rule_name(&a->comp[i], rule);
	return NULL;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct agent *a = ctx;
	char line[2048];

	if (len < sizeof(struct ef_event))
		return 0;
	if (ef_event_format(data, &a->fmt, line, sizeof(line)) > 0) {
		fputs(line, stdout);
		fputc('\n', stdout);
	}
	a->events++;
	return 0;
}

static bool same_ifaces(const struct ef_compiled *x, const struct ef_compiled *y)
{
	if (x->nifaces != y->nifaces)
		return false;
	for (size_t i = 0; i < x->nifaces; i++)
		if (x->ifaces[i].role != y->ifaces[i].role ||
		    strcmp(x->ifaces[i].ifname, y->ifaces[i].ifname))
			return false;
	return true;
}

/* Load, check and compile the policy file for our node into *p / *c. */
static int agent_prepare(struct agent *a, struct ef_policy **p,
			 struct ef_compiled *c)
{
	struct ef_diag d;

	ef_diag_init(&d, a->policy_path);
	*p = policy_checked(a->policy_path, a->node, &d);
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	if (!*p)
		return -EINVAL;
	ef_diag_init(&d, a->policy_path);
	if (ef_compile(*p, ef_policy_node(*p, a->node), a->mode_override, c, &d)) {
		ef_diag_print(&d, stderr);
		ef_diag_free(&d);
		ef_policy_free(*p);
		*p = NULL;
		return -EINVAL;
	}
	ef_diag_free(&d);
	return 0;
}

static void agent_describe(const struct agent *a, const char *verb)
{
	const struct ef_compiled *c = &a->comp[0];

	pr_info("%s policy \"%s\" (%s, crc32 %08x, epoch %u) on node %s: %zu rules, "
		"%zu port prefixes, %zu peer prefixes, mode %s, egress %s\n",
		verb, a->pol[0]->name, a->policy_path, a->pol[0]->crc, a->epoch[0],
		a->node, c->nrules, c->nports, c->npeers, ef_mode_name(c->cfg.mode),
		ef_mode_name(c->cfg.egress));
}

static void agent_reload(struct agent *a)
{
	struct ef_policy *p;
	struct ef_compiled c;
	int err;

	pr_info("reloading %s\n", a->policy_path);
	if (agent_prepare(a, &p, &c)) {
		pr_warn("reload refused: the policy is invalid; policy \"%s\" stays in force\n",
			a->pol[0]->name);
		return;
	}
	if (!same_ifaces(&c, &a->comp[0])) {
		pr_warn("reload refused: the node's interfaces changed; restart edgefw to re-attach\n");
		goto drop;
	}
	err = ef_apply(&a->dp.maps, &c, a->epoch[0] + 1);
	if (err) {
		pr_warn("reload failed (%s); policy \"%s\" stays in force\n",
			strerror(-err), a->pol[0]->name);
		goto drop;
	}
	ef_compiled_free(&a->comp[1]);
	ef_policy_free(a->pol[1]);
	a->comp[1] = a->comp[0];
	a->pol[1] = a->pol[0];
	a->epoch[1] = a->epoch[0];
	a->comp[0] = c;
	a->pol[0] = p;
	a->epoch[0]++;
	a->fmt.policy = p->name;
	agent_describe(a, "reloaded");
	return;
drop:
	ef_compiled_free(&c);
	ef_policy_free(p);
}

static void usage_run(FILE *f)
{
	fprintf(f,
		"Usage: edgefw run [--policy FILE] [--node NAME] [--monitor]\n"
		"                  [--xdp-mode auto|native|generic] [--verbose]\n"
		"\n"
		"Validate the policy, load the XDP (ingress) and TC (egress) programs,\n"
		"fill the maps for this node, attach to its NICs and stream events as\n"
		"ECS JSON lines on stdout.  SIGHUP reloads the policy atomically (an\n"
		"invalid one is refused and the old one stays); SIGTERM/SIGINT detach.\n"
		"\n"
		"  -p, --policy FILE    policy file (default %s)\n"
		"  -n, --node NAME      node section to enforce (default: short hostname)\n"
		"  -m, --monitor        classify and report, drop nothing (would-drop)\n"
		"  -x, --xdp-mode MODE  auto (native, else generic), native or generic\n"
		"  -v, --verbose        debug logging, including libbpf's\n"
		"  -h, --help           this help\n"
		"\n"
		"Exit status: 0 stopped by a signal, 1 invalid policy, 2 usage error,\n"
		"3 system error (BPF load/attach, missing interface).\n"
		"\n"
		"Example:\n"
		"  edgefw run --policy /etc/edgefw/policy.json --node edge1\n",
		EF_DEFAULT_POLICY);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "node", required_argument, NULL, 'n' },
		{ "monitor", no_argument, NULL, 'm' },
		{ "xdp-mode", required_argument, NULL, 'x' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct agent a = { .policy_path = EF_DEFAULT_POLICY, .mode_override = -1 };
	struct ring_buffer *rb = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	int c, err, rc = EXIT_SYSTEM;

	while ((c = getopt_long(argc, argv, "p:n:mx:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a.policy_path = optarg; break;
		case 'n': snprintf(a.node, sizeof(a.node), "%s", optarg); break;
		case 'm': a.mode_override = EF_MODE_MONITOR; break;
		case 'x':
			if (strcmp(optarg, "auto") == 0)
				a.xdp_mode = EF_XDP_AUTO;
			else if (strcmp(optarg, "native") == 0)
				a.xdp_mode = EF_XDP_NATIVE;
			else if (strcmp(optarg, "generic") == 0)
				a.xdp_mode = EF_XDP_GENERIC;
			else {
				fprintf(stderr, "edgefw run: --xdp-mode: \"%s\" is not auto, native or generic\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v': ef_log_level = EF_LOG_DEBUG; break;
		case 'h': usage_run(stdout); return 0;
		default: usage_run(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage_run(stderr);
		return EXIT_USAGE;
	}
	if (gethostname(a.hostname, sizeof(a.hostname)))
		snprintf(a.hostname, sizeof(a.hostname), "localhost");
	if (!a.node[0])
		default_node(a.node, sizeof(a.node));
	ef_log_setup_libbpf();

	if (agent_prepare(&a, &a.pol[0], &a.comp[0]))
		return EXIT_INVALID;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (ef_dp_open(&a.dp, &a.pol[0]->settings))
		goto out;
	if (ef_dp_set_ifaces(&a.dp, &a.comp[0]))
		goto out;
	a.epoch[0] = 1;
	if (ef_apply(&a.dp.maps, &a.comp[0], a.epoch[0]))
		goto out;
	a.fmt = (struct ef_fmt){
		.hostname = a.hostname,
		.node = a.node,
		.policy = a.pol[0]->name,
		.mono_to_real_ns = ef_mono_to_real_ns(),
		.ifname = agent_ifname,
		.rule_name = agent_rule_name,
		.ctx = &a,
	};
	rb = ring_buffer__new(a.dp.maps.events, on_event, &a, NULL);
	if (!rb) {
		pr_warn("cannot open the event ring buffer: %s\n", strerror(errno));
		goto out;
	}
	if (ef_dp_attach(&a.dp, a.xdp_mode))
		goto out;
	agent_describe(&a, "enforcing");

	while (!stop_requested) {
		err = ring_buffer__poll(rb, 200);
		if (err < 0 && err != -EINTR) {
			pr_warn("event ring buffer: %s\n", strerror(-err));
			break;
		}
		if (err > 0)
			fflush(stdout);
		if (reload_requested) {
			reload_requested = 0;
			agent_reload(&a);
		}
		a.fmt.mono_to_real_ns = ef_mono_to_real_ns();
	}
	/* what is already in the ring buffer still gets reported */
	ring_buffer__consume(rb);
	fflush(stdout);
	pr_info("stopping: detaching from %zu interface(s)\n", a.dp.natt);
	rc = 0;
out:
	ring_buffer__free(rb);
	if (a.dp.skel)
		ef_dp_close(&a.dp);
	for (int i = 0; i < 2; i++) {
		ef_compiled_free(&a.comp[i]);
		ef_policy_free(a.pol[i]);
	}
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------ */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "validate", cmd_validate, "check a policy file (exit 0 valid, 1 invalid)" },
	{ "run", cmd_run, "enforce a policy on this node and stream events" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: edgefw COMMAND [OPTIONS]\n\n"
		   "An XDP/eBPF host firewall for Lync Server 2013 Edge nodes.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'edgefw COMMAND --help' describes a command.  edgefw --version prints the version.\n"
		   "Exit status: 0 success, 1 invalid policy, 2 usage error, 3 system error.\n");
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
