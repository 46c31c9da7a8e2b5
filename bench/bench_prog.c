// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw program benchmarks with BPF_PROG_TEST_RUN (the kernel times the
 * loop: opts.duration is ns per repetition).  Every figure is the median of
 * RUNS runs with min and max, next to an empty XDP_PASS program measured in
 * the same run.  Nothing is asserted; it reports.
 *
 *   program cost     a Lync traffic mix, per class, against the empty program
 *   scaling          the same with 1k..1M random peer prefixes, and 10k rules
 *   flow table       insert cost of a new flow, lookup cost of an established one
 *   policy changes   time to load and to hot-swap a policy; peak RSS
 *
 * Writes JSON to argv[1] (default bench/prog-results.json).  Root.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/resource.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "edgefw/parse.h"
#include "apply.h"
#include "compile.h"
#include "datapath.h"
#include "log.h"
#include "pktbuild.h"
#include "policy.h"
#include "edgefw.skel.h"

#define RUNS   7
#define REPEAT 200000
#define POLICY "policies/lync2013-scaled-edge-dnslb-public.json"

static int ifindex[EF_ROLE_MAX];
static json_object *results;

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

struct fig {
	double med, min, max;
};

static json_object *fig_json(struct fig f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "median", json_object_new_double(f.med));
	json_object_object_add(o, "min", json_object_new_double(f.min));
	json_object_object_add(o, "max", json_object_new_double(f.max));
	return o;
}

/* ns per packet: median/min/max over RUNS runs of `repeat` repetitions. */
static struct fig time_prog(int prog, int role, const uint8_t *buf, size_t len, int repeat)
{
	__u32 d[RUNS];
	struct xdp_md x = { .data_end = (__u32)len,
			    .ingress_ifindex = (__u32)ifindex[role] };

	for (int r = 0; r < RUNS; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len,
			    .ctx_in = &x, .ctx_size_in = sizeof(x), .repeat = repeat);

		if (bpf_prog_test_run_opts(prog, &o)) {
			perror("BPF_PROG_TEST_RUN");
			exit(1);
		}
		d[r] = o.duration;
	}
	qsort(d, RUNS, sizeof(d[0]), cmp_u32);
	return (struct fig){ d[RUNS / 2], d[0], d[RUNS - 1] };
}

static int empty_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "empty_pass", "GPL", insns, 2, NULL);

	if (fd < 0) {
		perror("loading the empty program");
		exit(1);
	}
	return fd;
}

/* ---- the node -------------------------------------------------------------- */

struct bench {
	struct ef_dp dp, dry;
	struct ef_policy *pol;
	struct ef_compiled comp;
	__u32 epoch;
	char pin[64];
};

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(1);
	}
}

/* The shipped policy for edge1 on our veths; extra JSON mutations are
 * applied by the caller through the json object. */
