// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The shield's commands: the static block and allow lists (files under the
 * state directory, mirrored into LPM tries at run time) and the temporary
 * blocks the per-source limits put on sources.
 *
 *   edgefw blocklist add CIDR... | del CIDR... | load FILE | list | clear
 *   edgefw allowlist (the same)
 *   edgefw blocked [--json]
 *   edgefw unblock ADDR... | --all
 *
 * A list change writes the file (atomically, under a lock) and, when the
 * maps are pinned, makes the map hold exactly the file: no policy reload,
 * no gap.  Without a running agent only the file changes, and the next
 * start loads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "cmds.h"
#include "datapath.h"
#include "lists.h"
#include "log.h"
#include "state.h"

static int pinned_fd(const char *bpffs, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", bpffs, name);
	return bpf_obj_get(path);
}

static const char *const list_maps[EF_LIST_KINDS] = { "ef_blocklist", "ef_allowlist" };

/* ---- blocklist / allowlist ------------------------------------------------ */

static int parse_args(int argc, char **argv, struct ef_list *l, struct ef_diag *d)
{
	for (int i = 0; i < argc; i++) {
		struct ef_prefix p;
		const char *why;
		char at[32];

		snprintf(at, sizeof(at), "argument %d", i + 1);
		if (ef_prefix_parse(argv[i], &p, &why))
			ef_diag_error(d, at, "%s: %s", EF_Q(argv[i]), why);
		else if (ef_list_add(l, &p))
			return -ENOMEM;
	}
	return d->errors ? -EINVAL : 0;
}

static void print_list(const struct ef_list *l, int kind, bool json)
{
	if (json) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();

		for (size_t i = 0; i < l->n; i++) {
			char b[EF_ADDRSTRLEN + 8];

			json_object_array_add(
				a, json_object_new_string(ef_prefix_fmt(&l->v[i], b, sizeof(b))));
		}
		json_object_object_add(o, "list", json_object_new_string(ef_list_name(kind)));
		json_object_object_add(o, "count", json_object_new_uint64(l->n));
		json_object_object_add(o, "entries", a);
		printf("%s\n", json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		char b[EF_ADDRSTRLEN + 8];

		printf("%s\n", ef_prefix_fmt(&l->v[i], b, sizeof(b)));
	}
}

static const struct ef_cmd *const list_cli[EF_LIST_KINDS] = { &ef_cli_blocklist,
							      &ef_cli_allowlist };

/* The number of arguments each action takes: at least min, at most max. */
static const struct {
	const char *verb;
	int min, max;
} list_verbs[] = { { "add", 1, INT_MAX },
		   { "del", 1, INT_MAX },
		   { "load", 1, 1 },
		   { "list", 0, 0 },
		   { "clear", 0, 0 } };

