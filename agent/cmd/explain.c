// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw explain: a packet tracer.  It builds the packet described on the
 * command line and runs it through the real program with BPF_PROG_TEST_RUN:
 * a second, dry-run instance of the same object (ef_dry_run set) over the
 * live pinned maps, so it sees the live rules and flows but changes
 * nothing, and reports its verdict in its own ef_trace map.  With --policy
 * it needs no running agent: the instance gets private maps filled from
 * the file for --node.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cmds.h"
#include "compile.h"
#include "datapath.h"
#include "events.h"
#include "bpflog.h"
#include "log.h"
#include "edgefw/parse.h"
#include "pktbuild.h"
#include "offline.h"
#include "state.h"
#include "edgefw.skel.h"

struct req {
	const char *iface;
	int hook;
	struct pkt p;
	char src[64], dst[64];
};

/* "198.51.100.7", "198.51.100.7:40000", "[2001:db8::1]:443", "2001:db8::1" */
static int parse_endpoint(const char *s, char *addr, size_t len, uint16_t *port)
{
	const char *colon = NULL;
	union ef_addr a;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || (size_t)(end - s - 1) >= len)
			return -1;
		snprintf(addr, len, "%.*s", (int)(end - s - 1), s + 1);
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1])
			return -1;
	} else if (strchr(s, ':') == strrchr(s, ':') && strchr(s, ':')) {
		colon = strchr(s, ':'); /* IPv4 with a port */
		snprintf(addr, len, "%.*s", (int)(colon - s), s);
	} else {
		snprintf(addr, len, "%s", s);
	}
	if (ef_addr_parse(addr, &a))
		return -1;
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);

		if (*end || v < 0 || v > 65535 || !colon[1])
			return -1;
		*port = (uint16_t)v;
	}
	return ef_addr_family(&a);
}

static int parse_flags(const char *s, uint8_t *f)
{
	*f = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'S': *f |= EF_TCP_SYN; break;
		case 'A': *f |= EF_TCP_ACK; break;
		case 'F': *f |= EF_TCP_FIN; break;
		case 'R': *f |= EF_TCP_RST; break;
		case 'P': *f |= EF_TCP_PSH; break;
		case ',':
		case '+': break;
		default: return -1;
		}
	}
	return 0;
}

