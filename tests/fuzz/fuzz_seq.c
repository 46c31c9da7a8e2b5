// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer over packet sequences: any bytes decode into a sequence (seq.c)
 * run through the native reference build of the enforcing data path, under
 * ASan/UBSan, and checked against the model after every step.  A
 * disagreement aborts.  The corpus it grows is replayed through the kernel
 * (seqdiff.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "seqcore.h"

static struct seq q;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (impl_setup() || seq_core_init())
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seq_opts o = { .out = NULL, .model = 1 };
	int rc;

	seq_decode(data, size, &q);
	rc = seq_run("input", &q, &o);
	if (rc != 0) {
		/* say where: the trace of the same input */
		o.out = stderr;
		seq_run("input", &q, &o);
		abort();
	}
	return 0;
}