static json_object *policy_json(void)
{
	json_object *root = json_object_from_file(POLICY), *nodes, *n, *ifs;

	if (!root) {
		fprintf(stderr, "cannot read %s\n", POLICY);
		exit(1);
	}
	json_object_object_get_ex(root, "nodes", &nodes);
	n = json_object_array_get_idx(nodes, 0);
	ifs = json_object_new_object();
	json_object_object_add(ifs, "external", json_object_new_string("efbx0"));
	json_object_object_add(ifs, "internal", json_object_new_string("efbi0"));
	json_object_object_add(n, "interfaces", ifs);
	{
		json_object *addrs, *a;

		json_object_object_get_ex(n, "addresses", &addrs);
		json_object_object_get_ex(addrs, "av", &a);
		json_object_array_add(a, json_object_new_string("2001:db8:10::12"));
		json_object_object_get_ex(addrs, "access", &a);
		json_object_array_add(a, json_object_new_string("2001:db8:10::10"));
	}
	return root;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse, compile and apply as the next generation; returns seconds taken
 * by parse+compile and by apply. */
static void load(struct bench *b, json_object *root, double *t_compile, double *t_apply)
{
	const char *text = json_object_to_json_string(root);
	struct ef_diag d;
	struct ef_policy *p;
	struct ef_compiled c;
	double t0 = now_s(), t1;

	ef_diag_init(&d, "bench");
	p = ef_policy_parse("bench", text, strlen(text), &d);
	if (!p || d.errors || ef_compile(p, ef_policy_node(p, "edge1"), -1, &c, &d)) {
		ef_diag_print(&d, stderr);
		exit(1);
	}
	ef_diag_free(&d);
	t1 = now_s();
	if (ef_apply(&b->dp.maps, &c, b->epoch + 1, NULL, 0)) {
		fprintf(stderr, "apply failed\n");
		exit(1);
	}
	if (t_compile)
		*t_compile = t1 - t0;
	if (t_apply)
		*t_apply = now_s() - t1;
	b->epoch++;
	if (b->pol) {
		ef_compiled_free(&b->comp);
		ef_policy_free(b->pol);
	}
	b->pol = p;
	b->comp = c;
}

static void setup(struct bench *b)
{
	struct ef_dp_opts o = { 0 }, dry = { .dry_run = true, .require_pins = true };
	struct ef_settings s;
	json_object *root;
	int idx[2], role[2] = { EF_ROLE_EXTERNAL, EF_ROLE_INTERNAL };

	memset(b, 0, sizeof(*b));
	if (unshare(CLONE_NEWNET)) {
		perror("unshare (root needed)");
		exit(1);
	}
	sh("ip link add efbx0 type veth peer name efbx1 && ip link add efbi0 type veth peer name efbi1 && "
	   "ip link set efbx0 up && ip link set efbi0 up");
	ifindex[EF_ROLE_EXTERNAL] = (int)if_nametoindex("efbx0");
	ifindex[EF_ROLE_INTERNAL] = (int)if_nametoindex("efbi0");
	snprintf(b->pin, sizeof(b->pin), "/sys/fs/bpf/efb-bench-%d", (int)getpid());
	o.pin_dir = b->pin;
	dry.pin_dir = b->pin;
	memset(&s, 0, sizeof(s));
	s.flow_table_size = EF_DEF_FLOWS;
	s.new_flow_table_size = EF_DEF_FLOWS_NEW;
	s.fragment_table_size = EF_DEF_FRAGS;
	if (ef_dp_open(&b->dp, &s, &o) || ef_dp_open(&b->dry, NULL, &dry))
		exit(1);
	root = policy_json();
	load(b, root, NULL, NULL);
	json_object_put(root);
	idx[0] = ifindex[0];
	idx[1] = ifindex[1];
	ef_set_ifaces(&b->dp.maps, idx, role, 2);
}

/* ---- the traffic mix ------------------------------------------------------------ */

struct cls {
	const char *name;
	int role;
	bool dry;       /* through the dry-run instance: the full decision every time */
	bool prime;     /* send it once first so that a flow exists */
	struct pkt p;
};

static struct pkt P(int fam, const char *src, int sport, const char *dst, int dport, int proto,
		    uint8_t flags)
{
	return (struct pkt){ .family = fam, .src = src, .dst = dst, .proto = proto,
			     .sport = (uint16_t)sport, .dport = (uint16_t)dport, .flags = flags,
			     .seq = 1, .ack = 1, .payload = proto == IPPROTO_UDP ? 160 : 0 };
}

static void run_once(int prog, int role, const struct pkt *p)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(p, buf);
	struct xdp_md x = { .data_end = (__u32)len, .ingress_ifindex = (__u32)ifindex[role] };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len,
		    .ctx_in = &x, .ctx_size_in = sizeof(x), .repeat = 1);

	bpf_prog_test_run_opts(prog, &o);
}

static void egress_once(struct bench *b, int role, const struct pkt *p)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(p, buf);
	struct __sk_buff sk = { .ifindex = (__u32)ifindex[role] };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len,
		    .ctx_in = &sk, .ctx_size_in = sizeof(sk), .repeat = 1);

	bpf_prog_test_run_opts(bpf_program__fd(b->dp.skel->progs.edgefw_tc_egress), &o);
}

