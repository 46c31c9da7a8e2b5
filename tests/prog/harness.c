// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The program tests' harness: the environment every group shares (a network
 * namespace with two veth NICs, the real object loaded and pinned, explain's
 * dry-run instance over its pins, the shipped policy applied), running a
 * frame through both instances, the counters and rule statistics it moved,
 * the events it raised, the oracle, and main(), which runs the groups the
 * command line names (harness.h tells how).
 */
#include "harness.h"
#include "unit/oracle.h"

struct harness T;

/* ---- test environment ----------------------------------------------------- */

/*
 * Peer sets narrowed so that "peer not in the set" is testable; each has a
 * known member and non-member per family.
 */
const struct peer_set sets[] = {
	{ "xmpp_gateway",
	  { "198.18.1.0/24", "2001:db8:18:1::/64" },
	  "198.18.1.5",
	  "2001:db8:18:1::5",
	  "198.18.9.5",
	  "2001:db8:18:9::5" },
	{ "sip_next_hop",
	  { "198.18.2.0/24", "2001:db8:18:2::/64" },
	  "198.18.2.5",
	  "2001:db8:18:2::5",
	  "198.18.9.5",
	  "2001:db8:18:9::5" },
	{ "front_end",
	  { "198.18.3.0/24", "2001:db8:18:3::/64" },
	  "198.18.3.5",
	  "2001:db8:18:3::5",
	  "198.18.9.5",
	  "2001:db8:18:9::5" },
	{ "av_authentication",
	  { "198.18.3.0/24", "2001:db8:18:3::/64" },
	  "198.18.3.6",
	  "2001:db8:18:3::6",
	  "198.18.9.5",
	  "2001:db8:18:9::5" },
	{ "cms",
	  { "198.18.3.10/32", "2001:db8:18:3::10/128" },
	  "198.18.3.10",
	  "2001:db8:18:3::10",
	  "198.18.3.11",
	  "2001:db8:18:3::11" },
	{ "public_im_partners",
	  { "198.51.100.0/25", "2001:db8:51::/48" },
	  "198.51.100.20",
	  "2001:db8:51::20",
	  "198.51.100.200",
	  "2001:db8:53::20" },
	{ "live_messenger_clients",
	  { "198.51.100.128/25", "2001:db8:52::/48" },
	  "198.51.100.130",
	  "2001:db8:52::30",
	  "198.51.100.30",
	  "2001:db8:53::30" },
	{ "admin_hosts",
	  { "198.18.255.0/28", "2001:db8:18:ff::/64" },
	  "198.18.255.5",
	  "2001:db8:18:ff::5",
	  "198.18.255.16",
	  "2001:db8:18:fe::5" },
	/* the library's HLB topologies: the load balancers' source NAT */
	{ "hlb_snat",
	  { "203.0.113.128/26", "2001:db8:113::/64" },
	  "203.0.113.130",
	  "2001:db8:113::130",
	  "203.0.113.200",
	  "2001:db8:114::130" },
};
const size_t nsets = sizeof(sets) / sizeof(sets[0]);

const char *const any4 = "198.51.100.77", *const any6 = "2001:db8:77::77";

