// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw program benchmarks with BPF_PROG_TEST_RUN (the kernel times the
 * loop: opts.duration is ns per repetition).  Every figure is the median of
 * RUNS runs with min and max, next to an empty XDP_PASS program measured in
 * the same run.  Nothing is asserted; it reports.
 *
 *   program cost     a Lync traffic mix, per class, against the empty program
 *   flow table       insert cost of a new flow, lookup cost of an established one,
 *                    against the empty program timed the same way; whether a
 *                    lookup rewrites the entry
 *   events           the data path with events on and off; the ring buffer alone
 *                    (a counting consumer on the other CPU); formatting one event
 *                    as the agent does (ECS JSON line)
 *   scaling          the same with 1k..1M random peer prefixes, and 10k rules;
 *                    compile and apply time of each policy
 *
 * Policy load and hot swap with the real agent (time, peak RSS) are measured
 * by bench/wire/run.sh.  Writes JSON to argv[1] (default bench/out/prog.json).
 * Root.  Its network namespace is private; its pins are under
 * /sys/fs/bpf/efb-bench-PID, removed on exit (and those of dead runs at start).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
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
#include "events.h"
#include "bpflog.h"
#include "capture.h"
#include "log.h"
#include "pktbuild.h"
#include "policy.h"
#include "edgefw.skel.h"

#define RUNS 7
#define REPEAT 200000
#define LOADS 5	   /* compile + apply of each scaled policy */
#define FLOWS 4000 /* new flows per flow-table run */
#define EV_REPEAT 400000
#define EV_FORMAT 20000
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

static struct fig fig_of(double *v, int n);

/* ns per packet: median/min/max over RUNS runs of `repeat` repetitions. */
static struct fig time_prog(int prog, int role, const uint8_t *buf, size_t len, int repeat)
{
	__u32 d[RUNS];
	struct xdp_md x = { .data_end = (__u32)len, .ingress_ifindex = (__u32)ifindex[role] };

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

/* ---- pins: ours removed at exit, dead runs' at start ---------------------------- */

static char pin_dir[64];

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

static void remove_pins(void)
{
	if (pin_dir[0])
		rm_dir(pin_dir);
}

static void remove_stale_pins(void)
{
	DIR *d = opendir("/sys/fs/bpf");
	struct dirent *e;
	char p[300];
	int pid;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "efb-bench-%d", &pid) == 1 && pid > 0 && kill(pid, 0) &&
		    errno == ESRCH) {
			snprintf(p, sizeof(p), "/sys/fs/bpf/%s", e->d_name);
			rm_dir(p);
		}
	closedir(d);
}

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
	remove_stale_pins();
	snprintf(pin_dir, sizeof(pin_dir), "%s", b->pin);
	atexit(remove_pins);
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
	bool dry;   /* through the dry-run instance: the full decision every time */
	bool prime; /* send it once first so that a flow exists */
	struct pkt p;
};

static struct pkt P(int fam, const char *src, int sport, const char *dst, int dport, int proto,
		    uint8_t flags) {
	return (struct pkt){ .family = fam,
			     .src = src,
			     .dst = dst,
			     .proto = proto,
			     .sport = (uint16_t)sport,
			     .dport = (uint16_t)dport,
			     .flags = flags,
			     .seq = 1,
			     .ack = 1,
			     .payload = proto == IPPROTO_UDP ? 160 : 0 };
}

static void
run_once(int prog, int role, const struct pkt *p)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(p, buf);
	struct xdp_md x = { .data_end = (__u32)len, .ingress_ifindex = (__u32)ifindex[role] };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len, .ctx_in = &x,
		    .ctx_size_in = sizeof(x), .repeat = 1);

	bpf_prog_test_run_opts(prog, &o);
}

static void egress_once(struct bench *b, int role, const struct pkt *p)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(p, buf);
	struct __sk_buff sk = { .ifindex = (__u32)ifindex[role] };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len, .ctx_in = &sk,
		    .ctx_size_in = sizeof(sk), .repeat = 1);

	bpf_prog_test_run_opts(bpf_program__fd(b->dp.skel->progs.edgefw_tc_egress), &o);
}

#define ACC "203.0.113.10"
#define WEB "203.0.113.11"
#define AV "203.0.113.12"
#define INT "198.18.0.10"
#define ACC6 "2001:db8:10::10"
#define AV6 "2001:db8:10::12"

/* name; dry, prime; the packet: family, src sport -> dst dport, protocol, TCP flags (the
 * external NIC; set_payloads() adds the rest) */
#define CLS(n, dry, prime, fam, from, sp, to, dp, l4, fl)                                          \
	{                                                                                          \
		n, EF_ROLE_EXTERNAL, dry, prime,                                                   \
		{                                                                                  \
			.family = fam, .src = from, .dst = to, .proto = IPPROTO_##l4, .sport = sp, \
			.dport = dp, .flags = fl                                                   \
		}                                                                                  \
	}

