// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"

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
