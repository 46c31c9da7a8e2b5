/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy generations of a running agent: which policy is live in the
 * maps (generation N), the one before it (N-1, whose rule names events
 * still in flight may carry), and the "commit confirmed" state machine:
 *
 *     load --start--> live(N) --go_live--> live(N+1)       (reload, apply)
 *                         \                   |
 *                          \-- apply --confirm-within S: confirm_by = now+S
 *                                             |
 *                     confirm: the live text is what a rollback returns
 *                     to (and is written to the policy file);
 *                     tick past confirm_by: the confirmed text goes live
 *                     again (N+2) and is written back to the file.
 *
 * A generation that cannot go live (invalid, another NIC set, a map write
 * failing) changes nothing: the live one stays in force, d says why.
 * went_live(ctx, verb) tells the owner (status file, log, sd_notify).
 */
#ifndef EF_GENERATION_H
#define EF_GENERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "apply.h"
#include "compile.h"
#include "diag.h"
#include "policy.h"

struct ef_gen {
	/* set by the owner before ef_gen_load */
	const struct ef_maps *maps;
	const char *policy_path;
	const char *node;
	int mode_override; /* -1, or EF_MODE_MONITOR (run --monitor) */
	void (*went_live)(void *ctx, const char *verb);
	void *ctx;
	/* the live generation [0] and the one before [1] */
	struct ef_policy *pol[2];
	struct ef_compiled comp[2];
	__u32 epoch[2];
	char **names;  /* the rule names of comp[0] (NULL-terminated) */
	time_t loaded; /* when [0] went live */
	/* the text live now, and the confirmed one a rollback returns to */
	char *live;
	size_t live_len;
	char *confirmed;
	size_t confirmed_len;
	time_t confirm_by; /* 0: nothing waits for a confirm */
};

/* Check and compile a policy text for the node: *p and *c (messages in d). */
int ef_gen_prepare(const struct ef_gen *g, const char *label, const char *text, size_t len,
		   struct ef_policy **p, struct ef_compiled *c, struct ef_diag *d);
/* Read, check and compile the policy file as the first generation; the
 * maps are not touched yet.  0, or -EINVAL with d saying why. */
int ef_gen_load(struct ef_gen *g, struct ef_diag *d);
/* Write the loaded generation into the maps as epoch (after a takeover:
 * prev names the previous agent's rules, whose counters carry over). */
int ef_gen_start(struct ef_gen *g, __u32 epoch, char *const *prev, size_t nprev);
/* Make a policy text live as the next generation (takes text). */
int ef_gen_go_live(struct ef_gen *g, const char *label, char *text, size_t len, struct ef_diag *d);
/* Reload the policy file: a confirmed change unless a confirm is pending. */
int ef_gen_reload(struct ef_gen *g, struct ef_diag *d);
/* Make the policy file path live; within > 0: rolled back unless
 * confirmed within that many seconds; else confirmed and written to the
 * policy file at once. */
int ef_gen_apply(struct ef_gen *g, const char *path, long within, struct ef_diag *d);
/* Keep what is live (ends a confirm window, writes the policy file);
 * -ENOENT when nothing waits for a confirm. */
int ef_gen_confirm(struct ef_gen *g, struct ef_diag *d);
/* Past confirm_by: roll back; 1 when it did, 0 when nothing was due, <0
 * when the rollback failed (the unconfirmed policy stays in force). */
int ef_gen_tick(struct ef_gen *g, time_t now);
/* Write the live generation again as the next one after the maps' own
 * (they lost it: drift); updates epoch[0].  0 or -errno. */
int ef_gen_rewrite(struct ef_gen *g);
/* The name of rule in generation epoch (the live one or the one before). */
const char *ef_gen_rule_name(const struct ef_gen *g, __u32 epoch, __u16 rule);
void ef_gen_free(struct ef_gen *g);

#endif