static struct cls mix[] = {
	/* clang-format off */
	CLS("tls443-syn-new (decision)", true, false, 4, "198.51.100.7", 40000, "203.0.113.10", 443, TCP, EF_TCP_SYN),
	CLS("sip5061-syn-new (decision)", true, false, 4, "198.51.100.8", 40001, ACC, 5061, TCP, EF_TCP_SYN),
	CLS("stun3478-udp-new (decision)", true, false, 4, "198.51.100.9", 40002, AV, 3478, UDP, 0),
	CLS("rtp50000-59999-udp-new (decision)", true, false, 4, "198.51.100.10", 40003, AV, 55555, UDP, 0),
	CLS("stun3478-udp-new-ipv6 (decision)", true, false, 6, "2001:db8:77::9", 40002, AV6, 3478, UDP, 0),
	CLS("scan-denied tcp 8080", false, false, 4, "198.51.100.66", 40004, ACC, 8080, TCP, EF_TCP_SYN),
	CLS("scan-denied udp 3478 to access", false, false, 4, "198.51.100.67", 40005, ACC, 3478, UDP, 0),
	CLS("scan-denied ipv6 tcp 8080", false, false, 6, "2001:db8:66::1", 40004, ACC6, 8080, TCP, EF_TCP_SYN),
	CLS("tracked flow: stun 3478 inbound data", false, true, 4, "198.51.100.11", 40006, AV, 3478, UDP, 0),
	CLS("tracked flow: dns reply (node-opened)", false, false, 4, "198.51.100.53", 53, ACC, 41000, UDP, 0),
	CLS("tracked flow: ipv6 rtp reply (node-opened)", false, false, 6, "2001:db8:77::12", 40007, AV6, 50010, UDP, 0),
	/* clang-format on */
};
#undef CLS

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
			run_once(bpf_program__fd(b->dp.skel->progs.edgefw_xdp), mix[i].role,
				 &mix[i].p);
}

/* One BPF_PROG_TEST_RUN of `repeat` repetitions: ns per repetition. */
static double time_once(int prog, int role, const uint8_t *buf, size_t len, int repeat)
{
	struct xdp_md x = { .data_end = (__u32)len, .ingress_ifindex = (__u32)ifindex[role] };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len, .ctx_in = &x,
		    .ctx_size_in = sizeof(x), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog, &o)) {
		perror("BPF_PROG_TEST_RUN");
		exit(1);
	}
	return o.duration;
}

/*
 * The mix, each class against the empty program; into obj[name].  Rounds
 * interleave the classes (each round times every class and the empty
 * program once), so that other load on the machine hits all of them alike.
 */
