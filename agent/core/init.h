/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy library and `edgefw init`: every documented Lync Server 2013 /
 * Skype for Business edge topology as a policy (the files of policies/, built into
 * the binary by topologies.S), and a pool's starting policy written from one
 * of them.  Pure: JSON in, JSON out, checked by the parser and the compiler;
 * the prompts read and write the streams they are given.
 */
#ifndef EF_INIT_H
#define EF_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "policy.h"

struct ef_topology {
	const char *name;    /* the policy's name, and its file's */
	const char *summary; /* one line for `init --list` */
	const char *text;    /* the policy file, NUL-terminated */
	bool single;	     /* a single Edge Server: one node */
};

extern const struct ef_topology ef_topologies[];
extern const size_t ef_ntopologies;

const struct ef_topology *ef_topology_find(const char *name);

/*
 * The services whose addresses the topology's rules use (bit 1 << service),
 * xmpp and management left out: they are optional (xmpp falls back to the
 * access addresses, management rules are inert without addresses).
 */
unsigned ef_topology_services(const struct ef_topology *t);

/* A node as `init` takes it: names and addresses as the user wrote them. */
struct ef_init_node {
	char *name;
	char **ifs[EF_ROLE_MAX];
	size_t nifs[EF_ROLE_MAX];
	char **addrs[EF_SVC_MAX];
	size_t naddrs[EF_SVC_MAX];
};

/* --peer SET=CIDR,...: a peer set narrowed to these prefixes. */
struct ef_init_peer {
	char *set;
	char **cidrs;
	size_t n;
};

struct ef_init_opts {
	const char *name; /* the policy's name; NULL: the topology's */
	bool monitor;	  /* settings.mode "monitor" */
	struct ef_init_node *nodes;
	size_t nnodes;
	struct ef_init_peer *peers;
	size_t npeers;
	char **exclude_tags;
	size_t nexclude_tags;
};

/* Add to the options (what the command line and the prompts do); every
 * string is copied.  0, or -1 with the reason in d. */
struct ef_init_node *ef_init_add_node(struct ef_init_opts *o, const char *name);
int ef_init_add_list(char ***v, size_t *n, const char *csv);
int ef_init_add_peer(struct ef_init_opts *o, const char *spec, struct ef_diag *d);
void ef_init_opts_free(struct ef_init_opts *o);

/*
 * The starting policy: the topology's policy with the nodes, peer sets,
 * tags, mode and name of o.  Every node is checked against the topology
 * (the addresses its rules need, one node for a single Edge Server), then
 * the result is parsed and compiled for every node, as `validate` does.
 * Returns the JSON text (malloc'd, ends in a newline), or NULL with every
 * reason in d.
 */
char *ef_init_build(const struct ef_topology *t, const struct ef_init_opts *o, struct ef_diag *d);

/*
 * Ask for the nodes on out, read the answers from in: name, NICs, the
 * addresses the topology needs; an empty answer takes the [default].  A bad
 * answer is asked again.  0, or -1 at end of input.
 */
int ef_init_prompt(const struct ef_topology *t, FILE *in, FILE *out, struct ef_init_opts *o);

#endif
