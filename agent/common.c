// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <limits.h>
#include <stdio.h>
#include "cmds.h"
#include "compile.h"
#include "datapath.h"
#include "lists.h"
#include "state.h"

int ef_opt_number(const char *cmd, const char *opt, const char *val, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi) {
		if (hi == LONG_MAX)
			fprintf(stderr, "edgefw %s: %s: \"%.40s\" is not a number of at least %ld\n", cmd,
				opt, val, lo);
		else
			fprintf(stderr, "edgefw %s: %s: \"%.40s\" is not a number from %ld to %ld\n",
				cmd, opt, val, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int ef_opt_size(const char *cmd, const char *opt, const char *val, long long lo, long long hi,
		long long *out)
{
	static const struct { char c; int shift; } units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 } };
	char *end;
	long long v;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (!errno && end != val && v >= 0) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if ((*end == units[i].c || *end == units[i].c + 32) && v <= (hi >> units[i].shift)) {
				v <<= units[i].shift;
				end++;
				break;
			}
		if (*end == '\0' && v >= lo && v <= hi) {
			*out = v;
			return 0;
		}
	}
	fprintf(stderr, "edgefw %s: %s: \"%.40s\" is not a size from %lld to %lld bytes "
			"(a number, optionally with K, M or G)\n", cmd, opt, val, lo, hi);
	return -1;
}

void ef_dirs_init(struct ef_dirs *d)
{
	d->bpffs = getenv("EDGEFW_BPFFS_DIR") ? getenv("EDGEFW_BPFFS_DIR") : EF_PIN_DIR;
	d->run = getenv("EDGEFW_RUN_DIR") ? getenv("EDGEFW_RUN_DIR") : EF_RUN_DIR;
	d->state = getenv("EDGEFW_STATE_DIR") ? getenv("EDGEFW_STATE_DIR") : EF_STATE_DIR;
}

void ef_default_node(char *buf, size_t len)
{
	char *dot;

	if (gethostname(buf, len) != 0)
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	dot = strchr(buf, '.');
	if (dot)
		*dot = '\0';
}

struct ef_policy *ef_policy_checked(const char *path, const char *node,
				    struct ef_diag *d)
{
	size_t len;
	char *text = ef_policy_read(path, &len, d);
	struct ef_policy *p;

	if (!text)
		return NULL;
	p = ef_policy_checked_text(path, text, len, node, d);
	free(text);
	return p;
}

struct ef_policy *ef_policy_checked_text(const char *file, const char *text,
					 size_t len, const char *node,
					 struct ef_diag *d)
{
	struct ef_policy *p = ef_policy_parse(file, text, len, d);

	if (!p || d->errors)
		goto bad;
	if (node && !ef_policy_node(p, node)) {
		char names[512] = "";

		for (size_t i = 0; i < p->nnodes; i++) {
			size_t l = strlen(names);

			snprintf(names + l, sizeof(names) - l, "%s%s", i ? ", " : "",
				 p->nodes[i].name);
		}
		ef_diag_error(d, "nodes", "no node named \"%s\" (the file has: %s)",
			      node, names);
		goto bad;
	}
	for (size_t i = 0; i < p->nnodes; i++) {
		struct ef_compiled c;

		if (node && strcmp(p->nodes[i].name, node) != 0)
			continue;
		if (ef_compile(p, &p->nodes[i], -1, &c, d) == 0) {
			bool mgmt = false;

			if (c.nrules == 0)
				ef_diag_warn(d, NULL, "node %s: no rule applies to it",
					     p->nodes[i].name);
			for (size_t k = 0; k < c.nrules; k++) {
				const struct ef_prule *r = &p->rules[c.rule_src[k]];

				mgmt |= r->management;
				if (c.covered_by[k] >= 0 && !r->restates) {
					char path[64];

					snprintf(path, sizeof(path), "%s[%d]",
						 r->management ? "management" : "rules",
						 r->management ? c.rule_src[k] - (int)(p->nrules - p->nmanagement) :
								 c.rule_src[k]);
					ef_diag_warn(d, path,
						     "rule %s can never match: %s comes first and allows "
						     "everything it allows (mark a deliberate restatement with "
						     "\"restates\")",
						     r->name, p->rules[c.rule_src[c.covered_by[k]]].name);
				}
			}
			if (!mgmt)
				ef_diag_warn(d, NULL,
					     "node %s: no management rule applies to it: nothing lets an "
					     "admin reach the node (SSH/RDP from jump hosts; see the "
					     "\"management\" section in docs/policy.md)",
					     p->nodes[i].name);
			ef_compiled_free(&c);
		}
	}
	if (!d->errors)
		return p;
bad:
	ef_policy_free(p);
	return NULL;
}

void ef_sd_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@') /* abstract namespace */
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}
