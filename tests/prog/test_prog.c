// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests: the real BPF object, loaded and filled by the agent's own
 * code from the shipped policy, fed crafted packets with BPF_PROG_TEST_RUN.
 * Each packet's verdict is the program's return value; its reason is the
 * one verdict counter that moved; the credited rule is the one rule
 * counter that moved.
 *
 * Expected verdicts come from two independent sources: a hand-written
 * table taken from the port summary itself (seed_*), and a naive linear
 * scan of the policy's rules (oracle_*) checked against the compiled LPM /
 * list layout for every rule, near misses included.
 *
 * Runs in a network namespace of its own, with veth NICs.  Needs root.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "edgefw/parse.h"
#include "edgefw.skel.h"
#include "apply.h"
#include "compile.h"
#include "datapath.h"
#include "events.h"
#include "lists.h"
#include "log.h"
#include "policy.h"
#include "pktbuild.h"

#ifndef EF_SHIPPED_POLICY
#define EF_SHIPPED_POLICY "policies/lync2013-scaled-edge-dnslb-public.json"
#endif

#define IF_EXT "efx0"
#define IF_INT "efi0"

enum { PASS = 1, DROP = 0 };

static struct {
	struct ef_dp dp;
	struct ef_dp dry; /* edgefw explain's dry-run instance over dp's pins */
	char pin_dir[64];
	struct ef_policy *pol;
	struct ef_compiled comp;
	const struct ef_node *node;
	__u32 epoch;
	int ifindex[EF_ROLE_MAX];
	struct ring_buffer *rb;
	struct ef_event last_event;
	int nevents;
	int ncpu;
	uint8_t out[PKT_MAX + 64]; /* the frame the last run left (XDP_TX: the reply) */
	size_t out_len;
	bool tx;                   /* the last run answered with XDP_TX */
} T;

/* ---- test environment ----------------------------------------------------- */

/*
 * Peer sets narrowed so that "peer not in the set" is testable; each has a
 * known member and non-member per family.
 */
static const struct {
	const char *set;
	const char *cidrs[2];
	const char *in4, *in6, *out4, *out6;
} sets[] = {
	{ "xmpp_gateway", { "198.18.1.0/24", "2001:db8:18:1::/64" }, "198.18.1.5", "2001:db8:18:1::5", "198.18.9.5", "2001:db8:18:9::5" },
	{ "sip_next_hop", { "198.18.2.0/24", "2001:db8:18:2::/64" }, "198.18.2.5", "2001:db8:18:2::5", "198.18.9.5", "2001:db8:18:9::5" },
	{ "front_end", { "198.18.3.0/24", "2001:db8:18:3::/64" }, "198.18.3.5", "2001:db8:18:3::5", "198.18.9.5", "2001:db8:18:9::5" },
	{ "av_authentication", { "198.18.3.0/24", "2001:db8:18:3::/64" }, "198.18.3.6", "2001:db8:18:3::6", "198.18.9.5", "2001:db8:18:9::5" },
	{ "cms", { "198.18.3.10/32", "2001:db8:18:3::10/128" }, "198.18.3.10", "2001:db8:18:3::10", "198.18.3.11", "2001:db8:18:3::11" },
	{ "public_im_partners", { "198.51.100.0/25", "2001:db8:51::/48" }, "198.51.100.20", "2001:db8:51::20", "198.51.100.200", "2001:db8:53::20" },
	{ "live_messenger_clients", { "198.51.100.128/25", "2001:db8:52::/48" }, "198.51.100.130", "2001:db8:52::30", "198.51.100.30", "2001:db8:53::30" },
	{ "admin_hosts", { "198.18.255.0/28", "2001:db8:18:ff::/64" }, "198.18.255.5", "2001:db8:18:ff::5", "198.18.255.16", "2001:db8:18:fe::5" },
	/* the library's HLB topologies: the load balancers' source NAT */
	{ "hlb_snat", { "203.0.113.128/26", "2001:db8:113::/64" }, "203.0.113.130", "2001:db8:113::130", "203.0.113.200", "2001:db8:114::130" },
};

static const char *const any4 = "198.51.100.77", *const any6 = "2001:db8:77::77";

/* The node's addresses, per service, per family (from the test policy). */
static const char *svc_addr(int svc, int family)
{
	static const char *const v4[EF_SVC_MAX] = { "203.0.113.10", "203.0.113.11",
						    "203.0.113.12", "203.0.113.10",
						    "198.18.0.10", "198.18.0.5" };
	static const char *const v6[EF_SVC_MAX] = { "2001:db8:10::10", "2001:db8:10::11",
						    "2001:db8:10::12", "2001:db8:10::10",
						    "2001:db8:18::10", "2001:db8:18::5" };

	return family == 4 ? v4[svc] : v6[svc];
}

static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "setup command failed: %s\n", cmd);
		exit(1);
	}
}

/* A policy (the shipped one unless said) with node edge1 on our NICs, IPv6
 * twins of its addresses (the services it has, and management) and narrowed
 * peer sets.  Rules are not touched. */
static char *policy_text(const char *file, const char *mode, const char *egress,
			 const char *drop_rule)
{
	json_object *root = json_object_from_file(file);
	json_object *nodes, *n, *ifs, *addrs, *peers, *settings, *rules, *old;
	static const char *const svc[] = { "access", "webconf", "av", "internal",
					   "management" };
	static const int svcid[] = { EF_SVC_ACCESS, EF_SVC_WEBCONF, EF_SVC_AV,
				     EF_SVC_INTERNAL, EF_SVC_MANAGEMENT };
	char *out;

	if (!root) {
		fprintf(stderr, "cannot read %s\n", file);
		exit(1);
	}
	json_object_object_get_ex(root, "nodes", &nodes);
	n = json_object_array_get_idx(nodes, 0);
	json_object_object_add(n, "name", json_object_new_string("edge1"));
	ifs = json_object_new_object();
	json_object_object_add(ifs, "external", json_object_new_string(IF_EXT));
	json_object_object_add(ifs, "internal", json_object_new_string(IF_INT));
	json_object_object_add(n, "interfaces", ifs);
	json_object_object_get_ex(n, "addresses", &old);
	addrs = json_object_new_object();
	for (int i = 0; i < 5; i++) {
		json_object *a;

		if (svcid[i] != EF_SVC_MANAGEMENT && !json_object_object_get_ex(old, svc[i], NULL))
			continue; /* a service the topology's nodes do not have */
		a = json_object_new_array();

		json_object_array_add(a, json_object_new_string(svc_addr(svcid[i], 4)));
		json_object_array_add(a, json_object_new_string(svc_addr(svcid[i], 6)));
		json_object_object_add(addrs, svc[i], a);
	}
	json_object_object_add(n, "addresses", addrs);

	peers = json_object_new_object();
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_new_string(sets[i].cidrs[0]));
		json_object_array_add(a, json_object_new_string(sets[i].cidrs[1]));
		json_object_object_add(peers, sets[i].set, a);
	}
	json_object_object_add(root, "peers", peers);

	json_object_object_get_ex(root, "settings", &settings);
	json_object_object_add(settings, "mode", json_object_new_string(mode));
	json_object_object_add(settings, "egress", json_object_new_string(egress));
	json_object_object_add(settings, "new_flow_table_size", json_object_new_int(1024));
	/* a few flows at a time here; a small table keeps the per-packet scans
	 * that check it cheap */
	json_object_object_add(settings, "flow_table_size", json_object_new_int(4096));
	/* SYN challenges would make verdicts depend on the recent SYN rate:
	 * off here, tested on their own (test_syn_*) */
	{
		json_object *sf = json_object_new_object();

		json_object_object_add(sf, "mode", json_object_new_string("off"));
		json_object_object_add(settings, "syn_flood", sf);
	}

	if (drop_rule) {
		json_object *kept = json_object_new_array();

		json_object_object_get_ex(root, "rules", &rules);
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *r = json_object_array_get_idx(rules, i), *nm;

			json_object_object_get_ex(r, "name", &nm);
			if (strcmp(json_object_get_string(nm), drop_rule))
				json_object_array_add(kept, json_object_get(r));
		}
		json_object_object_add(root, "rules", kept);
	}
	out = strdup(json_object_to_json_string(root));
	json_object_put(root);
	return out;
}

static char *test_policy_text(const char *mode, const char *egress,
			      const char *drop_rule)
{
	return policy_text(EF_SHIPPED_POLICY, mode, egress, drop_rule);
}

static int on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len >= sizeof(T.last_event)) {
		memcpy(&T.last_event, data, sizeof(T.last_event));
		T.nevents++;
	}
	return 0;
}

/* Compile and apply a policy text as the next generation. */
static void load_policy(const char *text)
{
	struct ef_diag d;
	struct ef_policy *p;
	struct ef_compiled c;

	ef_diag_init(&d, "test-policy.json");
	p = ef_policy_parse("test-policy.json", text, strlen(text), &d);
	ef_diag_print(&d, stderr);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	assert_int_equal(ef_compile(p, ef_policy_node(p, "edge1"), -1, &c, &d), 0);
	ef_diag_free(&d);
	assert_int_equal(ef_apply(&T.dp.maps, &c, T.epoch + 1, NULL, 0), 0);
	T.epoch++;
	if (T.pol) {
		ef_compiled_free(&T.comp);
		ef_policy_free(T.pol);
	}
	T.pol = p;
	T.comp = c;
	T.node = ef_policy_node(p, "edge1");
}

static void load_test_policy(const char *mode, const char *egress,
			     const char *drop_rule)
{
	char *text = test_policy_text(mode, egress, drop_rule);

	load_policy(text);
	free(text);
}

/* Empty the tables a packet can fill; light: only the flow tables and the
 * event limiter (see probe()). */
static void tables_clear(bool light)
{
	int fds[] = { T.dp.maps.flows, T.dp.maps.flows_new, T.dp.maps.frags,
		      bpf_map__fd(T.dp.skel->maps.ef_evlimit), T.dp.maps.srclimit,
		      T.dp.maps.blocked, T.dp.maps.blocklist, T.dp.maps.allowlist,
		      bpf_map__fd(T.dp.skel->maps.ef_verified) };
	unsigned char key[128];

	for (size_t i = 0; i < (light ? 4 : sizeof(fds) / sizeof(fds[0])); i++)
		while (bpf_map_get_next_key(fds[i], NULL, key) == 0)
			bpf_map_delete_elem(fds[i], key);
	ef_shield_update(T.dp.maps.shield, 0, 0, false);
	{
		struct ef_synrate zero[512] = { 0 };
		__u32 k0 = 0;

		bpf_map_update_elem(bpf_map__fd(T.dp.skel->maps.ef_synrate), &k0, zero, BPF_ANY);
	}
}

static void flows_clear(void)
{
	tables_clear(false);
}

static void remove_stale_pins(void);

static int group_setup(void **state)
{
	struct ef_settings s;
	struct ef_diag d;
	char *text;
	struct ef_policy *p;

	(void)state;
	/* one CPU: per-CPU state (the SYN rate) is then the same for the
	 * dry run and the live run of a frame */
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET) (the program tests need root)");
		return -1;
	}
	sh("ip link add " IF_EXT " type veth peer name " IF_EXT "p");
	sh("ip link add " IF_INT " type veth peer name " IF_INT "p");
	sh("ip link set " IF_EXT " up && ip link set " IF_INT " up");
	T.ifindex[EF_ROLE_EXTERNAL] = (int)if_nametoindex(IF_EXT);
	T.ifindex[EF_ROLE_INTERNAL] = (int)if_nametoindex(IF_INT);
	T.ncpu = libbpf_num_possible_cpus();
	ef_log_level = EF_LOG_WARN;
	ef_log_setup_libbpf();

	/* table sizes come from the policy, as in the agent */
	text = test_policy_text("enforce", "enforce", NULL);
	ef_diag_init(&d, "test-policy.json");
	p = ef_policy_parse("test-policy.json", text, strlen(text), &d);
	free(text);
	if (!p || d.errors) {
		ef_diag_print(&d, stderr);
		return -1;
	}
	s = p->settings;
	ef_diag_free(&d);
	/* pinned, as the agent does, so that explain's instance can join */
	remove_stale_pins();
	snprintf(T.pin_dir, sizeof(T.pin_dir), "/sys/fs/bpf/edgefw-test-%d", (int)getpid());
	{
		struct ef_dp_opts o = { .pin_dir = T.pin_dir };
		struct ef_dp_opts d = { .pin_dir = T.pin_dir, .dry_run = true,
					.require_pins = true };

		if (ef_dp_open(&T.dp, &s, &o) || ef_dp_open(&T.dry, NULL, &d))
			return -1;
	}
	ef_policy_free(p);
	load_test_policy("enforce", "enforce", NULL);
	if (ef_dp_set_ifaces(&T.dp, &T.comp))
		return -1;
	T.rb = ring_buffer__new(T.dp.maps.events, on_event, NULL, NULL);
	return T.rb ? 0 : -1;
}