static double bench_mix(struct bench *b, int empty, json_object *obj, bool verbose)
{
	enum { N = sizeof(mix) / sizeof(mix[0]) };
	static double tf[N][RUNS], te[N][RUNS];
	double worst = 0;

	prime(b);
	for (int r = 0; r < RUNS; r++)
		for (size_t i = 0; i < N; i++) {
			uint8_t buf[PKT_MAX];
			size_t len = pkt_build(&mix[i].p, buf);
			int prog = bpf_program__fd(mix[i].dry ? b->dry.skel->progs.edgefw_xdp :
								b->dp.skel->progs.edgefw_xdp);

			tf[i][r] = time_once(prog, mix[i].role, buf, len, REPEAT);
			te[i][r] = time_once(empty, mix[i].role, buf, len, REPEAT);
		}
	for (size_t i = 0; i < N; i++) {
		struct fig f = fig_of(tf[i], RUNS), e = fig_of(te[i], RUNS);
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

/*
 * `bench_prog OUT spin NAME [SECONDS]`: one class of the mix, repeated for
 * SECONDS (default 10), so that `perf stat -e instructions,cycles` on the
 * CPU it runs on counts what one packet of that class costs.
 */
static int spin(struct bench *b, const char *name, double secs)
{
	enum { N = sizeof(mix) / sizeof(mix[0]) };
	uint8_t buf[PKT_MAX];
	long long reps = 0;
	double t0, sum = 0;
	size_t i, len;
	int prog;

	for (i = 0; i < N && strcmp(mix[i].name, name); i++)
		;
	if (i == N) {
		fprintf(stderr, "bench_prog: no class \"%s\" in the mix\n", name);
		return 2;
	}
	prime(b);
	len = pkt_build(&mix[i].p, buf);
	prog = bpf_program__fd(mix[i].dry ? b->dry.skel->progs.edgefw_xdp :
					    b->dp.skel->progs.edgefw_xdp);
	t0 = now_s();
	while (now_s() - t0 < secs) {
		sum += time_once(prog, mix[i].role, buf, len, REPEAT);
		reps += REPEAT;
	}
	printf("%s: %lld packets, %.1f ns each\n", name, reps, sum * REPEAT / (double)reps);
	ef_dp_close(&b->dry, true);
	ef_dp_close(&b->dp, false);
	return 0;
}

/* ---- the cost of each stage ------------------------------------------------------------ */

/*
 * The object loaded once per stage with ef_bench_stop (over the same pinned
 * maps): the program drops each packet at the end of that stage, so the
 * difference between consecutive stages is what the stage costs.  Three
 * packets: a denied SYN (the flood's), a tracked flow's, a new-flow decision
 * (dry-run instances: they open no flow, every repetition decides again).
 */
static const char *const stage_names[] = { "parse", "config", "lists", "shield",
					   "flow",  "rule",   "finish" };
#define NSTAGES 7

static void bench_stages(struct bench *b, int empty)
{
	static const struct {
		const char *name;
		int mix; /* index in mix[] */
		bool dry;
	} pk[] = {
		{ "denied SYN (tcp 8080)", 5, false },
		{ "tracked flow (dns reply)", 9, false },
		{ "new-flow decision (tls 443 SYN)", 0, true },
	};
	struct ef_dp inst[2][NSTAGES];
	json_object *o = json_object_new_object();

	for (int d = 0; d < 2; d++)
		for (int st = 0; st < NSTAGES - 1; st++) {
			struct ef_dp_opts opt = { .pin_dir = b->pin,
						  .require_pins = true,
						  .dry_run = d,
						  .bench_stop = st + 1,
						  .only_hook = 1 + EF_HOOK_INGRESS };

			if (ef_dp_open(&inst[d][st], NULL, &opt)) {
				fprintf(stderr, "cannot load the stage %d instance\n", st + 1);
				exit(1);
			}
		}
	printf("\ncost by stage (cumulative ns, BPF_PROG_TEST_RUN; each stage: the program dropping at its end)\n");
	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		const struct pkt *p = &mix[pk[i].mix].p;
		int role = mix[pk[i].mix].role;
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(p, buf);
		double t[NSTAGES][RUNS], e[RUNS];
		json_object *c = json_object_new_object(), *cum = json_object_new_object(),
			    *inc = json_object_new_object();
		struct fig f[NSTAGES], fe;

		/* interleaved: every stage and the empty program once a round */
		for (int r = 0; r < RUNS; r++) {
			for (int st = 0; st < NSTAGES; st++) {
				const struct ef_dp *dp = st < NSTAGES - 1 ? &inst[pk[i].dry][st] :
							 pk[i].dry	  ? &b->dry :
									    &b->dp;

				t[st][r] = time_once(bpf_program__fd(dp->skel->progs.edgefw_xdp),
						     role, buf, len, REPEAT);
			}
			e[r] = time_once(empty, role, buf, len, REPEAT);
		}
		fe = fig_of(e, RUNS);
		printf("  %-34s", pk[i].name);
		for (int st = 0; st < NSTAGES; st++) {
			f[st] = fig_of(t[st], RUNS);
			json_object_object_add(cum, stage_names[st], fig_json(f[st]));
			json_object_object_add(
				inc, stage_names[st],
				json_object_new_double(f[st].med - (st ? f[st - 1].med : fe.med)));
			printf(" %s %5.1f", stage_names[st],
			       f[st].med - (st ? f[st - 1].med : fe.med));
		}
		printf("  = %5.1f ns (empty %4.1f)\n", f[NSTAGES - 1].med, fe.med);
		json_object_object_add(c, "cumulative_ns", cum);
		json_object_object_add(c, "stage_ns", inc);
		json_object_object_add(c, "empty_ns", fig_json(fe));
		json_object_object_add(o, pk[i].name, c);
	}
	json_object_object_add(results, "stages", o);
	for (int d = 0; d < 2; d++)
		for (int st = 0; st < NSTAGES - 1; st++)
			ef_dp_close(&inst[d][st], true);
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
		if ((v >> 24) == 198 || (v >> 24) == 0 || (v >> 24) >= 224 || (v >> 24) == 127 ||
		    ((v ^ 0xc0000200u) >> (32 - (len < 24 ? len : 24))) == 0)
			v ^= 0x40000000; /* keep clear of the probe, of odd ranges and of 192.0.2.0/24 */
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
	uint8_t buf[PKT_MAX], rbuf[PKT_MAX];
	size_t len = pkt_build(&probe, buf), rlen = pkt_build(&mix[0].p, rbuf);
	int dry = bpf_program__fd(b->dry.skel->progs.edgefw_xdp);
	double base = 0, base_norm = 0;
	struct rusage ru;

	printf("\nscaling: a SYN to internal 5061 from a peer checked against sip_next_hop\n");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		json_object *root = policy_json(), *peers, *c = json_object_new_object();
		double tc[LOADS], ta[LOADS];
		struct fig f, e, fc, fa, fr, fn;
		char name[32];

		if (sizes[k]) {
			json_object_object_get_ex(root, "peers", &peers);
			json_object_object_add(peers, "sip_next_hop", random_set(sizes[k]));
		} else {
			json_object_object_get_ex(root, "peers", &peers);
			json_object_object_add(peers, "sip_next_hop", random_set(1));
		}
		for (int l = 0; l < LOADS; l++)
			load(b, root, &tc[l], &ta[l]);
		fc = fig_of(tc, LOADS);
		fa = fig_of(ta, LOADS);
		json_object_put(root);
		/* rounds: the probe, then a reference packet that never reaches
		 * the peer set (the TLS 443 decision: its rule's peer is "any"),
		 * so that a slower machine (other load) cancels in the ratio */
		{
			double tp[RUNS], tr[RUNS], nr[RUNS];

			for (int r = 0; r < RUNS; r++) {
				tp[r] = time_once(dry, EF_ROLE_INTERNAL, buf, len, REPEAT);
				tr[r] = time_once(dry, EF_ROLE_EXTERNAL, rbuf, rlen, REPEAT);
				nr[r] = tp[r] / tr[r];
			}
			f = fig_of(tp, RUNS);
			fr = fig_of(tr, RUNS);
			fn = fig_of(nr, RUNS);
		}
		e = time_prog(empty, EF_ROLE_INTERNAL, buf, len, REPEAT);
		if (!base) {
			base = f.med;
			base_norm = fn.med;
		}
		snprintf(name, sizeof(name), "%zu", sizes[k] ? sizes[k] : 1);
		json_object_object_add(c, "edgefw_ns", fig_json(f));
		json_object_object_add(c, "empty_ns", fig_json(e));
		json_object_object_add(c, "reference_ns", fig_json(fr));
		json_object_object_add(c, "vs_shipped", json_object_new_double(f.med / base));
		json_object_object_add(c, "vs_shipped_normalised",
				       json_object_new_double(fn.med / base_norm));
		json_object_object_add(c, "compile_s", fig_json(fc));
		json_object_object_add(c, "apply_s", fig_json(fa));
		getrusage(RUSAGE_SELF, &ru);
		json_object_object_add(c, "harness_peak_rss_kib",
				       json_object_new_int64(ru.ru_maxrss));
		json_object_object_add(sc, name, c);
		printf("  %8s prefixes: %6.1f ns [%5.1f-%5.1f]  x%4.2f of shipped (x%4.2f against the reference %.0f ns)  (compile %.3fs, apply %.3fs, harness peak RSS %ld MiB)\n",
		       name, f.med, f.min, f.max, f.med / base, fn.med / base_norm, fr.med, fc.med,
		       fa.med, ru.ru_maxrss / 1024);
	}
	json_object_object_add(results, "scaling_peer_prefixes", sc);

	/* 10k rules on distinct ports of the access address */
	{
		json_object *root = policy_json(), *rules, *c = json_object_new_object();
		double tc[RUNS], ta[RUNS], base[RUNS], big[RUNS];
		struct fig f, e, fc, fa, fb;
		struct pkt tls = mix[0].p;
		int dry = bpf_program__fd(b->dry.skel->progs.edgefw_xdp);
		size_t nports = 0;

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
			json_object_object_add(r, "protocol",
					       json_object_new_string(i & 1 ? "udp" : "tcp"));
			json_object_object_add(r, "ports", json_object_new_string(port));
			json_object_object_add(r, "peer", json_object_new_string("any"));
			json_object_array_add(rules, r);
		}
		/* rounds alternate the shipped rules (the baseline) and the 10k
		 * rules, so that other load hits both alike */
		len = pkt_build(&tls, buf);
		for (int r = 0; r < RUNS; r++) {
			json_object *shipped = policy_json();

			load(b, shipped, NULL, NULL);
			json_object_put(shipped);
			base[r] = time_once(dry, EF_ROLE_EXTERNAL, buf, len, REPEAT);
			load(b, root, &tc[r], &ta[r]);
			nports = b->comp.nports;
			big[r] = time_once(dry, EF_ROLE_EXTERNAL, buf, len, REPEAT);
		}
		json_object_put(root);
		f = fig_of(big, RUNS);
		fc = fig_of(tc, RUNS);
		fa = fig_of(ta, RUNS);
		e = time_prog(empty, EF_ROLE_EXTERNAL, buf, len, REPEAT);
		fb = fig_of(base, RUNS);
		json_object_object_add(c, "edgefw_ns", fig_json(f));
		json_object_object_add(c, "shipped_ns", fig_json(fb));
		json_object_object_add(c, "vs_shipped", json_object_new_double(f.med / fb.med));
		json_object_object_add(c, "empty_ns", fig_json(e));
		json_object_object_add(c, "compile_s", fig_json(fc));
		json_object_object_add(c, "apply_s", fig_json(fa));
		json_object_object_add(c, "port_prefixes", json_object_new_int64((int64_t)nports));
		json_object_object_add(results, "scaling_10k_rules", c);
		printf("  10k rules: tls443 decision %6.1f ns [%5.1f-%5.1f], shipped %.1f ns: x%.2f (%zu port prefixes, compile %.3fs, apply %.3fs)\n",
		       f.med, f.min, f.max, fb.med, f.med / fb.med, nports, fc.med, fa.med);
	}
}

