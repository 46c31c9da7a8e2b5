// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy parsing (json-c) and checking.  Every problem becomes one message
 * "FILE: PATH: what is wrong" in the diag; parsing goes on after an error
 * so that validate reports all problems at once.
 */
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <zlib.h>

#include "edgefw/parse.h"
#include "files.h"
#include "policy.h"
#include "pparse.h"

#define EF_JSON_MAX_DEPTH 16
#define EF_POLICY_MAX_BYTES (256u << 20)

const char *const ef_role_names[EF_ROLE_MAX] = { "external", "internal" };
const char *const ef_service_names[EF_SVC_MAX + 1] = { "access",   "webconf",	 "av", "xmpp",
						       "internal", "management", NULL };
const char *const ef_timeout_names[EF_TO_MAX] = { "tcp_syn",	 "tcp_established",
						  "tcp_closing", "udp",
						  "icmp",	 "fragment" };

int ef_service_role(int service)
{
	return service == EF_SVC_INTERNAL || service == EF_SVC_MANAGEMENT ? EF_ROLE_INTERNAL :
									    EF_ROLE_EXTERNAL;
}

static size_t line_of(const char *text, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off && text[i]; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

struct ef_policy *ef_policy_parse(const char *file, const char *text, size_t len, struct ef_diag *d)
{
	static const char *const keys[] = { "format",	"name",	   "description", "settings",
					    "peers",	"nodes",   "rules",	  "management",
					    "template", "$schema", NULL };
	struct json_tokener *tok;
	struct ef_policy *p;
	json_object *root, *v;
	struct pctx c;
	json_object *m;
	const char *s;

	if (memchr(text, '\0', len)) {
		ef_diag_error(d, NULL, "not valid JSON: contains a NUL byte");
		return NULL;
	}
	tok = json_tokener_new_ex(EF_JSON_MAX_DEPTH);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error err = json_tokener_get_error(tok);
		size_t off = json_tokener_get_parse_end(tok);

		if (err == json_tokener_continue)
			ef_diag_error(d, NULL, "not valid JSON: unexpected end of file");
		else if (err == json_tokener_success)
			ef_diag_error(d, NULL, "not valid JSON: trailing data at line %zu",
				      line_of(text, off));
		else
			ef_diag_error(d, NULL, "not valid JSON: %s at line %zu",
				      json_tokener_error_desc(err), line_of(text, off));
		json_object_put(root);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		ef_diag_error(d, NULL, "a policy is a JSON object, not %s", pol_jtype(root));
		json_object_put(root);
		return NULL;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		json_object_put(root);
		return NULL;
	}
	p->file = strdup(file);
	p->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text, (uInt)len);
	pol_set_defaults(&p->settings);
	c.d = d;
	c.p = p;

	pol_check_keys(&c, root, "", keys);
	s = pol_get_str(&c, root, "", "format", true);
	if (s && strcmp(s, EF_POLICY_FORMAT) != 0)
		ef_diag_error(d, "format", "%s is not supported (expected \"%s\")", EF_Q(s),
			      EF_POLICY_FORMAT);
	p->name = pol_dupstr(pol_get_str(&c, root, "", "name", true));
	{
		bool tmpl = false;

		pol_get_bool(&c, root, "", "template", &tmpl);
		if (tmpl)
			ef_diag_error(
				d, "template",
				"this is the policy template edgefw ships: fill in the \"nodes\" "
				"section with this pool's edge nodes (name = short hostname, NICs, "
				"service addresses), set \"admin_hosts\" to your jump hosts, then "
				"remove \"template\": true (see edgefw-policy(5))");
	}
	pol_parse_settings(&c, pol_get(root, "settings"));
	pol_parse_peers(&c, pol_get(root, "peers"));

	v = pol_get(root, "nodes");
	if (!v || !json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
		ef_diag_error(d, "nodes",
			      v ? "must be a non-empty list" : "missing (a list of edge nodes)");
	} else {
		p->nnodes = json_object_array_length(v);
		p->nodes = calloc(p->nnodes, sizeof(*p->nodes));
		for (size_t i = 0; p->nodes && i < p->nnodes; i++)
			pol_parse_node(&c, json_object_array_get_idx(v, i), i, &p->nodes[i]);
		if (!p->nodes)
			p->nnodes = 0;
		pol_check_nodes(&c);
	}

	v = pol_get(root, "rules");
	m = pol_get(root, "management");
	if (m && !json_object_is_type(m, json_type_array)) {
		ef_diag_error(d, "management", "must be a list of rules, not %s", pol_jtype(m));
		m = NULL;
	}
	if (!v || !json_object_is_type(v, json_type_array)) {
		ef_diag_error(d, "rules", v ? "must be a list" : "missing (a list of rules)");
	} else {
		size_t nr = json_object_array_length(v);

		p->nmanagement = m ? json_object_array_length(m) : 0;
		p->nrules = nr + p->nmanagement;
		p->rules = calloc(p->nrules ? p->nrules : 1, sizeof(*p->rules));
		for (size_t i = 0; p->rules && i < nr; i++)
			pol_parse_rule(&c, json_object_array_get_idx(v, i), "rules", i,
				       &p->rules[i]);
		for (size_t i = 0; p->rules && i < p->nmanagement; i++) {
			struct ef_prule *r = &p->rules[nr + i];

			pol_parse_rule(&c, json_object_array_get_idx(m, i), "management", i, r);
			r->management = true;
			if (r->dir == EF_DIR_OUT) {
				char path[64];

				snprintf(path, sizeof(path), "management[%zu].direction", i);
				ef_diag_error(d, path, "management rules are inbound (\"in\")");
			}
		}
		if (!p->rules)
			p->nrules = p->nmanagement = 0;
		pol_check_rules(&c);
	}
	json_object_put(root);
	return p;
}