/* Pins of earlier runs that were killed (their process is gone): removed,
 * so that leftovers never pile up on the host's bpffs. */
static void remove_stale_pins(void)
{
	DIR *dir = opendir("/sys/fs/bpf");
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char path[PATH_MAX];
		int pid;

		if (sscanf(e->d_name, "edgefw-test-%d", &pid) != 1 || pid <= 0 ||
		    kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* not ours, or its process still runs */
		snprintf(path, sizeof(path), "/sys/fs/bpf/%s", e->d_name);
		{
			DIR *sub = opendir(path);
			struct dirent *f;

			while (sub && (f = readdir(sub))) {
				char fp[PATH_MAX + 256];

				if (f->d_name[0] == '.')
					continue;
				snprintf(fp, sizeof(fp), "%s/%s", path, f->d_name);
				unlink(fp);
			}
			if (sub)
				closedir(sub);
		}
		rmdir(path);
	}
	closedir(dir);
}

static int group_teardown(void **state)
{
	(void)state;
	ring_buffer__free(T.rb);
	ef_compiled_free(&T.comp);
	ef_policy_free(T.pol);
	ef_dp_close(&T.dry, true);
	ef_dp_close(&T.dp, false);
	return 0;
}

/* Each test starts from the shipped policy in enforce mode, no flows. */
static int test_setup(void **state)
{
	(void)state;
	load_test_policy("enforce", "enforce", NULL);
	flows_clear();
	ring_buffer__consume(T.rb);
	T.nevents = 0;
	return 0;
}

/* ---- running packets --------------------------------------------------------- */

/* All verdict counters, summed over CPUs: one batched lookup (every probe
 * reads them four times; element by element that was most of the run
 * time), element by element where batches are not supported. */
static void counters(__u64 *out)
{
	static __u32 keys[EF_C_MAX];
	static __u64 *vals;
	__u32 n = EF_C_MAX, batch;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u64 v[512];
	int err;

	if (!vals)
		vals = calloc((size_t)EF_C_MAX * (size_t)T.ncpu, sizeof(*vals));
	err = vals ? bpf_map_lookup_batch(T.dp.maps.counters, NULL, &batch, keys, vals, &n, &o) : -1;
	if ((err == 0 || errno == ENOENT) && n == EF_C_MAX) {
		for (__u32 i = 0; i < EF_C_MAX; i++) {
			out[keys[i]] = 0;
			for (int c = 0; c < T.ncpu; c++)
				out[keys[i]] += vals[(size_t)i * (size_t)T.ncpu + (size_t)c];
		}
		return;
	}
	for (__u32 i = 0; i < EF_C_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(T.dp.maps.counters, &i, v) == 0)
			for (int c = 0; c < T.ncpu; c++)
				out[i] += v[c];
	}
}

static __u64 rule_packets(unsigned id)
{
	struct ef_rule_stats st;

	ef_rule_stats_read(&T.dp.maps, T.epoch % EF_SLOTS, id, &st);
	return st.packets;
}

/* Packets of the live generation's rules 0..n-1: one batched lookup (from
 * the key after in_batch, as array batches go), else rule by rule. */
static void rules_packets(__u64 *out, size_t n)
{
	static struct ef_rule_stats *vals;
	static __u32 *keys;
	__u32 start = (T.epoch % EF_SLOTS) * EF_MAX_RULES, prev = start - 1, batch, cnt = (__u32)n;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int err;

	if (!n)
		return;
	if (!vals) {
		vals = calloc((size_t)EF_MAX_RULES * (size_t)T.ncpu, sizeof(*vals));
		keys = calloc(EF_MAX_RULES, sizeof(*keys));
	}
	err = vals && keys ? bpf_map_lookup_batch(T.dp.maps.rule_stats, start ? &prev : NULL, &batch,
						  keys, vals, &cnt, &o) : -1;
	if ((err == 0 || errno == ENOENT) && cnt == n && keys[0] == start) {
		for (size_t i = 0; i < n; i++) {
			out[i] = 0;
			for (int c = 0; c < T.ncpu; c++)
				out[i] += vals[i * (size_t)T.ncpu + (size_t)c].packets;
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = rule_packets((unsigned)i);
}

struct verdict {
	int pass;
	int reason;
	int rule; /* compiled id credited, -1 none */
};

/* The frame through explain's dry-run instance: its verdict, and proof
 * that it changed nothing. */
static struct ef_trace dry_frame(int hook, int role, const uint8_t *buf, size_t len,
				 int *pass)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len,
		    .repeat = 1);
	struct xdp_md xctx = { .data_end = (__u32)len,
			       .ingress_ifindex = (__u32)T.ifindex[role] };
	struct __sk_buff sctx = { .ifindex = (__u32)T.ifindex[role] };
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	long flows = ef_map_count(T.dp.maps.flows, sizeof(struct ef_flow_key));
	long flows_new = ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key));
	struct ef_trace t;
	__u32 k = 0;

	counters(before);
	if (hook == EF_HOOK_INGRESS) {
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(T.dry.skel->progs.edgefw_xdp), &o), 0);
		*pass = o.retval == XDP_PASS;
	} else {
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(T.dry.skel->progs.edgefw_tc_egress), &o), 0);
		*pass = o.retval == TC_ACT_OK;
	}
	assert_int_equal(bpf_map_lookup_elem(T.dry.trace_fd, &k, &t), 0);
	counters(after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(ef_map_count(T.dp.maps.flows, sizeof(struct ef_flow_key)), flows);
	assert_int_equal(ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key)), flows_new);
	return t;
}

/* With EF_CORPUS_DIR set, every frame the tests run is also a seed of the
 * packet fuzzer (tests/fuzz): byte 0 is the hook and NIC, then the frame. */
static void corpus_dump(int hook, int role, const uint8_t *buf, size_t len)
{
	static const char *dir;
	static unsigned n;
	char path[512];
	uint8_t sel = (uint8_t)(hook | (role == EF_ROLE_INTERNAL ? 2 : 0));
	FILE *f;

	if (!dir && !(dir = getenv("EF_CORPUS_DIR")))
		return;
	snprintf(path, sizeof(path), "%s/prog-%05u", dir, n++);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(&sel, 1, 1, f);
	fwrite(buf, 1, len, f);
	fclose(f);
}

static struct verdict run_frame(int hook, int role, const uint8_t *buf,
				size_t len)
{
	int dry_pass;
	struct ef_trace dry;
	__u64 created;

	dry = dry_frame(hook, role, buf, len, &dry_pass);
	struct verdict v = { .reason = -1, .rule = -1 };
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	static __u64 rb[EF_MAX_RULES], ra[EF_MAX_RULES];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len,
		    .data_out = T.out, .data_size_out = sizeof(T.out), .repeat = 1);
	/* the kernel wants the context to describe the frame it is given */
	struct xdp_md xctx = { .data_end = (__u32)len,
			       .ingress_ifindex = (__u32)T.ifindex[role] };
	struct __sk_buff sctx = { .ifindex = (__u32)T.ifindex[role] };
	int prog, err;

	counters(before);
	rules_packets(rb, T.comp.nrules);
	if (hook == EF_HOOK_INGRESS) {
		prog = bpf_program__fd(T.dp.skel->progs.edgefw_xdp);
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
	} else {
		prog = bpf_program__fd(T.dp.skel->progs.edgefw_tc_egress);
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
	}
	err = bpf_prog_test_run_opts(prog, &o);
	assert_int_equal(err, 0);
	T.out_len = o.data_size_out;
	T.tx = false;
	if (hook == EF_HOOK_INGRESS) {
		assert_true(o.retval == XDP_PASS || o.retval == XDP_DROP || o.retval == XDP_TX);
		v.pass = o.retval == XDP_PASS;
		T.tx = o.retval == XDP_TX;
	} else {
		assert_true(o.retval == TC_ACT_OK || o.retval == TC_ACT_SHOT);
		v.pass = o.retval == TC_ACT_OK;
	}
	counters(after);
	for (int w = 0; w < 2; w++) /* verdicts, and would-drops of lenient modes */
		for (int r = 0; r < EF_REASON_MAX; r++) {
			int i = w * EF_C_WOULD_DROP_BASE + hook * EF_REASON_MAX + r;
			__u64 delta = after[i] - before[i];

			if (delta) {
				assert_int_equal(delta, 1);
				assert_int_equal(v.reason, -1); /* exactly one reason */
				v.reason = r;
				/* a would-drop passes; a drop reason outside them drops */
				assert_int_equal(w, r >= EF_REASON_FIRST_DROP && v.pass);
				/* XDP_TX is the challenge, and only it */
				assert_int_equal(T.tx, r == EF_R_SYN_CHALLENGE);
			}
		}
	rules_packets(ra, T.comp.nrules);
	for (size_t i = 0; i < T.comp.nrules; i++)
		if (ra[i] != rb[i]) {
			assert_int_equal(v.rule, -1);
			v.rule = (int)i;
		}
	ring_buffer__consume(T.rb);
	/* explain must agree with what the packet met */
	if (dry_pass != v.pass || dry.reason != v.reason ||
	    (v.rule >= 0 && dry.rule != v.rule))
		fail_msg("explain says %s/%s rule %d, the live program %s/%s rule %d",
			 dry_pass ? "pass" : "drop", ef_reason_name(dry.reason),
			 dry.rule == EF_RULE_NONE ? -1 : dry.rule, v.pass ? "pass" : "drop",
			 ef_reason_name(v.reason), v.rule);
	created = after[EF_C_FLOWS_CREATED] + after[EF_C_FLOWS_NEW_CREATED] -
		  before[EF_C_FLOWS_CREATED] - before[EF_C_FLOWS_NEW_CREATED];
	if ((dry.new_flow != 0) != (created != 0))
		fail_msg("explain says the packet %s a flow; it %s", dry.new_flow ? "opens" : "opens no",
			 dry.new_flow ? "did not" : "did");
	/* a RST that returned a challenge cookie depends on the kernel's secret:
	 * no seed for the differential against the reference */
	if (v.reason != EF_R_SYN_VERIFIED)
		corpus_dump(hook, role, buf, len);
	return v;
}

static struct verdict run(int hook, int role, const struct pkt *s)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(s, buf);

	return run_frame(hook, role, buf, len);
}

#define expect(v, want_pass, want_reason)                                         \
	do {                                                                      \
		struct verdict _v = (v);                                           \
		if (_v.pass != (want_pass) || _v.reason != (want_reason))          \
			fail_msg("%s:%d: got %s/%s, want %s/%s", __FILE__, __LINE__, \
				 _v.pass ? "pass" : "drop", ef_reason_name(_v.reason), \
				 (want_pass) ? "pass" : "drop",                    \
				 ef_reason_name(want_reason));                     \
	} while (0)

static struct pkt tcp(int family, const char *src, uint16_t sport,
		      const char *dst, uint16_t dport, uint8_t flags)
{
	return (struct pkt){ .family = family, .src = src, .dst = dst,
			     .proto = IPPROTO_TCP, .sport = sport, .dport = dport,
			     .flags = flags, .seq = 1000, .ack = flags & EF_TCP_ACK ? 1 : 0 };
}

static struct pkt udp(int family, const char *src, uint16_t sport,
		      const char *dst, uint16_t dport)
{
	return (struct pkt){ .family = family, .src = src, .dst = dst,
			     .proto = IPPROTO_UDP, .sport = sport, .dport = dport,
			     .payload = 16 };
}

