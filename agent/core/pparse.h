/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy parser's insides, shared by policy.c (the top level),
 * pjson.c (JSON helpers, ports), pnodes.c (peers, nodes) and prules.c
 * (settings, rules).  Not for use outside the parser.
 */
#ifndef EF_PPARSE_H
#define EF_PPARSE_H

#include <stdbool.h>
#include <json-c/json.h>
#include "policy.h"
#include "strv.h"

struct pctx {
	struct ef_diag *d;
	struct ef_policy *p;
};

/* pjson.c */
int pol_name_index(const char *const *names, int n, const char *s);
const char *pol_jtype(json_object *o);
void pol_check_keys(struct pctx *c, json_object *obj, const char *path, const char *const *allowed);
json_object *pol_get(json_object *obj, const char *key);
const char *pol_get_str(struct pctx *c, json_object *obj, const char *path, const char *key,
			bool required);
char *pol_dupstr(const char *s);
int pol_named_object(struct pctx *c, json_object *v, const char *path, const char *const *keys,
		     char **name);
int pol_get_bool(struct pctx *c, json_object *obj, const char *path, const char *key, bool *out);
char **pol_get_strlist(struct pctx *c, json_object *v, const char *path, size_t *n);
int pol_get_u32(struct pctx *c, json_object *obj, const char *path, const char *key, uint32_t min,
		uint32_t max, uint32_t *out);
bool pol_valid_name(const char *s);
int pol_parse_range(struct pctx *c, json_object *v, const char *path, struct ef_range *r);
int pol_parse_ports(struct pctx *c, json_object *v, const char *path, struct ef_range **out,
		    size_t *n, bool *any);
/* pnodes.c */
int pol_add_peerset(struct ef_policy *p, const char *name, bool inl);
void pol_parse_peer_list(struct pctx *c, json_object *v, const char *path, struct ef_peerset *ps);
void pol_parse_peers(struct pctx *c, json_object *v);
int pol_any_peerset(struct ef_policy *p);
void pol_parse_node(struct pctx *c, json_object *v, size_t i, struct ef_node *n);
void pol_check_nodes(struct pctx *c);
/* prules.c */
void pol_parse_settings(struct pctx *c, json_object *v);
void pol_set_defaults(struct ef_settings *s);
void pol_parse_rule(struct pctx *c, json_object *v, const char *section, size_t i,
		    struct ef_prule *r);
void pol_check_rules(struct pctx *c);

#endif
