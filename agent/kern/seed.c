// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "edgefw/parse.h"
#include "log.h"
#include "pktbuild.h"
#include "seed.h"
#include "sweep.h"
#include "edgefw.skel.h"

#define TCP_ESTABLISHED 0x01
#define TCP_LISTEN 0x0a
#define MAX_CONNS 4096

struct conn {
	union ef_addr local, remote;
	unsigned lport, rport;
	int state;
};

/* /proc/net/tcp{,6}: addresses are the kernel's __be32 words printed as
 * native integers; copying each word back gives network byte order. */
static int parse_hexaddr(const char *s, union ef_addr *a, bool v6)
{
	uint32_t w[4];

	for (unsigned i = 0; i < (v6 ? 4u : 1u); i++) {
		char hex[9];

		memcpy(hex, s + 8 * i, 8);
		hex[8] = '\0';
		w[i] = (uint32_t)strtoul(hex, NULL, 16);
	}
	if (v6)
		ef_addr_from_v6(a, w);
	else
		ef_addr_from_v4(a, w[0]);
	return 0;
}

static size_t read_conns(const char *path, bool v6, struct conn *c, size_t n, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return n;
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return n;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		char la[40], ra[40];
		unsigned lp, rp, st;

		if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x", la, &lp, ra, &rp,
			   &st) != 5 ||
		    strlen(la) != (v6 ? 32u : 8u))
			continue;
		parse_hexaddr(la, &c[n].local, v6);
		parse_hexaddr(ra, &c[n].remote, v6);
		c[n].lport = lp;
		c[n].rport = rp;
		c[n].state = (int)st;
		n++;
	}
	fclose(f);
	return n;
}

/* The managed NIC (index into dp->att) holding a local address, or -1. */
static int att_of(const struct ef_dp *dp, struct ifaddrs *ifs, const union ef_addr *a)
{
	for (struct ifaddrs *i = ef_ifaddrs_find(ifs, a); i; i = ef_ifaddrs_find(i->ifa_next, a)) {
		for (size_t k = 0; k < dp->natt; k++)
			if (!strcmp(dp->att[k].ifname, i->ifa_name))
				return (int)k;
	}
	return -1;
}

static bool listening(const struct conn *c, size_t n, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].state == TCP_LISTEN && c[i].lport == port)
			return true;
	return false;
}

int ef_seed_established(struct ef_dp *live)
{
	struct ef_dp_opts o = { .pin_dir = live->pin_dir, .dry_run = true, .require_pins = true };
	struct conn *c = calloc(MAX_CONNS, sizeof(*c));
	struct ifaddrs *ifs = NULL;
	struct ef_dp dry;
	struct timespec ts;
	size_t n = 0;
	int seeded = 0, err;

	if (!c)
		return -ENOMEM;
	n = read_conns("/proc/net/tcp", false, c, n, MAX_CONNS);
	n = read_conns("/proc/net/tcp6", true, c, n, MAX_CONNS);
	if (!n || getifaddrs(&ifs)) {
		free(c);
		return 0;
	}
	err = ef_dp_open(&dry, NULL, &o);
	if (err) {
		freeifaddrs(ifs);
		free(c);
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (size_t i = 0; i < n; i++) {
		char ls[EF_ADDRSTRLEN], rs[EF_ADDRSTRLEN];
		bool in = listening(c, n, c[i].lport);
		int k = c[i].state == TCP_ESTABLISHED ? att_of(live, ifs, &c[i].local) : -1;
		struct pkt p = { .proto = IPPROTO_TCP, .flags = EF_TCP_SYN, .seq = 1 };
		uint8_t buf[PKT_MAX];
		size_t len;
		struct ef_trace t;
		__u32 zero = 0;
		int prog;

		if (k < 0)
			continue;
		p.family = ef_addr_family(&c[i].local);
		ef_addr_fmt(&c[i].local, ls, sizeof(ls));
		ef_addr_fmt(&c[i].remote, rs, sizeof(rs));
		/* the SYN that would have opened it */
		p.src = in ? rs : ls;
		p.dst = in ? ls : rs;
		p.sport = (uint16_t)(in ? c[i].rport : c[i].lport);
		p.dport = (uint16_t)(in ? c[i].lport : c[i].rport);
		len = pkt_build(&p, buf);
		{
			LIBBPF_OPTS(bpf_test_run_opts, r, .data_in = buf,
				    .data_size_in = (__u32)len, .repeat = 1);
			struct xdp_md x = { .data_end = (__u32)len,
					    .ingress_ifindex = (__u32)live->att[k].ifindex };
			struct __sk_buff sk = { .ifindex = (__u32)live->att[k].ifindex };

			prog = bpf_program__fd(in ? dry.skel->progs.edgefw_xdp :
						    dry.skel->progs.edgefw_tc_egress);
			r.ctx_in = in ? (void *)&x : (void *)&sk;
			r.ctx_size_in = in ? sizeof(x) : sizeof(sk);
			memset(&t, 0, sizeof(t));
			bpf_map_update_elem(dry.trace_fd, &zero, &t, BPF_ANY);
			if (bpf_prog_test_run_opts(prog, &r) ||
			    bpf_map_lookup_elem(dry.trace_fd, &zero, &t))
				continue;
		}
		if (t.action != EF_ACT_PASS || t.reason != EF_R_RULE)
			continue;
		{
			struct ef_flow_key key = { .local = c[i].local,
						   .remote = c[i].remote,
						   .lport = (__u16)c[i].lport,
						   .rport = (__u16)c[i].rport,
						   .proto = IPPROTO_TCP,
						   .role = (__u8)live->att[k].role };
			struct ef_flow f = {
				.seen_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec,
				.epoch = t.epoch,
				.rule = t.rule,
				.state = EF_FS_EST,
				.flags = in ? 0 : EF_FLOW_ORIG_OUT,
				.born_s = (__u32)ts.tv_sec,
			};

			ef_flowports_set(live->maps.flowports, key.lport);
			if (bpf_map_update_elem(live->maps.flows, &key, &f, BPF_NOEXIST) == 0) {
				pr_debug("kept established %s:%u <-> %s:%u\n", ls, c[i].lport, rs,
					 c[i].rport);
				seeded++;
			}
		}
	}
	ef_dp_close(&dry, true);
	freeifaddrs(ifs);
	free(c);
	return seeded;
}
