// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `edgefw matrix` (see matrix.h).  Rows are built as strings first, then
 * printed as a padded text table or a Markdown table.
 */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "describe.h"
#include "matrix.h"

enum { C_DIR, C_PORT, C_SRC, C_DST, C_RULE, C_NOTE, C_MAX };

#define EF_PEERS_SHOWN 16 /* prefixes of a peer set written in a cell */

static const char *const headers[C_MAX] = { "DIR",	   "PROTOCOL/PORT", "SOURCE",
					    "DESTINATION", "RULE",	    "NOTE" };

struct table {
	char *(*rows)[C_MAX];
	size_t n;
};

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (int c = 0; c < C_MAX; c++)
			free(t->rows[i][c]);
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

static char *svc_addrs(const struct ef_node *n, int svc, const char *lports)
{
	char *a = ef_addrs_str(ef_node_service_addrs(n, svc)), *s;

	if (asprintf(&s, "%s %s%s%s", ef_service_names[svc], a ? a : "", lports ? " port " : "",
		     lports ? lports : "") < 0)
		s = NULL;
	free(a);
	return s;
}

static void add_row(struct table *t, const struct ef_policy *p, const struct ef_node *n,
		    const struct ef_prule *r, const char *covered_by, bool refs)
{
	char *(*nr)[C_MAX] = realloc(t->rows, sizeof(*nr) * (t->n + 1));
	char **row, *ports = ef_rule_ports_str(r), *lports = ef_rule_lports_str(r);

	if (!nr) {
		free(ports);
		free(lports);
		return;
	}
	t->rows = nr;
	row = t->rows[t->n++];
	row[C_DIR] = strdup(r->dir == EF_DIR_IN ? "in" : "out");
	if (asprintf(&row[C_PORT], "%s %s", ef_proto_name(r->proto), ports ? ports : "") < 0)
		row[C_PORT] = NULL;
	if (r->dir == EF_DIR_IN) {
		row[C_SRC] = ef_peer_str_max(p, r->peerset, EF_PEERS_SHOWN);
		row[C_DST] = svc_addrs(n, r->service, NULL);
	} else {
		row[C_SRC] = svc_addrs(n, r->service, lports);
		row[C_DST] = ef_peer_str_max(p, r->peerset, EF_PEERS_SHOWN);
	}
	if (!covered_by || asprintf(&row[C_RULE], "%s (= %s)", r->name, covered_by) < 0)
		row[C_RULE] = strdup(r->name);
	row[C_NOTE] = strdup(refs ? (r->ref ? r->ref : "") : (r->note ? r->note : ""));
	free(ports);
	free(lports);
}

static void put_cell(FILE *out, const char *s, int format)
{
	for (; s && *s; s++) {
		if (format == EF_MATRIX_MARKDOWN && *s == '|')
			fputc('\\', out);
		fputc(*s == '\n' ? ' ' : *s, out);
	}
}

static void table_print(const struct table *t, const char *title, bool refs, int format, FILE *out)
{
	size_t w[C_MAX];
	const char *hdr[C_MAX];

	memcpy(hdr, headers, sizeof(hdr));
	if (refs)
		hdr[C_NOTE] = "REF";
	if (format == EF_MATRIX_MARKDOWN) {
		fprintf(out, "\n### %s\n\n|", title);
		for (int c = 0; c < C_MAX; c++)
			fprintf(out, " %s |", hdr[c]);
		fprintf(out, "\n|");
		for (int c = 0; c < C_MAX; c++)
			fprintf(out, "---|");
		fprintf(out, "\n");
		for (size_t i = 0; i < t->n; i++) {
			fprintf(out, "|");
			for (int c = 0; c < C_MAX; c++) {
				fprintf(out, " ");
				put_cell(out, t->rows[i][c], format);
				fprintf(out, " |");
			}
			fprintf(out, "\n");
		}
		return;
	}
	for (int c = 0; c < C_MAX; c++) {
		w[c] = strlen(hdr[c]);
		for (size_t i = 0; i < t->n; i++)
			if (t->rows[i][c] && strlen(t->rows[i][c]) > w[c])
				w[c] = strlen(t->rows[i][c]);
	}
	fprintf(out, "\n%s\n", title);
	for (size_t i = 0; i <= t->n; i++) {
		fprintf(out, " ");
		for (int c = 0; c < C_MAX; c++) {
			const char *s = i ? t->rows[i - 1][c] : hdr[c];

			if (c == C_MAX - 1)
				fprintf(out, " %s", s ? s : "");
			else
				fprintf(out, " %-*s", (int)w[c], s ? s : "");
		}
		fprintf(out, "\n");
	}
}

static char *names_list(const struct ef_policy *p, const bool *pick)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (size_t i = 0; i < p->nrules; i++)
		if (pick[i]) {
			fprintf(f, "%s%s", first ? "" : ", ", p->rules[i].name);
			first = false;
		}
	fclose(f);
	return s;
}

static void heading(FILE *out, int format, int level, const char *fmt, const char *arg)
{
	if (format == EF_MATRIX_MARKDOWN)
		fprintf(out, "\n%s ", level == 1 ? "##" : "###");
	else
		fprintf(out, "\n%s", level == 1 ? "== " : "");
	fprintf(out, fmt, arg);
	fprintf(out, "\n");
}