static int cmd_list(int kind, const struct ef_common *o, const struct ef_args *args)
{
	const char *name = ef_list_name(kind), *verb = args->argv[0];
	struct ef_list cur = { 0 }, arg = { 0 }, want = { 0 };
	size_t count[EF_LIST_KINDS], added[EF_LIST_KINDS], removed[EF_LIST_KINDS];
	int fds[EF_LIST_KINDS] = { -1, -1 }, shield_fd = -1, bl4_fd = -1, lock = -1;
	const struct ef_dirs *dirs = &o->dirs;
	int argc = args->argc - 1, rc = 0;
	char **argv = args->argv + 1;
	bool json = o->format == EF_FMT_JSON, live;
	char path[PATH_MAX];
	struct ef_diag d;
	size_t v;

	for (v = 0; v < sizeof(list_verbs) / sizeof(list_verbs[0]); v++)
		if (!strcmp(verb, list_verbs[v].verb))
			break;
	if (v == sizeof(list_verbs) / sizeof(list_verbs[0]))
		return ef_cmd_usage_error(list_cli[kind],
					  "unknown action (add, del, load, list, clear)");
	if (argc < list_verbs[v].min || argc > list_verbs[v].max)
		return ef_cmd_usage_error(list_cli[kind], "wrong number of arguments");

	ef_list_path(path, sizeof(path), dirs->state, kind);
	ef_diag_init(&d, path);
	/* list reads without the lock (a rename is atomic) */
	lock = strcmp(verb, "list") ? ef_list_lock(dirs->state) : -1;
	if (strcmp(verb, "list") && lock < 0) {
		fprintf(stderr, "edgefw %s: %s: %s\n", name, dirs->state, strerror(-lock));
		ef_diag_free(&d);
		return EXIT_SYSTEM;
	}
	if (ef_list_read(path, &cur, &d)) {
		ef_diag_print(&d, stderr);
		fprintf(stderr, "edgefw %s: fix or remove %s first (\"load\" replaces it)\n", name,
			path);
		if (strcmp(verb, "load")) {
			rc = EXIT_INVALID;
			goto out;
		}
		ef_list_free(&cur);
		ef_diag_free(&d);
		ef_diag_init(&d, path);
	}
	ef_list_normalize(&cur);

	if (!strcmp(verb, "list")) {
		print_list(&cur, kind, json);
		goto out;
	}
	if (!strcmp(verb, "load")) {
		struct ef_diag fd;

		ef_diag_init(&fd, argv[0]);
		if (access(argv[0], R_OK)) {
			fprintf(stderr, "edgefw %s: %s: %s\n", name, argv[0], strerror(errno));
			rc = EXIT_SYSTEM;
		} else if (ef_list_read(argv[0], &want, &fd)) {
			ef_diag_print(&fd, stderr);
			fprintf(stderr, "edgefw %s: %s refused, nothing changed\n", name, argv[0]);
			rc = EXIT_INVALID;
		}
		ef_diag_free(&fd);
		if (rc)
			goto out;
	} else if (!strcmp(verb, "clear")) {
		/* want stays empty */
	} else {
		struct ef_diag ad;

		ef_diag_init(&ad, name);
		if (parse_args(argc, argv, &arg, &ad)) {
			ef_diag_print(&ad, stderr);
			ef_diag_free(&ad);
			fprintf(stderr, "edgefw %s: nothing changed\n", name);
			rc = EXIT_INVALID;
			goto out;
		}
		ef_diag_free(&ad);
		ef_list_normalize(&arg);
		if (!strcmp(verb, "add")) {
			for (size_t i = 0; i < cur.n; i++)
				ef_list_add(&want, &cur.v[i]);
			for (size_t i = 0; i < arg.n; i++)
				ef_list_add(&want, &arg.v[i]);
		} else {
			for (size_t i = 0; i < cur.n; i++)
				if (!ef_list_has(&arg, &cur.v[i]))
					ef_list_add(&want, &cur.v[i]);
			for (size_t i = 0; i < arg.n; i++)
				if (!ef_list_has(&cur, &arg.v[i])) {
					char b[EF_ADDRSTRLEN + 8];

					fprintf(stderr, "edgefw %s: %s was not listed\n", name,
						ef_prefix_fmt(&arg.v[i], b, sizeof(b)));
				}
		}
	}
	ef_list_normalize(&want);
	if ((rc = ef_list_write(path, &want, kind)) < 0) {
		fprintf(stderr, "edgefw %s: cannot write %s: %s\n", name, path, strerror(-rc));
		rc = EXIT_SYSTEM;
		goto out;
	}
	fds[kind] = pinned_fd(dirs->bpffs, list_maps[kind]);
	shield_fd = pinned_fd(dirs->bpffs, "ef_shield");
	live = fds[kind] >= 0 && shield_fd >= 0;
	bl4_fd = kind == EF_LIST_BLOCK ? pinned_fd(dirs->bpffs, "ef_bl4") : -1;
	if (live &&
	    ef_lists_sync(dirs->state, fds, shield_fd, bl4_fd, count, added, removed, true)) {
		/* the maps were rolled back: put the file back too, so that
		 * file and data path agree on the old list */
		int wr = ef_list_write(path, &cur, kind);

		fprintf(stderr, "edgefw %s: the data path could not be updated; %s\n", name,
			wr < 0 ? "and the old file could not be restored either" :
				 "nothing changed");
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (live)
		printf("%s: %zu entries (%zu added, %zu removed), live in the data path\n", name,
		       want.n, added[kind], removed[kind]);
	else
		printf("%s: %zu entries written to %s; edgefw is not running here (%s has no pins):\n"
		       "it loads them when it starts\n",
		       name, want.n, path, dirs->bpffs);
out:
	for (int k = 0; k < EF_LIST_KINDS; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	if (shield_fd >= 0)
		close(shield_fd);
	if (bl4_fd >= 0)
		close(bl4_fd);
	if (lock >= 0)
		close(lock);
	ef_diag_free(&d);
	ef_list_free(&cur);
	ef_list_free(&arg);
	ef_list_free(&want);
	return rc;
}

int cmd_blocklist(void *opts, const struct ef_args *args)
{
	return cmd_list(EF_LIST_BLOCK, opts, args);
}

int cmd_allowlist(void *opts, const struct ef_args *args)
{
	return cmd_list(EF_LIST_ALLOW, opts, args);
}

/* ---- blocked / unblock ---------------------------------------------------- */

static __u64 mono_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* The live generation's IPv6 source prefix for the limits (64 if unknown). */
static unsigned v6_prefix(const struct ef_maps *m)
{
	struct ef_cfg cfg;
	__u32 epoch = 0, slot;

	if (ef_epoch_get(m, &epoch) || !epoch)
		return 64;
	slot = epoch % EF_SLOTS;
	if (bpf_map_lookup_elem(m->cfg, &slot, &cfg) || !cfg.limit_v6_prefix)
		return 64;
	return cfg.limit_v6_prefix;
}

/* A blocked source as text: IPv4 address, or IPv6 /N. */
static const char *source_fmt(const union ef_addr *a, unsigned v6len, char *b, size_t len)
{
	struct ef_prefix p = { .addr = *a, .len = ef_addr_is_v4(a) ? 128 : v6len };

	if (ef_addr_is_v4(a) || v6len >= 128)
		return ef_addr_fmt(a, b, len);
	return ef_prefix_fmt(&p, b, len);
}

struct blocked_entry {
	union ef_addr src;
	struct ef_blocked b;
};

static int read_blocked(const struct ef_maps *m, struct blocked_entry **out, size_t *n)
{
	union ef_addr k, next;
	void *prev = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	while (bpf_map_get_next_key(m->blocked, prev, &next) == 0) {
		struct ef_blocked b;

		if (bpf_map_lookup_elem(m->blocked, &next, &b) == 0) {
			if (*n == cap) {
				struct blocked_entry *v =
					realloc(*out, (cap = cap ? cap * 2 : 64) * sizeof(*v));

				if (!v)
					return -ENOMEM;
				*out = v;
			}
			(*out)[*n].src = next;
			(*out)[*n].b = b;
			(*n)++;
		}
		k = next;
		prev = &k;
	}
	return 0;
}

int cmd_blocked(void *opts, const struct ef_args *args)
{
	const struct ef_common *o = opts;
	const struct ef_dirs *dirs = &o->dirs;
	struct ef_status s = { 0 };
	struct blocked_entry *v = NULL;
	struct ef_maps m;
	json_object *arr = NULL;
	__u32 epoch = 0;
	__u64 now;
	bool json = o->format == EF_FMT_JSON, names;
	unsigned v6len;
	size_t n = 0, shown = 0;

	(void)args;
	if (ef_maps_open_pinned(dirs->bpffs, &m)) {
		fprintf(stderr, "edgefw blocked: no pinned state in %s (is edgefw running?)\n",
			dirs->bpffs);
		return EXIT_SYSTEM;
	}
	ef_epoch_get(&m, &epoch);
	names = ef_status_read(dirs->run, &s) == 0 && s.epoch == epoch;
	v6len = v6_prefix(&m);
	read_blocked(&m, &v, &n);
	now = mono_coarse_ns();
	if (json)
		arr = json_object_new_array();
	else
		printf("%-44s %-40s %10s %10s\n", "SOURCE", "RULE", "BLOCKED", "REMAINING");
	for (size_t i = 0; i < n; i++) {
		const struct ef_blocked *b = &v[i].b;
		char src[EF_ADDRSTRLEN + 8], rule[160];
		long long ago, left;

		if (b->until_ns <= now)
			continue; /* served its time; goes at the source's next packet */
		ago = (long long)((now - b->since_ns) / 1000000000ull);
		left = (long long)((b->until_ns - now + 999999999ull) / 1000000000ull);
		source_fmt(&v[i].src, v6len, src, sizeof(src));
		if (names && b->slot == epoch % EF_SLOTS && b->rule < s.nrules && s.rules[b->rule])
			snprintf(rule, sizeof(rule), "%s", s.rules[b->rule]);
		else
			snprintf(rule, sizeof(rule), "rule #%u of an earlier policy", b->rule);
		shown++;
		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "source", json_object_new_string(src));
			json_object_object_add(o, "rule", json_object_new_string(rule));
			json_object_object_add(o, "blocked_seconds", json_object_new_int64(ago));
			json_object_object_add(o, "remaining_seconds", json_object_new_int64(left));
			json_object_array_add(arr, o);
		} else {
			printf("%-44s %-40s %9llds %9llds\n", src, rule, ago, left);
		}
	}
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else if (!shown) {
		printf("(no source is blocked)\n");
	}
	free(v);
	ef_status_free(&s);
	ef_maps_close(&m);
	return 0;
}