/* ---- the oracle: a naive scan of the policy's rules --------------------------- */

static bool oracle_has_service(int role, const char *local, int svc)
{
	union ef_addr a;
	const struct ef_addrlist *al = ef_node_service_addrs(T.node, svc);

	if (ef_service_role(svc) != role)
		return false;
	ef_addr_parse(local, &a);
	for (size_t i = 0; i < al->n; i++)
		if (ef_addr_eq(&al->a[i], &a))
			return true;
	return false;
}

static bool in_ranges(const struct ef_prule *r, unsigned port)
{
	if (r->ports_any)
		return true;
	for (size_t i = 0; i < r->nports; i++)
		if (port >= r->ports[i].lo && port <= r->ports[i].hi)
			return true;
	return false;
}

static bool peer_ok(const struct ef_prule *r, const char *remote)
{
	const struct ef_peerset *ps = &T.pol->peersets[r->peerset];
	union ef_addr a;

	if (ps->any)
		return true;
	ef_addr_parse(remote, &a);
	for (size_t i = 0; i < ps->n; i++)
		if (ef_prefix_contains(&ps->pfx[i], &a))
			return true;
	return false;
}

/* Scan for dir rules; returns EF_R_RULE (and the policy index) or why not. */
static int oracle_scan(int dir, int role, int proto, const char *local,
		       unsigned lport, const char *remote, unsigned rport,
		       int *rule_idx)
{
	int reason = EF_R_NO_RULE;
	bool service = false;

	for (int s = 0; s < EF_SVC_MAX; s++)
		service |= oracle_has_service(role, local, s);
	if (!service)
		return EF_R_NOT_SERVICE;
	for (size_t i = 0; i < T.pol->nrules; i++) {
		const struct ef_prule *r = &T.pol->rules[i];

		if (ef_rule_excluded(T.pol, r) || r->dir != dir || r->role != role ||
		    r->proto != proto || !oracle_has_service(role, local, r->service))
			continue;
		if (!in_ranges(r, dir == EF_DIR_IN ? lport : rport))
			continue;
		if (r->has_lports && (lport < r->lports.lo || lport > r->lports.hi))
			continue;
		if (!peer_ok(r, remote)) {
			reason = EF_R_PEER;
			continue;
		}
		*rule_idx = (int)i;
		return EF_R_RULE;
	}
	return reason;
}

/* Verdict for a flow opener (TCP SYN / UDP) with no state. */
static int oracle(int hook, int role, int proto, const char *local,
		  unsigned lport, const char *remote, unsigned rport, int *rule_idx)
{
	int r;

	*rule_idx = -1;
	if (hook == EF_HOOK_INGRESS)
		return oracle_scan(EF_DIR_IN, role, proto, local, lport, remote, rport,
				   rule_idx);
	r = oracle_scan(EF_DIR_OUT, role, proto, local, lport, remote, rport, rule_idx);
	if (r == EF_R_RULE || r == EF_R_NOT_SERVICE)
		return r;
	if (oracle_scan(EF_DIR_IN, role, proto, local, lport, remote, rport,
			rule_idx) == EF_R_RULE)
		return EF_R_REPLY_BY_RULE;
	*rule_idx = -1;
	return r;
}

static int compiled_id(int policy_idx)
{
	for (size_t i = 0; i < T.comp.nrules; i++)
		if (T.comp.rule_src[i] == policy_idx)
			return (int)i;
	return -1;
}

/* Send one flow opener and compare with the oracle. */
static void probe(int hook, int role, int family, int proto, const char *local,
		  unsigned lport, const char *remote, unsigned rport,
		  const char *what)
{
	struct pkt s;
	struct verdict v;
	int idx, want = oracle(hook, role, proto, local, lport, remote, rport, &idx);
	bool in = hook == EF_HOOK_INGRESS;
	const char *src = in ? remote : local, *dst = in ? local : remote;
	uint16_t sp = (uint16_t)(in ? rport : lport), dp = (uint16_t)(in ? lport : rport);

	/* Thousands of probes: the shield's tables (256K buckets each, ~0.6 ms
	 * a scan even when empty) cannot hold anything under these policies
	 * (no limits, no SYN challenges, empty lists), so only the flow tables
	 * and the event limiter are emptied between them. */
	assert_int_equal(T.comp.cfg.flags & EF_CFGF_LIMITS, 0);
	assert_int_equal(T.comp.cfg.syn_mode, EF_SYN_OFF);
	tables_clear(true);
	s = proto == IPPROTO_TCP ? tcp(family, src, sp, dst, dp, EF_TCP_SYN) :
				   udp(family, src, sp, dst, dp);
	v = run(hook, role, &s);
	if (v.reason != want || v.pass != (want < EF_REASON_FIRST_DROP))
		fail_msg("%s: %s %s %s %s:%u <- %s:%u: got %s/%s, oracle says %s", what,
			 in ? "ingress" : "egress", ef_role_names[role],
			 proto == IPPROTO_TCP ? "tcp" : "udp", local, lport, remote, rport,
			 v.pass ? "pass" : "drop", ef_reason_name(v.reason),
			 ef_reason_name(want));
	if (want == EF_R_RULE || want == EF_R_REPLY_BY_RULE) {
		if (v.rule != compiled_id(idx))
			fail_msg("%s: credited rule %s, oracle says %s", what,
				 v.rule >= 0 ? ef_compiled_rule_name(&T.comp, (unsigned)v.rule) : "none",
				 T.pol->rules[idx].name);
	} else {
		assert_int_equal(v.rule, -1);
	}
}

/* ---- every row of the shipped policy, with near misses -------------------- */

static const char *peer_for(const struct ef_prule *r, int family, bool inside)
{
	const struct ef_peerset *ps = &T.pol->peersets[r->peerset];

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (!strcmp(ps->name, sets[i].set))
			return family == 4 ? (inside ? sets[i].in4 : sets[i].out4) :
					     (inside ? sets[i].in6 : sets[i].out6);
	return inside ? (family == 4 ? any4 : any6) : NULL;
}

static void row_probes(const struct ef_prule *r, int family)
{
	int hook = r->dir == EF_DIR_IN ? EF_HOOK_INGRESS : EF_HOOK_EGRESS;
	int other_role = r->role == EF_ROLE_EXTERNAL ? EF_ROLE_INTERNAL : EF_ROLE_EXTERNAL;
	int other_proto = r->proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
	const char *local = svc_addr(r->service, family);
	const char *peer = peer_for(r, family, true), *stranger = peer_for(r, family, false);
	unsigned lo = r->ports_any ? 443 : r->ports[0].lo;
	unsigned hi = r->ports_any ? 443 : r->ports[r->nports - 1].hi;
	unsigned lport, rport;
	char what[160];

	snprintf(what, sizeof(what), "rule %s (IPv%d)", r->name, family);
	for (unsigned pi = 0; pi < 3; pi++) {
		unsigned port = pi == 0 ? lo : pi == 1 ? hi : lo + (hi - lo) / 2;

		if (r->dir == EF_DIR_IN) {
			lport = port;
			rport = 40000 + pi;
		} else {
			rport = port;
			lport = r->has_lports ? (pi == 0 ? r->lports.lo : pi == 1 ? r->lports.hi : 55555) : 40000 + pi;
		}
		/* the row itself: must be allowed */
		{
			int idx;

			assert_int_equal(oracle(hook, r->role, r->proto, local, lport, peer, rport, &idx),
					 EF_R_RULE);
		}
		probe(hook, r->role, family, r->proto, local, lport, peer, rport, what);
		/* wrong interface: the same address arriving on the other NIC */
		probe(hook, other_role, family, r->proto, local, lport, peer, rport, what);
		/* wrong protocol */
		probe(hook, r->role, family, other_proto, local, lport, peer, rport, what);
		/* every other service address of the node */
		for (int s = 0; s < EF_SVC_MAX; s++)
			if (strcmp(svc_addr(s, family), local))
				probe(hook, ef_service_role(s), family, r->proto,
				      svc_addr(s, family), lport, peer, rport, what);
		/* a remote outside the peer set */
		if (stranger)
			probe(hook, r->role, family, r->proto, local, lport, stranger, rport, what);
	}
	/* ports just outside the range */
	if (r->dir == EF_DIR_IN) {
		if (lo > 1)
			probe(hook, r->role, family, r->proto, local, lo - 1, peer, 40000, what);
		if (hi < 65535)
			probe(hook, r->role, family, r->proto, local, hi + 1, peer, 40000, what);
	} else {
		lport = r->has_lports ? r->lports.lo : 40000;
		if (!r->ports_any && lo > 1)
			probe(hook, r->role, family, r->proto, local, lport, peer, lo - 1, what);
		if (!r->ports_any && hi < 65535)
			probe(hook, r->role, family, r->proto, local, lport, peer, hi + 1, what);
		if (r->has_lports) {
			probe(hook, r->role, family, r->proto, local, r->lports.lo - 1, peer, lo, what);
			if (r->lports.hi < 65535)
				probe(hook, r->role, family, r->proto, local, r->lports.hi + 1, peer, lo, what);
		}
	}
}

static void test_every_row_v4(void **state)
{
	(void)state;
	assert_int_equal(T.pol->nrules, 37 + T.pol->nmanagement);
	for (size_t i = 0; i < T.pol->nrules; i++)
		row_probes(&T.pol->rules[i], 4);
}

static void test_every_row_v6(void **state)
{
	(void)state;
	for (size_t i = 0; i < T.pol->nrules; i++)
		row_probes(&T.pol->rules[i], 6);
}

/* ---- the policy library: every row of every topology ------------------------- */

/* Every policy of policies/ besides the shipped one (whose rows the tests
 * above probe), with its number of rows. */
static const struct {
	const char *file;
	size_t rows;
} library[] = {
	{ "policies/lync2013-scaled-edge-dnslb-nat.json", 38 },
	{ "policies/lync2013-scaled-edge-hlb.json", 33 },
	{ "policies/lync2013-single-edge-public.json", 37 },
	{ "policies/lync2013-single-edge-nat.json", 37 },
	{ "policies/lync2013-single-edge-single-ip.json", 37 },
	{ "policies/sfb2015-2019-edge.json", 26 },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", 30 },
};

static void load_library_policy(const char *file)
{
	char *text = policy_text(file, "enforce", "enforce", NULL);

	load_policy(text);
	free(text);
	flows_clear();
}

/* As test_every_row_*, for each policy of the library: every row allowed
 * from inside its peer set, and its near misses (other NIC, protocol,
 * service addresses, peers, ports) as the oracle says, both families. */
static void test_library_every_row(void **state)
{
	DIR *dir = opendir("policies");
	struct dirent *e;
	size_t files = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)))
		files += strstr(e->d_name, ".json") && !strstr(e->d_name, ".schema.") &&
			 !strstr(EF_SHIPPED_POLICY, e->d_name);
	closedir(dir);
	/* a policy added to policies/ must be added here */
	assert_int_equal(files, sizeof(library) / sizeof(library[0]));
	for (size_t i = 0; i < sizeof(library) / sizeof(library[0]); i++) {
		load_library_policy(library[i].file);
		if (T.pol->nrules - T.pol->nmanagement != library[i].rows)
			fail_msg("%s: %zu rows, not %zu", library[i].file,
				 T.pol->nrules - T.pol->nmanagement, library[i].rows);
		for (size_t k = 0; k < T.pol->nrules; k++) {
			row_probes(&T.pol->rules[k], 4);
			row_probes(&T.pol->rules[k], 6);
		}
	}
}

/* What the library's pages say where they differ from the shipped one, by
 * hand, independent of the policy files and of the oracle. */