/* ---- flow table -------------------------------------------------------------------- */

static double median_u32(__u32 *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u32);
	return v[n / 2];
}

static struct fig fig_of(double *v, int n)
{
	double s[4 * RUNS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	for (int i = 1; i < n; i++) /* insertion sort: n <= 4 * RUNS */
		for (int j = i; j > 0 && s[j - 1] > s[j]; j--) {
			double t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	return (struct fig){ s[n / 2], s[0], s[n - 1] };
}

static __u32 run_single(int prog, const struct pkt *p)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(p, buf);
	struct xdp_md x = { .data_end = (__u32)len,
			    .ingress_ifindex = (__u32)ifindex[EF_ROLE_EXTERNAL] };
	LIBBPF_OPTS(bpf_test_run_opts, r, .data_in = buf, .data_size_in = (__u32)len, .ctx_in = &x,
		    .ctx_size_in = sizeof(x), .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &r)) {
		perror("BPF_PROG_TEST_RUN");
		exit(1);
	}
	return r.duration;
}

/* Entries of the untrusted flow table whose value differs from snap (NULL:
 * take the snapshot).  Keys and values as bytes. */
struct snap {
	size_t n;
	struct ef_flow_key *k;
	struct ef_flow *v;
};

static size_t flows_changed(int fd, struct snap *sn, bool take)
{
	size_t changed = 0;

	if (take) {
		struct ef_flow_key cur, next;
		bool first = true;

		sn->n = 0;
		sn->k = calloc(EF_DEF_FLOWS_NEW, sizeof(*sn->k));
		sn->v = calloc(EF_DEF_FLOWS_NEW, sizeof(*sn->v));
		while (sn->n < EF_DEF_FLOWS_NEW &&
		       !bpf_map_get_next_key(fd, first ? NULL : &cur, &next)) {
			first = false;
			cur = next;
			if (!bpf_map_lookup_elem(fd, &next, &sn->v[sn->n]))
				sn->k[sn->n++] = next;
		}
		return 0;
	}
	for (size_t i = 0; i < sn->n; i++) {
		struct ef_flow v;

		if (bpf_map_lookup_elem(fd, &sn->k[i], &v) || memcmp(&v, &sn->v[i], sizeof(v)))
			changed++;
	}
	free(sn->k);
	free(sn->v);
	return changed;
}