/* Does the user's prefix p name source key k (masked to v6len for IPv6)? */
static bool names_source(const struct ef_prefix *p, const union ef_addr *k, unsigned v6len)
{
	struct ef_prefix kp = { .addr = *k, .len = v6len };

	if (ef_prefix_contains(p, k))
		return true;
	/* an IPv6 address inside a blocked /N */
	return !ef_addr_is_v4(k) && ef_prefix_family(p) == 6 && p->len >= v6len &&
	       ef_prefix_contains(&kp, &p->addr);
}

int cmd_unblock(void *opts, const struct ef_args *args)
{
	const struct ef_unblock_opts *o = opts;
	const struct ef_dirs *dirs = &o->c.dirs;
	struct blocked_entry *v = NULL;
	struct ef_list want = { 0 };
	struct ef_maps m;
	struct ef_diag d;
	bool all = o->all;
	unsigned v6len;
	size_t n = 0, lifted = 0, buckets = 0;
	struct ef_srclimit_key k, next;
	void *prev = NULL;
	int rc = 0;

	if (all == (args->argc > 0))
		return ef_cmd_usage_error(&ef_cli_unblock, NULL);
	ef_diag_init(&d, "edgefw unblock");
	if (parse_args(args->argc, args->argv, &want, &d)) {
		ef_diag_print(&d, stderr);
		ef_diag_free(&d);
		ef_list_free(&want);
		return EXIT_INVALID;
	}
	ef_diag_free(&d);
	if (ef_maps_open_pinned(dirs->bpffs, &m)) {
		fprintf(stderr, "edgefw unblock: no pinned state in %s (is edgefw running?)\n",
			dirs->bpffs);
		ef_list_free(&want);
		return EXIT_SYSTEM;
	}
	v6len = v6_prefix(&m);
	read_blocked(&m, &v, &n);
	for (size_t i = 0; i < n; i++) {
		bool hit = all;

		for (size_t j = 0; !hit && j < want.n; j++)
			hit = names_source(&want.v[j], &v[i].src, v6len);
		if (hit && bpf_map_delete_elem(m.blocked, &v[i].src) == 0) {
			char b[EF_ADDRSTRLEN + 8];

			printf("unblocked %s\n", source_fmt(&v[i].src, v6len, b, sizeof(b)));
			lifted++;
		}
	}
	/* the buckets: a lifted source starts with a full one */
	while (bpf_map_get_next_key(m.srclimit, prev, &next) == 0) {
		bool hit = all;

		for (size_t j = 0; !hit && j < want.n; j++)
			hit = names_source(&want.v[j], &next.src, v6len);
		if (hit && bpf_map_delete_elem(m.srclimit, &next) == 0) {
			buckets++;
			continue; /* deleted: get_next_key(prev) still walks on */
		}
		k = next;
		prev = &k;
	}
	if (!lifted)
		printf("no matching source was blocked%s\n",
		       buckets ? " (their limit buckets were refilled)" : "");
	free(v);
	ef_list_free(&want);
	ef_maps_close(&m);
	return rc;
}
