// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Run packet sequences through one implementation of the data path (built
 * twice, see seqcore.h) and print its trace; every step is also checked
 * against the model.  The sequences: every file of a corpus (bytes decoded
 * by seq_decode), or pseudo-random ones from a range of seeds.
 *
 *   seqrun [-v] [--no-model] CORPUS_DIR
 *   seqrun [-v] [--no-model] --seeds FIRST --count N [--len BYTES]
 *
 * Exit status: 0 the model agreed at every step, 1 it did not, 2 usage,
 * 3 a system error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seqcore.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: seqrun [-v] [--no-model] CORPUS_DIR\n"
		   "       seqrun [-v] [--no-model] --seeds FIRST --count N [--len BYTES]\n");
}

static int num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || !*s || *end ? -1 : 0;
}

static const struct option opts[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-model", no_argument, NULL, 'M' },
	{ "seeds", required_argument, NULL, 's' },
	{ "count", required_argument, NULL, 'c' },
	{ "len", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int main(int argc, char **argv)
{
	struct seq_opts o = { .out = stdout, .model = 1 };
	unsigned long long first = 0, count = 0, len = 600;
	int seeds = 0, c, bad = 0, runs = 0;
	static struct seq q;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': o.verbose = 1; break;
		case 'M': o.model = 0; break;
		case 's':
			seeds = 1;
			if (num(optarg, &first))
				goto bad_usage;
			break;
		case 'c':
			if (num(optarg, &count))
				goto bad_usage;
			break;
		case 'l':
			if (num(optarg, &len) || len == 0 || len > 65536)
				goto bad_usage;
			break;
		case 'h': usage(stdout); return 0;
		default: goto bad_usage;
		}
	}
	if (seeds ? optind != argc : optind != argc - 1)
		goto bad_usage;
	if (impl_setup() || seq_core_init()) {
		fprintf(stderr, "seqrun: setup failed\n");
		return 3;
	}
	if (seeds) {
		unsigned char *buf = malloc(len);

		if (!buf)
			return 3;
		for (unsigned long long s = first; s < first + count; s++) {
			char name[64];
			int rc;

			seq_random_bytes(s, buf, len);
			seq_decode(buf, len, &q);
			snprintf(name, sizeof(name), "seed-%llu", s);
			rc = seq_run(name, &q, &o);
			if (rc < 0) {
				fprintf(stderr, "seqrun: %s: system error\n", name);
				free(buf);
				return 3;
			}
			bad += rc;
			runs++;
		}
		free(buf);
	} else {
		struct dirent **ents;
		int n = scandir(argv[optind], &ents, NULL, by_name);

		if (n < 0) {
			fprintf(stderr, "seqrun: %s: %s\n", argv[optind], strerror(errno));
			return 3;
		}
		for (int i = 0; i < n; i++) {
			char path[4096];
			unsigned char buf[65536];
			size_t got;
			FILE *f;
			int rc;

			if (ents[i]->d_name[0] == '.')
				goto next;
			snprintf(path, sizeof(path), "%s/%s", argv[optind], ents[i]->d_name);
			if (!(f = fopen(path, "rb")))
				goto next;
			got = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			seq_decode(buf, got, &q);
			rc = seq_run(ents[i]->d_name, &q, &o);
			if (rc < 0) {
				fprintf(stderr, "seqrun: %s: system error\n", ents[i]->d_name);
				return 3;
			}
			bad += rc;
			runs++;
next:
			free(ents[i]);
		}
		free(ents);
	}
	fprintf(stderr, "seqrun: %d sequences, %d where the model disagreed\n", runs, bad);
	return bad ? 1 : 0;
bad_usage:
	usage(stderr);
	return 2;
}
