// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy library and `edgefw init` (see init.h).  A starting policy is
 * the topology's own file with the pool put in: json-c edits the parsed
 * file, so the rules, notes and refs go out exactly as they are in
 * policies/, and the result is parsed and compiled before anyone sees it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "edgefw/parse.h"
#include "compile.h"
#include "init.h"
#include "strv.h"

/* topologies.S: the files of policies/, NUL-terminated */
extern const char ef_topo_lync2013_scaled_edge_dnslb_public[];
extern const char ef_topo_lync2013_scaled_edge_dnslb_nat[];
extern const char ef_topo_lync2013_scaled_edge_hlb[];
extern const char ef_topo_lync2013_single_edge_public[];
extern const char ef_topo_lync2013_single_edge_nat[];
extern const char ef_topo_lync2013_single_edge_single_ip[];
extern const char ef_topo_sfb2015_2019_edge[];
extern const char ef_topo_sfb2015_2019_scaled_edge_hlb[];

const struct ef_topology ef_topologies[] = {
	{ "lync2013-scaled-edge-dnslb-public",
	  "Lync 2013 scaled consolidated edge, DNS load balancing, public addresses (JJ205394; the shipped policy)",
	  ef_topo_lync2013_scaled_edge_dnslb_public, false },
	{ "lync2013-scaled-edge-dnslb-nat",
	  "Lync 2013 scaled consolidated edge, DNS load balancing, private addresses behind NAT (Gg412756)",
	  ef_topo_lync2013_scaled_edge_dnslb_nat, false },
	{ "lync2013-scaled-edge-hlb",
	  "Lync 2013 scaled consolidated edge, hardware load balancers: rules on each node's own addresses (Gg398739)",
	  ef_topo_lync2013_scaled_edge_hlb, false },
	{ "lync2013-single-edge-public",
	  "Lync 2013 single consolidated edge, public addresses (JJ204756)",
	  ef_topo_lync2013_single_edge_public, true },
	{ "lync2013-single-edge-nat",
	  "Lync 2013 single consolidated edge, private addresses behind NAT (Gg425891)",
	  ef_topo_lync2013_single_edge_nat, true },
	{ "lync2013-single-edge-single-ip",
	  "Lync 2013 single consolidated edge, one address for all services on distinct ports (JJ204756, JJ205025)",
	  ef_topo_lync2013_single_edge_single_ip, true },
	{ "sfb2015-2019-edge",
	  "Skype for Business 2015/2019 consolidated edge, single or DNS load balanced, public or NAT (EdgeEnv)",
	  ef_topo_sfb2015_2019_edge, false },
	{ "sfb2015-2019-scaled-edge-hlb",
	  "Skype for Business 2015/2019 scaled consolidated edge, hardware load balancers (EdgeEnv)",
	  ef_topo_sfb2015_2019_scaled_edge_hlb, false },
};
const size_t ef_ntopologies = sizeof(ef_topologies) / sizeof(ef_topologies[0]);

/* the option that gives a service's addresses, and its words in prompts */
static const char *const svc_option[EF_SVC_MAX] = { "access", "webconf",	  "av",
						    "xmpp",   "internal-address", "management" };
static const char *const svc_words[EF_SVC_MAX] = {
	"Access Edge", "Web Conferencing Edge", "A/V Edge",
	"XMPP proxy",  "internal interface",	"host management (SSH to the Linux host; optional)"
};

const struct ef_topology *ef_topology_find(const char *name)
{
	for (size_t i = 0; i < ef_ntopologies; i++)
		if (strcmp(ef_topologies[i].name, name) == 0)
			return &ef_topologies[i];
	return NULL;
}

static json_object *topology_json(const struct ef_topology *t)
{
	return json_tokener_parse(t->text);
}

static json_object *jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

