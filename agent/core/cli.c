// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every command's command line: its options table, its operands and the
 * text of its usage (opts.h says how a table reads).  The bodies are in
 * agent/cmd/, one file per group: policy.c (validate is in main.c), run.c,
 * status.c, control.c, events.c, explain.c, shield.c, flows.c.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "events.h"
#include "names.h"
#include "policy.h"

#define F(type, field) offsetof(type, field)
#define OPT(n, s, t, off, meta, h, ...)                                                          \
	{                                                                                        \
		.name = (n), .short_name = (s), .type = (t), .offset = (off), .metavar = (meta), \
		.help = (h), __VA_ARGS__                                                         \
	}

/* ---- the policy library: validate, init, diff, matrix ---------------------------- */

#define V struct ef_validate_opts
const struct ef_cmd ef_cli_validate = {
	.name = "validate",
	.summary = "check a policy file (exit 0 valid, 1 invalid)",
	.operands = "POLICY",
	.min_operands = 1,
	.max_operands = 1,
	.size = sizeof(V),
	.opts =
		(const struct ef_opt[]){
			OPT("node", 'n', EF_OPT_STRING, F(V, node), "NAME",
			    "also require that node NAME exists"),
			OPT("strict", 's', EF_OPT_FLAG, F(V, strict), NULL,
			    "treat warnings as errors"),
			OPT("quiet", 'q', EF_OPT_FLAG, F(V, quiet), NULL,
			    "print nothing when the policy is valid"),
			{ 0 },
		},
};
#undef V

/* init's repeated and order-dependent options */
#define I struct ef_init_cli

static int init_node(void *opts, const struct ef_opt *o, const char *arg, const char *cmd)
{
	(void)o;
	if (ef_init_add_node(&((I *)opts)->o, arg))
		return 0;
	fprintf(stderr, "edgefw %s: out of memory\n", cmd);
	return -1;
}

/* --external, --internal (val: the role), --access ... (val: EF_ROLE_MAX + service) */
static int init_node_list(void *opts, const struct ef_opt *o, const char *arg, const char *cmd)
{
	struct ef_init_opts *io = &((I *)opts)->o;
	struct ef_init_node *n = io->nnodes ? &io->nodes[io->nnodes - 1] : NULL;

	if (!n) {
		fprintf(stderr, "edgefw %s: --%s comes after the --node it belongs to\n", cmd,
			o->name);
		return -1;
	}
	if (o->val < EF_ROLE_MAX)
		return ef_init_add_list(&n->ifs[o->val], &n->nifs[o->val], arg);
	return ef_init_add_list(&n->addrs[o->val - EF_ROLE_MAX], &n->naddrs[o->val - EF_ROLE_MAX],
				arg);
}

static int init_peer(void *opts, const struct ef_opt *o, const char *arg, const char *cmd)
{
	struct ef_diag d;
	char who[64];
	int rc;

	(void)o;
	snprintf(who, sizeof(who), "edgefw %s", cmd);
	ef_diag_init(&d, who);
	rc = ef_init_add_peer(&((I *)opts)->o, arg, &d);
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	return rc ? -1 : 0;
}

static int init_exclude(void *opts, const struct ef_opt *o, const char *arg, const char *cmd)
{
	struct ef_init_opts *io = &((I *)opts)->o;

	(void)o;
	(void)cmd;
	return ef_init_add_list(&io->exclude_tags, &io->nexclude_tags, arg);
}

static void init_free(void *opts)
{
	ef_init_opts_free(&((I *)opts)->o);
}

#define NODE_LIST(name, meta, v, help)                                               \
	OPT(name, 0, EF_OPT_CALL, 0, meta, help, .val = (v), .call = init_node_list, \
	    .flags = EF_OPT_SUB)

