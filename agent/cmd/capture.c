// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw capture: the packets the data path drops (or would drop, or that
 * open flows) from a capture slot's ring (agent/kern/capture.h) to
 * pcapng (agent/core/pcapng.h), until --count, --duration, a signal or
 * the reader of stdout going away; then what the bound skipped.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "capview.h"
#include "cmds.h"
#include "diag.h"
#include "flowtab.h"
#include "names.h"
#include "pcapng.h"
#include "policy.h"
#include "state.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* the pcapng interfaces: one per NIC seen, in order */
#define MAX_IFS 64

struct capture {
	const struct ef_capture_opts *o;
	FILE *out;
	const char *out_name;
	struct ef_status st;
	bool have_status;
	int ifindex[MAX_IFS];
	int nifs;
	__u64 realtime_offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	unsigned long long written;
	unsigned long long past_count; /* records after --count was reached */
	int write_err;		       /* errno of a failed write, 0 */
	unsigned char buf[EF_PCAPNG_EPB_MAX(EF_CAP_SNAP_MAX, 512)];
};

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void put(struct capture *cap, size_t n)
{
	if (cap->write_err)
		return;
	if (n == 0) {
		cap->write_err = EOVERFLOW;
		return;
	}
	if (fwrite(cap->buf, 1, n, cap->out) != n)
		cap->write_err = errno ? errno : EIO;
}

static const struct ef_att *att_of(const struct capture *cap, int ifindex)
{
	for (size_t i = 0; cap->have_status && i < cap->st.natt; i++)
		if (cap->st.att[i].ifindex == ifindex)
			return &cap->st.att[i];
	return NULL;
}

/* the interface block of ifindex (written the first time): its id, or -1 */
static int iface_id(struct capture *cap, int ifindex)
{
	const struct ef_att *a;
	char name[IF_NAMESIZE] = "", desc[96];

	for (int i = 0; i < cap->nifs; i++)
		if (cap->ifindex[i] == ifindex)
			return i;
	if (cap->nifs == MAX_IFS)
		return -1;
	a = att_of(cap, ifindex);
	if (a) {
		snprintf(name, sizeof(name), "%s", a->ifname);
		snprintf(desc, sizeof(desc),
			 "edgefw %s NIC (ingress: XDP, inbound; egress: TC, outbound)",
			 a->role >= 0 && a->role < EF_ROLE_MAX ? ef_role_names[a->role] : "?");
	} else {
		if (!if_indextoname((unsigned)ifindex, name))
			snprintf(name, sizeof(name), "if%d", ifindex);
		snprintf(desc, sizeof(desc), "edgefw ifindex %d", ifindex);
	}
	put(cap, ef_pcapng_idb(cap->buf, sizeof(cap->buf), EF_PCAPNG_LINKTYPE_ETHERNET,
			       (uint32_t)cap->o->snaplen, name, desc));
	cap->ifindex[cap->nifs] = ifindex;
	return cap->nifs++;
}

static const char *rule_name(const struct capture *cap, const struct ef_caprec *r)
{
	if (!cap->have_status || r->epoch != cap->st.epoch || r->rule >= cap->st.nrules)
		return NULL;
	return cap->st.rules[r->rule];
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct capture *cap = ctx;
	const struct ef_caprec *r = data;
	char comment[512];
	int id;

	if (size < sizeof(*r) || r->cap_len > size - sizeof(*r))
		return 0;
	if (cap->o->count && cap->written >= (unsigned long long)cap->o->count) {
		cap->past_count++;
		return 0;
	}
	id = iface_id(cap, (int)r->ifindex);
	if (id < 0)
		return 0;
	ef_cap_comment(comment, sizeof(comment), r, rule_name(cap, r));
	put(cap, ef_pcapng_epb(cap->buf, sizeof(cap->buf), (uint32_t)id,
			       r->ts_ns + cap->realtime_offset, r + 1, r->cap_len, r->pkt_len,
			       r->hook == EF_HOOK_INGRESS ? EF_PCAPNG_INBOUND : EF_PCAPNG_OUTBOUND,
			       comment));
	if (!cap->write_err)
		cap->written++;
	return 0;
}

