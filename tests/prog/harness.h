// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program tests: the real BPF object, loaded and filled by the agent's own
 * code from the shipped policy, fed crafted packets with BPF_PROG_TEST_RUN.
 * Each packet's verdict is the program's return value; its reason is the
 * one verdict counter that moved; the credited rule is the one rule
 * counter that moved; and explain's dry run of the same frame must agree
 * and change nothing.
 *
 * Expected verdicts come from two independent sources: a hand-written
 * table taken from the port summary itself (seed_*), and a naive linear
 * scan of the policy's rules (oracle_*) checked against the compiled LPM /
 * list layout for every rule, near misses included.
 *
 * Runs in a network namespace of its own, with veth NICs.  Needs root.
 *
 * Split as bpf/ is: harness.c (this header's environment and main()) and
 * one file per concern, each a cmocka group:
 *
 *   test_rules.c        rules      the port summary by hand, every row, the library
 *   test_frames.c       frames     parsing and sanity: VLAN, truncation, lies, ...
 *   test_flows.c        flows      flows, handshakes, expiry, modes, reloads
 *   test_fragicmp.c     fragicmp   ICMP, ping, fragments, ICMP errors
 *   test_shield.c       shield     limits, blocks, static lists, SYN challenges
 *   test_prog_events.c  events     events and their rate limit
 *   test_generation.c   generation the policy generations (kern/generation.c)
 *   test_capture.c      capture    capture slots (kern/capture.c): records, filters, bounds
 *   test_verifier.c     verifier   the verifier's margin
 *
 * Running by name:
 *
 *   build/tests/test_prog                  every group (make prog-test)
 *   build/tests/test_prog shield           one group, by its name
 *   build/tests/test_prog shield flows     several
 *   build/tests/test_prog test_syn_auto    one test, by its name
 *   build/tests/test_prog syn 'test_*v6'   the tests whose name contains a
 *                                          word, or matches a glob
 *   build/tests/test_prog --list           the groups and their tests
 *
 * An argument that chooses no test is an error (exit 2).  The environment
 * is built once, by the first group that runs.  A new file's group is
 * added to groups[] in harness.c (the Makefile builds every .c here).
 * With EF_CORPUS_DIR set, every frame run is also written there as a seed
 * of the packet fuzzer (make fuzz).
 */
#ifndef EF_TEST_PROG_HARNESS_H
#define EF_TEST_PROG_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
#include "bpflog.h"
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

struct harness {
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
	bool tx; /* the last run answered with XDP_TX */
};

extern struct harness T;

/* ---- the test environment ------------------------------------------------------ */

/* A peer set narrowed so that "peer not in the set" is testable: a known
 * member and non-member per family. */
struct peer_set {
	const char *set;
	const char *cidrs[2];
	const char *in4, *in6, *out4, *out6;
};

extern const struct peer_set sets[];
extern const size_t nsets;
extern const char *const any4, *const any6; /* in no narrowed set */

/* The node's addresses, per service, per family (from the test policy). */
const char *svc_addr(int svc, int family);

/* A policy (the shipped one unless said) with node edge1 on our NICs, IPv6
 * twins of its addresses and the narrowed peer sets; drop_rule: a rule left
 * out.  The caller frees it. */
char *policy_text(const char *file, const char *mode, const char *egress, const char *drop_rule);
char *test_policy_text(const char *mode, const char *egress, const char *drop_rule);
/* Compile and apply a policy text as the next generation. */
void load_policy(const char *text);
void load_test_policy(const char *mode, const char *egress, const char *drop_rule);
/* The test policy with settings merged from a JSON object text. */
void load_settings_policy(const char *mode, const char *settings_json);
/* Set a static list (EF_LIST_BLOCK, EF_LIST_ALLOW) as the agent does. */
void list_set(int kind, const char *const *cidrs, size_t n);

/* Empty the tables a packet can fill (light: the flow tables and the event
 * limiter only); flows_clear: all of them. */
void tables_clear(bool light);
void flows_clear(void);

/* Each test's setup: the shipped policy in enforce mode, no flows, no events. */
int test_setup(void **state);

/* ---- counters and rule statistics ---------------------------------------------- */

void counters(__u64 *out); /* every verdict counter, summed over CPUs */
__u64 counter(int idx);
__u64 rule_packets(unsigned id); /* of the live generation's compiled rule id */
__u64 rule_limited(unsigned id);

/* ---- running packets ------------------------------------------------------------ */

struct verdict {
	int pass;
	int reason;
	int rule; /* compiled id credited, -1 none */
};

/* A frame through the live program (and explain's dry run, which must agree):
 * its verdict, reason and rule.  Events it raised are in T.nevents and
 * T.last_event, the frame it left in T.out. */
struct verdict run_frame(int hook, int role, const uint8_t *buf, size_t len);
struct verdict run(int hook, int role, const struct pkt *s);

#define expect(v, want_pass, want_reason)                                                     \
	do {                                                                                  \
		struct verdict _v = (v);                                                      \
		if (_v.pass != (want_pass) || _v.reason != (want_reason))                     \
			fail_msg("%s:%d: got %s/%s, want %s/%s", __FILE__, __LINE__,          \
				 _v.pass ? "pass" : "drop", ef_reason_name(_v.reason),        \
				 (want_pass) ? "pass" : "drop", ef_reason_name(want_reason)); \
	} while (0)

struct pkt tcp(int family, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       uint8_t flags);
struct pkt udp(int family, const char *src, uint16_t sport, const char *dst, uint16_t dport);
/* A SYN the shipped policy allows: to Access Edge TCP 443. */
struct pkt allowed_syn(int family);

/* ---- the oracle: a naive scan of the policy's rules ----------------------------- */

/* Verdict for a flow opener (TCP SYN / UDP) with no state; *rule_idx the
 * policy's rule, -1 none. */
int oracle(int hook, int role, int proto, const char *local, unsigned lport, const char *remote,
	   unsigned rport, int *rule_idx);
/* Send one flow opener and compare with the oracle. */
void probe(int hook, int role, int family, int proto, const char *local, unsigned lport,
	   const char *remote, unsigned rport, const char *what);

/* ---- the groups ------------------------------------------------------------------ */

struct prog_group {
	const char *name; /* chooses the group on the command line */
	const char *what;
	const struct CMUnitTest *tests;
	size_t n;
};

extern const struct prog_group rules_group, frames_group, flows_group, fragicmp_group, shield_group,
	events_group, generation_group, verifier_group, capture_group;

/* A test of a group, run on fresh maps (test_setup). */
#define PROG_TEST(f) cmocka_unit_test_setup(f, test_setup)
/* The group var of a file's tests[]. */
#define PROG_GROUP(var, group_name, group_what)             \
	const struct prog_group var = { .name = group_name, \
					.what = group_what, \
					.tests = tests,     \
					.n = sizeof(tests) / sizeof(tests[0]) }

#endif
