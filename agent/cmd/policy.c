// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy library commands: `init`, `diff`, `matrix`.  Their options
 * are in cli.c; files and terminals here; the work is in init.c, diff.c
 * and matrix.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "diff.h"
#include "init.h"
#include "matrix.h"

/* ---- init ------------------------------------------------------------------------ */

static void list_topologies(void)
{
	size_t w = 0;

	for (size_t i = 0; i < ef_ntopologies; i++)
		if (strlen(ef_topologies[i].name) > w)
			w = strlen(ef_topologies[i].name);
	for (size_t i = 0; i < ef_ntopologies; i++)
		printf("%-*s  %s\n", (int)w, ef_topologies[i].name, ef_topologies[i].summary);
}

/* Write text to path atomically (a temporary file, then rename), not over
 * an existing file unless force. */
static int write_file(const char *path, const char *text, bool force)
{
	char *tmp = NULL;
	size_t len = strlen(text);
	int fd;

	if (!force && access(path, F_OK) == 0) {
		fprintf(stderr, "edgefw init: %s exists (--force replaces it)\n", path);
		return EXIT_USAGE;
	}
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return EXIT_SYSTEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) || close(fd) ||
	    rename(tmp, path)) {
		fprintf(stderr, "edgefw init: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		free(tmp);
		return EXIT_SYSTEM;
	}
	free(tmp);
	return 0;
}

int cmd_init(void *opts, const struct ef_args *args)
{
	struct ef_init_cli *o = opts;
	const struct ef_topology *t;
	struct ef_diag d;
	char *text = NULL;
	int rc = EXIT_USAGE;

	(void)args;
	if (o->list) {
		list_topologies();
		return 0;
	}
	if (!o->topology) {
		fprintf(stderr,
			"edgefw init: --topology NAME is required (edgefw init --list shows them)\n");
		return EXIT_USAGE;
	}
	if (!(t = ef_topology_find(o->topology))) {
		fprintf(stderr, "edgefw init: unknown topology %s; they are:\n", EF_Q(o->topology));
		for (size_t i = 0; i < ef_ntopologies; i++)
			fprintf(stderr, "  %s\n", ef_topologies[i].name);
		return EXIT_USAGE;
	}
	if (!o->o.nnodes && (o->interactive || isatty(STDIN_FILENO)) &&
	    ef_init_prompt(t, stdin, stderr, &o->o)) {
		fprintf(stderr, "\nedgefw init: no answer, nothing written\n");
		return EXIT_USAGE;
	}
	ef_diag_init(&d, "edgefw init");
	text = ef_init_build(t, &o->o, &d);
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	if (!text)
		return EXIT_INVALID;
	if (o->output) {
		rc = write_file(o->output, text, o->force);
		if (rc == 0)
			fprintf(stderr,
				"edgefw init: wrote %s: policy %s, topology %s, %zu node(s)%s\n",
				o->output, o->o.name ? o->o.name : t->name, t->name, o->o.nnodes,
				o->o.monitor ? ", mode monitor" : "");
	} else {
		rc = fputs(text, stdout) < 0 || fflush(stdout) ? EXIT_SYSTEM : 0;
	}
	free(text);
	return rc;
}

/* ---- diff --------------------------------------------------------------------------- */

static bool has_node(const struct ef_policy *p, const char *node)
{
	return ef_policy_node(p, node) != NULL;
}

int cmd_diff(void *opts, const struct ef_args *args)
{
	const char *node = ((const struct ef_diff_opts *)opts)->node;
	struct ef_policy *p[2] = { NULL, NULL };
	int rc = EXIT_INVALID;

	for (int i = 0; i < 2; i++) {
		struct ef_diag d;

		ef_diag_init(&d, args->argv[i]);
		p[i] = ef_policy_checked(args->argv[i], NULL, &d);
		if (!p[i])
			ef_diag_print(&d, stderr);
		ef_diag_free(&d);
	}
	if (!p[0] || !p[1])
		goto out;
	if (node && !has_node(p[0], node) && !has_node(p[1], node)) {
		fprintf(stderr, "edgefw diff: neither policy has a node named %s\n", EF_Q(node));
		rc = EXIT_USAGE;
		goto out;
	}
	ef_policy_diff(p[0], p[1], node, stdout, NULL);
	rc = fflush(stdout) ? EXIT_SYSTEM : 0;
out:
	ef_policy_free(p[0]);
	ef_policy_free(p[1]);
	return rc;
}

/* ---- matrix ----------------------------------------------------------------------------- */

int cmd_matrix(void *opts, const struct ef_args *args)
{
	const struct ef_matrix_opts *o = &((const struct ef_matrix_cli *)opts)->m;
	const char *path = args->argc ? args->argv[0] : EF_DEFAULT_POLICY;
	struct ef_policy *p;
	struct ef_diag d;
	int rc;

	ef_diag_init(&d, path);
	p = ef_policy_checked(path, o->node, &d);
	if (!p) {
		ef_diag_print(&d, stderr);
		ef_diag_free(&d);
		return EXIT_INVALID;
	}
	rc = ef_policy_matrix(p, o, stdout, &d) ? EXIT_INVALID : 0;
	if (rc)
		ef_diag_print(&d, stderr);
	if (fflush(stdout))
		rc = EXIT_SYSTEM;
	ef_diag_free(&d);
	ef_policy_free(p);
	return rc;
}