/* --rule's id in the live generation: 0 (or nothing asked), -1 after a message */
static int resolve_rule(const struct capture *cap, struct ef_capslot *s)
{
	const char *want = cap->o->rule;

	if (!want)
		return 0;
	if (!cap->have_status) {
		fprintf(stderr,
			"edgefw capture: --rule: no status in %s to name the rules "
			"(is edgefw running?)\n",
			cap->o->c.dirs.run);
		return -1;
	}
	for (size_t i = 0; i < cap->st.nrules; i++)
		if (cap->st.rules[i] && strcmp(cap->st.rules[i], want) == 0) {
			s->rule = (__u16)i;
			s->epoch = cap->st.epoch;
			s->flags |= EF_CAPF_RULE;
			return 0;
		}
	fprintf(stderr, "edgefw capture: --rule: %s is not a rule of the running policy (%s)\n",
		EF_Q(want), cap->st.policy_name);
	return -1;
}

/* --iface: a NIC's name, or the NIC of a role: 0, -1 after a message */
static int resolve_iface(const struct capture *cap, struct ef_capslot *s)
{
	const char *want = cap->o->iface;
	int role = -1;

	if (!want)
		return 0;
	if (strcmp(want, "external") == 0)
		role = EF_ROLE_EXTERNAL;
	else if (strcmp(want, "internal") == 0)
		role = EF_ROLE_INTERNAL;
	for (size_t i = 0; cap->have_status && i < cap->st.natt; i++) {
		const struct ef_att *a = &cap->st.att[i];

		if (role >= 0 ? a->role == role : strcmp(a->ifname, want) == 0) {
			s->ifindex = (__u32)a->ifindex;
			return 0;
		}
	}
	if (role < 0 && if_nametoindex(want)) {
		s->ifindex = if_nametoindex(want);
		return 0;
	}
	fprintf(stderr, "edgefw capture: --iface: %s is not a NIC edgefw manages here\n",
		EF_Q(want));
	return -1;
}

/* after a reload, --rule names a rule of the new generation */
static void follow_generation(struct capture *cap, struct ef_cap *k)
{
	struct ef_status st = { 0 };

	if (!cap->o->rule || ef_status_read(cap->o->c.dirs.run, &st))
		return;
	if (st.epoch != cap->st.epoch) {
		__u16 rule = EF_RULE_NONE; /* gone from the policy: matches nothing */

		for (size_t i = 0; i < st.nrules; i++)
			if (st.rules[i] && strcmp(st.rules[i], cap->o->rule) == 0)
				rule = (__u16)i;
		ef_cap_set_rule(k, rule, st.epoch);
		ef_status_free(&cap->st);
		cap->st = st;
		return;
	}
	ef_status_free(&st);
}

static const int cap_protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };

static int run_capture(struct capture *cap, struct ef_cap *k)
{
	const struct ef_capture_opts *o = cap->o;
	__u64 start = clock_ns(CLOCK_MONOTONIC), renewed = start;
	__u64 until = o->duration ? start + (__u64)o->duration * 1000000000ull : 0;

	while (!stop_signal && !cap->write_err) {
		__u64 now;
		int n = ef_cap_poll(k, 100);

		if (n < 0) {
			fprintf(stderr, "edgefw capture: reading the ring: %s\n", strerror(-n));
			return EXIT_SYSTEM;
		}
		if (n > 0 && fflush(cap->out))
			cap->write_err = errno ? errno : EIO;
		if (o->count && cap->written >= (unsigned long long)o->count)
			break;
		now = clock_ns(CLOCK_MONOTONIC);
		if (until && now >= until)
			break;
		if (now - renewed >= 500000000ull) {
			ef_cap_renew(k);
			follow_generation(cap, k);
			renewed = now;
		}
	}
	return 0;
}

static void report(const struct capture *cap, const struct ef_capstat *st)
{
	const struct ef_capture_opts *o = cap->o;

	fprintf(stderr, "edgefw capture: %llu packet%s written to %s", cap->written,
		cap->written == 1 ? "" : "s", cap->out_name);
	fprintf(stderr, "; %llu skipped over --max-pps %ld, %llu lost (ring full)",
		(unsigned long long)st->skipped, o->max_pps, (unsigned long long)st->lost);
	if (cap->past_count)
		fprintf(stderr, ", %llu past --count", cap->past_count);
	fprintf(stderr, "\n");
}