/* RUNS runs; each: FLOWS new UDP flows to av:3478 (rule + insert), the same
 * packets again (established: lookup), and the empty program on the same
 * packets, one BPF_PROG_TEST_RUN each (repeat 1: a flow is new only once).
 * Per run the medians; the figures are over the runs. */
static void bench_flows(struct bench *b, int empty)
{
	int xdp = bpf_program__fd(b->dp.skel->progs.edgefw_xdp);
	__u32 *t[3];
	double med[3][RUNS], ins_x[RUNS], hit_x[RUNS];
	__u64 c0[EF_C_MAX], c1[EF_C_MAX];
	json_object *o = json_object_new_object();
	struct snap sn = { 0 };
	size_t changed = 0, entries = 0;
	char src[32];

	for (int k = 0; k < 3; k++)
		t[k] = calloc(FLOWS, sizeof(__u32));
	ef_counters_read(&b->dp.maps, c0);
	for (int r = 0; r < RUNS; r++) {
		for (int pass = 0; pass < 3; pass++) {
			if (pass == 1 && r == RUNS - 1)
				flows_changed(b->dp.maps.flows_new, &sn, true);
			for (int i = 0; i < FLOWS; i++) {
				int f = r * FLOWS + i;
				struct pkt p;

				snprintf(src, sizeof(src), "198.18.%d.%d", 128 + f / 250,
					 1 + f % 250);
				p = P(4, src, 1024 + f % 60000, AV, 3478, IPPROTO_UDP, 0);
				t[pass][i] = run_single(pass == 2 ? empty : xdp, &p);
			}
			if (pass == 1 && r == RUNS - 1) {
				entries = sn.n;
				changed = flows_changed(b->dp.maps.flows_new, &sn, false);
			}
		}
		for (int k = 0; k < 3; k++)
			med[k][r] = median_u32(t[k], FLOWS);
		ins_x[r] = med[0][r] - med[2][r];
		hit_x[r] = med[1][r] - med[2][r];
	}
	ef_counters_read(&b->dp.maps, c1);
	json_object_object_add(o, "new_flow_insert_ns", fig_json(fig_of(med[0], RUNS)));
	json_object_object_add(o, "established_lookup_ns", fig_json(fig_of(med[1], RUNS)));
	json_object_object_add(o, "empty_single_ns", fig_json(fig_of(med[2], RUNS)));
	json_object_object_add(o, "new_flow_over_empty_ns", fig_json(fig_of(ins_x, RUNS)));
	json_object_object_add(o, "established_over_empty_ns", fig_json(fig_of(hit_x, RUNS)));
	json_object_object_add(o, "flows_per_run", json_object_new_int(FLOWS));
	json_object_object_add(
		o, "flows_created",
		json_object_new_int64((int64_t)(c1[EF_C_FLOWS_NEW_CREATED] -
						c0[EF_C_FLOWS_NEW_CREATED] +
						c1[EF_C_FLOWS_CREATED] - c0[EF_C_FLOWS_CREATED])));
	json_object_object_add(o, "flow_create_failures",
			       json_object_new_int64((int64_t)(c1[EF_C_FLOW_CREATE_FAIL] -
							       c0[EF_C_FLOW_CREATE_FAIL])));
	json_object_object_add(o, "entries_checked", json_object_new_int64((int64_t)entries));
	json_object_object_add(o, "entries_rewritten_by_lookups",
			       json_object_new_int64((int64_t)changed));
	json_object_object_add(results, "flow_table", o);
	{
		struct fig a = fig_of(med[0], RUNS), h = fig_of(med[1], RUNS),
			   e = fig_of(med[2], RUNS);

		printf("\nflow table (%d runs of %d flows, one packet per BPF_PROG_TEST_RUN; median of run medians [min-max]):\n"
		       "  new flow (rule + insert): %.0f ns [%.0f-%.0f]\n  established (lookup):     %.0f ns [%.0f-%.0f]\n"
		       "  empty program, same way:  %.0f ns [%.0f-%.0f]\n"
		       "  entries rewritten by a second packet: %zu of %zu\n",
		       RUNS, FLOWS, a.med, a.min, a.max, h.med, h.min, h.max, e.med, e.min, e.max,
		       changed, entries);
	}
	for (int k = 0; k < 3; k++)
		free(t[k]);
}

/* ---- events ----------------------------------------------------------------------- */

static volatile int ev_stop;
static unsigned long long ev_consumed;
static struct ef_event ev_sample;
static int ev_have_sample;