#define ACC  "203.0.113.10"
#define WEB  "203.0.113.11"
#define AV   "203.0.113.12"
#define INT  "198.18.0.10"
#define ACC6 "2001:db8:10::10"
#define AV6  "2001:db8:10::12"

static struct cls mix[] = {
	{ "tls443-syn-new (decision)", EF_ROLE_EXTERNAL, true, false,
	  { .family = 4, .src = "198.51.100.7", .dst = "203.0.113.10", .proto = IPPROTO_TCP, .sport = 40000, .dport = 443, .flags = EF_TCP_SYN } },
	{ "sip5061-syn-new (decision)", EF_ROLE_EXTERNAL, true, false,
	  { .family = 4, .src = "198.51.100.8", .dst = ACC, .proto = IPPROTO_TCP, .sport = 40001, .dport = 5061, .flags = EF_TCP_SYN } },
	{ "stun3478-udp-new (decision)", EF_ROLE_EXTERNAL, true, false,
	  { .family = 4, .src = "198.51.100.9", .dst = AV, .proto = IPPROTO_UDP, .sport = 40002, .dport = 3478 } },
	{ "rtp50000-59999-udp-new (decision)", EF_ROLE_EXTERNAL, true, false,
	  { .family = 4, .src = "198.51.100.10", .dst = AV, .proto = IPPROTO_UDP, .sport = 40003, .dport = 55555 } },
	{ "stun3478-udp-new-ipv6 (decision)", EF_ROLE_EXTERNAL, true, false,
	  { .family = 6, .src = "2001:db8:77::9", .dst = AV6, .proto = IPPROTO_UDP, .sport = 40002, .dport = 3478 } },
	{ "scan-denied tcp 8080", EF_ROLE_EXTERNAL, false, false,
	  { .family = 4, .src = "198.51.100.66", .dst = ACC, .proto = IPPROTO_TCP, .sport = 40004, .dport = 8080, .flags = EF_TCP_SYN } },
	{ "scan-denied udp 3478 to access", EF_ROLE_EXTERNAL, false, false,
	  { .family = 4, .src = "198.51.100.67", .dst = ACC, .proto = IPPROTO_UDP, .sport = 40005, .dport = 3478 } },
	{ "scan-denied ipv6 tcp 8080", EF_ROLE_EXTERNAL, false, false,
	  { .family = 6, .src = "2001:db8:66::1", .dst = ACC6, .proto = IPPROTO_TCP, .sport = 40004, .dport = 8080, .flags = EF_TCP_SYN } },
	{ "tracked flow: stun 3478 inbound data", EF_ROLE_EXTERNAL, false, true,
	  { .family = 4, .src = "198.51.100.11", .dst = AV, .proto = IPPROTO_UDP, .sport = 40006, .dport = 3478 } },
	{ "tracked flow: dns reply (node-opened)", EF_ROLE_EXTERNAL, false, false,
	  { .family = 4, .src = "198.51.100.53", .dst = ACC, .proto = IPPROTO_UDP, .sport = 53, .dport = 41000 } },
	{ "tracked flow: ipv6 rtp reply (node-opened)", EF_ROLE_EXTERNAL, false, false,
	  { .family = 6, .src = "2001:db8:77::12", .dst = AV6, .proto = IPPROTO_UDP, .sport = 40007, .dport = 50010 } },
};

static void set_payloads(void)
{
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		mix[i].p.seq = 1;
		if (mix[i].p.proto == IPPROTO_UDP)
			mix[i].p.payload = 160;
	}
}

/* Open the flows the "tracked" classes belong to. */
static void prime(struct bench *b)
{
	struct pkt dns = P(4, ACC, 41000, "198.51.100.53", 53, IPPROTO_UDP, 0);
	struct pkt rtp6 = P(6, AV6, 50010, "2001:db8:77::12", 40007, IPPROTO_UDP, 0);

	egress_once(b, EF_ROLE_EXTERNAL, &dns);
	egress_once(b, EF_ROLE_EXTERNAL, &rtp6);
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
		if (mix[i].prime)
			run_once(bpf_program__fd(b->dp.skel->progs.edgefw_xdp), mix[i].role, &mix[i].p);
}