unsigned ef_topology_services(const struct ef_topology *t)
{
	json_object *root = topology_json(t), *rules;
	unsigned need = 0;

	if (!root)
		return 0;
	rules = jget(root, "rules");
	for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
		const char *s = jstr(json_object_array_get_idx(rules, i), "service");

		for (int k = 0; s && k < EF_SVC_MAX; k++)
			if (strcmp(s, ef_service_names[k]) == 0)
				need |= 1u << k;
	}
	json_object_put(root);
	return need & ~(1u << EF_SVC_XMPP | 1u << EF_SVC_MANAGEMENT);
}

/* ---- options ---------------------------------------------------------------- */

struct ef_init_node *ef_init_add_node(struct ef_init_opts *o, const char *name)
{
	struct ef_init_node *n = realloc(o->nodes, sizeof(*n) * (o->nnodes + 1));

	if (!n)
		return NULL;
	o->nodes = n;
	n = &o->nodes[o->nnodes++];
	memset(n, 0, sizeof(*n));
	n->name = strdup(name);
	return n;
}

int ef_init_add_list(char ***v, size_t *n, const char *csv)
{
	const char *p = csv;

	while (*p) {
		size_t len = strcspn(p, ", \t");
		char **nv;

		if (len) {
			nv = realloc(*v, sizeof(*nv) * (*n + 1));
			if (!nv)
				return -1;
			*v = nv;
			nv[(*n)++] = strndup(p, len);
		}
		p += len;
		p += strspn(p, ", \t");
	}
	return 0;
}

int ef_init_add_peer(struct ef_init_opts *o, const char *spec, struct ef_diag *d)
{
	const char *eq = strchr(spec, '=');
	struct ef_init_peer *np;

	if (!eq || eq == spec || !eq[1]) {
		ef_diag_error(d, "--peer", "%s: write SET=CIDR[,CIDR...]", EF_Q(spec));
		return -1;
	}
	np = realloc(o->peers, sizeof(*np) * (o->npeers + 1));
	if (!np)
		return -1;
	o->peers = np;
	np = &o->peers[o->npeers++];
	memset(np, 0, sizeof(*np));
	np->set = strndup(spec, (size_t)(eq - spec));
	return ef_init_add_list(&np->cidrs, &np->n, eq + 1);
}

void ef_init_opts_free(struct ef_init_opts *o)
{
	for (size_t i = 0; i < o->nnodes; i++) {
		struct ef_init_node *n = &o->nodes[i];

		free(n->name);
		for (int r = 0; r < EF_ROLE_MAX; r++)
			ef_strs_free(n->ifs[r], n->nifs[r]);
		for (int s = 0; s < EF_SVC_MAX; s++)
			ef_strs_free(n->addrs[s], n->naddrs[s]);
	}
	free(o->nodes);
	for (size_t i = 0; i < o->npeers; i++) {
		free(o->peers[i].set);
		ef_strs_free(o->peers[i].cidrs, o->peers[i].n);
	}
	free(o->peers);
	ef_strs_free(o->exclude_tags, o->nexclude_tags);
	memset(o, 0, sizeof(*o));
}

/* ---- checking the pool against the topology -------------------------------- */

static void check_node(const struct ef_topology *t, unsigned need, const struct ef_init_node *n,
		       struct ef_diag *d)
{
	char path[EF_QUOTE_LEN + 8];

	snprintf(path, sizeof(path), "--node %s", EF_BARE(n->name));
	for (int r = 0; r < EF_ROLE_MAX; r++)
		if (!n->nifs[r])
			ef_diag_error(d, path, "no %s NIC (--%s NIC)", ef_role_names[r],
				      ef_role_names[r]);
	for (int s = 0; s < EF_SVC_MAX; s++) {
		bool used = need & (1u << s) || s == EF_SVC_XMPP || s == EF_SVC_MANAGEMENT;

		if ((need & (1u << s)) && !n->naddrs[s])
			ef_diag_error(d, path, "no %s address (--%s ADDR): the rules of %s use it",
				      svc_words[s], svc_option[s], t->name);
		if (!used && n->naddrs[s])
			ef_diag_error(
				d, path, "--%s: %s has no %s rules (%s)", svc_option[s], t->name,
				svc_words[s],
				(need & (1u << EF_SVC_ACCESS)) &&
						!(need & (1u << EF_SVC_AV | 1u << EF_SVC_WEBCONF)) ?
					"every external service is on the --access address" :
					"leave it out");
		for (size_t k = 0; k < n->naddrs[s]; k++) {
			union ef_addr a;

			if (ef_addr_parse(n->addrs[s][k], &a))
				ef_diag_error(d, path, "--%s %s: not an IPv4 or IPv6 address",
					      svc_option[s], EF_BARE(n->addrs[s][k]));
		}
	}
}