static int ev_count(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (!ev_have_sample && len >= sizeof(ev_sample)) {
		memcpy(&ev_sample, data, sizeof(ev_sample));
		ev_have_sample = 1;
	}
	__atomic_add_fetch(&ev_consumed, 1, __ATOMIC_RELAXED);
	return 0;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* the ring buffer's consumer: libbpf, a callback that counts, on CPU 1 */
/* ---- the cost of capture ---------------------------------------------------------------- */

/*
 * edgefw capture's price, per packet (BPF_PROG_TEST_RUN, ingress): the
 * program built without the capture check, against the shipped program
 * with no capture running (what every node pays), and with one capture
 * running whose filter does not pick the packet, picks it but is over its
 * rate (a flood under capture: skipped), and picks and writes it (a
 * consumer on the other CPU drains the ring).
 */
static volatile int cap_stop;
static unsigned long long cap_consumed;

static int cap_count(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	cap_consumed++;
	return 0;
}

static void *cap_consumer(void *arg)
{
	struct ef_cap *k = arg;

	pin_cpu(1);
	while (!cap_stop)
		ring_buffer__consume(k->rb);
	return NULL;
}

static void bench_capture(struct bench *b, int empty)
{
	static const struct {
		const char *name;
		int mix;
		int cases; /* a capture never picks a tracked flow's packets */
	} pk[] = {
		{ "denied SYN (tcp 8080)", 5, 5 },
		{ "tracked flow (dns reply)", 9, 3 },
	};
	enum { C_OUT, C_OFF, C_OTHER, C_SKIP, C_WRITE, NC };
	static const char *const cname[NC] = { "capture check compiled out",
					       "no capture running (shipped)",
					       "a capture running, filter picks other packets",
					       "a capture picking it, over its rate",
					       "a capture picking and writing it" };
	_Static_assert(C_SKIP == 3, "the tracked flow's cases end before C_SKIP");
	static const char *const ckey[NC] = { "compiled_out", "off", "running_other",
					      "running_skipped", "running_written" };
	struct ef_dp_opts opt = { .pin_dir = b->pin,
				  .require_pins = true,
				  .no_capture = true,
				  .only_hook = 1 + EF_HOOK_INGRESS };
	struct ef_dp nocap;
	struct ef_capslot slot = { .rule = EF_RULE_NONE,
				   .flags = EF_CAPF_DROP | EF_CAPF_WOULD_DROP,
				   .snaplen = EF_CAP_SNAP_MAX,
				   .cpu_pps = 1 };
	struct ef_capstat st;
	struct ef_cap k;
	pthread_t th;
	json_object *o = json_object_new_object();
	int prog = bpf_program__fd(b->dp.skel->progs.edgefw_xdp);

	if (ef_dp_open(&nocap, NULL, &opt) || ef_cap_open(&k, b->pin) ||
	    ef_cap_start(&k, &slot, cap_count, NULL)) {
		fprintf(stderr, "cannot set up the capture bench\n");
		exit(1);
	}
	__atomic_fetch_and(&k.c->on, 0u, __ATOMIC_ACQ_REL); /* off until a case turns it on */
	cap_stop = 0;
	pthread_create(&th, NULL, cap_consumer, &k);
	printf("\ncapture (ns per packet, BPF_PROG_TEST_RUN, ingress; median; ratio to the check compiled out)\n");
	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		const struct pkt *p = &mix[pk[i].mix].p;
		int role = mix[pk[i].mix].role;
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(p, buf);
		double t[NC][RUNS], e[RUNS];
		struct fig f[NC], fe;
		json_object *c = json_object_new_object();
		struct ef_capslot *sl = &k.c->slot[k.slot];
		__u32 bit = 1u << k.slot;

		for (int r = 0; r < RUNS; r++) {
			t[C_OUT][r] = time_once(bpf_program__fd(nocap.skel->progs.edgefw_xdp), role,
						buf, len, REPEAT);
			__atomic_fetch_and(&k.c->on, ~bit, __ATOMIC_ACQ_REL);
			t[C_OFF][r] = time_once(prog, role, buf, len, REPEAT);
			ef_cap_renew(&k);
			sl->port = 1; /* never these packets' */
			__atomic_fetch_or(&k.c->on, bit, __ATOMIC_ACQ_REL);
			t[C_OTHER][r] = time_once(prog, role, buf, len, REPEAT);
			sl->port = 0;
			if (pk[i].cases > C_SKIP) {
				sl->cpu_pps = 1;
				t[C_SKIP][r] = time_once(prog, role, buf, len, REPEAT);
				sl->cpu_pps = 0xffffffffu; /* more than a CPU can send */
				t[C_WRITE][r] = time_once(prog, role, buf, len, REPEAT / 10);
				sl->cpu_pps = 1;
			}
			__atomic_fetch_and(&k.c->on, ~bit, __ATOMIC_ACQ_REL);
			e[r] = time_once(empty, role, buf, len, REPEAT);
		}
		fe = fig_of(e, RUNS);
		printf("  %s (empty program %.1f ns)\n", pk[i].name, fe.med);
		for (int cs = 0; cs < pk[i].cases; cs++) {
			json_object *x = json_object_new_object();

			f[cs] = fig_of(t[cs], RUNS);
			json_object_object_add(x, "ns", fig_json(f[cs]));
			json_object_object_add(
				x, "ratio_to_compiled_out",
				json_object_new_double(f[C_OUT].med > 0 ? f[cs].med / f[C_OUT].med :
									  0));
			json_object_object_add(c, ckey[cs], x);
			printf("    %-48s %6.1f ns [%5.1f-%5.1f]  %5.2fx\n", cname[cs], f[cs].med,
			       f[cs].min, f[cs].max,
			       f[C_OUT].med > 0 ? f[cs].med / f[C_OUT].med : 0);
		}
		json_object_object_add(c, "empty_ns", fig_json(fe));
		json_object_object_add(o, pk[i].name, c);
	}
	cap_stop = 1;
	pthread_join(th, NULL);
	ef_cap_stop(&k, &st);
	printf("  written %llu, consumed %llu, skipped %llu, lost (ring full) %llu\n",
	       (unsigned long long)st.captured, cap_consumed, (unsigned long long)st.skipped,
	       (unsigned long long)st.lost);
	json_object_object_add(o, "records_written", json_object_new_uint64(st.captured));
	json_object_object_add(o, "records_lost", json_object_new_uint64(st.lost));
	json_object_object_add(results, "capture", o);
	ef_cap_close(&k);
	ef_dp_close(&nocap, true);
}