static const struct library_case {
	const char *file;
	int hook, role, svc, proto;
	unsigned port;  /* service port (in) or remote port (out) */
	unsigned lport; /* out only: local port, 0 = ephemeral */
	const char *remote4; /* NULL: a peer inside every set it might need */
	int pass;
} library_cases[] = {
	/* Skype for Business: no inbound media range; outbound media from it */
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 50000, 0, NULL, DROP },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 59999, 0, NULL, DROP },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 40000, 50000, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 59999, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 3478, 0, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_XMPP, IPPROTO_TCP, 5269, 0, NULL, PASS },
	{ "policies/sfb2015-2019-edge.json", EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5062, 0, NULL, PASS },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 55555, 0, NULL, DROP },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, NULL, DROP },
	{ "policies/sfb2015-2019-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5061, 0, NULL, PASS },
	/* HLB: the VIP rows land on the node's own addresses; internal 443 out */
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, NULL, PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, "203.0.113.130", PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, "198.51.100.130", DROP },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, "203.0.113.130", PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 0, "198.51.100.130", PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 50000, 0, NULL, PASS },
	{ "policies/lync2013-scaled-edge-hlb.json", EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5062, 0, NULL, PASS },
	/* one address: Access SIP on 5061, Web Conferencing on 444, A/V on 443 */
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5061, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 444, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 3478, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 445, 0, NULL, DROP },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 40000, 50000, NULL, PASS },
	{ "policies/lync2013-single-edge-single-ip.json", EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, NULL, DROP },
	/* Gg412756 lists 5269 outbound in its external table */
	{ "policies/lync2013-scaled-edge-dnslb-nat.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_XMPP, IPPROTO_TCP, 5269, 0, NULL, PASS },
	{ "policies/lync2013-single-edge-public.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 8080, 50000, NULL, PASS },
	{ "policies/lync2013-single-edge-public.json", EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 8080, 50000, NULL, DROP },
};

static void test_library_by_hand(void **state)
{
	const char *loaded = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(library_cases) / sizeof(library_cases[0]); i++) {
		const struct library_case *c = &library_cases[i];
		bool in = c->hook == EF_HOOK_INGRESS;
		const char *local = svc_addr(c->svc, 4), *remote = c->remote4;
		unsigned lport = in ? c->port : (c->lport ? c->lport : 40000);
		unsigned rport = in ? 40000 : c->port;
		struct pkt s;
		struct verdict v;

		if (!loaded || strcmp(loaded, c->file))
			load_library_policy(loaded = c->file);
		if (!remote)
			remote = c->role == EF_ROLE_EXTERNAL ? "198.51.100.130" :
				 c->port == 5061 ? "198.18.2.5" : c->port == 23456 ? "198.18.1.5" :
				 "198.18.3.10";
		flows_clear();
		s = c->proto == IPPROTO_TCP ?
			    tcp(4, in ? remote : local, (uint16_t)(in ? rport : lport),
				in ? local : remote, (uint16_t)(in ? lport : rport), EF_TCP_SYN) :
			    udp(4, in ? remote : local, (uint16_t)(in ? rport : lport),
				in ? local : remote, (uint16_t)(in ? lport : rport));
		v = run(c->hook, c->role, &s);
		if (v.pass != c->pass)
			fail_msg("library case %zu (%s): %s %s %s port %u local %u from %s: got %s (%s)",
				 i, c->file, in ? "in" : "out", ef_service_names[c->svc],
				 c->proto == IPPROTO_TCP ? "tcp" : "udp", c->port, lport, remote,
				 v.pass ? "pass" : "drop", ef_reason_name(v.reason));
	}
}

/* ---- the port summary, by hand ------------------------------------------------ */

/* Independent of the policy file: what JJ205394 says, probe by probe. */
static const struct seed_case {
	int hook, role, svc, proto;
	unsigned port; /* service port (in) or remote port (out) */
	unsigned lport; /* out only: local port, 0 = ephemeral */
	int pass;
} seed_cases[] = {
	/* external, inbound */
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5269, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 3478, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 50000, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 59999, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 60000, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 49999, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 5061, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 5061, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 5269, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_UDP, 3478, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 3478, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 80, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 53, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 8057, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 50000, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 23456, 0, DROP },
	/* internal, inbound */
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 23456, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 8057, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5062, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_UDP, 3478, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 4443, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50001, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50002, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50003, 0, PASS },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 50004, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5269, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_UDP, 443, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 80, 0, DROP },
	{ EF_HOOK_INGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 3389, 0, DROP },
	/* external, outbound */
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 80, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 53, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 53, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 5269, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_TCP, 8443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_ACCESS, IPPROTO_UDP, 3478, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 3478, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 443, 50000, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 8080, 59999, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 40000, 50000, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_UDP, 40000, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 8080, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_AV, IPPROTO_TCP, 8080, 60000, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, EF_SVC_WEBCONF, IPPROTO_TCP, 5061, 0, DROP },
	/* internal, outbound */
	{ EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5061, 0, PASS },
	{ EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 443, 0, DROP },
	{ EF_HOOK_EGRESS, EF_ROLE_INTERNAL, EF_SVC_INTERNAL, IPPROTO_TCP, 5062, 0, DROP },
};

static void test_seed_table(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		for (size_t i = 0; i < sizeof(seed_cases) / sizeof(seed_cases[0]); i++) {
			const struct seed_case *c = &seed_cases[i];
			bool in = c->hook == EF_HOOK_INGRESS;
			/* peers inside every narrowed set they might need */
			const char *remote = c->role == EF_ROLE_INTERNAL ?
						     (family == 4 ? "198.18.3.10" : "2001:db8:18:3::10") :
						     (family == 4 ? "198.51.100.130" : "2001:db8:52::30");
			const char *local = svc_addr(c->svc, family);
			unsigned lport = in ? c->port : (c->lport ? c->lport : 40000);
			unsigned rport = in ? 40000 : c->port;
			struct pkt s;
			struct verdict v;

			if (c->role == EF_ROLE_INTERNAL && c->port == 5061)
				remote = family == 4 ? "198.18.2.5" : "2001:db8:18:2::5";
			if (c->role == EF_ROLE_INTERNAL && c->port == 23456)
				remote = family == 4 ? "198.18.1.5" : "2001:db8:18:1::5";
			flows_clear();
			s = c->proto == IPPROTO_TCP ?
				    tcp(family, in ? remote : local, (uint16_t)(in ? rport : lport),
					in ? local : remote, (uint16_t)(in ? lport : rport), EF_TCP_SYN) :
				    udp(family, in ? remote : local, (uint16_t)(in ? rport : lport),
					in ? local : remote, (uint16_t)(in ? lport : rport));
			v = run(c->hook, c->role, &s);
			if (v.pass != c->pass)
				fail_msg("seed case %zu (IPv%d): %s %s %s port %u local %u: got %s (%s)",
					 i, family, in ? "in" : "out", ef_service_names[c->svc],
					 c->proto == IPPROTO_TCP ? "tcp" : "udp", c->port, lport,
					 v.pass ? "pass" : "drop", ef_reason_name(v.reason));
		}
	}
}

/* ---- parsing: encapsulation, truncation, malformed --------------------------- */

static struct pkt allowed_syn(int family)
{
	return tcp(family, family == 4 ? any4 : any6, 40000,
		   svc_addr(EF_SVC_ACCESS, family), 443, EF_TCP_SYN);
}

static void test_vlan(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		struct pkt s = allowed_syn(family);

		s.vlans = 1;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		flows_clear();
		s.vlans = 2; /* QinQ */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s.vlans = 3;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_VLAN_DEPTH);
		s.vlans = 2;
		s.dport = 8443;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	}
}

static void test_truncated_every_offset(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		for (int vlans = 0; vlans <= 2; vlans++) {
			for (int proto = 0; proto < 2; proto++) {
				struct pkt s = allowed_syn(family);
				uint8_t buf[PKT_MAX];
				size_t len;

				if (proto)
					s = udp(family, family == 4 ? any4 : any6, 40000,
						svc_addr(EF_SVC_AV, family), 3478);
				s.payload = 0;
				s.vlans = vlans;
				len = pkt_build(&s, buf);
				/* the whole frame passes; every strict prefix is malformed */
				flows_clear();
				expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS,
				       EF_R_RULE);
				for (size_t cut = 14; cut < len; cut++) {
					struct verdict v = run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL,
								     buf, cut);

					if (v.pass || (v.reason != EF_R_MALFORMED))
						fail_msg("IPv%d vlans %d %s cut at %zu of %zu: %s/%s",
							 family, vlans, proto ? "udp" : "tcp", cut, len,
							 v.pass ? "pass" : "drop", ef_reason_name(v.reason));
				}
			}
		}
	}
}

static void test_ipv4_header_lies(void **state)
{
	uint8_t buf[PKT_MAX];
	struct pkt s = allowed_syn(4);
	size_t len;

	(void)state;
	/* options are fine */
	for (int w = 1; w <= 10; w++) {
		flows_clear();
		s.v4_opt_words = w;
		len = pkt_build(&s, buf);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS, EF_R_RULE);
	}
	s.v4_opt_words = 0;
	len = pkt_build(&s, buf);
	for (int ihl = 0; ihl < 5; ihl++) { /* IHL < 5 */
		buf[14] = (uint8_t)(0x40 | ihl);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	}
	buf[14] = 0x4f; /* IHL 15: header beyond the packet's TCP */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, 14 + 40), DROP, EF_R_MALFORMED);
	len = pkt_build(&s, buf);
	put16(buf + 16, (uint16_t)(len - 14 + 1)); /* total length beyond the frame */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	put16(buf + 16, 19); /* shorter than the header */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	put16(buf + 16, 30); /* ends inside the TCP header: padding is not header */
	memset(buf + len, 0, 32);
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len + 32), DROP, EF_R_MALFORMED);
	buf[14] = 0x65; /* version 6 in an IPv4 ethertype */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	/* Ethernet padding after a short datagram is ignored */
	flows_clear();
	len = pkt_build(&s, buf);
	memset(buf + len, 0, 20);
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len + 20), PASS, EF_R_RULE);
}

static void test_ipv6_ext_headers(void **state)
{
	struct pkt s = allowed_syn(6);

	(void)state;
	for (int n = 1; n <= EF_IPV6_EXT_MAX - 1; n++) {
		flows_clear();
		s.v6_ext = n;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
	s.v6_ext = EF_IPV6_EXT_MAX + 1; /* too long a chain to walk */
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_EXT_HEADERS);
	s.v6_ext = 2;
	s.dport = 8443;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
}

/* Hop-by-hop, routing, destination options and fragment headers in one
 * chain: walked, and the TCP header behind them found. */
static void test_ipv6_ext_header_kinds(void **state)
{
	struct pkt s = allowed_syn(6);
	uint8_t buf[PKT_MAX];
	size_t len, off = 14;

	(void)state;
	s.v6_ext = 3; /* three 8-byte destination-options headers ... */
	len = pkt_build(&s, buf);
	buf[off + 6] = 0;       /* ... the first becomes hop-by-hop */
	buf[off + 40] = 43;     /* it is followed by a routing header */
	buf[off + 48] = 60;     /* then destination options */
	buf[off + 56] = IPPROTO_TCP;
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS, EF_R_RULE);
	/* the same chain ending in a first fragment */
	flows_clear();
	s.frag = 1;
	s.frag_id = 77;
	s.v6_ext = 2;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s.frag = 2;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FRAGMENT);
	/* an extension header whose length runs past the packet */
	s = allowed_syn(6);
	s.v6_ext = 1;
	len = pkt_build(&s, buf);
	buf[off + 40 + 1] = 200; /* (200 + 1) * 8 bytes */
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	/* a chain that ends in no transport header (ESP: next header 50) */
	s = allowed_syn(6);
	s.v6_ext = 1;
	len = pkt_build(&s, buf);
	buf[off + 40] = 50;
	expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_PROTOCOL);
}

/* Frames larger than any MTU on these links, and IP lengths that lie. */
static void test_oversized_frames(void **state)
{
	uint8_t buf[PKT_MAX * 2];
	struct pkt s;
	size_t len;

	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		/* a 3400-byte frame (jumbo) is parsed like any other */
		flows_clear();
		s = udp(family, family == 4 ? any4 : any6, 40000, svc_addr(EF_SVC_AV, family), 3478);
		s.payload = 3400 - 14 - (family == 4 ? 20 : 40) - 8;
		len = pkt_build(&s, buf);
		assert_int_equal(len, 3400);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), PASS, EF_R_RULE);
		/* the same frame claiming 65535 bytes of IP */
		if (family == 4)
			put16(buf + 16, 65535);
		else
			put16(buf + 18, 65535 - 40);
		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len), DROP, EF_R_MALFORMED);
	}
}