/* the peer sets and tags a topology has, for messages */
static void names_of(json_object *obj, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? ", " : "", key);
	}
}

static bool topology_has_tag(json_object *rules, const char *tag, char *all, size_t len)
{
	bool found = false;
	size_t used = 0;

	all[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *tags = jget(json_object_array_get_idx(rules, i), "tags");

		for (size_t k = 0; tags && k < json_object_array_length(tags); k++) {
			const char *s = json_object_get_string(json_object_array_get_idx(tags, k));

			found |= strcmp(s, tag) == 0;
			if (!strstr(all, s))
				used += (size_t)snprintf(all + used, used < len ? len - used : 0,
							 "%s%s", used ? ", " : "", s);
		}
	}
	return found;
}

static void check_opts(const struct ef_topology *t, json_object *root, const struct ef_init_opts *o,
		       struct ef_diag *d)
{
	unsigned need = ef_topology_services(t);
	json_object *peers = jget(root, "peers");
	char names[512];

	if (!o->nnodes)
		ef_diag_error(d, NULL,
			      "no node: give --node NAME with its NICs and addresses "
			      "(or answer the prompts on a terminal)");
	if (t->single && o->nnodes > 1)
		ef_diag_error(d, NULL,
			      "%s is a single Edge Server: one --node, not %zu "
			      "(a pool is a scaled topology)",
			      t->name, o->nnodes);
	for (size_t i = 0; i < o->nnodes; i++)
		check_node(t, need, &o->nodes[i], d);
	for (size_t i = 0; i < o->npeers; i++) {
		const struct ef_init_peer *pe = &o->peers[i];

		if (!jget(peers, pe->set)) {
			names_of(peers, names, sizeof(names));
			ef_diag_error(d, "--peer", "%s has no peer set %s (it has: %s)", t->name,
				      EF_Q(pe->set), names);
			continue;
		}
		if (!pe->n)
			ef_diag_error(d, "--peer", "%s: no prefixes (\"any\", or CIDRs)",
				      EF_BARE(pe->set));
		for (size_t k = 0; k < pe->n; k++) {
			struct ef_prefix p;
			const char *why;

			if (strcmp(pe->cidrs[k], "any") && ef_prefix_parse(pe->cidrs[k], &p, &why))
				ef_diag_error(d, "--peer", "%s=%s: %s", EF_BARE(pe->set),
					      EF_BARE(pe->cidrs[k]), why);
		}
	}
	for (size_t i = 0; i < o->nexclude_tags; i++)
		if (!topology_has_tag(jget(root, "rules"), o->exclude_tags[i], names,
				      sizeof(names)))
			ef_diag_error(d, "--exclude-tag", "no rule of %s has the tag %s (tags: %s)",
				      t->name, EF_Q(o->exclude_tags[i]), names);
}

/* ---- the policy ----------------------------------------------------------------- */

static json_object *str_list(char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *node_json(const struct ef_init_node *n)
{
	json_object *o = json_object_new_object(), *ifs = json_object_new_object();
	json_object *addrs = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(n->name));
	for (int r = 0; r < EF_ROLE_MAX; r++)
		json_object_object_add(ifs, ef_role_names[r],
				       n->nifs[r] == 1 ? json_object_new_string(n->ifs[r][0]) :
							 str_list(n->ifs[r], n->nifs[r]));
	json_object_object_add(o, "interfaces", ifs);
	/* the order of the shipped policy: access, webconf, av, (xmpp), internal,
	 * (management) */
	for (int s = 0; s < EF_SVC_MAX; s++)
		if (n->naddrs[s])
			json_object_object_add(addrs, ef_service_names[s],
					       str_list(n->addrs[s], n->naddrs[s]));
	json_object_object_add(o, "addresses", addrs);
	return o;
}

