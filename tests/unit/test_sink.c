// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The events sink (agent/sink.c): whole lines only, size rotation with a
 * kept count, reopen after a move, and every event line either written or
 * counted as failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sink.h"

struct dir {
	char path[64];
	char file[96];
	char moved[128]; /* where a test moves file, as logrotate does */
	unsigned next;	 /* the number of the next line check_file expects */
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	snprintf(d->path, sizeof(d->path), "/tmp/edgefw-sink-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof(d->file), "%s/events.json", d->path);
	snprintf(d->moved, sizeof(d->moved), "%s.moved", d->file);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->path);
	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

/* Line i: {"n":i,"pad":"..."} of exactly len bytes (len >= 20), padded with 'x'. */
static size_t put_line(struct ef_sink *s, unsigned i, size_t len)
{
	char *p = ef_sink_reserve(s);
	int n = snprintf(p, EF_LINE_MAX, "{\"n\":%u,\"pad\":\"", i);

	memset(p + n, 'x', len - (size_t)n - 2);
	memcpy(p + len - 2, "\"}", 2);
	ef_sink_commit(s, len);
	return len;
}

/* Lines of a file, each checked whole ({"n":...} ... "}); the numbers in
 * order from *next. */
static long check_file(const char *path, unsigned *next)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned v;
		size_t l = strlen(line);

		assert_true(l >= 3 && line[l - 1] == '\n');
		assert_memory_equal(line + l - 3, "\"}\n", 3);
		assert_int_equal(sscanf(line, "{\"n\":%u,", &v), 1);
		assert_int_equal(v, *next);
		(*next)++;
		n++;
	}
	fclose(f);
	return n;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* A sink on d->file with the default options: n lines of 50 bytes
 * written (then flushed), then the file moved aside (logrotate). */
static void open_and_move(struct ef_sink *s, struct dir *d, unsigned n)
{
	struct ef_sink_opts o = { .path = d->file };

	assert_int_equal(ef_sink_open(s, &o), 0);
	for (unsigned i = 0; i < n; i++)
		put_line(s, i, 50);
	if (n)
		ef_sink_flush(s);
	assert_int_equal(rename(d->file, d->moved), 0);
}

static void writes_whole_lines_and_counts(void **state)
{
	struct dir *d = *state;
	struct ef_sink_opts o = { .path = d->file };
	struct ef_sink s;

	assert_int_equal(ef_sink_open(&s, &o), 0);
	for (unsigned i = 0; i < 5000; i++)
		put_line(&s, i, 100 + i % 400); /* the buffer fills and is written on its own */
	assert_true(s.written > 0 && s.written < 5000);
	assert_int_equal(ef_sink_flush(&s), 0);
	assert_int_equal(s.written, 5000);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.rotations, 0);
	assert_int_equal(ef_sink_write_other(&s, "{\"notice\":1}", 12), 0);
	assert_int_equal(s.written, 5000); /* not an event */
	ef_sink_close(&s);
	{
		FILE *f = fopen(d->file, "r");
		char line[4096];
		long n = 0;

		while (fgets(line, sizeof(line), f))
			n++;
		fclose(f);
		assert_int_equal(n, 5001);
	}
}

static void rotates_by_size_keeping_n(void **state)
{
	struct dir *d = *state;
	struct ef_sink_opts o = { .path = d->file, .max_bytes = 1 << 20, .keep = 3 };
	struct ef_sink s;
	char p[128];
	unsigned next;
	long total = 0;
	int first;

	assert_int_equal(ef_sink_open(&s, &o), 0);
	/* 6.5 MiB of 500-byte lines: 6 rotations, 3 files kept */
	for (unsigned i = 0; i < 13631; i++) {
		put_line(&s, i, 500);
		if (i % 1000 == 999)
			ef_sink_flush(&s); /* flushes of every size cross the limit */
	}
	assert_int_equal(ef_sink_flush(&s), 0);
	assert_int_equal(s.written, 13631);
	assert_int_equal(s.rotations, 6);
	ef_sink_close(&s);
	snprintf(p, sizeof(p), "%s.4", d->file);
	assert_int_equal(size_of(p), -1); /* only 3 kept */
	/* each kept file: at most the limit, whole lines, numbers in order
	 * from the oldest (.3) to the live one */
	snprintf(p, sizeof(p), "%s.3", d->file);
	{
		FILE *f = fopen(p, "r");
		char line[4096];

		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_int_equal(sscanf(line, "{\"n\":%u,", &next), 1);
		fclose(f);
	}
	first = (int)next;
	for (int i = 3; i >= 0; i--) {
		if (i)
			snprintf(p, sizeof(p), "%s.%d", d->file, i);
		else
			snprintf(p, sizeof(p), "%s", d->file);
		assert_true(size_of(p) <= (1 << 20));
		/* full files hold as many 501-byte lines as fit */
		if (i)
			assert_int_equal(size_of(p), ((1 << 20) / 501) * 501);
		total += check_file(p, &next);
	}
	assert_int_equal(next, 13631);
	assert_int_equal(total, 13631 - first);
}