static int ev_sleep_us; /* between drains; 0: busy polling */

static void *consumer(void *arg)
{
	pin_cpu(1);
	while (!ev_stop) {
		ring_buffer__consume(arg);
		if (ev_sleep_us)
			usleep((useconds_t)ev_sleep_us);
	}
	ring_buffer__consume(arg);
	return NULL;
}

static void set_event_limit(json_object *root, int rate, int burst, int per_cpu)
{
	json_object *st, *el = json_object_new_object();

	if (!json_object_object_get_ex(root, "settings", &st)) {
		st = json_object_new_object();
		json_object_object_add(root, "settings", st);
	}
	json_object_object_add(el, "rate", json_object_new_int(rate));
	json_object_object_add(el, "burst", json_object_new_int(burst));
	json_object_object_add(el, "per_cpu", json_object_new_int(per_cpu));
	json_object_object_add(st, "event_limit", el);
}

static const char *fmt_ifname(void *ctx, __u32 idx)
{
	(void)ctx;
	return idx == (__u32)ifindex[EF_ROLE_EXTERNAL] ? "eth1" : "eth0";
}

/*
 * A denied SYN (no rule: an event each time when events are on), repeated
 * EV_REPEAT times on CPU 0 by one BPF_PROG_TEST_RUN, in three set-ups per
 * round: events on (the policy's event limit off: every drop an event) with
 * a consumer on CPU 1 that drains the ring every 100 us ("batched", as an
 * agent that is busy or wakes up for a batch); the same with a consumer that
 * polls without pause and so is always caught up ("busy": with the ring's
 * default notification that queued a wake-up for every record; the
 * programs now submit with BPF_RB_NO_WAKEUP and wake the consumer once per
 * EF_EV_WAKE_BYTES, so the two set-ups should cost about the same); events off
 * (the limit at its tightest: one event a second per CPU).  The consumer
 * only counts.  Then the agent's per-event work: ef_event_format (the ECS
 * JSON line) and a buffered write, on a captured event.
 */
enum { EV_BATCHED, EV_BUSY, EV_OFF, EV_CFGS };

