// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edgefw flows [flush]: the live flow tables from the pinned maps, listed
 * (text, --json, --count) or flushed, through the filters of flowview.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "cmds.h"
#include "datapath.h"
#include "flowtab.h"
#include "state.h"

/* the filters from the options; -1 after a usage message */
static int filters(const struct ef_cmd *c, const struct ef_flows_opts *o, struct ef_flow_filter *fl,
		   int *given)
{
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };

	ef_flow_filter_init(fl);
	*given = 0;
	if (o->iface) {
		(*given)++;
		if (strcmp(o->iface, "external") == 0)
			fl->role = EF_ROLE_EXTERNAL;
		else if (strcmp(o->iface, "internal") == 0)
			fl->role = EF_ROLE_INTERNAL;
		else
			fl->ifname = o->iface;
	}
	if (o->addr) {
		const char *why = NULL;

		(*given)++;
		if (ef_prefix_parse(o->addr, &fl->prefix, &why)) {
			fprintf(stderr, "edgefw flows: --addr: %s is not an address or CIDR (%s)\n",
				EF_Q(o->addr), why ? why : "?");
			return -1;
		}
		fl->has_prefix = true;
	}
	if (ef_opt_given(c, o, "service") && ++*given)
		fl->service = o->service;
	if (ef_opt_given(c, o, "port") && ++*given)
		fl->port = (int)o->port;
	if (ef_opt_given(c, o, "proto") && ++*given)
		fl->proto = protos[o->proto];
	if (o->rule && ++*given)
		fl->rule = o->rule;
	if (ef_opt_given(c, o, "state") && ++*given)
		fl->state = o->state;
	if (ef_opt_given(c, o, "table") && ++*given)
		fl->table = o->table ? EF_TABLE_UNTRUSTED : EF_TABLE_TRUSTED;
	return 0;
}

/* the NICs by role and the live generation's rule names, from the
 * agent's status file (absent: flows show no names, still listed) */
static void names_from_status(const struct ef_status *s, struct ef_flow_names *nm)
{
	for (size_t i = 0; i < s->natt; i++)
		if (s->att[i].role >= 0 && s->att[i].role < EF_ROLE_MAX)
			nm->ifname[s->att[i].role] = s->att[i].ifname;
	nm->rules = s->rules;
	nm->nrules = s->nrules;
	nm->epoch = s->epoch;
}

static void render(const struct ef_flows_opts *o, const struct ef_flow_row *rows, size_t n,
		   const struct ef_flow_filter *fl)
{
	json_object *arr = o->c.format == EF_FMT_JSON && !o->count ? json_object_new_array() : NULL;
	size_t matched = 0;

	if (!arr && !o->count)
		ef_flow_text_header(stdout);
	for (size_t i = 0; i < n; i++) {
		if (!ef_flow_match(fl, &rows[i]))
			continue;
		matched++;
		if (arr)
			json_object_array_add(arr, ef_flow_json(&rows[i]));
		else if (!o->count)
			ef_flow_text(stdout, &rows[i]);
	}
	if (arr) {
		printf("%s\n",
		       json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else if (o->count && o->c.format == EF_FMT_JSON) {
		printf("{\"count\":%zu}\n", matched);
	} else if (o->count) {
		printf("%zu\n", matched);
	}
}

int cmd_flows(void *opts, const struct ef_args *args)
{
	const struct ef_flows_opts *o = opts;
	struct ef_flow_names nm = { 0 };
	struct ef_flow_filter fl;
	struct ef_status s = { 0 };
	struct ef_flow_row *rows = NULL;
	struct ef_maps m;
	bool flush = false, have_status;
	size_t n = 0;
	int given, err, rc = 0;

	if (args->argc == 1) {
		if (strcmp(args->argv[0], "flush") != 0) {
			fprintf(stderr, "edgefw flows: %s is not flush (the only subcommand)\n",
				EF_Q(args->argv[0]));
			return EXIT_USAGE;
		}
		flush = true;
	}
	if (filters(&ef_cli_flows, o, &fl, &given))
		return EXIT_USAGE;
	if (flush && !given && !o->all) {
		fprintf(stderr, "edgefw flows flush: no filter given: --all flushes every flow\n");
		return EXIT_INVALID;
	}
	if (o->all && (!flush || given)) {
		fprintf(stderr, "edgefw flows: --all is for a flush without filters\n");
		return EXIT_USAGE;
	}
	if (ef_maps_open_pinned(o->c.dirs.bpffs, &m)) {
		fprintf(stderr, "edgefw flows: no pinned state in %s (is edgefw running?)\n",
			o->c.dirs.bpffs);
		return EXIT_SYSTEM;
	}
	have_status = ef_status_read(o->c.dirs.run, &s) == 0;
	if (have_status)
		names_from_status(&s, &nm);
	err = ef_flows_read(&m, &nm, ef_coarse_ns(), &rows, &n);
	if (err) {
		fprintf(stderr, "edgefw flows: cannot read the flow tables: %s\n", strerror(-err));
		rc = EXIT_SYSTEM;
	} else if (flush) {
		long gone = ef_flows_delete(&m, rows, n, &fl);

		if (gone < 0) {
			fprintf(stderr, "edgefw flows flush: %s\n", strerror((int)-gone));
			rc = EXIT_SYSTEM;
		} else if (o->c.format == EF_FMT_JSON) {
			printf("{\"flushed\":%ld}\n", gone);
		} else {
			printf("edgefw: flushed %ld flow%s\n", gone, gone == 1 ? "" : "s");
		}
	} else {
		render(o, rows, n, &fl);
	}
	free(rows);
	if (have_status)
		ef_status_free(&s);
	ef_maps_close(&m);
	return rc;
}