/* The mix, each class against the empty program; into obj[name]. */
static double bench_mix(struct bench *b, int empty, json_object *obj, bool verbose)
{
	double worst = 0;

	prime(b);
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(&mix[i].p, buf);
		int prog = bpf_program__fd(mix[i].dry ? b->dry.skel->progs.edgefw_xdp :
							 b->dp.skel->progs.edgefw_xdp);
		struct fig f = time_prog(prog, mix[i].role, buf, len, REPEAT);
		struct fig e = time_prog(empty, mix[i].role, buf, len, REPEAT);
		json_object *c = json_object_new_object();
		double ratio = e.med > 0 ? f.med / e.med : 0;

		json_object_object_add(c, "edgefw_ns", fig_json(f));
		json_object_object_add(c, "empty_ns", fig_json(e));
		json_object_object_add(c, "ratio", json_object_new_double(ratio));
		json_object_object_add(obj, mix[i].name, c);
		if (verbose)
			printf("  %-44s %6.1f ns [%5.1f-%5.1f]  empty %5.1f ns  ratio %5.2f\n",
			       mix[i].name, f.med, f.min, f.max, e.med, ratio);
		if (f.med > worst)
			worst = f.med;
	}
	return worst;
}

/* ---- scaling ------------------------------------------------------------------------ */

static unsigned rnd(void)
{
	static unsigned long long s = 0x9e3779b97f4a7c15ull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (unsigned)s;
}

/* n random prefixes (not dense): IPv4 /16../32 with clear host bits,
 * plus the prefix that holds the probe's source. */
static json_object *random_set(size_t n)
{
	json_object *a = json_object_new_array();
	char buf[64];

	json_object_array_add(a, json_object_new_string("198.18.2.0/24"));
	for (size_t i = 1; i < n; i++) {
		unsigned len = 16 + rnd() % 17, v = rnd();

		v = len == 32 ? v : v & ~((1u << (32 - len)) - 1);
		if ((v >> 24) == 198 || (v >> 24) == 0 || (v >> 24) >= 224 || (v >> 24) == 127)
			v ^= 0x40000000; /* keep clear of the probe and of odd ranges */
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%u", v >> 24, (v >> 16) & 255,
			 (v >> 8) & 255, v & 255, len);
		json_object_array_add(a, json_object_new_string(buf));
	}
	return a;
}