static void put_pool(const struct ef_topology *t, json_object *root, const struct ef_init_opts *o)
{
	json_object *settings = jget(root, "settings"), *peers = jget(root, "peers");
	json_object *nodes = json_object_new_array();
	const char *desc = jstr(root, "description");
	char *nd = NULL;

	json_object_object_add(root, "name", json_object_new_string(o->name ? o->name : t->name));
	if (desc) {
		/* the example nodes are gone: so is the sentence about them */
		const char *cut = strstr(desc, "Replace the example node");
		const char *end = cut ? strstr(cut, ". ") : NULL;
		int keep = cut ? (int)(cut - desc) : (int)strlen(desc);
		char *nodes = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&nodes, &len);

		for (size_t i = 0; f && i < o->nnodes; i++)
			fprintf(f, "%s%s", i ? ", " : "", o->nodes[i].name);
		if (f)
			fclose(f);
		if (asprintf(&nd, "%.*s%s%sWritten by edgefw init --topology %s for %s.", keep,
			     desc, end ? end + 2 : "", cut && !end ? "" : " ", t->name,
			     nodes ? nodes : "") > 0) {
			json_object_object_add(root, "description", json_object_new_string(nd));
			free(nd);
		}
		free(nodes);
	}
	if (o->monitor)
		json_object_object_add(settings, "mode", json_object_new_string("monitor"));
	if (o->nexclude_tags)
		json_object_object_add(settings, "exclude_tags",
				       str_list(o->exclude_tags, o->nexclude_tags));
	for (size_t i = 0; i < o->npeers; i++)
		json_object_object_add(peers, o->peers[i].set,
				       str_list(o->peers[i].cidrs, o->peers[i].n));
	for (size_t i = 0; i < o->nnodes; i++)
		json_object_array_add(nodes, node_json(&o->nodes[i]));
	json_object_object_add(root, "nodes", nodes);
}

/* What validate checks: the text parses and every node compiles. */
static int check_result(const char *text, struct ef_diag *d)
{
	struct ef_policy *p = ef_policy_parse(d->file, text, strlen(text), d);
	int rc = p && !d->errors ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < p->nnodes; i++) {
		struct ef_compiled c;

		if (ef_compile(p, &p->nodes[i], -1, &c, d))
			rc = -1;
		else
			ef_compiled_free(&c);
	}
	ef_policy_free(p);
	return rc;
}

char *ef_init_build(const struct ef_topology *t, const struct ef_init_opts *o, struct ef_diag *d)
{
	json_object *root = topology_json(t);
	const char *s;
	char *text = NULL;

	if (!root) {
		ef_diag_error(d, NULL, "the built-in %s does not parse", t->name);
		return NULL;
	}
	check_opts(t, root, o, d);
	if (!d->errors) {
		put_pool(t, root, o);
		s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
		if (asprintf(&text, "%s\n", s) < 0)
			text = NULL;
	}
	json_object_put(root);
	if (text && check_result(text, d)) {
		free(text);
		text = NULL;
	}
	return text;
}

/* ---- prompts ---------------------------------------------------------------------- */

/* One answer: the line without its newline and surrounding blanks, the
 * default when empty.  NULL at end of input. */
