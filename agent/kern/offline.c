// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The real program, dry-run: a packet through a dry-run instance of the
 * object (BPF_PROG_TEST_RUN), its verdict from the instance's ef_trace.
 * explain runs it over the live pinned maps; the offline classifier and
 * the lockout guard over private maps filled from a policy.
 */
#include <errno.h>
#include <stdbool.h>
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

#include "compile.h"
#include "events.h"
#include "offline.h"
#include "edgefw/parse.h"
#include "edgefw.skel.h"

int ef_run_dry(struct ef_dp *dp, int hook, int ifindex, const struct pkt *p, struct ef_trace *t,
	       int *pass)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(p, buf);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len, .repeat = 1);
	struct xdp_md x = { .data_end = (__u32)len, .ingress_ifindex = (__u32)ifindex };
	struct __sk_buff sk = { .ifindex = (__u32)ifindex };
	__u32 k = 0;
	int prog;

	memset(t, 0, sizeof(*t));
	bpf_map_update_elem(dp->trace_fd, &k, t, BPF_ANY);
	if (hook == EF_HOOK_INGRESS) {
		prog = bpf_program__fd(dp->skel->progs.edgefw_xdp);
		o.ctx_in = &x;
		o.ctx_size_in = sizeof(x);
	} else {
		prog = bpf_program__fd(dp->skel->progs.edgefw_tc_egress);
		o.ctx_in = &sk;
		o.ctx_size_in = sizeof(sk);
	}
	if (bpf_prog_test_run_opts(prog, &o)) {
		int err = -errno;

		fprintf(stderr, "edgefw explain: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return err;
	}
	*pass = hook == EF_HOOK_INGRESS ? o.retval == XDP_PASS : o.retval == TC_ACT_OK;
	return bpf_map_lookup_elem(dp->trace_fd, &k, t) ? -errno : 0;
}

int ef_classify_offline(const struct ef_policy *p, const char *node, int role, int hook,
			const struct pkt *pk, struct ef_trace *t, int *pass, char *rule,
			size_t rlen)
{
	const struct ef_node *n = ef_policy_node(p, node);
	struct ef_dp_opts o = { .dry_run = true, .only_hook = 1 + hook };
	struct ef_compiled c;
	struct ef_diag d;
	struct ef_dp dp;
	int ifindex = 1, err;

	if (!n)
		return -ENOENT;
	ef_diag_init(&d, p->file);
	err = ef_compile(p, n, -1, &c, &d);
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	if (err)
		return -EINVAL;
	err = ef_dp_open(&dp, NULL, &o);
	if (err) {
		ef_compiled_free(&c);
		return err;
	}
	/* the loopback device stands in for the NIC: it always exists */
	err = ef_set_ifaces(&dp.maps, &ifindex, &role, 1);
	if (!err)
		err = ef_apply(&dp.maps, &c, 1, NULL, 0);
	if (!err)
		err = ef_run_dry(&dp, hook, ifindex, pk, t, pass);
	if (!err && rule && rlen)
		snprintf(rule, rlen, "%s",
			 t->rule != EF_RULE_NONE && ef_compiled_rule_name(&c, t->rule) ?
				 ef_compiled_rule_name(&c, t->rule) :
				 "");
	ef_dp_close(&dp, true);
	ef_compiled_free(&c);
	return err;
}

/* The NIC that holds address s on this host, or NULL. */
static bool local_ifname(const char *s, char *ifname, size_t len)
{
	struct ifaddrs *ifs, *i;
	union ef_addr want;
	bool found;

	if (ef_addr_parse(s, &want) || getifaddrs(&ifs))
		return false;
	i = ef_ifaddrs_find(ifs, &want);
	found = i != NULL;
	if (found)
		snprintf(ifname, len, "%s", i->ifa_name);
	freeifaddrs(ifs);
	return found;
}

int ef_lockout_check(const struct ef_policy *p, const char *node, char *why, size_t len)
{
	const char *conn = getenv("SSH_CONNECTION");
	const struct ef_node *n = ef_policy_node(p, node);
	char cip[64], sip[64], ifname[IF_NAMESIZE];
	unsigned cport, sport;
	struct pkt pk = { .proto = IPPROTO_TCP, .flags = EF_TCP_SYN, .seq = 1 };
	struct ef_trace t;
	int role = -1, pass = 0, err;
	union ef_addr a;

	if (!conn || !n || sscanf(conn, "%63s %u %63s %u", cip, &cport, sip, &sport) != 4 ||
	    ef_addr_parse(cip, &a) || cport > 65535 || sport > 65535)
		return 0;
	if (!local_ifname(sip, ifname, sizeof(ifname)))
		return 0; /* not an address of this host's NICs */
	for (int r = 0; r < EF_ROLE_MAX; r++)
		for (size_t i = 0; i < n->nifnames[r]; i++)
			if (!strcmp(n->ifnames[r][i], ifname))
				role = r;
	if (role < 0)
		return 0; /* over a NIC edgefw does not manage */
	pk.family = ef_addr_family(&a);
	pk.src = cip;
	pk.dst = sip;
	pk.sport = (uint16_t)cport;
	pk.dport = (uint16_t)sport;
	err = ef_classify_offline(p, node, role, EF_HOOK_INGRESS, &pk, &t, &pass, NULL, 0);
	if (err)
		return err;
	if (pass)
		return 0;
	snprintf(
		why, len,
		"this policy would cut the connection you are running edgefw from: TCP %s:%u -> %s:%u "
		"arrives on %s (%s) and would be dropped (%s). Add a management rule for it, or use --force",
		cip, cport, sip, sport, ifname, ef_role_names[role], ef_reason_name(t.reason));
	return 1;
}