static void bench_scaling(struct bench *b, int empty)
{
	static const size_t sizes[] = { 0, 1000, 10000, 100000, 1000000 };
	json_object *sc = json_object_new_object();
	struct pkt probe = P(4, "198.18.2.5", 40010, INT, 5061, IPPROTO_TCP, EF_TCP_SYN);
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(&probe, buf);
	double base = 0;
	struct rusage ru;

	printf("\nscaling: a SYN to internal 5061 from a peer checked against sip_next_hop\n");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		json_object *root = policy_json(), *peers, *c = json_object_new_object();
		double tc = 0, ta = 0;
		struct fig f, e;
		char name[32];

		if (sizes[k]) {
			json_object_object_get_ex(root, "peers", &peers);
			json_object_object_add(peers, "sip_next_hop", random_set(sizes[k]));
		} else {
			json_object_object_get_ex(root, "peers", &peers);
			json_object_object_add(peers, "sip_next_hop", random_set(1));
		}
		load(b, root, &tc, &ta);
		json_object_put(root);
		f = time_prog(bpf_program__fd(b->dry.skel->progs.edgefw_xdp), EF_ROLE_INTERNAL, buf, len,
			      REPEAT);
		e = time_prog(empty, EF_ROLE_INTERNAL, buf, len, REPEAT);
		if (!base)
			base = f.med;
		snprintf(name, sizeof(name), "%zu", sizes[k] ? sizes[k] : 1);
		json_object_object_add(c, "edgefw_ns", fig_json(f));
		json_object_object_add(c, "empty_ns", fig_json(e));
		json_object_object_add(c, "vs_shipped", json_object_new_double(f.med / base));
		json_object_object_add(c, "compile_s", json_object_new_double(tc));
		json_object_object_add(c, "apply_s", json_object_new_double(ta));
		getrusage(RUSAGE_SELF, &ru);
		json_object_object_add(c, "peak_rss_kib", json_object_new_int64(ru.ru_maxrss));
		json_object_object_add(sc, name, c);
		printf("  %8s prefixes: %6.1f ns [%5.1f-%5.1f]  x%4.2f of shipped  (compile %.3fs, apply %.3fs, peak RSS %ld MiB)\n",
		       name, f.med, f.min, f.max, f.med / base, tc, ta, ru.ru_maxrss / 1024);
	}
	json_object_object_add(results, "scaling_peer_prefixes", sc);

	/* 10k rules on distinct ports of the access address */
	{
		json_object *root = policy_json(), *rules, *c = json_object_new_object();
		double tc, ta;
		struct fig f, e;
		struct pkt tls = mix[0].p;

		json_object_object_get_ex(root, "rules", &rules);
		for (int i = 0; i < 10000; i++) {
			json_object *r = json_object_new_object();
			char nm[32], port[16];

			snprintf(nm, sizeof(nm), "bulk-%d", i);
			snprintf(port, sizeof(port), "%d", 10000 + i * 5 + (int)(rnd() % 5));
			json_object_object_add(r, "name", json_object_new_string(nm));
			json_object_object_add(r, "interface", json_object_new_string("external"));
			json_object_object_add(r, "direction", json_object_new_string("in"));
			json_object_object_add(r, "service", json_object_new_string("access"));
			json_object_object_add(r, "protocol", json_object_new_string(i & 1 ? "udp" : "tcp"));
			json_object_object_add(r, "ports", json_object_new_string(port));
			json_object_object_add(r, "peer", json_object_new_string("any"));
			json_object_array_add(rules, r);
		}
		load(b, root, &tc, &ta);
		json_object_put(root);
		len = pkt_build(&tls, buf);
		f = time_prog(bpf_program__fd(b->dry.skel->progs.edgefw_xdp), EF_ROLE_EXTERNAL, buf, len,
			      REPEAT);
		e = time_prog(empty, EF_ROLE_EXTERNAL, buf, len, REPEAT);
		json_object_object_add(c, "edgefw_ns", fig_json(f));
		json_object_object_add(c, "empty_ns", fig_json(e));
		json_object_object_add(c, "compile_s", json_object_new_double(tc));
		json_object_object_add(c, "apply_s", json_object_new_double(ta));
		json_object_object_add(c, "port_prefixes", json_object_new_int64((int64_t)b->comp.nports));
		json_object_object_add(results, "scaling_10k_rules", c);
		printf("  10k rules: tls443 decision %6.1f ns [%5.1f-%5.1f] (%zu port prefixes, compile %.3fs, apply %.3fs)\n",
		       f.med, f.min, f.max, b->comp.nports, tc, ta);
	}
}

/* ---- flow table -------------------------------------------------------------------- */

