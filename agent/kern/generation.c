// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "generation.h"
#include "log.h"
#include "state.h"

int ef_gen_prepare(const struct ef_gen *g, const char *label, const char *text, size_t len,
		   struct ef_policy **p, struct ef_compiled *c, struct ef_diag *d)
{
	*p = ef_policy_checked_text(label, text, len, g->node, d);
	if (!*p)
		return -EINVAL;
	if (ef_compile(*p, ef_policy_node(*p, g->node), g->mode_override, c, d)) {
		ef_policy_free(*p);
		*p = NULL;
		return -EINVAL;
	}
	return 0;
}

static void refresh_names(struct ef_gen *g)
{
	free(g->names);
	g->names = calloc(g->comp[0].nrules + 1, sizeof(char *));
	for (size_t i = 0; g->names && i < g->comp[0].nrules; i++)
		g->names[i] = (char *)ef_compiled_rule_name(&g->comp[0], (unsigned)i);
}

static char *dup_text(const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy)
		memcpy(copy, text, len + 1);
	return copy;
}

/* The live text becomes what a rollback returns to. */
static void confirm_live(struct ef_gen *g)
{
	char *copy = dup_text(g->live, g->live_len);

	if (!copy)
		return;
	free(g->confirmed);
	g->confirmed = copy;
	g->confirmed_len = g->live_len;
	g->confirm_by = 0;
}

int ef_gen_load(struct ef_gen *g, struct ef_diag *d)
{
	g->live = ef_policy_read(g->policy_path, &g->live_len, d);
	if (!g->live)
		return -EINVAL;
	if (ef_gen_prepare(g, g->policy_path, g->live, g->live_len, &g->pol[0], &g->comp[0], d)) {
		free(g->live);
		g->live = NULL;
		return -EINVAL;
	}
	confirm_live(g);
	return 0;
}

int ef_gen_start(struct ef_gen *g, __u32 epoch, char *const *prev, size_t nprev)
{
	int err = ef_apply(g->maps, &g->comp[0], epoch, prev, nprev);

	if (err)
		return err;
	g->epoch[0] = epoch;
	g->loaded = time(NULL);
	refresh_names(g);
	return 0;
}

static bool same_ifaces(const struct ef_compiled *x, const struct ef_compiled *y)
{
	if (x->nifaces != y->nifaces)
		return false;
	for (size_t i = 0; i < x->nifaces; i++)
		if (x->ifaces[i].role != y->ifaces[i].role ||
		    strcmp(x->ifaces[i].ifname, y->ifaces[i].ifname))
			return false;
	return true;
}

int ef_gen_go_live(struct ef_gen *g, const char *label, char *text, size_t len, struct ef_diag *d)
{
	struct ef_policy *p;
	struct ef_compiled c;
	int err;

	err = ef_gen_prepare(g, label, text, len, &p, &c, d);
	if (err)
		goto out;
	if (!same_ifaces(&c, &g->comp[0])) {
		ef_diag_error(d, NULL,
			      "the node's interfaces changed; restart edgefw to re-attach");
		err = -EBUSY;
		goto drop;
	}
	err = ef_apply(g->maps, &c, g->epoch[0] + 1, g->names, g->comp[0].nrules);
	if (err) {
		ef_diag_error(d, NULL, "cannot write the maps: %s", strerror(-err));
		goto drop;
	}
	ef_compiled_free(&g->comp[1]);
	ef_policy_free(g->pol[1]);
	g->comp[1] = g->comp[0];
	g->pol[1] = g->pol[0];
	g->epoch[1] = g->epoch[0];
	g->comp[0] = c;
	g->pol[0] = p;
	g->epoch[0]++;
	g->loaded = time(NULL);
	free(g->live);
	g->live = text;
	g->live_len = len;
	refresh_names(g);
	if (g->went_live)
		g->went_live(g->ctx, "reloaded");
	return 0;
drop:
	ef_compiled_free(&c);
	ef_policy_free(p);
out:
	free(text);
	return err;
}

