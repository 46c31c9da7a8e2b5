/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy model: a pool-wide JSON file (format "edgefw/v1") parsed into
 * plain structs.  policy_load() parses and checks; it never touches BPF.
 * See docs/policy.md for the format.
 */
#ifndef EF_POLICY_H
#define EF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "diag.h"
#include "names.h" /* ef_mode_name */

#define EF_POLICY_FORMAT "edgefw/v1"

struct ef_range {
	uint16_t lo, hi;
};

/* A per-source new-flow limit; rate 0 = none. */
struct ef_limits {
	uint32_t rate; /* new flows per second per source */
	uint32_t burst;
	uint32_t block_s; /* how long a source over it stays blocked */
};

struct ef_peerset {
	char *name; /* set name, or "rules[N].peer" for an inline list */
	bool any;
	bool inline_set; /* written in the rule itself */
	struct ef_prefix *pfx;
	size_t n;
};

struct ef_prule {
	char *name;
	int role;    /* enum ef_role */
	int dir;     /* enum ef_dir */
	int service; /* enum ef_service */
	int proto;   /* IPPROTO_TCP / IPPROTO_UDP */
	bool ports_any;
	struct ef_range *ports;
	size_t nports;
	bool has_lports;
	struct ef_range lports;
	int peerset; /* index into policy.peersets */
	char *note;
	char *ref;
	char **tags;
	size_t ntags;
	bool log;
	bool management;	 /* from the management section */
	char *restates;		 /* name of the earlier rule this one restates, or NULL */
	struct ef_limits limits; /* per-source new-flow limit (in rules) */
};

struct ef_addrlist {
	union ef_addr *a;
	size_t n;
	bool present; /* the key was written (xmpp: else uses access) */
};

struct ef_node {
	char *name;
	char **ifnames[EF_ROLE_MAX];
	size_t nifnames[EF_ROLE_MAX];
	struct ef_addrlist addrs[EF_SVC_MAX];
};

struct ef_settings {
	int mode;   /* EF_MODE_ENFORCE | EF_MODE_MONITOR */
	int egress; /* EF_MODE_ENFORCE | MONITOR | OFF */
	bool ping;
	bool log_allowed;
	char **exclude_tags;
	size_t nexclude_tags;
	uint32_t timeout_s[EF_TO_MAX];
	uint32_t flow_table_size;
	uint32_t new_flow_table_size;
	uint32_t fragment_table_size;
	uint32_t event_rate; /* per source per second, 0 = unlimited */
	uint32_t event_burst;
	uint32_t event_cpu_rate;	     /* all sources, per CPU per second */
	struct ef_limits limits[EF_SVC_MAX]; /* per service, for in rules without their own */
	uint32_t limit_v6_prefix;
	int syn_mode; /* enum ef_syn_mode */
	uint32_t syn_threshold;
	uint32_t syn_verified_s;
};

struct ef_policy {
	char *file;
	char *name;
	struct ef_settings settings;
	struct ef_peerset *peersets;
	size_t npeersets;
	struct ef_node *nodes;
	size_t nnodes;
	struct ef_prule *rules; /* rules[], then management[] */
	size_t nrules;
	size_t nmanagement; /* the last nmanagement of rules */
	uint32_t crc;	    /* crc32 of the file's bytes */
};

/* Defaults (seconds), documented in docs/policy.md. */
#define EF_DEF_TO_TCP_SYN 30
#define EF_DEF_TO_TCP_EST 7440 /* RFC 5382: at least 2 h 4 min */
#define EF_DEF_TO_TCP_CLOSING 60
#define EF_DEF_TO_UDP 120 /* RFC 4787 REQ-5: at least 2 min */
#define EF_DEF_TO_ICMP 30
#define EF_DEF_TO_FRAGMENT 10
#define EF_DEF_EVENT_RATE 10
#define EF_DEF_EVENT_BURST 50
#define EF_DEF_EVENT_CPU_RATE 2000
#define EF_DEF_SYN_THRESHOLD 1000 /* SYNs of unverified sources per second per CPU */
#define EF_DEF_SYN_VERIFIED 3600

/*
 * Parse and check a policy held in memory.  file is the name used in
 * messages.  Returns a policy (possibly with d->errors > 0, in which case
 * it must not be used except to free it) or NULL when the text is not a
 * policy at all.
 */
struct ef_policy *ef_policy_parse(const char *file, const char *text, size_t len,
				  struct ef_diag *d);
/* A policy file's bytes, NUL-terminated (malloc'd); NULL with the reason
 * in d. */
char *ef_policy_read(const char *path, size_t *len, struct ef_diag *d);
/* Read a file and parse it. */
struct ef_policy *ef_policy_load(const char *path, struct ef_diag *d);
void ef_policy_free(struct ef_policy *p);

/* Node by name, or NULL. */
const struct ef_node *ef_policy_node(const struct ef_policy *p, const char *name);
/* Is the rule left out by settings.exclude_tags? */
bool ef_rule_excluded(const struct ef_policy *p, const struct ef_prule *r);
/* The addresses a service uses on a node (xmpp falls back to access). */
const struct ef_addrlist *ef_node_service_addrs(const struct ef_node *n, int service);

/* Names of enum values, as written in the policy. */
extern const char *const ef_role_names[EF_ROLE_MAX];
extern const char *const ef_service_names[EF_SVC_MAX + 1]; /* NULL-terminated */
extern const char *const ef_timeout_names[EF_TO_MAX];
int ef_service_role(int service);

#endif