static int node_matrix(const struct ef_policy *p, const struct ef_node *n,
		       const struct ef_matrix_opts *o, FILE *out, struct ef_diag *d)
{
	struct ef_compiled c;
	int *cov = calloc(p->nrules ? p->nrules : 1, sizeof(*cov));
	bool *excl = calloc(p->nrules ? p->nrules : 1, sizeof(*excl));
	bool *noaddr = calloc(p->nrules ? p->nrules : 1, sizeof(*noaddr));
	struct table t[3] = { { 0 } }; /* external, internal, management */
	bool any_excl = false, any_noaddr = false;
	const char *bullet = o->format == EF_MATRIX_MARKDOWN ? "- " : "  ";

	if (!cov || !excl || !noaddr || ef_compile(p, n, -1, &c, d)) {
		free(cov);
		free(excl);
		free(noaddr);
		return -1;
	}
	for (size_t i = 0; i < p->nrules; i++)
		cov[i] = -1;
	for (size_t k = 0; k < c.nrules; k++)
		if (c.covered_by[k] >= 0)
			cov[c.rule_src[k]] = c.rule_src[c.covered_by[k]];
	heading(out, o->format, 1, "node %s", n->name);
	for (int r = 0; r < EF_ROLE_MAX; r++) {
		char *ifs = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&ifs, &len);

		if (!f)
			continue;
		for (size_t i = 0; i < n->nifnames[r]; i++)
			fprintf(f, "%s%s", i ? ", " : "", n->ifnames[r][i]);
		fprintf(f, ":");
		for (int s = 0; s < EF_SVC_MAX; s++) {
			const struct ef_addrlist *al = ef_node_service_addrs(n, s);
			char *a;

			if (ef_service_role(s) != r || !al->n)
				continue;
			a = ef_addrs_str(al);
			fprintf(f, " %s %s%s;", ef_service_names[s], a ? a : "",
				s == EF_SVC_XMPP && !n->addrs[EF_SVC_XMPP].present ?
					" (the access addresses)" :
					"");
			free(a);
		}
		fclose(f);
		if (ifs && ifs[strlen(ifs) - 1] == ';')
			ifs[strlen(ifs) - 1] = '\0';
		fprintf(out, "%s%s %s\n", bullet, ef_role_names[r], ifs ? ifs : "");
		free(ifs);
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct ef_prule *r = &p->rules[i];

		if (ef_rule_excluded(p, r)) {
			excl[i] = any_excl = true;
			continue;
		}
		if (!ef_node_service_addrs(n, r->service)->n) {
			noaddr[i] = any_noaddr = true;
			continue;
		}
		add_row(&t[r->management ? 2 : r->role], p, n, r,
			cov[i] >= 0 ? p->rules[cov[i]].name : NULL, o->refs);
	}
	for (int k = 0; k < 3; k++) {
		char title[128];

		if (!t[k].n)
			continue;
		if (k == 2)
			snprintf(title, sizeof(title), "Management (no Microsoft table lists it)");
		else
			snprintf(title, sizeof(title), "%s interface (%s)",
				 k == 0 ? "External" : "Internal",
				 n->nifnames[k] ? n->ifnames[k][0] : "?");
		table_print(&t[k], title, o->refs, o->format, out);
		table_free(&t[k]);
	}
	if (any_excl || any_noaddr)
		fprintf(out, "\nLeft out on %s:\n", n->name);
	if (any_excl) {
		char *l = names_list(p, excl);

		fprintf(out, "%sby settings.exclude_tags: %s\n", bullet, l ? l : "");
		free(l);
	}
	if (any_noaddr) {
		char *l = names_list(p, noaddr);

		fprintf(out, "%sno address of their service on the node: %s\n", bullet, l ? l : "");
		free(l);
	}
	ef_compiled_free(&c);
	free(cov);
	free(excl);
	free(noaddr);
	return 0;
}

int ef_policy_matrix(const struct ef_policy *p, const struct ef_matrix_opts *o, FILE *out,
		     struct ef_diag *d)
{
	const struct ef_settings *s = &p->settings;
	const char *bullet = o->format == EF_MATRIX_MARKDOWN ? "- " : "";
	int rc = 0;

	if (o->format == EF_MATRIX_MARKDOWN)
		fprintf(out, "# Port matrix: %s (%s)\n\n", p->name, p->file);
	else
		fprintf(out, "Port matrix: policy %s (%s)\n", p->name, p->file);
	fprintf(out, "%smode %s: %s\n", bullet, ef_mode_name(s->mode),
		s->mode == EF_MODE_MONITOR ?
			"nothing is dropped (what the rows below do not allow is reported as would-drop)" :
			"what the rows below do not allow is dropped");
	fprintf(out, "%segress %s: %s\n", bullet, ef_mode_name(s->egress),
		s->egress == EF_MODE_ENFORCE ?
			"out rows are enforced too" :
		s->egress == EF_MODE_MONITOR ?
			"outbound packets no row allows pass and are reported" :
			"outbound packets are not checked");
	fprintf(out, "%sICMP echo to and from the service addresses: %s (settings.ping)\n", bullet,
		s->ping ? "allowed" : "dropped");
	for (size_t i = 0; i < p->nnodes; i++) {
		if (o->node && strcmp(o->node, p->nodes[i].name))
			continue;
		if (node_matrix(p, &p->nodes[i], o, out, d))
			rc = -1;
	}
	return rc;
}
