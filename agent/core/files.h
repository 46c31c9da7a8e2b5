/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Whole files: read in one buffer, replaced atomically (a temporary file
 * renamed over the old one). */
#ifndef EF_FILES_H
#define EF_FILES_H

#include <stddef.h>
#include <stdio.h>

/* The rest of f in one buffer, NUL-terminated, its length in *lenp.  NULL
 * with errno set: EFBIG past max bytes, ENOMEM, or (ferror(f)) the read's. */
char *ef_read_stream(FILE *f, size_t max, size_t *lenp);

/* The end of writing tmp (f; err: the writer's -errno, or 0): flushed,
 * synced, closed and renamed to path, unlinked on any error.  0 or -errno. */
int ef_file_commit(FILE *f, const char *tmp, const char *path, int err);

#endif