static char *ask(FILE *in, FILE *out, const char *question, const char *def)
{
	char *line = NULL, *s, *e;
	size_t cap = 0;

	if (def && *def)
		fprintf(out, "%s [%s]: ", question, def);
	else
		fprintf(out, "%s: ", question);
	fflush(out);
	if (getline(&line, &cap, in) < 0) {
		free(line);
		return NULL;
	}
	for (s = line; isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	if (!*s && def) {
		free(line);
		return strdup(def);
	}
	memmove(line, s, strlen(s) + 1);
	return line;
}

/* Ask until the answer is a list of addresses (empty allowed if optional). */
static int ask_addrs(FILE *in, FILE *out, const char *question, bool optional, char ***v, size_t *n)
{
	for (;;) {
		char *a = ask(in, out, question, optional ? "" : NULL);
		char **list = NULL;
		size_t len = 0, bad = 0;
		union ef_addr x;

		if (!a)
			return -1;
		ef_init_add_list(&list, &len, a);
		free(a);
		for (size_t i = 0; i < len; i++)
			if (ef_addr_parse(list[i], &x)) {
				fprintf(out, "  %s is not an IPv4 or IPv6 address\n", list[i]);
				bad++;
			}
		if (!bad && (len || optional)) {
			*v = list;
			*n = len;
			return 0;
		}
		if (!len)
			fprintf(out, "  at least one address, please\n");
		ef_strs_free(list, len);
	}
}

static int ask_node(const struct ef_topology *t, unsigned need, FILE *in, FILE *out,
		    struct ef_init_opts *o)
{
	char def[32], q[160], *a;
	struct ef_init_node *n;

	snprintf(def, sizeof(def), "edge%zu", o->nnodes + 1);
	snprintf(q, sizeof(q), "Node %zu: name (the short hostname)", o->nnodes + 1);
	if (!(a = ask(in, out, q, def)))
		return -1;
	n = ef_init_add_node(o, a);
	free(a);
	if (!n)
		return -1;
	for (int r = 0; r < EF_ROLE_MAX; r++) {
		snprintf(q, sizeof(q), "  %s NIC(s)", ef_role_names[r]);
		if (!(a = ask(in, out, q, r == EF_ROLE_EXTERNAL ? "eth1" : "eth0")))
			return -1;
		ef_init_add_list(&n->ifs[r], &n->nifs[r], a);
		free(a);
	}
	for (int s = 0; s < EF_SVC_MAX; s++) {
		bool optional = s == EF_SVC_MANAGEMENT;

		if (!(need & (1u << s)) && !optional)
			continue;
		snprintf(q, sizeof(q), "  %s address(es)%s", svc_words[s],
			 s == EF_SVC_ACCESS && !(need & (1u << EF_SVC_AV)) ?
				 " (every external service uses it)" :
				 "");
		if (ask_addrs(in, out, q, optional, &n->addrs[s], &n->naddrs[s]))
			return -1;
	}
	(void)t;
	return 0;
}

int ef_init_prompt(const struct ef_topology *t, FILE *in, FILE *out, struct ef_init_opts *o)
{
	unsigned need = ef_topology_services(t);
	bool have_admin = false;
	char *a;

	fprintf(out, "%s: %s\n", t->name, t->summary);
	for (;;) {
		if (ask_node(t, need, in, out, o))
			return -1;
		if (t->single)
			break;
		if (!(a = ask(in, out, "Another node? (y/n)", o->nnodes < 2 ? "y" : "n")))
			return -1;
		if (tolower((unsigned char)a[0]) != 'y') {
			free(a);
			break;
		}
		free(a);
	}
	for (size_t i = 0; i < o->npeers; i++)
		have_admin |= strcmp(o->peers[i].set, "admin_hosts") == 0;
	if (!have_admin) {
		char *spec = NULL;
		int rc = 0;

		a = ask(in, out,
			"Jump hosts that may manage the nodes (admin_hosts: RDP, SSH; "
			"CIDRs; empty keeps the example prefix)",
			"");
		if (!a)
			return -1;
		if (*a && asprintf(&spec, "admin_hosts=%s", a) > 0) {
			struct ef_diag d;

			ef_diag_init(&d, "init");
			rc = ef_init_add_peer(o, spec, &d);
			ef_diag_free(&d);
			free(spec);
		}
		free(a);
		if (rc)
			return -1;
	}
	return 0;
}