static void test_ethertypes(void **state)
{
	static const struct { uint16_t et; int pass; int reason; } cases[] = {
		{ 0x0806, PASS, EF_R_NON_IP },    /* ARP */
		{ 0x88cc, PASS, EF_R_NON_IP },    /* LLDP */
		{ 0x888e, PASS, EF_R_NON_IP },    /* EAPOL */
		{ 0x0026, PASS, EF_R_NON_IP },    /* 802.3 length (LLC/STP) */
		{ 0x8847, DROP, EF_R_ETHERTYPE }, /* MPLS */
		{ 0x8864, DROP, EF_R_ETHERTYPE }, /* PPPoE session */
		{ 0x9000, DROP, EF_R_ETHERTYPE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt s = { .family = 4, .ethertype = cases[i].et };

		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), cases[i].pass, cases[i].reason);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), cases[i].pass, cases[i].reason);
	}
}

static void test_addresses_and_flags(void **state)
{
	static const char *const bad[] = { "0.0.0.0", "127.0.0.1", "224.0.0.5",
					   "255.255.255.255", "::", "::1", "ff02::1" };
	struct pkt s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int family = strchr(bad[i], ':') ? 6 : 4;

		s = tcp(family, bad[i], 40000, svc_addr(EF_SVC_ACCESS, family), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BAD_ADDRESS);
	}
	/* land */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 443, svc_addr(EF_SVC_ACCESS, 4), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_LAND);
	/* TCP flag nonsense */
	s = allowed_syn(4);
	s.flags = EF_TCP_SYN | EF_TCP_FIN;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_TCP_FLAGS);
	s.flags = EF_TCP_SYN | EF_TCP_RST;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_TCP_FLAGS);
	s.flags = 0;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_TCP_FLAGS);
	/* not a service address of this NIC */
	s = tcp(4, any4, 40000, "203.0.113.99", 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NOT_SERVICE);
	/* other IP protocols to a service address */
	s = (struct pkt){ .family = 4, .src = any4, .dst = svc_addr(EF_SVC_ACCESS, 4),
			  .proto = 47 /* GRE */, .payload = 8 };
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_PROTOCOL);
}

static void test_icmp_basics(void **state)
{
	struct pkt s;

	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		int proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		const char *remote = family == 4 ? any4 : any6;

		s = (struct pkt){ .family = family, .src = remote,
				  .dst = svc_addr(EF_SVC_AV, family), .proto = proto,
				  .icmp_type = family == 4 ? 8 : 128, .icmp_id = 7 };
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_PING);
		s.dst = family == 4 ? "203.0.113.99" : "2001:db8:10::99";
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NOT_SERVICE);
		s.dst = svc_addr(EF_SVC_AV, family);
		s.icmp_type = family == 4 ? 0 : 129; /* a reply nobody asked for */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		s.icmp_type = family == 4 ? 13 : 200; /* timestamp / private */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_TYPE);
		/* the node pings out; the reply belongs to that flow */
		s = (struct pkt){ .family = family, .src = svc_addr(EF_SVC_ACCESS, family),
				  .dst = remote, .proto = proto,
				  .icmp_type = family == 4 ? 8 : 128, .icmp_id = 99 };
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_PING);
		s = (struct pkt){ .family = family, .src = remote,
				  .dst = svc_addr(EF_SVC_ACCESS, family), .proto = proto,
				  .icmp_type = family == 4 ? 0 : 129, .icmp_id = 99 };
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	}
	/* neighbour discovery and MLD pass whatever the addresses */
	for (int t = 130; t <= 137; t++) {
		s = (struct pkt){ .family = 6, .src = "fe80::1", .dst = "ff02::1:ff00:1",
				  .proto = IPPROTO_ICMPV6, .icmp_type = (uint8_t)t };
		expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_ICMP_ESSENTIAL);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_ICMP_ESSENTIAL);
	}
	s.src = "::"; /* duplicate address detection */
	s.icmp_type = 135;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_ESSENTIAL);
}

static void test_ping_setting(void **state)
{
	char *text = test_policy_text("enforce", "enforce", NULL);
	json_object *root = json_tokener_parse(text), *st;
	struct pkt s = { .family = 4, .src = any4, .dst = svc_addr(EF_SVC_ACCESS, 4),
			 .proto = IPPROTO_ICMP, .icmp_type = 8, .icmp_id = 3 };

	(void)state;
	free(text);
	json_object_object_get_ex(root, "settings", &st);
	json_object_object_add(st, "ping", json_object_new_boolean(0));
	load_policy(json_object_to_json_string(root));
	json_object_put(root);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_TYPE);
	s.src = svc_addr(EF_SVC_ACCESS, 4);
	s.dst = any4;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_TYPE);
}

/* ---- flows --------------------------------------------------------------------- */

static bool flow_in(int map_fd, const char *local, uint16_t lport,
		    const char *remote, uint16_t rport, int proto, struct ef_flow *out)
{
	struct ef_flow_key k;
	struct ef_flow f;

	memset(&k, 0, sizeof(k));
	ef_addr_parse(local, &k.local);
	ef_addr_parse(remote, &k.remote);
	k.lport = lport;
	k.rport = rport;
	k.proto = (uint8_t)proto;
	/* the NIC the flow belongs to: the one the local address is on */
	k.role = EF_ROLE_EXTERNAL;
	for (int fam = 4; fam <= 6; fam += 2)
		if (!strcmp(local, svc_addr(EF_SVC_INTERNAL, fam)) ||
		    !strcmp(local, svc_addr(EF_SVC_MANAGEMENT, fam)))
			k.role = EF_ROLE_INTERNAL;
	if (bpf_map_lookup_elem(map_fd, &k, &f))
		return false;
	if (out)
		*out = f;
	return true;
}

static void test_outbound_flow_and_replies(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *acc = svc_addr(EF_SVC_ACCESS, family);
		const char *dns = family == 4 ? "198.51.100.53" : "2001:db8:53::53";
		const char *other = family == 4 ? "198.51.100.54" : "2001:db8:53::54";
		struct pkt s;

		/* DNS over UDP: query out, reply in; a forged "reply" is not a reply */
		s = udp(family, acc, 41000, dns, 53);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		assert_true(flow_in(T.dp.maps.flows, acc, 41000, dns, 53, IPPROTO_UDP, NULL));
		s = udp(family, dns, 53, acc, 41000);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		s = udp(family, other, 53, acc, 41000);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
		s = udp(family, dns, 53, acc, 41001);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);

		/* SIP federation over TCP 5061: SYN out, SYN-ACK in, data both ways */
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_SYN);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = tcp(family, other, 5061, acc, 42000, EF_TCP_SYN | EF_TCP_ACK);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		{
			struct ef_flow f;

			assert_true(flow_in(T.dp.maps.flows, acc, 42000, other, 5061, IPPROTO_TCP, &f));
			assert_int_equal(f.state, EF_FS_EST);
			assert_true(f.flags & EF_FLOW_ORIG_OUT);
		}
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_ACK | EF_TCP_PSH);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* an unsolicited ACK to A/V 50000: a rule has the port, but no flow */
		s = tcp(family, other, 443, svc_addr(EF_SVC_AV, family), 50000, EF_TCP_ACK);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		/* a non-SYN out with no flow and no reply rule */
		s = tcp(family, acc, 42001, other, 5061, EF_TCP_ACK);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		/* FIN moves the flow to closing; a new SYN on the tuple starts over */
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_FIN | EF_TCP_ACK);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		{
			struct ef_flow f;

			assert_true(flow_in(T.dp.maps.flows, acc, 42000, other, 5061, IPPROTO_TCP, &f));
			assert_int_equal(f.state, EF_FS_CLOSING);
		}
		s = tcp(family, acc, 42000, other, 5061, EF_TCP_SYN);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
}

static void test_av_local_ports(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *av = svc_addr(EF_SVC_AV, family);
		const char *peer = family == 4 ? any4 : any6;
		struct pkt s;

		/* UDP media relayed from a local 50000-59999 port to any port */
		s = udp(family, av, 50010, peer, 40000);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = udp(family, peer, 40000, av, 50010);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* TCP from 50000-59999 to a partner's 443 */
		s = tcp(family, av, 59999, peer, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = tcp(family, peer, 443, av, 59999, EF_TCP_SYN | EF_TCP_ACK);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* not from the media range */
		s = udp(family, av, 40000, peer, 40000);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	}
}

static void test_inbound_handshake_promotion(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *acc = svc_addr(EF_SVC_ACCESS, family);
		const char *cl = family == 4 ? "198.51.100.9" : "2001:db8:51::9";
		struct pkt s;
		struct ef_flow f;

		s = tcp(family, cl, 33000, acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		assert_true(flow_in(T.dp.maps.flows_new, acc, 443, cl, 33000, IPPROTO_TCP, &f));
		assert_int_equal(f.state, EF_FS_SYN_RECV);
		assert_false(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, NULL));
		s = tcp(family, acc, 443, cl, 33000, EF_TCP_SYN | EF_TCP_ACK);
		s.seq = 777000;
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* an ACK that does not acknowledge our SYN-ACK */
		s = tcp(family, cl, 33000, acc, 443, EF_TCP_ACK);
		s.ack = 12345;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_FLOW);
		assert_false(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, NULL));
		s.ack = 777001;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		assert_true(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, &f));
		assert_int_equal(f.state, EF_FS_EST);
		assert_false(flow_in(T.dp.maps.flows_new, acc, 443, cl, 33000, IPPROTO_TCP, NULL));
		s.flags = EF_TCP_ACK | EF_TCP_PSH;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		s = tcp(family, acc, 443, cl, 33000, EF_TCP_ACK | EF_TCP_PSH);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		/* RST closes */
		s = tcp(family, cl, 33000, acc, 443, EF_TCP_RST);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		assert_true(flow_in(T.dp.maps.flows, acc, 443, cl, 33000, IPPROTO_TCP, &f));
		assert_int_equal(f.state, EF_FS_CLOSING);
	}
}

static void test_reply_by_rule(void **state)
{
	struct pkt s;

	(void)state;
	/* the node answers from a service port (flow unknown to us) */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 443, any4, 40000, EF_TCP_ACK | EF_TCP_PSH);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_REPLY_BY_RULE);
	/* a SYN-ACK re-creates the embryonic entry so the client's ACK is verified */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 443, any4, 40001, EF_TCP_SYN | EF_TCP_ACK);
	s.seq = 5000;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_REPLY_BY_RULE);
	s = tcp(4, any4, 40001, svc_addr(EF_SVC_ACCESS, 4), 443, EF_TCP_ACK);
	s.ack = 5001;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	/* but not from a narrowed service to a peer outside its set: no out
	 * rule, and the in rule's peer set does not hold the stranger */
	s = tcp(4, svc_addr(EF_SVC_INTERNAL, 4), 5062, "198.18.9.5", 40000, EF_TCP_ACK);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), DROP, EF_R_NO_RULE);
	s.dst = "198.18.3.6";
	expect(run(EF_HOOK_EGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_REPLY_BY_RULE);
}