/* The node's addresses, per service, per family (from the test policy). */
const char *svc_addr(int svc, int family)
{
	static const char *const v4[EF_SVC_MAX] = { "203.0.113.10", "203.0.113.11", "203.0.113.12",
						    "203.0.113.10", "198.18.0.10",  "198.18.0.5" };
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
char *policy_text(const char *file, const char *mode, const char *egress, const char *drop_rule)
{
	json_object *root = json_object_from_file(file);
	json_object *nodes, *n, *ifs, *addrs, *peers, *settings, *rules, *old;
	static const char *const svc[] = { "access", "webconf", "av", "internal", "management" };
	static const int svcid[] = { EF_SVC_ACCESS, EF_SVC_WEBCONF, EF_SVC_AV, EF_SVC_INTERNAL,
				     EF_SVC_MANAGEMENT };
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
	for (size_t i = 0; i < nsets; i++) {
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

char *test_policy_text(const char *mode, const char *egress, const char *drop_rule)
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
void load_policy(const char *text)
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

void load_test_policy(const char *mode, const char *egress, const char *drop_rule)
{
	char *text = test_policy_text(mode, egress, drop_rule);

	load_policy(text);
	free(text);
}

/* Empty the tables a packet can fill; light: only the flow tables and the
 * event limiter (see probe()). */
void tables_clear(bool light)
{
	int fds[] = { T.dp.maps.flows,
		      T.dp.maps.flows_new,
		      T.dp.maps.frags,
		      bpf_map__fd(T.dp.skel->maps.ef_evlimit),
		      T.dp.maps.srclimit,
		      T.dp.maps.blocked,
		      T.dp.maps.blocklist,
		      T.dp.maps.allowlist,
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

void flows_clear(void)
{
	tables_clear(false);
}

static void remove_stale_pins(void);

static int env_setup(void)
{
	struct ef_settings s;
	struct ef_diag d;
	char *text;
	struct ef_policy *p;

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
	/* the internal NIC's ifindex is past ef_ifroles (EF_IFACE_ARRAY): every
	 * test on it goes through ef_ifaces, the external one's through the array */
	sh("ip link add " IF_INT " index 5000 type veth peer name " IF_INT "p");
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
		struct ef_dp_opts d = { .pin_dir = T.pin_dir,
					.dry_run = true,
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

static void env_teardown(void)
{
	ring_buffer__free(T.rb);
	ef_compiled_free(&T.comp);
	ef_policy_free(T.pol);
	ef_dp_close(&T.dry, true);
	ef_dp_close(&T.dp, false);
}

/* The environment is built once, by the first group that runs, and kept
 * for the others: every group's setup. */
static int env_state; /* 0 not built, 1 built, -1 failed */

static int group_setup(void **state)
{
	(void)state;
	if (!env_state)
		env_state = env_setup() ? -1 : 1;
	return env_state > 0 ? 0 : -1;
}

/* Each test starts from the shipped policy in enforce mode, no flows. */
int test_setup(void **state)
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
void counters(__u64 *out)
{
	static __u32 keys[EF_C_MAX];
	static __u64 *vals;
	__u32 n = EF_C_MAX, batch;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u64 v[512];
	int err;

	if (!vals)
		vals = calloc((size_t)EF_C_MAX * (size_t)T.ncpu, sizeof(*vals));
	err = vals ? bpf_map_lookup_batch(T.dp.maps.counters, NULL, &batch, keys, vals, &n, &o) :
		     -1;
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

__u64 rule_packets(unsigned id)
{
	struct ef_rule_stats st;

	ef_rule_stats_read(&T.dp.maps, T.epoch % EF_SLOTS, id, &st);
	return st.packets;
}

__u64 rule_limited(unsigned id)
{
	struct ef_rule_stats st;

	ef_rule_stats_read(&T.dp.maps, T.epoch % EF_SLOTS, id, &st);
	return st.limited;
}

__u64 counter(int idx)
{
	__u64 c[EF_C_MAX];

	counters(c);
	return c[idx];
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
	err = vals && keys ? bpf_map_lookup_batch(T.dp.maps.rule_stats, start ? &prev : NULL,
						  &batch, keys, vals, &cnt, &o) :
			     -1;
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

/* The frame through explain's dry-run instance: its verdict, and proof
 * that it changed nothing. */
static struct ef_trace dry_frame(int hook, int role, const uint8_t *buf, size_t len, int *pass)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len, .repeat = 1);
	struct xdp_md xctx = { .data_end = (__u32)len, .ingress_ifindex = (__u32)T.ifindex[role] };
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
		assert_int_equal(
			bpf_prog_test_run_opts(bpf_program__fd(T.dry.skel->progs.edgefw_xdp), &o),
			0);
		*pass = o.retval == XDP_PASS;
	} else {
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
		assert_int_equal(bpf_prog_test_run_opts(
					 bpf_program__fd(T.dry.skel->progs.edgefw_tc_egress), &o),
				 0);
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

struct verdict run_frame(int hook, int role, const uint8_t *buf, size_t len)
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
	struct xdp_md xctx = { .data_end = (__u32)len, .ingress_ifindex = (__u32)T.ifindex[role] };
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
	if (dry_pass != v.pass || dry.reason != v.reason || (v.rule >= 0 && dry.rule != v.rule))
		fail_msg("explain says %s/%s rule %d, the live program %s/%s rule %d",
			 dry_pass ? "pass" : "drop", ef_reason_name(dry.reason),
			 dry.rule == EF_RULE_NONE ? -1 : dry.rule, v.pass ? "pass" : "drop",
			 ef_reason_name(v.reason), v.rule);
	created = after[EF_C_FLOWS_CREATED] + after[EF_C_FLOWS_NEW_CREATED] -
		  before[EF_C_FLOWS_CREATED] - before[EF_C_FLOWS_NEW_CREATED];
	if ((dry.new_flow != 0) != (created != 0))
		fail_msg("explain says the packet %s a flow; it %s",
			 dry.new_flow ? "opens" : "opens no", dry.new_flow ? "did not" : "did");
	/* a RST that returned a challenge cookie depends on the kernel's secret:
	 * no seed for the differential against the reference */
	if (v.reason != EF_R_SYN_VERIFIED)
		corpus_dump(hook, role, buf, len);
	return v;
}

struct verdict run(int hook, int role, const struct pkt *s)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(s, buf);

	return run_frame(hook, role, buf, len);
}

struct pkt tcp(int family, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       uint8_t flags)
{
	return (struct pkt){ .family = family,
			     .src = src,
			     .dst = dst,
			     .proto = IPPROTO_TCP,
			     .sport = sport,
			     .dport = dport,
			     .flags = flags,
			     .seq = 1000,
			     .ack = flags & EF_TCP_ACK ? 1 : 0 };
}

struct pkt udp(int family, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	return (struct pkt){ .family = family,
			     .src = src,
			     .dst = dst,
			     .proto = IPPROTO_UDP,
			     .sport = sport,
			     .dport = dport,
			     .payload = 16 };
}

struct pkt allowed_syn(int family)
{
	return tcp(family, family == 4 ? any4 : any6, 40000, svc_addr(EF_SVC_ACCESS, family), 443,
		   EF_TCP_SYN);
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
static int oracle_scan(int dir, int role, int proto, const char *local, unsigned lport,
		       const char *remote, unsigned rport, int *rule_idx)
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
		if (!oracle_in_ranges(r, dir == EF_DIR_IN ? lport : rport))
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
int oracle(int hook, int role, int proto, const char *local, unsigned lport, const char *remote,
	   unsigned rport, int *rule_idx)
{
	int r;

	*rule_idx = -1;
	if (hook == EF_HOOK_INGRESS)
		return oracle_scan(EF_DIR_IN, role, proto, local, lport, remote, rport, rule_idx);
	r = oracle_scan(EF_DIR_OUT, role, proto, local, lport, remote, rport, rule_idx);
	if (r == EF_R_RULE || r == EF_R_NOT_SERVICE)
		return r;
	if (oracle_scan(EF_DIR_IN, role, proto, local, lport, remote, rport, rule_idx) == EF_R_RULE)
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
void probe(int hook, int role, int family, int proto, const char *local, unsigned lport,
	   const char *remote, unsigned rport, const char *what)
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
			 v.pass ? "pass" : "drop", ef_reason_name(v.reason), ef_reason_name(want));
	if (want == EF_R_RULE || want == EF_R_REPLY_BY_RULE) {
		if (v.rule != compiled_id(idx))
			fail_msg("%s: credited rule %s, oracle says %s", what,
				 v.rule >= 0 ? ef_compiled_rule_name(&T.comp, (unsigned)v.rule) :
					       "none",
				 T.pol->rules[idx].name);
	} else {
		assert_int_equal(v.rule, -1);
	}
}

/* ---- the static lists, policy settings --------------------------------------- */

/* Set a static list (EF_LIST_BLOCK, EF_LIST_ALLOW) as the agent does. */
void list_set(int kind, const char *const *cidrs, size_t n)
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
						   &removed, &bl4),
				 0);
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

/* The test policy with settings merged from a JSON object text. */
void load_settings_policy(const char *mode, const char *settings_json)
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

/* ---- main: the groups, and choosing by name ------------------------------------- */

/* In the order they run: the rules first, the verifier's margin last. */
static const struct prog_group *const groups[] = {
	&rules_group,  &frames_group,	  &flows_group,	  &fragicmp_group, &shield_group,
	&events_group, &generation_group, &capture_group, &verifier_group,
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: test_prog [--list] [GROUP | TEST | WORD | GLOB]...\n"
		   "  with no argument every test runs; a group's name runs its tests, any other\n"
		   "  argument the tests whose name contains it (or matches it, with * ? [ ])\n"
		   "groups:");
	for (size_t g = 0; g < NGROUPS; g++)
		fprintf(f, " %s", groups[g]->name);
	fputc('\n', f);
}

static bool selects(const char *arg, const struct prog_group *g, const char *test)
{
	if (!strcmp(arg, g->name))
		return true;
	if (strpbrk(arg, "*?["))
		return fnmatch(arg, test, 0) == 0;
	return strstr(test, arg) != NULL;
}

int main(int argc, char **argv)
{
	struct CMUnitTest *sel[NGROUPS];
	size_t nsel[NGROUPS], total = 0;
	int failed = 0, ngroups = 0;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[a], "-l") || !strcmp(argv[a], "--list")) {
			for (size_t g = 0; g < NGROUPS; g++) {
				printf("%-10s %s\n", groups[g]->name, groups[g]->what);
				for (size_t t = 0; t < groups[g]->n; t++)
					printf("           %s\n", groups[g]->tests[t].name);
			}
			return 0;
		}
		if (argv[a][0] == '-') {
			usage(stderr);
			return 2;
		}
	}
	/* every argument must choose something: a typo runs nothing, loudly */
	for (int a = 1; a < argc; a++) {
		bool any = false;

		for (size_t g = 0; g < NGROUPS && !any; g++)
			for (size_t t = 0; t < groups[g]->n && !any; t++)
				any = selects(argv[a], groups[g], groups[g]->tests[t].name);
		if (!any) {
			fprintf(stderr, "test_prog: \"%s\" names no group and no test\n", argv[a]);
			usage(stderr);
			return 2;
		}
	}
	for (size_t g = 0; g < NGROUPS; g++) {
		sel[g] = calloc(groups[g]->n, sizeof(*sel[g]));
		if (!sel[g])
			return 1;
		nsel[g] = 0;
		for (size_t t = 0; t < groups[g]->n; t++) {
			bool want = argc < 2;

			for (int a = 1; a < argc && !want; a++)
				want = selects(argv[a], groups[g], groups[g]->tests[t].name);
			if (want)
				sel[g][nsel[g]++] = groups[g]->tests[t];
		}
	}
	for (size_t g = 0; g < NGROUPS; g++) {
		char name[64];

		if (nsel[g]) {
			snprintf(name, sizeof(name), "program: %s", groups[g]->name);
			failed += _cmocka_run_group_tests(name, sel[g], nsel[g], group_setup, NULL);
			total += nsel[g];
			ngroups++;
		}
		free(sel[g]);
	}
	if (env_state > 0)
		env_teardown();
	printf("program tests (BPF_PROG_TEST_RUN): %zu run in %d group(s), %d failed\n", total,
	       ngroups, failed);
	return failed ? 1 : 0;
}
