/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The events sink: where the agent writes its event lines (ECS JSON, one
 * per line).  Either stdout (`edgefw run` by hand) or a file (the
 * packaged unit: /var/log/edgefw/events.json), appended to with large
 * writes of whole lines, rotated by size (path -> path.1 -> ... ->
 * path.KEEP, the oldest removed) and reopened on request (for logrotate).
 *
 * Lines are formatted straight into the sink's buffer: ef_sink_reserve()
 * gives room for one line, ef_sink_commit() adds it.  Nothing is written
 * until the buffer fills or ef_sink_flush(); a file never gets part of a
 * line, and a rotation happens between lines.
 */
#ifndef EF_SINK_H
#define EF_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define EF_SINK_BUF_BYTES (256u << 10) /* written when this full (and every loop) */
#define EF_LINE_MAX 2048	       /* the longest line ef_sink_reserve() gives */

struct ef_sink_opts {
	const char *path; /* NULL or "-": stdout */
	off_t max_bytes;  /* rotate before a file would pass this (0: never) */
	int keep;	  /* rotated files kept (path.1 .. path.keep); 0: none */
	mode_t mode;	  /* of a created file */
};

struct ef_sink {
	struct ef_sink_opts o;
	int fd;
	bool is_file;
	off_t size;  /* bytes in the current file */
	bool broken; /* a failed write left part of a line */
	char *buf;
	size_t len;
	unsigned long long pending; /* event lines buffered */
	/* totals since open */
	unsigned long long written; /* event lines written */
	unsigned long long failed;  /* event lines lost to a failed write */
	unsigned long long rotations;
	int last_errno; /* of the last failed write or rotation */
};

/* Open (a file is created 0640 unless o->mode); -errno if it cannot be. */
int ef_sink_open(struct ef_sink *s, const struct ef_sink_opts *o);
/* Room for one line of up to EF_LINE_MAX bytes (plus the newline). */
char *ef_sink_reserve(struct ef_sink *s);
/* The event line of len bytes (no newline) at the reserved place is complete. */
void ef_sink_commit(struct ef_sink *s, size_t len);
/* A line that is not an event (the agent's notices), written at once after
 * the events before it; not counted as an event.  0 or -errno. */
int ef_sink_write_other(struct ef_sink *s, const char *line, size_t len);
/* Write what is buffered (rotating first where due); 0 or -errno. */
int ef_sink_flush(struct ef_sink *s);
/* Close and open the path again (after logrotate moved it); 0 or -errno
 * (the old file stays in use when the new one cannot be opened). */
int ef_sink_reopen(struct ef_sink *s);
/* Flush and close. */
void ef_sink_close(struct ef_sink *s);

#endif