static void test_flow_expiry(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct ef_flow_key k;
	struct ef_flow f;
	struct timespec ts;
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	struct pkt s;

	(void)state;
	s = udp(4, acc, 41000, "198.51.100.53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	memset(&k, 0, sizeof(k));
	ef_addr_parse(acc, &k.local);
	ef_addr_parse("198.51.100.53", &k.remote);
	k.lport = 41000;
	k.rport = 53;
	k.proto = IPPROTO_UDP;
	k.role = EF_ROLE_EXTERNAL;
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.flows, &k, &f), 0);
	/* age it past the UDP timeout */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	f.seen_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec -
		    (EF_DEF_TO_UDP + 1) * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(T.dp.maps.flows, &k, &f, BPF_EXIST), 0);
	counters(before);
	s = udp(4, "198.51.100.53", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	counters(after);
	assert_int_equal(after[EF_C_FLOWS_EXPIRED] - before[EF_C_FLOWS_EXPIRED], 1);
	assert_int_not_equal(bpf_map_lookup_elem(T.dp.maps.flows, &k, &f), 0);
	/* just inside the timeout it lives */
	s = udp(4, acc, 41000, "198.51.100.53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.flows, &k, &f), 0);
	f.seen_ns -= (EF_DEF_TO_UDP - 5) * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(T.dp.maps.flows, &k, &f, BPF_EXIST), 0);
	s = udp(4, "198.51.100.53", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
}

/* A spoofed SYN flood churns only the untrusted table. */
static void test_flood_cannot_evict_trusted_flows(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct pkt s;
	char src[32];
	long n_new;

	(void)state;
	/* an outbound flow and a verified inbound one */
	s = udp(4, acc, 41000, "198.51.100.53", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.9", 33000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, acc, 443, "198.51.100.9", 33000, EF_TCP_SYN | EF_TCP_ACK);
	s.seq = 100;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	s = tcp(4, "198.51.100.9", 33000, acc, 443, EF_TCP_ACK);
	s.ack = 101;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);

	/* 8x the untrusted table in spoofed SYNs and UDP, from many sources */
	for (int i = 0; i < 8192; i++) {
		uint8_t buf[PKT_MAX];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .repeat = 1);
		struct xdp_md x = { .ingress_ifindex = (__u32)T.ifindex[EF_ROLE_EXTERNAL] };

		snprintf(src, sizeof(src), "198.18.%d.%d", 128 + (i >> 8) % 64, i & 0xff);
		s = (i & 1) ? tcp(4, src, (uint16_t)(1024 + i), acc, 443, EF_TCP_SYN) :
			      udp(4, src, (uint16_t)(1024 + i), svc_addr(EF_SVC_AV, 4), 3478);
		o.data_size_in = (__u32)pkt_build(&s, buf);
		x.data_end = o.data_size_in;
		o.ctx_in = &x;
		o.ctx_size_in = sizeof(x);
		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(T.dp.skel->progs.edgefw_xdp), &o), 0);
		assert_int_equal(o.retval, XDP_PASS);
	}
	n_new = ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key));
	assert_true(n_new <= 1024);
	assert_true(n_new > 0);
	/* the trusted flows are still there and still pass */
	s = udp(4, "198.51.100.53", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	s = tcp(4, "198.51.100.9", 33000, acc, 443, EF_TCP_ACK | EF_TCP_PSH);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	assert_int_equal(ef_map_count(T.dp.maps.flows, sizeof(struct ef_flow_key)), 2);
}

/* ---- fragments ------------------------------------------------------------------- */

static void test_fragments(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		const char *av = svc_addr(EF_SVC_AV, family);
		const char *peer = family == 4 ? any4 : any6;
		struct pkt s = udp(family, peer, 40000, av, 3478);

		s.frag = 1;
		s.frag_id = 4242;
		s.payload = 64;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s.frag = 2;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FRAGMENT);
		s.frag_id = 4243; /* a datagram whose first fragment we never saw */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_FRAG_UNTRACKED);
		/* a first fragment that is denied opens nothing */
		s = udp(family, peer, 40000, svc_addr(EF_SVC_ACCESS, family), 3478);
		s.frag = 1;
		s.frag_id = 4244;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
		s.frag = 2;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_FRAG_UNTRACKED);
		/* a fragmented reply of a tracked flow (big DNS answer) */
		s = udp(family, svc_addr(EF_SVC_ACCESS, family), 41000, peer, 53);
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = udp(family, peer, 53, svc_addr(EF_SVC_ACCESS, family), 41000);
		s.frag = 1;
		s.frag_id = 99;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
		s.frag = 2;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FRAGMENT);
	}
}

/* ---- ICMP errors ------------------------------------------------------------------ */

static void test_icmp_errors(void **state)
{
	(void)state;
	for (int family = 4; family <= 6; family += 2) {
		int proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		const char *acc = svc_addr(EF_SVC_ACCESS, family);
		const char *dns = family == 4 ? "198.51.100.53" : "2001:db8:53::53";
		const char *router = family == 4 ? "198.51.100.1" : "2001:db8:53::1";
		uint8_t q[128];
		size_t ql;
		struct pkt inner = udp(family, acc, 41000, dns, 53), s;

		inner.payload = 0;
		ql = pkt_ip(&inner, q);
		s = (struct pkt){ .family = family, .src = router, .dst = acc, .proto = proto,
				  .icmp_type = family == 4 ? 3 : 1, .icmp_code = 3,
				  .quote = q, .quote_len = ql };
		/* no flow yet: unrelated */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
		/* after the query went out it is about our flow */
		expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &inner), PASS, EF_R_RULE);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_RELATED);
		s.icmp_type = family == 4 ? 11 : 3; /* time exceeded */
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_RELATED);
		/* a quote of some other datagram */
		inner.sport = 41999;
		ql = pkt_ip(&inner, q);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
		/* path MTU signals about our own packets always pass */
		s.icmp_type = family == 4 ? 3 : 2;
		s.icmp_code = family == 4 ? 4 : 0;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_ICMP_RELATED);
		/* ... but not about packets from addresses that are not ours */
		inner.src = family == 4 ? "198.51.100.250" : "2001:db8:99::1";
		ql = pkt_ip(&inner, q);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
		/* a quote cut short carries no ports */
		inner = udp(family, acc, 41000, dns, 53);
		inner.payload = 0;
		ql = pkt_ip(&inner, q);
		s.quote_len = ql - 6;
		s.icmp_type = family == 4 ? 11 : 3;
		s.icmp_code = 0;
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_ICMP_UNRELATED);
	}
}

/* ---- modes ------------------------------------------------------------------------ */