const struct ef_cmd ef_cli_init = {
	.name = "init",
	.summary = "write a pool's starting policy from a built-in topology (--list)",
	.synopsis =
		"edgefw init --topology NAME [OPTIONS] (--node NAME NODE-OPTIONS)...\n"
		"       edgefw init --topology NAME [OPTIONS]   (on a terminal: asks for nodes)\n"
		"       edgefw init --list\n",
	.size = sizeof(I),
	.free = init_free,
	.opts =
		(const struct ef_opt[]){
			OPT("list", 'l', EF_OPT_FLAG, F(I, list), NULL,
			    "the topologies, one line each"),
			OPT("topology", 't', EF_OPT_STRING, F(I, topology), "NAME",
			    "the topology (see --list)"),
			OPT("node", 'n', EF_OPT_CALL, 0, "NAME",
			    "a node (its short hostname); the options "
			    "below up to the next --node are its own:",
			    .call = init_node),
			NODE_LIST("external", "NIC[,NIC]", EF_ROLE_EXTERNAL, "its external NIC(s)"),
			NODE_LIST("internal", "NIC[,NIC]", EF_ROLE_INTERNAL, "its internal NIC(s)"),
			NODE_LIST("access", "ADDR[,ADDR]", EF_ROLE_MAX + EF_SVC_ACCESS,
				  "Access Edge addresses"),
			NODE_LIST("webconf", "ADDR[,ADDR]", EF_ROLE_MAX + EF_SVC_WEBCONF,
				  "Web Conferencing Edge addresses"),
			NODE_LIST("av", "ADDR[,ADDR]", EF_ROLE_MAX + EF_SVC_AV,
				  "A/V Edge addresses"),
			NODE_LIST("xmpp", "ADDR[,ADDR]", EF_ROLE_MAX + EF_SVC_XMPP,
				  "XMPP proxy addresses (default: the Access ones)"),
			NODE_LIST("internal-address", "ADDR[,ADDR]", EF_ROLE_MAX + EF_SVC_INTERNAL,
				  "the internal interface's addresses"),
			NODE_LIST("management", "ADDR[,ADDR]", EF_ROLE_MAX + EF_SVC_MANAGEMENT,
				  "the Linux host's own admin addresses (SSH)"),
			OPT("peer", 'p', EF_OPT_CALL, 0, "SET=CIDR[,CIDR]",
			    "narrow a peer set (repeatable), "
			    "e.g. --peer admin_hosts=198.18.255.0/28",
			    .call = init_peer),
			OPT("exclude-tag", 'x', EF_OPT_CALL, 0, "TAG",
			    "leave the rules with TAG out (repeatable)", .call = init_exclude),
			OPT("monitor", 'm', EF_OPT_FLAG, F(I, o.monitor), NULL,
			    "settings.mode \"monitor\": report, drop nothing"),
			OPT("name", 0, EF_OPT_STRING, F(I, o.name), "NAME",
			    "the policy's name (default: the topology's)"),
			OPT("interactive", 'i', EF_OPT_FLAG, F(I, interactive), NULL,
			    "ask for the nodes even when not on a terminal"),
			OPT("output", 'o', EF_OPT_STRING, F(I, output), "FILE",
			    "write FILE (default: standard output)"),
			OPT("force", 'f', EF_OPT_FLAG, F(I, force), NULL,
			    "replace an existing FILE"),
			{ 0 },
		},
};
#undef I

#define D struct ef_diff_opts
const struct ef_cmd ef_cli_diff = {
	.name = "diff",
	.summary = "what changing a policy opens and closes, node by node",
	.operands = "OLD NEW",
	.min_operands = 2,
	.max_operands = 2,
	.size = sizeof(D),
	.opts =
		(const struct ef_opt[]){
			OPT("node", 'n', EF_OPT_STRING, F(D, node), "NAME",
			    "only this node's opens and closes"),
			{ 0 },
		},
};
#undef D

#define M struct ef_matrix_cli
const struct ef_cmd ef_cli_matrix = {
	.name = "matrix",
	.summary = "a policy's effective port matrix, as Microsoft's tables",
	.operands = "[POLICY]",
	.min_operands = 0,
	.max_operands = 1,
	.size = sizeof(M),
	.opts =
		(const struct ef_opt[]){
			OPT("node", 'n', EF_OPT_STRING, F(M, m.node), "NAME",
			    "only this node (default: every node)"),
			OPT("format", 'F', EF_OPT_ENUM, F(M, m.format), NULL,
			    "a padded text table or Markdown tables",
			    .names = (const char *const[]){ "text", "markdown", NULL },
			    .def = "text"),
			OPT("ref", 'r', EF_OPT_FLAG, F(M, m.refs), NULL,
			    "the REF column (the Microsoft row) instead of NOTE"),
			{ 0 },
		},
};
#undef M

/* ---- the agent ---------------------------------------------------------------------- */

