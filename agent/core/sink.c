// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "sink.h"

#define CAP (EF_SINK_BUF_BYTES + EF_LINE_MAX + 1)

static int open_path(const struct ef_sink_opts *o, off_t *size)
{
	struct stat st;
	int fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, o->mode ? o->mode : 0640);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*size = S_ISREG(st.st_mode) ? st.st_size : 0;
	return fd;
}

int ef_sink_open(struct ef_sink *s, const struct ef_sink_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->o = *o;
	s->fd = -1;
	if (s->o.path && !strcmp(s->o.path, "-"))
		s->o.path = NULL;
	s->buf = malloc(CAP);
	if (!s->buf)
		return -ENOMEM;
	if (!s->o.path) {
		s->fd = STDOUT_FILENO;
		return 0;
	}
	s->fd = open_path(&s->o, &s->size);
	if (s->fd < 0) {
		int err = s->fd;

		free(s->buf);
		s->buf = NULL;
		return err;
	}
	s->is_file = true;
	return 0;
}

static size_t count_lines(const char *p, size_t n)
{
	size_t c = 0;
	const char *end = p + n;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		c++;
		p++;
	}
	return c;
}

static int write_all(int fd, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		ssize_t w = write(fd, p + *done, n - *done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*done += (size_t)w;
	}
	return 0;
}

/* path.N-1 -> path.N ... path -> path.1, then a new path. */
/* The file at the path in place of the one open (rotated or moved away). */
static int reopen_path(struct ef_sink *s)
{
	off_t size;
	int fd = open_path(&s->o, &size);

	if (fd < 0)
		return fd;
	close(s->fd);
	s->fd = fd;
	s->size = size;
	return 0;
}

static int rotate(struct ef_sink *s)
{
	char from[PATH_MAX], to[PATH_MAX];
	int err;

	for (int i = s->o.keep; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", s->o.path);
		else
			snprintf(from, sizeof(from), "%s.%d", s->o.path, i - 1);
		snprintf(to, sizeof(to), "%s.%d", s->o.path, i);
		if (rename(from, to) && errno != ENOENT)
			return -errno;
	}
	if (s->o.keep == 0 && unlink(s->o.path) && errno != ENOENT)
		return -errno;
	err = reopen_path(s);
	if (!err)
		s->rotations++;
	return err;
}

/*
 * Write the buffer; its lines are events when events.  A file that would
 * pass max_bytes is filled up to its last whole line below the limit and
 * rotated (a single line longer than the limit gets a file of its own).
 */
static int drain(struct ef_sink *s, bool events)
{
	size_t off = 0;
	int err = 0;

	if (s->broken && s->len) {
		size_t d;

		/* end the line a failed write cut, so the next one parses */
		if (write_all(s->fd, "\n", 1, &d) == 0) {
			s->broken = false;
			s->size += 1;
		}
	}
	while (off < s->len) {
		size_t chunk = s->len - off, done;

		if (s->is_file && s->o.max_bytes && s->size + (off_t)chunk > s->o.max_bytes) {
			off_t room = s->o.max_bytes - s->size;
			const char *nl =
				room > 0 ? memrchr(s->buf + off, '\n',
						   (size_t)room < chunk ? (size_t)room : chunk) :
					   NULL;

			if (nl) {
				chunk = (size_t)(nl - (s->buf + off)) + 1;
			} else if (s->size == 0) {
				/* one line longer than the limit: a file of its own */
				nl = memchr(s->buf + off, '\n', chunk);
				chunk = (size_t)(nl - (s->buf + off)) + 1;
			} else {
				err = rotate(s);
				if (err) {
					/* keep writing where we are; say so once per flush */
					s->last_errno = -err;
					pr_warn("cannot rotate %s: %s\n", s->o.path,
						strerror(-err));
				} else {
					continue;
				}
			}
		}
		err = write_all(s->fd, s->buf + off, chunk, &done);
		s->size += (off_t)done;
		if (events)
			s->written += count_lines(s->buf + off, done);
		off += done;
		if (err) {
			size_t lost = count_lines(s->buf + off, s->len - off);

			if (events)
				s->failed += lost;
			if (done > 0 && s->buf[off - 1] != '\n') {
				/* part of a line went out: take it back, or end it
				 * with the next write, so that every line parses */
				const char *nl = memrchr(s->buf, '\n', off);
				size_t part = off - (nl ? (size_t)(nl - s->buf) + 1 : 0);

				if (s->is_file && ftruncate(s->fd, s->size - (off_t)part) == 0)
					s->size -= (off_t)part;
				else
					s->broken = true;
			}
			s->last_errno = -err;
			break;
		}
	}
	s->len = 0;
	if (events)
		s->pending = 0;
	return err;
}

char *ef_sink_reserve(struct ef_sink *s)
{
	if (s->len + EF_LINE_MAX + 1 > CAP)
		ef_sink_flush(s);
	return s->buf + s->len;
}

void ef_sink_commit(struct ef_sink *s, size_t len)
{
	s->buf[s->len + len] = '\n';
	s->len += len + 1;
	s->pending++;
	if (s->len >= EF_SINK_BUF_BYTES)
		ef_sink_flush(s);
}

int ef_sink_flush(struct ef_sink *s)
{
	if (!s->buf || !s->len)
		return 0;
	return drain(s, true);
}

int ef_sink_write_other(struct ef_sink *s, const char *line, size_t len)
{
	if (!s->buf)
		return -EBADF;
	ef_sink_flush(s);
	if (len > EF_LINE_MAX)
		len = EF_LINE_MAX;
	memcpy(s->buf, line, len);
	s->buf[len] = '\n';
	s->len = len + 1;
	return drain(s, false);
}

int ef_sink_reopen(struct ef_sink *s)
{
	int err;

	if (!s->is_file)
		return 0;
	ef_sink_flush(s);
	err = reopen_path(s);
	if (!err)
		s->broken = false;
	return err;
}

void ef_sink_close(struct ef_sink *s)
{
	if (!s->buf)
		return;
	ef_sink_flush(s);
	if (s->is_file && s->fd >= 0)
		close(s->fd);
	free(s->buf);
	s->buf = NULL;
	s->fd = -1;
}