int ef_gen_reload(struct ef_gen *g, struct ef_diag *d)
{
	size_t len;
	char *text;
	int err;

	pr_info("reloading %s\n", g->policy_path);
	text = ef_policy_read(g->policy_path, &len, d);
	err = text ? ef_gen_go_live(g, g->policy_path, text, len, d) : -EINVAL;
	if (err)
		pr_warn("reload refused; policy \"%s\" (generation %u) stays in force\n",
			g->pol[0]->name, g->epoch[0]);
	else if (!g->confirm_by)
		confirm_live(g);
	return err;
}

/* The live text as the configured policy file (unless it already is). */
static void persist_live(struct ef_gen *g, const char *why)
{
	struct ef_diag d;
	struct stat st;
	size_t len;
	char *cur;
	int err;

	ef_diag_init(&d, g->policy_path);
	cur = ef_policy_read(g->policy_path, &len, &d);
	ef_diag_free(&d);
	if (cur && len == g->live_len && !memcmp(cur, g->live, len)) {
		free(cur);
		return;
	}
	free(cur);
	/* keep the file's mode (and so who may read it) */
	err = ef_write_atomic(g->policy_path, g->live,
			      stat(g->policy_path, &st) ? 0644 : st.st_mode & 07777);
	if (err)
		pr_warn("cannot write %s (%s): %s\n", g->policy_path, why, strerror(-err));
	else
		pr_info("wrote %s (%s)\n", g->policy_path, why);
}

int ef_gen_apply(struct ef_gen *g, const char *path, long within, struct ef_diag *d)
{
	size_t len;
	char *text;
	int err;

	d->file = path ? path : "?";
	text = path ? ef_policy_read(path, &len, d) : NULL;
	err = text ? ef_gen_go_live(g, path, text, len, d) : -EINVAL;
	if (err)
		return err;
	if (within > 0) {
		/* a rollback returns to what was confirmed before this apply */
		if (!g->confirm_by && !g->confirmed)
			confirm_live(g);
		g->confirm_by = time(NULL) + within;
		pr_info("applied %s: rolls back at %lld unless confirmed\n", path,
			(long long)g->confirm_by);
	} else {
		confirm_live(g);
		persist_live(g, "applied");
	}
	return 0;
}

int ef_gen_confirm(struct ef_gen *g, struct ef_diag *d)
{
	if (!g->confirm_by) {
		ef_diag_error(d, NULL, "nothing to confirm");
		return -ENOENT;
	}
	confirm_live(g);
	persist_live(g, "confirmed");
	pr_info("policy \"%s\" confirmed\n", g->pol[0]->name);
	return 0;
}

int ef_gen_tick(struct ef_gen *g, time_t now)
{
	struct ef_diag d;
	char *text;
	int err;

	if (!g->confirm_by || now < g->confirm_by)
		return 0;
	pr_warn("apply was not confirmed in time: rolling back\n");
	text = dup_text(g->confirmed, g->confirmed_len);
	if (!text)
		return -ENOMEM;
	ef_diag_init(&d, "rollback");
	err = ef_gen_go_live(g, "confirmed policy", text, g->confirmed_len, &d);
	if (err) {
		ef_diag_print(&d, stderr);
		pr_warn("rollback failed; the unconfirmed policy stays in force\n");
	} else {
		g->confirm_by = 0;
		persist_live(g, "rolled back");
	}
	ef_diag_free(&d);
	return err ? err : 1;
}

int ef_gen_rewrite(struct ef_gen *g)
{
	__u32 epoch = 0;
	int err;

	ef_epoch_get(g->maps, &epoch);
	err = ef_apply(g->maps, &g->comp[0], (epoch > g->epoch[0] ? epoch : g->epoch[0]) + 1,
		       g->names, g->comp[0].nrules);
	if (err)
		return err;
	ef_epoch_get(g->maps, &g->epoch[0]);
	g->epoch[1] = 0;
	return 0;
}

const char *ef_gen_rule_name(const struct ef_gen *g, __u32 epoch, __u16 rule)
{
	for (int i = 0; i < 2; i++)
		if (g->pol[i] && g->epoch[i] == epoch)
			return ef_compiled_rule_name(&g->comp[i], rule);
	return NULL;
}

void ef_gen_free(struct ef_gen *g)
{
	free(g->names);
	free(g->live);
	free(g->confirmed);
	for (int i = 0; i < 2; i++) {
		ef_compiled_free(&g->comp[i]);
		ef_policy_free(g->pol[i]);
	}
	memset(g, 0, sizeof(*g));
}