#define R struct ef_run_opts
const struct ef_cmd ef_cli_run = {
	.name = "run",
	.summary = "enforce a policy on this node and stream events",
	.common = EF_C_BPFFS | EF_C_RUN | EF_C_STATE,
	.size = sizeof(R),
	.opts =
		(const struct ef_opt[]){
			OPT("policy", 'p', EF_OPT_STRING, F(R, policy), "FILE", "policy file",
			    .def = EF_DEFAULT_POLICY),
			OPT("node", 'n', EF_OPT_STRING, F(R, node), "NAME",
			    "node section to enforce (default: the short hostname)"),
			OPT("monitor", 'm', EF_OPT_FLAG, F(R, monitor), NULL,
			    "classify and report, drop nothing (would-drop)"),
			OPT("xdp-mode", 'x', EF_OPT_ENUM, F(R, xdp_mode), NULL,
			    "native XDP, falling back to generic (auto), or only native or only generic",
			    .names = (const char *const[]){ "auto", "native", "generic", NULL },
			    .def = "auto"),
			OPT("keep-on-exit", 'k', EF_OPT_FLAG, F(R, keep), NULL,
			    "on SIGTERM leave programs attached and pinned"),
			OPT("force", 'f', EF_OPT_FLAG, F(R, force), NULL,
			    "start even if the policy would cut the SSH connection edgefw is started from"),
			OPT("metrics-file", 'M', EF_OPT_STRING, F(R, metrics_file), "PATH",
			    "write Prometheus metrics there (textfile collector)"),
			OPT("metrics-interval", 'I', EF_OPT_INT, F(R, metrics_interval), "S",
			    "every S seconds", .lo = 1, .hi = 86400, .unit = "seconds",
			    .def = "15"),
			OPT("sweep-interval", 0, EF_OPT_INT, F(R, sweep_interval), "S",
			    "remove expired flows and rebuild the lookup hints every S seconds (0: never, "
			    "every flow and block lookup stays on)",
			    .lo = 0, .hi = 3600, .def = "10"),
			OPT("events-file", 'e', EF_OPT_STRING, F(R, events_file), "PATH",
			    "append the event lines to PATH (mode 0640) instead of stdout (\"-\": stdout)"),
			OPT("events-max-size", 0, EF_OPT_SIZE, F(R, events_max_size), "SIZE",
			    "rotate PATH before it passes SIZE bytes (K, M, G suffixes; 0: never, e.g. when "
			    "logrotate rotates it)",
			    .lo = 1 << 20, .hi = 1ll << 40, .def = "100M", .flags = EF_OPT_ZERO),
			OPT("events-keep", 0, EF_OPT_INT, F(R, events_keep), "N",
			    "rotated files kept: PATH.1 (newest) .. PATH.N (0: none)", .lo = 0,
			    .hi = 1000, .def = "5"),
			OPT("verbose", 'v', EF_OPT_FLAG, F(R, verbose), NULL,
			    "debug logging, including libbpf's"),
			{ 0 },
		},
};
#undef R

/* ---- looking at and steering the agent: status.c, control.c, events.c ----------------- */

const struct ef_cmd ef_cli_status = {
	.name = "status",
	.summary = "what is attached where, which policy, since when",
	.common = EF_C_JSON | EF_C_DIRS,
	.size = sizeof(struct ef_common),
};

const struct ef_cmd ef_cli_stats = {
	.name = "stats",
	.summary = "per-rule counters, drops by reason, flow table use",
	.common = EF_C_JSON | EF_C_DIRS,
	.size = sizeof(struct ef_common),
};

#define FORCE(help) OPT("force", 0, EF_OPT_FLAG, F(struct ef_force_opts, force), NULL, help)

const struct ef_cmd ef_cli_reload = {
	.name = "reload",
	.summary = "validate and apply the running agent's policy file again",
	.common = EF_C_DIRS,
	.size = sizeof(struct ef_force_opts),
	.opts =
		(const struct ef_opt[]){
			FORCE("reload even if the policy would cut the SSH connection you run it from"),
			{ 0 },
		},
};