char *ef_policy_read(const char *path, size_t *lenp, struct ef_diag *d)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		ef_diag_error(d, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	buf = ef_read_stream(f, EF_POLICY_MAX_BYTES, lenp);
	if (!buf && ferror(f))
		ef_diag_error(d, NULL, "read error: %s", strerror(errno));
	else if (!buf && errno == EFBIG)
		ef_diag_error(d, NULL, "larger than %u MiB", EF_POLICY_MAX_BYTES >> 20);
	fclose(f);
	return buf;
}

struct ef_policy *ef_policy_load(const char *path, struct ef_diag *d)
{
	struct ef_policy *p;
	size_t len;
	char *buf = ef_policy_read(path, &len, d);

	if (!buf)
		return NULL;
	p = ef_policy_parse(path, buf, len, d);
	free(buf);
	return p;
}

void ef_policy_free(struct ef_policy *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->name);
	ef_strs_free(p->settings.exclude_tags, p->settings.nexclude_tags);
	for (size_t i = 0; i < p->npeersets; i++) {
		free(p->peersets[i].name);
		free(p->peersets[i].pfx);
	}
	free(p->peersets);
	for (size_t i = 0; i < p->nnodes; i++) {
		struct ef_node *n = &p->nodes[i];

		free(n->name);
		for (int r = 0; r < EF_ROLE_MAX; r++)
			ef_strs_free(n->ifnames[r], n->nifnames[r]);
		for (int s = 0; s < EF_SVC_MAX; s++)
			free(n->addrs[s].a);
	}
	free(p->nodes);
	for (size_t i = 0; i < p->nrules; i++) {
		struct ef_prule *r = &p->rules[i];

		free(r->name);
		free(r->ports);
		free(r->note);
		free(r->ref);
		free(r->restates);
		ef_strs_free(r->tags, r->ntags);
	}
	free(p->rules);
	free(p);
}

const struct ef_node *ef_policy_node(const struct ef_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (p->nodes[i].name && strcmp(p->nodes[i].name, name) == 0)
			return &p->nodes[i];
	return NULL;
}

bool ef_rule_excluded(const struct ef_policy *p, const struct ef_prule *r)
{
	for (size_t t = 0; t < p->settings.nexclude_tags; t++)
		for (size_t k = 0; k < r->ntags; k++)
			if (strcmp(r->tags[k], p->settings.exclude_tags[t]) == 0)
				return true;
	return false;
}

const struct ef_addrlist *ef_node_service_addrs(const struct ef_node *n, int service)
{
	if (service == EF_SVC_XMPP && !n->addrs[EF_SVC_XMPP].present)
		return &n->addrs[EF_SVC_ACCESS];
	return &n->addrs[service];
}