static void test_egress_modes(void **state)
{
	struct pkt s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 43000, any4, 8443, EF_TCP_SYN);
	struct pkt other = tcp(4, "203.0.113.99", 43000, any4, 443, EF_TCP_SYN);

	(void)state;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.action, EF_ACT_DROP);
	assert_int_equal(T.last_event.hook, EF_HOOK_EGRESS);
	assert_int_equal(T.last_event.reason, EF_R_NO_RULE);
	assert_int_equal(T.last_event.dport, 8443);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &other), DROP, EF_R_NOT_SERVICE);

	load_test_policy("enforce", "monitor", NULL);
	T.nevents = 0;
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
	/* the connection is tracked: its reply passes, its next packets are quiet */
	s = tcp(4, any4, 8443, svc_addr(EF_SVC_ACCESS, 4), 43000, EF_TCP_SYN | EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	assert_int_equal(T.nevents, 1);

	load_test_policy("enforce", "off", NULL);
	flows_clear();
	T.nevents = 0;
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 43001, any4, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_UNLISTED);
	assert_int_equal(T.nevents, 0);
	s = tcp(4, any4, 8443, svc_addr(EF_SVC_ACCESS, 4), 43001, EF_TCP_SYN | EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	/* ingress is enforced whatever egress says */
	s = tcp(4, any4, 40000, svc_addr(EF_SVC_ACCESS, 4), 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
}

static void test_monitor_mode(void **state)
{
	struct pkt s = tcp(4, any4, 40000, svc_addr(EF_SVC_WEBCONF, 4), 5061, EF_TCP_SYN);

	(void)state;
	load_test_policy("monitor", "enforce", NULL);
	T.nevents = 0;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
	assert_int_equal(T.last_event.reason, EF_R_NO_RULE);
	/* malformed frames are reported, not dropped */
	{
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(&s, buf);

		expect(run_frame(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, buf, len - 10), PASS,
		       EF_R_MALFORMED);
		assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
	}
	/* egress too */
	s = tcp(4, svc_addr(EF_SVC_ACCESS, 4), 43000, any4, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_NO_RULE);
	assert_int_equal(T.last_event.action, EF_ACT_WOULD_DROP);
}

static void test_drop_event_fields(void **state)
{
	struct pkt s = tcp(6, any6, 40000, svc_addr(EF_SVC_WEBCONF, 6), 5061, EF_TCP_SYN);
	union ef_addr a;

	(void)state;
	T.nevents = 0;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	assert_int_equal(T.nevents, 1);
	assert_int_equal(T.last_event.family, 6);
	assert_int_equal(T.last_event.proto, IPPROTO_TCP);
	assert_int_equal(T.last_event.sport, 40000);
	assert_int_equal(T.last_event.dport, 5061);
	assert_int_equal(T.last_event.tcp_flags, EF_TCP_SYN);
	assert_int_equal(T.last_event.ifindex, T.ifindex[EF_ROLE_EXTERNAL]);
	assert_int_equal(T.last_event.rule, EF_RULE_NONE);
	assert_int_equal(T.last_event.epoch, T.epoch);
	ef_addr_parse(any6, &a);
	assert_memory_equal(&T.last_event.src, &a, 16);
	/* allowed packets raise no event unless the policy asks */
	s = allowed_syn(4);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	assert_int_equal(T.nevents, 1);
	/* a peer-set drop names the rule whose port matched? no: no rule decided */
	s = tcp(4, "198.18.9.5", 40000, svc_addr(EF_SVC_INTERNAL, 4), 8057, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &s), DROP, EF_R_PEER);
	assert_int_equal(T.last_event.reason, EF_R_PEER);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A flood from one source raises a burst of events, then a counter: every
 * event is either delivered or counted as suppressed, and the bucket
 * refills at the configured rate (10/s).  Bounds allow for the time the
 * loop itself takes (slow under sanitizers). */
static void test_event_rate_limit(void **state)
{
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	const int n = EF_DEF_EVENT_BURST + 30;
	double t0, t1;
	int got;
	struct pkt s;

	(void)state;
	T.nevents = 0;
	counters(before);
	t0 = mono_s();
	for (int i = 0; i < n; i++) {
		s = tcp(4, "198.51.100.66", (uint16_t)(20000 + i), svc_addr(EF_SVC_ACCESS, 4),
			8443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	}
	t1 = mono_s();
	counters(after);
	got = T.nevents;
	assert_int_equal(got + (int)(after[EF_C_EVENTS_SUPPRESSED] - before[EF_C_EVENTS_SUPPRESSED]), n);
	assert_true(got >= EF_DEF_EVENT_BURST);
	assert_true(got <= EF_DEF_EVENT_BURST + 1 + (int)((t1 - t0) * EF_DEF_EVENT_RATE));
	assert_true(got < n); /* some were suppressed */
	/* another source is not affected */
	s = tcp(4, "198.51.100.67", 20000, svc_addr(EF_SVC_ACCESS, 4), 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	assert_int_equal(T.nevents, got + 1);
	/* IPv6 sources share a bucket per /64: 55 sources, one bucket */
	got = T.nevents;
	t0 = mono_s();
	for (int i = 0; i < EF_DEF_EVENT_BURST + 5; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8:66::%x", i + 1);
		s = tcp(6, src, 20000, svc_addr(EF_SVC_ACCESS, 6), 8443, EF_TCP_SYN);
		run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
	}
	t1 = mono_s();
	assert_true(T.nevents - got <= EF_DEF_EVENT_BURST + 1 + (int)((t1 - t0) * EF_DEF_EVENT_RATE));
	assert_true(T.nevents - got < EF_DEF_EVENT_BURST + 5);
	/* an exhausted bucket gives about rate * elapsed events */
	s = tcp(4, "198.51.100.66", 30000, svc_addr(EF_SVC_ACCESS, 4), 8443, EF_TCP_SYN);
	for (int i = 0; i < 20; i++)
		run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s); /* drain */
	usleep(350000);
	got = T.nevents;
	t0 = mono_s();
	for (int i = 0; i < 10; i++)
		run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
	t1 = mono_s();
	assert_true(T.nevents - got >= 3); /* 0.35 s at 10/s */
	assert_true(T.nevents - got <= 4 + 1 + (int)((t1 - t0) * EF_DEF_EVENT_RATE));
}

/* ---- the shield: per-source limits, temporary blocks, static lists ---------- */

/* The test policy with a per-source limit on the Access service's rules. */
static void load_limits_policy(unsigned rate, unsigned burst, unsigned block_s,
			       int v6_prefix)
{
	char *text = test_policy_text("enforce", "enforce", NULL);
	json_object *root = json_tokener_parse(text), *settings, *limits, *l;

	json_object_object_get_ex(root, "settings", &settings);
	limits = json_object_new_object();
	l = json_object_new_object();
	json_object_object_add(l, "new_flows_per_sec", json_object_new_int((int)rate));
	json_object_object_add(l, "burst", json_object_new_int((int)burst));
	json_object_object_add(l, "block_seconds", json_object_new_int((int)block_s));
	json_object_object_add(limits, "access", l);
	json_object_object_add(settings, "limits", limits);
	if (v6_prefix)
		json_object_object_add(settings, "limit_v6_prefix", json_object_new_int(v6_prefix));
	load_policy(json_object_to_json_string(root));
	json_object_put(root);
	free(text);
}

static __u64 rule_limited(unsigned id)
{
	struct ef_rule_stats st;

	ef_rule_stats_read(&T.dp.maps, T.epoch % EF_SLOTS, id, &st);
	return st.limited;
}

static void test_source_limits(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	struct ef_blocked b;
	union ef_addr a;
	struct verdict v;
	struct timespec ts;
	struct pkt s;
	__u64 now;
	int rule;

	(void)state;
	load_limits_policy(5, 3, 1, 0);
	/* the burst: three new flows at once */
	for (int i = 0; i < 3; i++) {
		s = tcp(4, "198.51.100.70", (uint16_t)(30000 + i), acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		expect(v, PASS, EF_R_RULE);
	}
	rule = v.rule;
	/* the fourth is over the limit: dropped, and the source is blocked */
	counters(before);
	s = tcp(4, "198.51.100.70", 30003, acc, 443, EF_TCP_SYN);
	v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
	expect(v, DROP, EF_R_RATE_LIMITED);
	counters(after);
	assert_int_equal(after[EF_C_SOURCES_BLOCKED] - before[EF_C_SOURCES_BLOCKED], 1);
	assert_int_equal(rule_limited((unsigned)rule), 1);
	ef_addr_parse("198.51.100.70", &a);
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	assert_int_equal(b.rule, rule);
	assert_true(b.until_ns - b.since_ns == 1000000000ull);
	/* blocked at the first lookup: even the flows it already has, on any port */
	s = tcp(4, "198.51.100.70", 30000, acc, 443, EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKED_SOURCE);
	s = tcp(4, "198.51.100.70", 30010, acc, 5061, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKED_SOURCE);
	/* another source is not affected */
	s = tcp(4, "198.51.100.71", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* rules without a limit (A/V) do not count: the other services are open */
	s = udp(4, "198.51.100.72", 30000, svc_addr(EF_SVC_AV, 4), 3478);
	for (int i = 0; i < 10; i++) {
		s.sport = (uint16_t)(31000 + i);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
	/*
	 * Still blocked until its time is up, released from then on.  The
	 * program compares the entry's until_ns with bpf_ktime_get_coarse_ns
	 * (CLOCK_MONOTONIC_COARSE), the clock the entry was stamped with: the
	 * end of the block is set against that clock, 50 ms ahead, and the run
	 * is bracketed by two readings of it, so the assertion never depends
	 * on how long a sleep took (a try the scheduler delays past the end is
	 * made again, not skipped).
	 */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	assert_true(b.since_ns <= now && now - b.since_ns < 10000000000ull);
	for (int i = 0;; i++) {
		assert_true(i < 20);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		b.until_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec + 50000000ull;
		assert_int_equal(bpf_map_update_elem(T.dp.maps.blocked, &a, &b, BPF_ANY), 0);
		s = tcp(4, "198.51.100.70", 30011, acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		if ((__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec < b.until_ns)
			break;
	}
	expect(v, DROP, EF_R_BLOCKED_SOURCE);
	/* and the block is left as it is */
	now = b.until_ns;
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	assert_true(b.until_ns == now);
	/* its time is up now (the program's clock cannot be behind ours):
	 * released, the entry removed, the flows it had pass again */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	b.until_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	assert_int_equal(bpf_map_update_elem(T.dp.maps.blocked, &a, &b, BPF_EXIST), 0);
	s = tcp(4, "198.51.100.70", 30000, acc, 443, EF_TCP_ACK);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	assert_int_not_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	/* new flows take tokens again: the bucket, empty since the block,
	 * holds one after 1/5 s (a longer sleep only adds tokens) */
	usleep(250000);
	s = tcp(4, "198.51.100.70", 30012, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* IPv6 sources count per /64: four addresses, one bucket */
	for (int i = 0; i < 4; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8:70::%x", i + 1);
		s = tcp(6, src, 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), i < 3 ? PASS : DROP,
		       i < 3 ? EF_R_RULE : EF_R_RATE_LIMITED);
	}
	ef_addr_parse("2001:db8:70::", &a);
	assert_int_equal(bpf_map_lookup_elem(T.dp.maps.blocked, &a, &b), 0);
	s = tcp(6, "2001:db8:70::99", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKED_SOURCE);
	s = tcp(6, "2001:db8:71::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* limit_v6_prefix 128: every address its own bucket */
	flows_clear();
	load_limits_policy(5, 3, 1, 128);
	for (int i = 0; i < 6; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8:72::%x", i + 1);
		s = tcp(6, src, 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
}

/* The bucket refills at the rate: a source at its rate is never blocked. */
static void test_source_limit_rate(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct pkt s;

	(void)state;
	load_limits_policy(20, 2, 300, 0);
	/* 12 new flows at about 10/s (half the rate): all pass */
	for (int i = 0; i < 12; i++) {
		s = tcp(4, "198.51.100.73", (uint16_t)(30000 + i), acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		usleep(100000);
	}
	/* then four at once: the burst of two passes, the next is limited */
	for (int i = 0; i < 4; i++) {
		struct verdict v;

		s = tcp(4, "198.51.100.73", (uint16_t)(31000 + i), acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		if (v.reason == EF_R_RATE_LIMITED) {
			assert_true(i >= 2);
			s.sport = 32000;
			expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP,
			       EF_R_BLOCKED_SOURCE);
			return;
		}
		expect(v, PASS, EF_R_RULE);
	}
	fail_msg("four new flows at once passed a burst of 2");
}

static void list_set(int kind, const char *const *cidrs, size_t n)
{
	struct ef_list l = { 0 };
	size_t added, removed, other;
	struct ef_list o = { 0 };

	for (size_t i = 0; i < n; i++) {
		struct ef_prefix p;

		assert_int_equal(ef_prefix_parse(cidrs[i], &p, NULL), 0);
		ef_list_add(&l, &p);
	}
	ef_list_normalize(&l);
	if (kind == EF_LIST_BLOCK) {
		bool bl4 = false;

		/* the agent's way: the trie and its IPv4 /24 bitmap */
		assert_int_equal(ef_blocklist_sync(T.dp.maps.blocklist, T.dp.maps.bl4, &l, &added,
						   &removed, &bl4), 0);
		assert_true(bl4);
	} else {
		assert_int_equal(ef_list_map_sync(T.dp.maps.allowlist, &l, &added, &removed), 0);
	}
	ef_list_map_read(kind == EF_LIST_BLOCK ? T.dp.maps.allowlist : T.dp.maps.blocklist, &o);
	other = o.n;
	ef_shield_update(T.dp.maps.shield, kind == EF_LIST_BLOCK ? l.n : other,
			 kind == EF_LIST_ALLOW ? l.n : other, true);
	ef_list_free(&l);
	ef_list_free(&o);
}

static void test_static_lists(void **state)
{
	static const char *const block[] = { "198.51.100.80/29", "2001:db8:80::/48", "198.51.100.90" };
	static const char *const allow[] = { "198.51.100.81/32", "2001:db8:80:1::/64" };
	const char *acc = svc_addr(EF_SVC_ACCESS, 4), *av = svc_addr(EF_SVC_AV, 4);
	struct pkt s;

	(void)state;
	/* an outbound flow to what becomes a listed address */
	s = udp(4, acc, 41000, "198.51.100.90", 53);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	list_set(EF_LIST_BLOCK, block, 3);
	/* inbound from a listed source: before any rule */
	s = tcp(4, "198.51.100.82", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	s = tcp(6, "2001:db8:80:5::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* outbound to one: also dropped */
	s = udp(4, av, 3478, "198.51.100.83", 3478);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* the existing flow's replies too */
	s = udp(4, "198.51.100.90", 53, acc, 41000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* neighbours outside the prefixes are untouched */
	s = tcp(4, "198.51.100.88", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(6, "2001:db8:81::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* the families never mix: ::/0 blocks no IPv4 source */
	{
		static const char *const all6[] = { "::/0" };

		list_set(EF_LIST_BLOCK, all6, 1);
		s = tcp(4, "198.51.100.82", 30001, acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		s = tcp(6, "2001:db8:99::1", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
		list_set(EF_LIST_BLOCK, block, 3);
	}
	/* the allow list exempts from the block list, not from the rules */
	list_set(EF_LIST_ALLOW, allow, 2);
	s = tcp(4, "198.51.100.81", 30000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.81", 30000, acc, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	s = tcp(6, "2001:db8:80:1::7", 30000, svc_addr(EF_SVC_ACCESS, 6), 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.82", 30002, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_BLOCKLIST);
	/* removing the entry restores the source */
	list_set(EF_LIST_BLOCK, NULL, 0);
	s = tcp(4, "198.51.100.82", 30003, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* ... and the allow list exempts from the per-source limits */
	load_limits_policy(1, 1, 300, 0);
	for (int i = 0; i < 5; i++) {
		s = tcp(4, "198.51.100.81", (uint16_t)(33000 + i), acc, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	}
	s = tcp(4, "198.51.100.84", 33000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s.sport = 33001;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_RATE_LIMITED);
	list_set(EF_LIST_ALLOW, NULL, 0);
}

/* ---- SYN floods: cookie challenges ------------------------------------------- */

/* The test policy with settings merged from a JSON object text. */
static void load_settings_policy(const char *mode, const char *settings_json)
{
	char *text = test_policy_text(mode, "enforce", NULL);
	json_object *root = json_tokener_parse(text), *settings, *patch;

	patch = json_tokener_parse(settings_json);
	assert_non_null(patch);
	json_object_object_get_ex(root, "settings", &settings);
	json_object_object_foreach(patch, k, v)
		json_object_object_add(settings, k, json_object_get(v));
	load_policy(json_object_to_json_string(root));
	json_object_put(patch);
	json_object_put(root);
	free(text);
}

static uint16_t csum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The challenge in T.out: a SYN-ACK from (dst, dport) of the SYN s back to
 * (src, sport), same VLAN tags, correct checksums, acknowledging nothing s
 * sent.  Returns its acknowledgment number: the cookie.
 */
static uint32_t check_challenge(const struct pkt *s)
{
	struct ef_pkt p = { 0 };
	const uint8_t *f = T.out;
	size_t l3 = 14 + 4 * (size_t)s->vlans, iplen = s->family == 4 ? 20 : 40;
	const uint8_t *th = f + l3 + iplen;
	union ef_addr a;
	uint32_t sum = 0;

	assert_true(T.tx);
	assert_int_equal(T.out_len, l3 + iplen + 20);
	assert_int_equal(ef_parse(T.out, T.out + T.out_len, (__u32)T.out_len, &p), EF_R_NONE);
	assert_int_equal(p.family, s->family);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_int_equal(p.vlans, s->vlans);
	ef_addr_parse(s->dst, &a);
	assert_memory_equal(&p.src, &a, sizeof(a));
	ef_addr_parse(s->src, &a);
	assert_memory_equal(&p.dst, &a, sizeof(a));
	assert_int_equal(p.sport, s->dport);
	assert_int_equal(p.dport, s->sport);
	assert_int_equal(p.tcp_flags, EF_TCP_SYN | EF_TCP_ACK);
	assert_int_not_equal(p.ack_seq, s->seq + 1);
	/* the MACs swapped, as pktbuild made them */
	assert_int_equal(f[0], 0x02);
	assert_int_equal(f[5], 0x02);
	assert_int_equal(f[6], 0x02);
	assert_int_equal(f[11], 0x01);
	/* checksums */
	if (s->family == 4) {
		assert_int_equal(csum16(f + l3, 20, 0), 0xffff);
		sum = csum16(f + l3 + 12, 8, 0) + IPPROTO_TCP + 20;
	} else {
		sum = csum16(f + l3 + 8, 32, 0) + IPPROTO_TCP + 20;
	}
	assert_int_equal(csum16(th, 20, sum), 0xffff);
	return p.ack_seq;
}

static struct pkt rst_for(const struct pkt *syn, uint32_t seq)
{
	struct pkt r = *syn;

	r.flags = EF_TCP_RST;
	r.seq = seq;
	r.ack = 0;
	return r;
}

static __u64 counter(int idx)
{
	__u64 c[EF_C_MAX];

	counters(c);
	return c[idx];
}

static void test_syn_challenge(void **state)
{
	const char *acc4 = svc_addr(EF_SVC_ACCESS, 4), *acc6 = svc_addr(EF_SVC_ACCESS, 6);
	__u64 sent = counter(EF_C_SYNCOOKIES_SENT), bad = counter(EF_C_SYNCOOKIES_BAD);
	struct pkt s, r;
	uint32_t cookie;
	union ef_addr a;
	__u64 until;

	(void)state;
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"always\"}}");
	T.nevents = 0;
	s = tcp(4, "198.51.100.60", 40000, acc4, 443, EF_TCP_SYN);
	s.seq = 123456;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	cookie = check_challenge(&s);
	assert_int_equal(counter(EF_C_SYNCOOKIES_SENT), sent + 1);
	/* no state: no flow, not verified, no event */
	assert_int_equal(ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key)), 0);
	ef_addr_parse("198.51.100.60", &a);
	assert_int_not_equal(bpf_map_lookup_elem(bpf_map__fd(T.dp.skel->maps.ef_verified), &a, &until), 0);
	assert_int_equal(T.nevents, 0);
	/* the same SYN again (a retransmission): challenged again */
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	assert_int_equal(check_challenge(&s), cookie);
	/* a RST with the wrong number: nothing (the kernel's cookies carry an
	 * MSS index in their low bits, so a near miss may still be a cookie) */
	r = rst_for(&s, cookie ^ 0x00f0f000);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_NO_FLOW);
	assert_int_equal(counter(EF_C_SYNCOOKIES_BAD), bad + 1);
	/* the right number from another source or port: nothing */
	r = rst_for(&s, cookie);
	r.src = "198.51.100.61";
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_NO_FLOW);
	r = rst_for(&s, cookie);
	r.sport = 40001;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_NO_FLOW);
	/* the client's RST (seq = our ack): verified, consumed, no event
	 * (the three misses above were ordinary no-flow drops, with events) */
	assert_int_equal(T.nevents, 3);
	T.nevents = 0;
	r = rst_for(&s, cookie);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_SYN_VERIFIED);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(T.dp.skel->maps.ef_verified), &a, &until), 0);
	assert_int_equal(T.nevents, 0);
	/* its retransmitted SYN, and later ones on other ports, pass */
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s.sport = 40002;
	s.dport = 5061;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* IPv6, behind a VLAN tag */
	s = tcp(6, "2001:db8:60::1", 40000, acc6, 443, EF_TCP_SYN);
	s.vlans = 1;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	cookie = check_challenge(&s);
	r = rst_for(&s, cookie);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_SYN_VERIFIED);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* verified per /64, like the limits */
	s.src = "2001:db8:60::2";
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);

	/* an IPv4 SYN with options and padding: the reply is cut to size */
	s = tcp(4, "198.51.100.62", 40000, acc4, 443, EF_TCP_SYN);
	s.v4_opt_words = 3;
	s.payload = 40;
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	s.v4_opt_words = 0;
	check_challenge(&s);

	/* not on the internal NIC, not for what no rule allows */
	s = tcp(4, sets[1].in4, 40000, svc_addr(EF_SVC_INTERNAL, 4), 5061, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_INTERNAL, &s), PASS, EF_R_RULE);
	s = tcp(4, "198.51.100.63", 40000, acc4, 8443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_NO_RULE);
	/* never for an allow-listed source */
	{
		static const char *const allow[] = { "198.51.100.64/31" };

		list_set(EF_LIST_ALLOW, allow, 1);
		s = tcp(4, "198.51.100.65", 40000, acc4, 443, EF_TCP_SYN);
		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
		list_set(EF_LIST_ALLOW, NULL, 0);
	}
	/* never in monitor mode: it would change traffic */
	load_settings_policy("monitor", "{\"syn_flood\": {\"mode\": \"always\"}}");
	s = tcp(4, "198.51.100.66", 40000, acc4, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
}

/* "auto": challenges only above the threshold of unverified SYNs */
static void test_syn_auto(void **state)
{
	const char *acc = svc_addr(EF_SVC_ACCESS, 4);
	struct pkt s;
	uint32_t cookie;
	int challenged = 0, passed = 0;
	char src[32];

	(void)state;
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"auto\", \"threshold\": 20}}");
	/* a verified source first */
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"always\"}}");
	s = tcp(4, "198.51.100.69", 40000, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), DROP, EF_R_SYN_CHALLENGE);
	cookie = check_challenge(&s);
	{
		struct pkt r = rst_for(&s, cookie);

		expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &r), DROP, EF_R_SYN_VERIFIED);
	}
	load_settings_policy("enforce", "{\"syn_flood\": {\"mode\": \"auto\", \"threshold\": 20}}");
	/* 60 SYNs from new sources, quickly: the first pass, then challenges */
	for (int i = 0; i < 60; i++) {
		struct verdict v;

		snprintf(src, sizeof(src), "198.18.200.%d", i + 1);
		s = tcp(4, src, 40000, acc, 443, EF_TCP_SYN);
		v = run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s);
		if (v.reason == EF_R_SYN_CHALLENGE) {
			challenged++;
		} else {
			expect(v, PASS, EF_R_RULE);
			assert_int_equal(challenged, 0); /* no pass after the first challenge */
			passed++;
		}
	}
	/* 20 or so pass (a window may turn over in between) */
	assert_true(passed >= 20 && passed <= 41);
	assert_true(challenged >= 19);
	/* the verified source is not challenged while it is hot */
	s = tcp(4, "198.51.100.69", 40001, acc, 443, EF_TCP_SYN);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	/* and the flood made no flows beyond the ones that passed */
	assert_int_equal(ef_map_count(T.dp.maps.flows_new, sizeof(struct ef_flow_key)), passed + 1);
}

/* ---- generations -------------------------------------------------------------------- */

static void test_reload_revalidates_flows(void **state)
{
	const char *av = svc_addr(EF_SVC_AV, 4);
	__u64 before[EF_C_MAX], after[EF_C_MAX];
	struct pkt s;

	(void)state;
	/* two outbound flows: STUN (rule kept) and RTP over UDP (rule dropped) */
	s = udp(4, av, 3478, any4, 3478);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	s = udp(4, av, 50020, any4, 40000);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE);
	load_test_policy("enforce", "enforce", "ext-av-rtp-udp-out");
	counters(before);
	s = udp(4, any4, 3478, av, 3478);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
	s = udp(4, any4, 40000, av, 50020);
	expect(run(EF_HOOK_INGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_RULE); /* E12 inbound still allows it */
	counters(after);
	assert_int_equal(after[EF_C_FLOWS_REVOKED] - before[EF_C_FLOWS_REVOKED], 1);
	/* the flow is now an inbound one, so the node's reply passes as a flow */
	s = udp(4, av, 50020, any4, 40000);
	expect(run(EF_HOOK_EGRESS, EF_ROLE_EXTERNAL, &s), PASS, EF_R_FLOW);
}

/*
 * The verifier's cost for both programs on this kernel, printed so that
 * growth is visible in every CI log, and held to a budget well under the
 * kernel's 1M-instruction limit.
 */
#define EF_VERIFIER_BUDGET 300000 /* processed instructions per program (30% of the limit) */

static void test_verifier_margin(void **state)
{
	struct edgefw_bpf *skel = edgefw_bpf__open();
	static char log[2][1 << 16];
	struct bpf_program *progs[2];
	FILE *out = fopen("build/verifier-stats.txt", "w");

	(void)state;
	assert_non_null(skel);
	progs[0] = skel->progs.edgefw_xdp;
	progs[1] = skel->progs.edgefw_tc_egress;
	for (int i = 0; i < 2; i++) {
		bpf_program__set_log_level(progs[i], 4); /* BPF_LOG_STATS */
		bpf_program__set_log_buf(progs[i], log[i], sizeof(log[i]));
	}
	assert_int_equal(edgefw_bpf__load(skel), 0);
	for (int i = 0; i < 2; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		unsigned processed = 0, states = 0, peak = 0, insns;
		char *p = strstr(log[i], "processed ");

		assert_int_equal(bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len), 0);
		insns = info.xlated_prog_len / 8;
		assert_non_null(p);
		sscanf(p, "processed %u insns", &processed);
		if ((p = strstr(log[i], "total_states ")))
			sscanf(p, "total_states %u", &states);
		if ((p = strstr(log[i], "peak_states ")))
			sscanf(p, "peak_states %u", &peak);
		printf("  verifier: %-16s %5u instructions (%u bytes jited), %6u processed "
		       "(%.1f%% of the 1M limit), %u states, peak %u\n",
		       bpf_program__name(progs[i]), insns, info.jited_prog_len, processed,
		       processed / 10000.0, states, peak);
		if (out)
			fprintf(out, "%s instructions=%u jited_bytes=%u processed=%u verified_insns=%u total_states=%u peak_states=%u\n",
				bpf_program__name(progs[i]), insns, info.jited_prog_len, processed,
				info.verified_insns, states, peak);
		assert_true(processed > 0);
		if (processed > EF_VERIFIER_BUDGET)
			fail_msg("%s: the verifier processed %u instructions, over the %u budget",
				 bpf_program__name(progs[i]), processed, EF_VERIFIER_BUDGET);
	}
	if (out)
		fclose(out);
	edgefw_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_seed_table, test_setup),
		cmocka_unit_test_setup(test_every_row_v4, test_setup),
		cmocka_unit_test_setup(test_every_row_v6, test_setup),
		cmocka_unit_test_setup(test_library_every_row, test_setup),
		cmocka_unit_test_setup(test_library_by_hand, test_setup),
		cmocka_unit_test_setup(test_vlan, test_setup),
		cmocka_unit_test_setup(test_truncated_every_offset, test_setup),
		cmocka_unit_test_setup(test_ipv4_header_lies, test_setup),
		cmocka_unit_test_setup(test_ipv6_ext_headers, test_setup),
		cmocka_unit_test_setup(test_ipv6_ext_header_kinds, test_setup),
		cmocka_unit_test_setup(test_oversized_frames, test_setup),
		cmocka_unit_test_setup(test_ethertypes, test_setup),
		cmocka_unit_test_setup(test_addresses_and_flags, test_setup),
		cmocka_unit_test_setup(test_icmp_basics, test_setup),
		cmocka_unit_test_setup(test_ping_setting, test_setup),
		cmocka_unit_test_setup(test_outbound_flow_and_replies, test_setup),
		cmocka_unit_test_setup(test_av_local_ports, test_setup),
		cmocka_unit_test_setup(test_inbound_handshake_promotion, test_setup),
		cmocka_unit_test_setup(test_reply_by_rule, test_setup),
		cmocka_unit_test_setup(test_flow_expiry, test_setup),
		cmocka_unit_test_setup(test_flood_cannot_evict_trusted_flows, test_setup),
		cmocka_unit_test_setup(test_fragments, test_setup),
		cmocka_unit_test_setup(test_icmp_errors, test_setup),
		cmocka_unit_test_setup(test_egress_modes, test_setup),
		cmocka_unit_test_setup(test_monitor_mode, test_setup),
		cmocka_unit_test_setup(test_drop_event_fields, test_setup),
		cmocka_unit_test_setup(test_reload_revalidates_flows, test_setup),
		cmocka_unit_test_setup(test_event_rate_limit, test_setup),
		cmocka_unit_test_setup(test_source_limits, test_setup),
		cmocka_unit_test_setup(test_source_limit_rate, test_setup),
		cmocka_unit_test_setup(test_static_lists, test_setup),
		cmocka_unit_test_setup(test_syn_challenge, test_setup),
		cmocka_unit_test_setup(test_syn_auto, test_setup),
		cmocka_unit_test(test_verifier_margin),
	};

	return cmocka_run_group_tests_name("program (BPF_PROG_TEST_RUN)", tests,
					   group_setup, group_teardown);
}