#define A struct ef_apply_opts
const struct ef_cmd ef_cli_apply = {
	.name = "apply",
	.summary = "make a policy live, optionally rolled back unless confirmed",
	.operands = "POLICY",
	.min_operands = 1,
	.max_operands = 1,
	.common = EF_C_DIRS,
	.size = sizeof(A),
	.opts =
		(const struct ef_opt[]){
			OPT("confirm-within", 'c', EF_OPT_INT, F(A, confirm_within), "SECONDS",
			    "roll back unless `edgefw confirm` arrives in time", .lo = 1,
			    .hi = 86400, .unit = "seconds"),
			OPT("force", 0, EF_OPT_FLAG, F(A, force), NULL,
			    "apply even if the policy would cut the SSH connection you run it from"),
			{ 0 },
		},
};
#undef A

const struct ef_cmd ef_cli_confirm = {
	.name = "confirm",
	.summary = "keep the policy of the last apply --confirm-within",
	.common = EF_C_DIRS,
	.size = sizeof(struct ef_common),
};

const struct ef_cmd ef_cli_reopen = {
	.name = "reopen",
	.summary = "make the agent reopen its events file (after logrotate)",
	.common = EF_C_DIRS,
	.size = sizeof(struct ef_common),
};

const struct ef_cmd ef_cli_detach = {
	.name = "detach",
	.summary = "remove everything edgefw attached or pinned",
	.common = EF_C_DIRS,
	.size = sizeof(struct ef_force_opts),
	.opts =
		(const struct ef_opt[]){
			FORCE("stop a running agent first"),
			{ 0 },
		},
};

const char *const ef_events_actions[] = { "denied", "allowed", "drop", "pass", "would-drop", NULL };

#define E struct ef_events_opts
const struct ef_cmd ef_cli_events = {
	.name = "events",
	.summary = "read the running agent's event stream",
	.common = EF_C_JSON | EF_C_DIRS,
	.size = sizeof(E),
	.opts =
		(const struct ef_opt[]){
			OPT("follow", 'f', EF_OPT_FLAG, F(E, follow), NULL, "stream new events"),
			OPT("text", 0, EF_OPT_SET, F(E, c.format), NULL,
			    "one readable line per event (--json, "
			    "the default: the ECS JSON lines the agent writes)",
			    .val = EF_FMT_TEXT),
			OPT("action", 'a', EF_OPT_ENUM, F(E, action), "ACTION",
			    "only denied (drop and "
			    "would-drop), allowed (pass), drop, pass or would-drop events",
			    .names = ef_events_actions),
			OPT("reason", 'r', EF_OPT_ENUM, F(E, reason), "REASON",
			    "only this reason (no-rule, peer-not-allowed, ...: edgefw(8), EVENTS)",
			    .lookup = ef_reason_from_name,
			    .what = "a reason (the man page lists them under EVENTS)"),
			OPT("backlog", 'b', EF_OPT_INT, F(E, backlog), "N",
			    "recent events to start with (default 100; with --follow 0)", .lo = 0,
			    .hi = 1024),
			OPT("count", 'c', EF_OPT_INT, F(E, count), "N", "exit after N events",
			    .lo = 1, .hi = LONG_MAX),
			{ 0 },
		},
};
#undef E

const char *const ef_explain_protos[] = { "tcp", "udp", "icmp", NULL };

#define X struct ef_explain_opts
#define REQ(name, s, field, meta, help) \
	OPT(name, s, EF_OPT_STRING, F(X, field), meta, help, .flags = EF_OPT_REQUIRED)
const struct ef_cmd ef_cli_explain = {
	.name = "explain",
	.summary = "trace a packet through the real program: verdict, reason, rule",
	.common = EF_C_JSON | EF_C_DIRS,
	.size = sizeof(X),
	.opts =
		(const struct ef_opt[]){
			REQ("iface", 'i', iface, "NIC",
			    "the interface (with --policy: its name or role)"),
			OPT("dir", 'd', EF_OPT_ENUM, F(X, dir), NULL,
			    "arriving on NIC (XDP) or leaving it (TC)",
			    .names = (const char *const[]){ "in", "out", NULL },
			    .flags = EF_OPT_REQUIRED),
			OPT("proto", 'P', EF_OPT_ENUM, F(X, proto), NULL, "the protocol",
			    .names = ef_explain_protos, .flags = EF_OPT_REQUIRED),
			REQ("src", 's', src, "ADDR[:PORT]",
			    "the source: 198.51.100.7:40000, [2001:db8::1]:443"),
			REQ("dst", 'D', dst, "ADDR[:PORT]", "the destination"),
			OPT("flags", 'f', EF_OPT_STRING, F(X, flags), "SAFRP",
			    "TCP flags, letters from S A F R P (default: S)"),
			OPT("icmp-type", 't', EF_OPT_INT, F(X, icmp_type), "T", "the ICMP type",
			    .lo = 0, .hi = 255),
			OPT("icmp-code", 0, EF_OPT_INT, F(X, icmp_code), "C", "the ICMP code",
			    .lo = 0, .hi = 255),
			OPT("policy", 'p', EF_OPT_STRING, F(X, policy), "FILE",
			    "no agent: private maps filled from FILE"),
			OPT("node", 'n', EF_OPT_STRING, F(X, node), "NAME",
			    "the node of --policy (default: the short hostname)"),
			{ 0 },
		},
};
#undef REQ
#undef X

