// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy parser's JSON helpers (typed getters that say what is wrong
 * and where) and port ranges.
 */
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "edgefw/parse.h"
#include "pparse.h"

int pol_name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *pol_jtype(json_object *o)
{
	return o ? json_type_to_name(json_object_get_type(o)) : "null";
}

/* Complain about keys not in allowed[] (NULL-terminated), and about null
 * values: "key": null is not "key absent". */
void pol_check_keys(struct pctx *c, json_object *obj, const char *path, const char *const *allowed)
{
	json_object_object_foreach(obj, key, val)
	{
		int ok = 0;

		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				ok = 1;
		if (!ok) {
			ef_diag_error(c->d, path, "unknown key %s", EF_Q(key));
		} else if (!val) {
			char p[256];

			snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
			ef_diag_error(c->d, p,
				      "null is not allowed (leave the key out for the default)");
		}
	}
}

static void subpath(char *buf, size_t len, const char *path, const char *key)
{
	snprintf(buf, len, "%s%s%s", path, *path ? "." : "", key);
}

json_object *pol_get(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* A string member; NULL (and an error if required) when missing/wrong. */
const char *pol_get_str(struct pctx *c, json_object *obj, const char *path, const char *key,
			bool required)
{
	json_object *v = pol_get(obj, key);
	char p[256];

	snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
	if (!v) {
		if (required)
			ef_diag_error(c->d, p, "missing (a string is required)");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		ef_diag_error(c->d, p, "must be a string, not %s", pol_jtype(v));
		return NULL;
	}
	return json_object_get_string(v);
}

char *pol_dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A node or a rule at path: an object, its keys checked, its "name"
 * (required, a valid name) copied to *name.  -1 (said) if not an object. */
int pol_named_object(struct pctx *c, json_object *v, const char *path, const char *const *keys,
		     char **name)
{
	const char *s;
	char p[128];

	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, path, "must be an object, not %s", pol_jtype(v));
		return -1;
	}
	pol_check_keys(c, v, path, keys);
	s = pol_get_str(c, v, path, "name", true);
	snprintf(p, sizeof(p), "%s.name", path);
	if (s && !pol_valid_name(s))
		ef_diag_error(c->d, p, "%s: use letters, digits, '.', '_' or '-' (at most 63)",
			      EF_Q(s));
	*name = pol_dupstr(s);
	return 0;
}

int pol_get_bool(struct pctx *c, json_object *obj, const char *path, const char *key, bool *out)
{
	json_object *v = pol_get(obj, key);
	char p[256];

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		subpath(p, sizeof(p), path, key);
		ef_diag_error(c->d, p, "must be true or false, not %s", pol_jtype(v));
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

/* An array of strings (a lone string is accepted as a one-element list). */
char **pol_get_strlist(struct pctx *c, json_object *v, const char *path, size_t *n)
{
	char **out;
	size_t len;

	*n = 0;
	if (json_object_is_type(v, json_type_string)) {
		out = calloc(1, sizeof(*out));
		if (out) {
			out[0] = strdup(json_object_get_string(v));
			*n = 1;
		}
		return out;
	}
	if (!json_object_is_type(v, json_type_array)) {
		ef_diag_error(c->d, path, "must be a string or a list of strings, not %s",
			      pol_jtype(v));
		return NULL;
	}
	len = json_object_array_length(v);
	out = calloc(len ? len : 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string)) {
			char p[256];

			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			ef_diag_error(c->d, p, "must be a string, not %s", pol_jtype(e));
			continue;
		}
		out[(*n)++] = strdup(json_object_get_string(e));
	}
	return out;
}

int pol_get_u32(struct pctx *c, json_object *obj, const char *path, const char *key, uint32_t min,
		uint32_t max, uint32_t *out)
{
	json_object *v = pol_get(obj, key);
	char p[256];
	int64_t x;

	if (!v)
		return 0;
	subpath(p, sizeof(p), path, key);
	if (!json_object_is_type(v, json_type_int)) {
		ef_diag_error(c->d, p, "must be an integer, not %s", pol_jtype(v));
		return -1;
	}
	x = json_object_get_int64(v);
	if (x < min || x > max) {
		ef_diag_error(c->d, p, "%s out of range %u-%u", json_object_get_string(v), min,
			      max);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

bool pol_valid_name(const char *s)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/* "5061", "50000-59999" or a number. */
int pol_parse_range(struct pctx *c, json_object *v, const char *path, struct ef_range *r)
{
	long lo, hi;
	char *end;
	const char *s;

	if (json_object_is_type(v, json_type_int)) {
		lo = hi = (long)json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		errno = 0;
		if (!isdigit((unsigned char)*s))
			goto bad;
		lo = strtol(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			hi = strtol(end + 1, &end, 10);
		} else {
			hi = lo;
		}
		if (*end || errno)
			goto bad;
	} else {
		ef_diag_error(c->d, path, "must be a port number or a \"low-high\" string, not %s",
			      pol_jtype(v));
		return -1;
	}
	if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
		if (lo == hi)
			ef_diag_error(c->d, path, "port %ld out of range 1-65535", lo);
		else
			ef_diag_error(c->d, path, "range %ld-%ld out of range 1-65535", lo, hi);
		return -1;
	}
	if (hi < lo) {
		ef_diag_error(c->d, path, "range %ld-%ld is reversed", lo, hi);
		return -1;
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
bad:
	ef_diag_error(c->d, path, "%s is not a port or a port range",
		      EF_Q(json_object_get_string(v)));
	return -1;
}

/* ports: "any", a range, or a list of ranges. */
int pol_parse_ports(struct pctx *c, json_object *v, const char *path, struct ef_range **out,
		    size_t *n, bool *any)
{
	size_t len;

	*n = 0;
	*any = false;
	if (json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "any") == 0) {
		*any = true;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array)) {
		*out = calloc(1, sizeof(**out));
		if (!*out || pol_parse_range(c, v, path, *out))
			return -1;
		*n = 1;
		return 0;
	}
	len = json_object_array_length(v);
	if (len == 0) {
		ef_diag_error(c->d, path, "empty list (use \"any\" for every port)");
		return -1;
	}
	*out = calloc(len, sizeof(**out));
	if (!*out)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char p[256];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (pol_parse_range(c, json_object_array_get_idx(v, i), p, &(*out)[*n]) == 0)
			(*n)++;
	}
	return 0;
}