int cmd_explain(void *opts, const struct ef_args *args)
{
	const struct ef_explain_opts *o = opts;
	const char *src = o->src, *dst = o->dst, *policy = o->policy, *flags = o->flags;
	const char *proto = ef_explain_protos[o->proto];
	struct req r = { .iface = o->iface,
			 .hook = o->dir == EF_EXPLAIN_IN ? EF_HOOK_INGRESS : EF_HOOK_EGRESS,
			 .p = { .icmp_type = (uint8_t)o->icmp_type,
				.icmp_code = (uint8_t)o->icmp_code } };
	char node[64] = "", ifdesc[64];
	bool json = o->c.format == EF_FMT_JSON;
	struct ef_dp dp = { 0 };
	struct ef_dp_opts dpo = { .dry_run = true };
	struct ef_policy *pol = NULL;
	struct ef_status st = { 0 };
	char rulebuf[128] = "";
	struct ef_trace t;
	int fam_s, fam_d, ifindex = 0, role = -1, pass = 0, rc = EXIT_SYSTEM;
	const char *rule = NULL;

	(void)args;
	if (o->node)
		snprintf(node, sizeof(node), "%s", o->node);
	fam_s = parse_endpoint(src, r.src, sizeof(r.src), &r.p.sport);
	fam_d = parse_endpoint(dst, r.dst, sizeof(r.dst), &r.p.dport);
	if (fam_s < 0 || fam_d < 0 || fam_s != fam_d) {
		fprintf(stderr,
			"edgefw explain: --src/--dst: two addresses of one family, as ADDR, ADDR:PORT or [ADDR6]:PORT\n");
		return EXIT_USAGE;
	}
	r.p.family = fam_s;
	r.p.src = r.src;
	r.p.dst = r.dst;
	if (o->proto == EF_EXPLAIN_TCP) {
		r.p.proto = IPPROTO_TCP;
		r.p.flags = EF_TCP_SYN;
		if (flags && parse_flags(flags, &r.p.flags)) {
			fprintf(stderr, "edgefw explain: --flags: letters from S A F R P\n");
			return EXIT_USAGE;
		}
		r.p.seq = 1;
	} else if (o->proto == EF_EXPLAIN_UDP) {
		r.p.proto = IPPROTO_UDP;
	} else {
		r.p.proto = fam_s == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		r.p.icmp_id = r.p.sport;
	}
	ef_log_level = EF_LOG_WARN; /* the verdict is the output */
	ef_log_setup_libbpf();

	if (policy) {
		struct ef_diag d;
		const struct ef_node *n;

		if (!node[0])
			ef_default_node(node, sizeof(node));
		ef_diag_init(&d, policy);
		pol = ef_policy_checked(policy, node, &d);
		ef_diag_print(&d, stderr);
		ef_diag_free(&d);
		if (!pol)
			return EXIT_INVALID;
		n = ef_policy_node(pol, node);
		for (int k = 0; k < EF_ROLE_MAX; k++) {
			if (!strcmp(r.iface, ef_role_names[k]))
				role = k;
			for (size_t i = 0; i < n->nifnames[k]; i++)
				if (!strcmp(r.iface, n->ifnames[k][i]))
					role = k;
		}
		if (role < 0) {
			fprintf(stderr, "edgefw explain: %s is not an interface of node %s\n",
				EF_BARE(r.iface), node);
			rc = EXIT_USAGE;
			goto out;
		}
		if (ef_classify_offline(pol, node, role, r.hook, &r.p, &t, &pass, rulebuf,
					sizeof(rulebuf)))
			goto out;
		rule = rulebuf[0] ? rulebuf : NULL;
		snprintf(ifdesc, sizeof(ifdesc), "%s", ef_role_names[role]);
	} else {
		dpo.pin_dir = o->c.dirs.bpffs;
		dpo.require_pins = true;
		dpo.only_hook = 1 + r.hook;
		ifindex = (int)if_nametoindex(r.iface);
		if (!ifindex) {
			fprintf(stderr,
				"edgefw explain: no interface %s on this host (use --policy to explain offline)\n",
				EF_BARE(r.iface));
			goto out;
		}
		if (ef_dp_open(&dp, NULL, &dpo))
			goto out;
		snprintf(ifdesc, sizeof(ifdesc), "%s", r.iface);
		if (ef_run_dry(&dp, r.hook, ifindex, &r.p, &t, &pass))
			goto out;
		if (t.rule != EF_RULE_NONE && ef_status_read(o->c.dirs.run, &st) == 0 &&
		    st.epoch == t.epoch && t.rule < st.nrules)
			rule = st.rules[t.rule];
	}
	{
		const char *verdict = ef_action_name(t.action);
		const char *flow = t.flow != EF_TABLE_NONE ? ef_table_name(t.flow) : NULL;
		const char *opens = t.new_flow != EF_TABLE_NONE ? ef_table_name(t.new_flow) : NULL;

		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "verdict", json_object_new_string(verdict));
			json_object_object_add(o, "reason",
					       json_object_new_string(ef_reason_name(t.reason)));
			json_object_object_add(o, "explanation",
					       json_object_new_string(ef_reason_text(t.reason)));
			json_object_object_add(o, "rule",
					       rule ? json_object_new_string(rule) : NULL);
			json_object_object_add(o, "flow_table",
					       flow ? json_object_new_string(flow) : NULL);
			if (flow)
				json_object_object_add(
					o, "flow_state",
					json_object_new_string(ef_flow_state_name(t.flow_state)));
			json_object_object_add(o, "opens_flow",
					       opens ? json_object_new_string(opens) : NULL);
			json_object_object_add(o, "promotes_flow",
					       json_object_new_boolean(t.promote));
			json_object_object_add(o, "policy_generation",
					       json_object_new_int64(t.epoch));
			json_object_object_add(o, "source",
					       policy ? json_object_new_string(policy) :
							json_object_new_string("live"));
			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
			json_object_put(o);
		} else {
			printf("verdict:  %s (%s)\n", verdict, ef_reason_name(t.reason));
			printf("why:      %s\n", ef_reason_text(t.reason));
			printf("packet:   %s %s, %s %s -> %s",
			       r.hook == EF_HOOK_INGRESS ? "in on" : "out of", ifdesc, proto, src,
			       dst);
			if (r.p.proto == IPPROTO_TCP)
				printf(" [%s%s%s%s%s]", r.p.flags & EF_TCP_SYN ? "S" : "",
				       r.p.flags & EF_TCP_ACK ? "A" : "",
				       r.p.flags & EF_TCP_FIN ? "F" : "",
				       r.p.flags & EF_TCP_RST ? "R" : "",
				       r.p.flags & EF_TCP_PSH ? "P" : "");
			printf("\nrule:     %s\n", rule			  ? rule :
						   t.rule != EF_RULE_NONE ? "(unnamed)" :
									    "none");
			if (flow)
				printf("flow:     tracked (%s table, %s)\n", flow,
				       ef_flow_state_name(t.flow_state));
			else
				printf("flow:     none tracked\n");
			printf("opens:    %s%s\n", opens ? opens : "no flow",
			       opens ? " flow table entry" : "");
			if (t.promote)
				printf("          completes a verified handshake: moves to the trusted table\n");
			printf("policy:   generation %u (%s)\n", t.epoch,
			       policy ? policy : "live maps");
		}
	}
	rc = pass ? 0 : 1;
out:
	ef_status_free(&st);
	if (dp.skel)
		ef_dp_close(&dp, true); /* never detaches: nothing was attached */
	ef_policy_free(pol);
	return rc;
}