/* ---- the shield: blocklist, allowlist, blocked, unblock ---------------------------- */

#define LIST_SYNOPSIS(n)                                                            \
	"edgefw " n " add CIDR...\n"                                                \
	"       edgefw " n " del CIDR...\n"                                         \
	"       edgefw " n " load FILE        (the list becomes FILE's contents)\n" \
	"       edgefw " n " list [--json]\n"                                       \
	"       edgefw " n " clear\n"                                               \
	"       (options before or after the action)\n"
const struct ef_cmd ef_cli_blocklist = {
	.name = "blocklist",
	.summary = "CIDRs dropped both ways: add, del, load FILE, list, clear",
	.synopsis = LIST_SYNOPSIS("blocklist"),
	.operands = "ACTION [ARGUMENT...]",
	.min_operands = 1,
	.max_operands = -1,
	.common = EF_C_JSON | EF_C_STATE | EF_C_BPFFS,
	.size = sizeof(struct ef_common),
};

const struct ef_cmd ef_cli_allowlist = {
	.name = "allowlist",
	.summary = "CIDRs exempt from the block list and the per-source limits",
	.synopsis = LIST_SYNOPSIS("allowlist"),
	.operands = "ACTION [ARGUMENT...]",
	.min_operands = 1,
	.max_operands = -1,
	.common = EF_C_JSON | EF_C_STATE | EF_C_BPFFS,
	.size = sizeof(struct ef_common),
};

const struct ef_cmd ef_cli_blocked = {
	.name = "blocked",
	.summary = "sources blocked for exceeding a per-source limit",
	.common = EF_C_JSON | EF_C_DIRS,
	.size = sizeof(struct ef_common),
};

const struct ef_cmd ef_cli_unblock = {
	.name = "unblock",
	.summary = "lift the temporary block of a source (or --all)",
	.synopsis = "edgefw unblock ADDR|CIDR... [--bpffs-dir DIR]\n"
		    "       edgefw unblock --all [--bpffs-dir DIR]\n",
	.operands = "ADDR|CIDR...",
	.min_operands = 0,
	.max_operands = -1,
	.common = EF_C_BPFFS,
	.size = sizeof(struct ef_unblock_opts),
	.opts =
		(const struct ef_opt[]){
			OPT("all", 0, EF_OPT_FLAG, F(struct ef_unblock_opts, all), NULL,
			    "every blocked source"),
			{ 0 },
		},
};

const char *const ef_flows_protos[] = { "tcp", "udp", "icmp", NULL };
const char *const ef_flows_tables[] = { "trusted", "untrusted", NULL };

#define L struct ef_flows_opts
const struct ef_cmd ef_cli_flows = {
	.name = "flows",
	.summary = "list the live flows (or flush them), as conntrack -L / -D",
	.synopsis = "edgefw flows [FILTERS] [--count] [--json] [--bpffs-dir DIR]\n"
		    "       edgefw flows flush FILTERS | --all\n",
	.operands = "[flush]",
	.min_operands = 0,
	.max_operands = 1,
	.common = EF_C_JSON | EF_C_DIRS,
	.size = sizeof(L),
	.opts =
		(const struct ef_opt[]){
			OPT("iface", 'i', EF_OPT_STRING, F(L, iface), "NIC",
			    "flows of this NIC: its name, external or internal"),
			OPT("service", 's', EF_OPT_ENUM, F(L, service), NULL,
			    "flows of this service's addresses", .names = ef_service_names),
			OPT("addr", 'a', EF_OPT_STRING, F(L, addr), "ADDR|CIDR",
			    "local or remote address in it"),
			OPT("port", 'p', EF_OPT_INT, F(L, port), "PORT", "local or remote port",
			    .lo = 0, .hi = 65535),
			OPT("proto", 'P', EF_OPT_ENUM, F(L, proto), NULL, "transport",
			    .names = ef_flows_protos),
			OPT("rule", 'r', EF_OPT_STRING, F(L, rule), "NAME",
			    "flows the rule NAME admitted"),
			OPT("state", 'S', EF_OPT_ENUM, F(L, state), "STATE",
			    "open, syn-sent, syn-received, syn-ack-sent, established or closing",
			    .lookup = ef_flow_state_from_name, .what = "a flow state"),
			OPT("table", 't', EF_OPT_ENUM, F(L, table), NULL,
			    "trusted, or untrusted (what a remote opens alone)",
			    .names = ef_flows_tables),
			OPT("count", 'c', EF_OPT_FLAG, F(L, count), NULL,
			    "print how many flows match, not the flows"),
			OPT("all", 0, EF_OPT_FLAG, F(L, all), NULL,
			    "flush: every flow (flush without filters asks for it)"),
			{ 0 },
		},
};
#undef L