int cmd_capture(void *opts, const struct ef_args *args)
{
	const struct ef_capture_opts *o = opts;
	struct capture *cap;
	struct ef_cap_spec sp = {
		.reasons = o->reasons,
		.addr = o->addr,
		.port = ef_opt_given(&ef_cli_capture, o, "port") ? o->port : 0,
		.proto = ef_opt_given(&ef_cli_capture, o, "proto") ? cap_protos[o->proto] : 0,
		.snaplen = o->snaplen,
		.max_pps = o->max_pps,
		.ncpus = libbpf_num_possible_cpus(),
		.new_flows = o->new_flows,
	};
	struct ef_capslot slot;
	struct ef_capstat st = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct utsname un;
	struct ef_cap k;
	char err[256], os[300], appl[64];
	int rc = 0, e;

	(void)args;
	if (ef_capslot_build(&sp, &slot, err, sizeof(err))) {
		fprintf(stderr, "edgefw capture: %s\n", err);
		return EXIT_USAGE;
	}
	if (!o->write && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "edgefw capture: stdout is a terminal: -w FILE, or -w - into a "
				"pipe (edgefw capture -w - | tcpdump -nr -)\n");
		return EXIT_USAGE;
	}
	cap = calloc(1, sizeof(*cap));
	if (!cap)
		return EXIT_SYSTEM;
	cap->o = o;
	cap->have_status = ef_status_read(o->c.dirs.run, &cap->st) == 0;
	if (resolve_rule(cap, &slot) || resolve_iface(cap, &slot)) {
		rc = EXIT_INVALID;
		goto out_status;
	}
	e = ef_cap_open(&k, o->c.dirs.bpffs);
	if (e) {
		fprintf(stderr, "edgefw capture: no capture maps in %s (%s): is edgefw running?\n",
			o->c.dirs.bpffs, strerror(-e));
		rc = EXIT_SYSTEM;
		goto out_status;
	}
	if (!o->write || strcmp(o->write, "-") == 0) {
		cap->out = stdout;
		cap->out_name = "stdout";
	} else {
		cap->out = fopen(o->write, "wb");
		cap->out_name = o->write;
		if (!cap->out) {
			fprintf(stderr, "edgefw capture: cannot write %s: %s\n", o->write,
				strerror(errno));
			rc = EXIT_SYSTEM;
			goto out_maps;
		}
	}
	/* a reader that goes away (tcpdump -c) is an EPIPE, not a signal */
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	cap->realtime_offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	snprintf(os, sizeof(os), "%s %s", uname(&un) ? "Linux" : un.sysname,
		 uname(&un) ? "" : un.release);
	snprintf(appl, sizeof(appl), "edgefw %s", EF_VERSION);
	put(cap, ef_pcapng_shb(cap->buf, sizeof(cap->buf), os, appl));
	/* the managed NICs first, in the agent's order: their ids are stable */
	for (size_t i = 0; cap->have_status && i < cap->st.natt; i++)
		iface_id(cap, cap->st.att[i].ifindex);
	if (!cap->write_err && fflush(cap->out))
		cap->write_err = errno;
	e = ef_cap_start(&k, &slot, on_record, cap);
	if (e) {
		if (e == -EBUSY)
			fprintf(stderr,
				"edgefw capture: %d captures are running already (the most "
				"at once)\n",
				EF_CAP_SLOTS);
		else
			fprintf(stderr, "edgefw capture: cannot start: %s\n", strerror(-e));
		rc = e == -EBUSY ? EXIT_INVALID : EXIT_SYSTEM;
		goto out_file;
	}
	fprintf(stderr,
		"edgefw capture: capturing %s%s, at most %ld a second (slot %d); "
		"Ctrl-C stops\n",
		o->new_flows ? "dropped packets and new flows" : "dropped packets",
		cap->have_status ? "" : " (no status: NICs by index)", o->max_pps, k.slot);
	rc = run_capture(cap, &k);
	ef_cap_stop(&k, &st);
	if (!cap->write_err && fflush(cap->out))
		cap->write_err = errno ? errno : EIO;
	report(cap, &st);
	if (cap->write_err == EPIPE) {
		fprintf(stderr, "edgefw capture: the reader of %s went away\n", cap->out_name);
	} else if (cap->write_err) {
		fprintf(stderr, "edgefw capture: writing %s: %s\n", cap->out_name,
			strerror(cap->write_err));
		rc = EXIT_SYSTEM;
	}
out_file:
	if (cap->out != stdout && fclose(cap->out) && !rc) {
		fprintf(stderr, "edgefw capture: writing %s: %s\n", cap->out_name, strerror(errno));
		rc = EXIT_SYSTEM;
	}
out_maps:
	ef_cap_close(&k);
out_status:
	if (cap->have_status)
		ef_status_free(&cap->st);
	free(cap);
	return rc;
}