static void a_line_over_the_limit_gets_a_file(void **state)
{
	struct dir *d = *state;
	struct ef_sink_opts o = { .path = d->file, .max_bytes = 1000, .keep = 2 };
	struct ef_sink s;
	char p[128];

	assert_int_equal(ef_sink_open(&s, &o), 0);
	put_line(&s, 0, 300);
	put_line(&s, 1, 1500); /* alone in a file, over the limit */
	put_line(&s, 2, 300);
	assert_int_equal(ef_sink_flush(&s), 0);
	ef_sink_close(&s);
	snprintf(p, sizeof(p), "%s.2", d->file);
	assert_int_equal(check_file(p, &d->next), 1);
	snprintf(p, sizeof(p), "%s.1", d->file);
	assert_int_equal(check_file(p, &d->next), 1);
	assert_int_equal(size_of(p), 1501);
	assert_int_equal(check_file(d->file, &d->next), 1);
}

static void reopens_after_a_move(void **state)
{
	struct dir *d = *state;
	struct ef_sink s;

	open_and_move(&s, d, 1);
	put_line(&s, 1, 50);			 /* still goes to the moved file ... */
	assert_int_equal(ef_sink_reopen(&s), 0); /* ... which reopen flushes first */
	put_line(&s, 2, 50);
	ef_sink_close(&s);
	assert_int_equal(check_file(d->moved, &d->next), 2);
	assert_int_equal(check_file(d->file, &d->next), 1);
}

static void reopen_failure_keeps_the_old_file(void **state)
{
	struct dir *d = *state;
	struct ef_sink s;

	open_and_move(&s, d, 0);
	assert_int_equal(mkdir(d->file, 0700), 0); /* the path cannot be a file now */
	assert_true(ef_sink_reopen(&s) < 0);
	put_line(&s, 0, 50);
	ef_sink_close(&s);
	assert_int_equal(check_file(d->moved, &d->next), 1);
	rmdir(d->file);
}

static void failed_writes_are_counted(void **state)
{
	struct ef_sink_opts o = { .path = "/dev/full" };
	struct ef_sink s;

	(void)state;
	assert_int_equal(ef_sink_open(&s, &o), 0);
	for (unsigned i = 0; i < 1000; i++)
		put_line(&s, i, 600);
	ef_sink_flush(&s);
	assert_int_equal(s.written + s.failed, 1000);
	assert_int_equal(s.failed, 1000);
	assert_int_not_equal(s.last_errno, 0);
	assert_int_equal(ef_sink_write_other(&s, "{}", 2) < 0, 1);
	assert_int_equal(s.failed, 1000); /* a notice is not an event */
	ef_sink_close(&s);
}

static void open_refuses_a_directory(void **state)
{
	struct dir *d = *state;
	struct ef_sink_opts o = { .path = d->path };
	struct ef_sink s;

	assert_true(ef_sink_open(&s, &o) < 0);
	ef_sink_close(&s); /* harmless after a failed open */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_whole_lines_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(rotates_by_size_keeping_n, setup, teardown),
		cmocka_unit_test_setup_teardown(a_line_over_the_limit_gets_a_file, setup, teardown),
		cmocka_unit_test_setup_teardown(reopens_after_a_move, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_failure_keeps_the_old_file, setup, teardown),
		cmocka_unit_test(failed_writes_are_counted),
		cmocka_unit_test_setup_teardown(open_refuses_a_directory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