#define K struct ef_capture_opts
const struct ef_cmd ef_cli_capture = {
	.name = "capture",
	.summary = "write the packets the data path drops to pcapng, as xdpdump / tcpdump -w",
	.synopsis = "edgefw capture [-w FILE|-] [FILTERS] [--count N] [--duration S]\n"
		    "               [--snaplen N] [--max-pps N] [--new-flows] [--bpffs-dir DIR]\n",
	.common = EF_C_DIRS,
	.size = sizeof(K),
	.opts =
		(const struct ef_opt[]){
			OPT("write", 'w', EF_OPT_STRING, F(K, write), "FILE|-",
			    "the pcapng file (-: stdout; the default when it is not a terminal)"),
			OPT("iface", 'i', EF_OPT_STRING, F(K, iface), "NIC",
			    "packets of this NIC: its name, external or internal"),
			OPT("reason", 'r', EF_OPT_STRING, F(K, reasons), "REASON[,REASON]",
			    "packets judged for one of these reasons (edgefw(8), EVENTS)"),
			OPT("rule", 'R', EF_OPT_STRING, F(K, rule), "NAME",
			    "packets the rule NAME decided (its limit's drops, --new-flows)"),
			OPT("addr", 'a', EF_OPT_STRING, F(K, addr), "ADDR|CIDR",
			    "source or destination address in it"),
			OPT("port", 'p', EF_OPT_INT, F(K, port), "PORT",
			    "source or destination port (TCP, UDP)", .lo = 1, .hi = 65535),
			OPT("proto", 'P', EF_OPT_ENUM, F(K, proto), NULL, "transport",
			    .names = ef_flows_protos),
			OPT("new-flows", 'n', EF_OPT_FLAG, F(K, new_flows), NULL,
			    "also the first packet of each new allowed flow"),
			OPT("count", 'c', EF_OPT_INT, F(K, count), "N", "stop after N packets",
			    .lo = 1, .hi = LONG_MAX),
			OPT("duration", 'd', EF_OPT_INT, F(K, duration), "S",
			    "stop after S seconds", .lo = 1, .hi = 86400, .unit = "seconds"),
			OPT("snaplen", 's', EF_OPT_INT, F(K, snaplen), "N",
			    "bytes kept of each packet", .lo = 1, .hi = EF_CAP_SNAP_MAX,
			    .def = "2048"),
			OPT("max-pps", 'm', EF_OPT_INT, F(K, max_pps), "N",
			    "packets a second at most (each CPU its share); the rest are counted",
			    .lo = 1, .hi = 1000000, .def = "1000"),
			{ 0 },
		},
};
#undef K

const struct ef_cmd *const ef_cli_all[] = { &ef_cli_validate, &ef_cli_init,	 &ef_cli_diff,
					    &ef_cli_matrix,   &ef_cli_run,	 &ef_cli_reload,
					    &ef_cli_apply,    &ef_cli_confirm,	 &ef_cli_status,
					    &ef_cli_stats,    &ef_cli_explain,	 &ef_cli_events,
					    &ef_cli_reopen,   &ef_cli_blocklist, &ef_cli_allowlist,
					    &ef_cli_blocked,  &ef_cli_unblock,	 &ef_cli_flows,
					    &ef_cli_capture,  &ef_cli_detach,	 NULL };