static void bench_events(struct bench *b)
{
	static const char *const cfg_name[EV_CFGS] = { "events_on_batched", "events_on_busy",
						       "events_off" };
	int xdp = bpf_program__fd(b->dp.skel->progs.edgefw_xdp);
	struct pkt scan = P(4, "198.51.100.66", 40004, ACC, 8080, IPPROTO_TCP, EF_TCP_SYN);
	double ns[EV_CFGS][RUNS], rate[EV_CFGS][RUNS], fmt_ns[RUNS];
	unsigned long long sent_all[EV_CFGS] = { 0 }, lost_all[EV_CFGS] = { 0 },
			   supp_all[EV_CFGS] = { 0 }, consumed_all[EV_CFGS] = { 0 };
	json_object *o = json_object_new_object();
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(&scan, buf);
	struct xdp_md x = { .data_end = (__u32)len,
			    .ingress_ifindex = (__u32)ifindex[EF_ROLE_EXTERNAL] };
	struct ring_buffer *rb = ring_buffer__new(b->dp.maps.events, ev_count, NULL, NULL);
	cpu_set_t old;

	if (!rb) {
		fprintf(stderr, "ring_buffer__new failed\n");
		exit(1);
	}
	sched_getaffinity(0, sizeof(old), &old);
	for (int r = 0; r < RUNS; r++) {
		for (int k = 0; k < EV_CFGS; k++) {
			json_object *root = policy_json();
			pthread_t th;
			__u64 c0[EF_C_MAX], c1[EF_C_MAX];
			unsigned long long k0, sent;

			set_event_limit(root, k == EV_OFF ? 1 : 0, 1, 1);
			load(b, root, NULL, NULL);
			json_object_put(root);
			ring_buffer__consume(rb);
			ev_stop = 0;
			ev_sleep_us = k == EV_BUSY ? 0 : 100;
			pthread_create(&th, NULL, consumer, rb);
			pin_cpu(0);
			usleep(20000);
			ef_counters_read(&b->dp.maps, c0);
			k0 = __atomic_load_n(&ev_consumed, __ATOMIC_RELAXED);
			{
				LIBBPF_OPTS(bpf_test_run_opts, o2, .data_in = buf,
					    .data_size_in = (__u32)len, .ctx_in = &x,
					    .ctx_size_in = sizeof(x), .repeat = EV_REPEAT);

				if (bpf_prog_test_run_opts(xdp, &o2)) {
					perror("BPF_PROG_TEST_RUN");
					exit(1);
				}
				ns[k][r] = o2.duration;
			}
			usleep(50000);
			ev_stop = 1;
			pthread_join(th, NULL);
			ef_counters_read(&b->dp.maps, c1);
			sent = c1[EF_C_EVENTS_SENT] - c0[EF_C_EVENTS_SENT];
			/* events through the ring per second of data-path time
			 * (the kernel's timer: preemption excluded) */
			rate[k][r] = (double)sent / (ns[k][r] * EV_REPEAT / 1e9);
			sent_all[k] += sent;
			lost_all[k] += c1[EF_C_EVENTS_LOST] - c0[EF_C_EVENTS_LOST];
			supp_all[k] += c1[EF_C_EVENTS_SUPPRESSED] - c0[EF_C_EVENTS_SUPPRESSED];
			consumed_all[k] += __atomic_load_n(&ev_consumed, __ATOMIC_RELAXED) - k0;
		}
	}
	sched_setaffinity(0, sizeof(old), &old);
	ring_buffer__free(rb);

	/* the agent's per-event work, minus subscribers */
	{
		struct ef_fmt f = { .hostname = "edge1.example.test",
				    .node = "edge1",
				    .policy = "lync2013-scaled-edge-dnslb-public",
				    .mono_to_real_ns = 0,
				    .ifname = fmt_ifname };
		FILE *null = fopen("/dev/null", "w");
		char line[2048];
		int n = 0;

		if (!ev_have_sample) {
			fprintf(stderr, "no event captured\n");
			exit(1);
		}
		for (int r = 0; r < RUNS; r++) {
			double t0 = now_s();

			for (int i = 0; i < EV_FORMAT; i++) {
				ev_sample.ts_ns += 1000;
				n = ef_event_format(&ev_sample, &f, line, sizeof(line));
				fwrite(line, 1, (size_t)(n > 0 ? n : 0), null);
				fputc('\n', null);
			}
			fmt_ns[r] = (now_s() - t0) * 1e9 / EV_FORMAT;
		}
		fclose(null);
		json_object_object_add(o, "format_and_write_ns_per_event",
				       fig_json(fig_of(fmt_ns, RUNS)));
		json_object_object_add(o, "event_line_bytes", json_object_new_int(n));
	}
	printf("\nevents (a denied SYN repeated %d times on CPU 0; a counting consumer on CPU 1):\n",
	       EV_REPEAT);
	for (int k = 0; k < EV_CFGS; k++) {
		json_object *c = json_object_new_object();
		struct fig f = fig_of(ns[k], RUNS), rr = fig_of(rate[k], RUNS);

		json_object_object_add(c, "ns_per_packet", fig_json(f));
		json_object_object_add(c, "ring_events_per_s", fig_json(rr));
		json_object_object_add(c, "events_sent",
				       json_object_new_int64((int64_t)sent_all[k]));
		json_object_object_add(c, "events_lost",
				       json_object_new_int64((int64_t)lost_all[k]));
		json_object_object_add(c, "events_suppressed",
				       json_object_new_int64((int64_t)supp_all[k]));
		json_object_object_add(c, "events_consumed",
				       json_object_new_int64((int64_t)consumed_all[k]));
		json_object_object_add(c, "drops",
				       json_object_new_int64((int64_t)EV_REPEAT * RUNS));
		json_object_object_add(o, cfg_name[k], c);
		printf("  %-18s data path %5.0f ns/pkt [%.0f-%.0f]; %.2f M events/s through the ring; sent %llu lost %llu suppressed %llu consumed %llu\n",
		       cfg_name[k], f.med, f.min, f.max, rr.med / 1e6, sent_all[k], lost_all[k],
		       supp_all[k], consumed_all[k]);
	}
	{
		double ratio[RUNS];
		struct fig fm = fig_of(fmt_ns, RUNS);

		for (int r = 0; r < RUNS; r++)
			ratio[r] = ns[EV_OFF][r] / ns[EV_BATCHED][r]; /* rate on / rate off */
		json_object_object_add(o, "rate_on_batched_over_off",
				       fig_json(fig_of(ratio, RUNS)));
		for (int r = 0; r < RUNS; r++)
			ratio[r] = ns[EV_OFF][r] / ns[EV_BUSY][r];
		json_object_object_add(o, "rate_on_busy_over_off", fig_json(fig_of(ratio, RUNS)));
		json_object_object_add(o, "repeat", json_object_new_int(EV_REPEAT));
		json_object_object_add(o, "consumer_batch_us", json_object_new_int(100));
		json_object_object_add(results, "events", o);
		printf("  format + write one event (agent): %.0f ns [%.0f-%.0f]\n", fm.med, fm.min,
		       fm.max);
	}
	/* back to the shipped policy with its default limits */
	{
		json_object *root = policy_json();

		load(b, root, NULL, NULL);
		json_object_put(root);
	}
}

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "bench/out/prog.json";
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
	printf("program cost (BPF_PROG_TEST_RUN, %d x %d repetitions; median [min-max])\n", RUNS,
	       REPEAT);
	if (argc > 3 && !strcmp(argv[2], "spin")) /* for perf stat while optimising */
		return spin(&b, argv[3], argc > 4 ? atof(argv[4]) : 10);
	bench_mix(&b, empty, mixo, true);
	json_object_object_add(results, "program_cost", mixo);
	bench_stages(&b, empty);
	bench_capture(&b, empty);
	if (argc > 2 && !strcmp(argv[2], "mix")) { /* quick look while optimising */
		ef_dp_close(&b.dry, true);
		ef_dp_close(&b.dp, false);
		return 0;
	}
	bench_flows(&b, empty);
	bench_events(&b);
	bench_scaling(&b, empty);
	json_object_object_add(results, "runs", json_object_new_int(RUNS));
	json_object_object_add(results, "repeat", json_object_new_int(REPEAT));
	json_object_object_add(results, "loads", json_object_new_int(LOADS));
	json_object_object_add(results, "elapsed_s", json_object_new_double(now_s() - t0));
	if (json_object_to_file_ext(out, results, JSON_C_TO_STRING_PRETTY))
		fprintf(stderr, "cannot write %s\n", out);
	ef_dp_close(&b.dry, true);
	ef_dp_close(&b.dp, false);
	printf("\nwrote %s (%.0f s)\n", out, now_s() - t0);
	return 0;
}