static void bench_flows(struct bench *b)
{
	int xdp = bpf_program__fd(b->dp.skel->progs.edgefw_xdp);
	const int n = 20000;
	__u32 *ins = calloc(n, sizeof(__u32)), *hit = calloc(n, sizeof(__u32));
	json_object *o = json_object_new_object();
	char src[32];

	/* each packet a new UDP flow to av:3478 (insert), then the same again (hit) */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			struct pkt p;
			uint8_t buf[PKT_MAX];
			size_t len;
			struct xdp_md x = { .ingress_ifindex = (__u32)ifindex[EF_ROLE_EXTERNAL] };

			snprintf(src, sizeof(src), "198.18.%d.%d", 128 + i / 250, 1 + i % 250);
			p = P(4, src, 1024 + i % 60000, AV, 3478, IPPROTO_UDP, 0);
			len = pkt_build(&p, buf);
			x.data_end = (__u32)len;
			{
				LIBBPF_OPTS(bpf_test_run_opts, r, .data_in = buf, .data_size_in = (__u32)len,
					    .ctx_in = &x, .ctx_size_in = sizeof(x), .repeat = 1);

				bpf_prog_test_run_opts(xdp, &r);
				(pass ? hit : ins)[i] = r.duration;
			}
		}
	qsort(ins, n, sizeof(__u32), cmp_u32);
	qsort(hit, n, sizeof(__u32), cmp_u32);
	json_object_object_add(o, "new_flow_insert_ns", fig_json((struct fig){ ins[n / 2], ins[n / 20], ins[n - n / 20] }));
	json_object_object_add(o, "established_lookup_ns", fig_json((struct fig){ hit[n / 2], hit[n / 20], hit[n - n / 20] }));
	json_object_object_add(o, "note", json_object_new_string("single repetitions, kernel-timed; min/max are the 5th/95th percentiles of 20000"));
	json_object_object_add(results, "flow_table", o);
	printf("\nflow table (one packet per run, 20000 flows; median [p5-p95]):\n"
	       "  new flow (rule + insert): %u ns [%u-%u]\n  established (lookup):     %u ns [%u-%u]\n",
	       ins[n / 2], ins[n / 20], ins[n - n / 20], hit[n / 2], hit[n / 20], hit[n - n / 20]);
	free(ins);
	free(hit);
}

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "bench/prog-results.json";
	struct bench b;
	json_object *mixo = json_object_new_object();
	int empty;
	double t0;

	ef_log_level = EF_LOG_WARN;
	ef_log_setup_libbpf();
	results = json_object_new_object();
	set_payloads();
	t0 = now_s();
	setup(&b);
	empty = empty_prog();
	printf("program cost (BPF_PROG_TEST_RUN, %d x %d repetitions; median [min-max])\n", RUNS, REPEAT);
	bench_mix(&b, empty, mixo, true);
	json_object_object_add(results, "program_cost", mixo);
	if (argc > 2 && !strcmp(argv[2], "mix")) { /* quick look while optimising */
		ef_dp_close(&b.dry, true);
		ef_dp_close(&b.dp, false);
		return 0;
	}
	bench_flows(&b);
	bench_scaling(&b, empty);
	{
		/* hot swap of the shipped policy, and of a 100k-prefix one */
		json_object *root = policy_json(), *peers, *c = json_object_new_object();
		double tc, ta;

		load(&b, root, &tc, &ta);
		json_object_object_add(c, "shipped_compile_s", json_object_new_double(tc));
		json_object_object_add(c, "shipped_apply_s", json_object_new_double(ta));
		json_object_object_get_ex(root, "peers", &peers);
		json_object_object_add(peers, "sip_next_hop", random_set(100000));
		load(&b, root, &tc, &ta);
		json_object_object_add(c, "prefixes_100k_compile_s", json_object_new_double(tc));
		json_object_object_add(c, "prefixes_100k_apply_s", json_object_new_double(ta));
		load(&b, root, &tc, &ta); /* a swap that also clears the old slot's 100k */
		json_object_object_add(c, "prefixes_100k_reapply_s", json_object_new_double(ta));
		json_object_put(root);
		json_object_object_add(results, "policy_changes", c);
		printf("\npolicy changes: shipped compile %.4fs apply %.4fs; 100k prefixes compile %.3fs apply %.3fs\n",
		       json_object_get_double(json_object_object_get(c, "shipped_compile_s")),
		       json_object_get_double(json_object_object_get(c, "shipped_apply_s")),
		       json_object_get_double(json_object_object_get(c, "prefixes_100k_compile_s")),
		       json_object_get_double(json_object_object_get(c, "prefixes_100k_apply_s")));
	}
	json_object_object_add(results, "runs", json_object_new_int(RUNS));
	json_object_object_add(results, "repeat", json_object_new_int(REPEAT));
	json_object_object_add(results, "elapsed_s", json_object_new_double(now_s() - t0));
	if (json_object_to_file_ext(out, results, JSON_C_TO_STRING_PRETTY))
		fprintf(stderr, "cannot write %s\n", out);
	ef_dp_close(&b.dry, true);
	ef_dp_close(&b.dp, false);
	printf("\nwrote %s (%.0f s)\n", out, now_s() - t0);
	return 0;
}
