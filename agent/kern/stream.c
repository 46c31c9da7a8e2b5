// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "stream.h"

#define BATCH_FULL (-EAGAIN) /* on_event: this pass took its batch */

/* One event: formatted straight into the sink's buffer, queued to the
 * subscribers from there. */
static int on_event(void *ctx, void *data, size_t len)
{
	struct ef_stream *s = ctx;
	char *line;
	int n;

	if (len < sizeof(struct ef_event))
		return 0;
	line = ef_sink_reserve(&s->sink);
	n = ef_event_format(data, &s->fmt, line, EF_LINE_MAX);
	if (n > 0) {
		ef_subs_publish(s->subs, line, (size_t)n);
		ef_sink_commit(&s->sink, (size_t)n);
	} else {
		s->unformatted++;
	}
	/* a burst can be tens of thousands of events: hand them to the
	 * subscribers' sockets as they come, not after the whole batch */
	if (++s->since_flush >= 256) {
		s->since_flush = 0;
		ef_subs_flush(s->subs);
	}
	/* a flood does not keep the loop from its signals and timers */
	return --s->budget ? 0 : BATCH_FULL;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The event accounting into the counters map (the agent's own slots), for
 * `edgefw stats` and the metrics: event lines written, lost to a failed
 * write, and missed by slow subscribers.  At most every
 * EF_COUNTERS_SYNC_MS, and at exit (now).
 */
static void sync_counters(struct ef_stream *s, bool now)
{
	unsigned long long w = s->sink.written, u = s->sink.failed + s->unformatted,
			   d = ef_subs_lost(s->subs);
	long long t = mono_ms();

	if (!now && t < s->next_sync_ms)
		return;
	s->next_sync_ms = t + EF_COUNTERS_SYNC_MS;
	if (w != s->synced_written &&
	    !ef_counter_add(s->maps, EF_C_EVENTS_WRITTEN, w - s->synced_written))
		s->synced_written = w;
	if (u != s->synced_unwritten &&
	    !ef_counter_add(s->maps, EF_C_EVENTS_UNWRITTEN, u - s->synced_unwritten)) {
		pr_warn("could not write %llu event line(s) to %s: %s\n", u - s->synced_unwritten,
			s->sink.o.path ? s->sink.o.path : "stdout", strerror(s->sink.last_errno));
		s->synced_unwritten = u;
	}
	if (d != s->synced_subdrop &&
	    !ef_counter_add(s->maps, EF_C_EVENTS_SUB_DROPPED, d - s->synced_subdrop))
		s->synced_subdrop = d;
}

int ef_stream_open_sink(struct ef_stream *s, const struct ef_sink_opts *o)
{
	memset(s, 0, sizeof(*s));
	return ef_sink_open(&s->sink, o);
}

int ef_stream_start(struct ef_stream *s, const struct ef_maps *m, const struct ef_fmt *fmt,
		    const char *subs_path, int epfd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	s->maps = m;
	s->fmt = *fmt;
	s->rb = ring_buffer__new(m->events, on_event, s, NULL);
	if (!s->rb) {
		pr_warn("cannot open the event ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	ev.data.fd = ring_buffer__epoll_fd(s->rb);
	epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	s->subs = ef_subs_open(subs_path, epfd); /* events still reach the sink without it */
	return 0;
}

int ef_stream_ring_fd(const struct ef_stream *s)
{
	return s->rb ? ring_buffer__epoll_fd(s->rb) : -1;
}

bool ef_stream_owns(const struct ef_stream *s, int fd)
{
	return ef_subs_owns(s->subs, fd);
}

void ef_stream_handle(struct ef_stream *s, int fd, unsigned events)
{
	ef_subs_handle(s->subs, fd, events);
}

bool ef_stream_pass(struct ef_stream *s)
{
	s->budget = EF_EV_BATCH;
	s->more = ring_buffer__consume(s->rb) == BATCH_FULL;
	ef_sink_flush(&s->sink);
	ef_subs_flush(s->subs);
	sync_counters(s, false);
	return s->more;
}

/* A line of the agent's own (a notice) to the events file and the subscribers. */
static void emit_notice(struct ef_stream *s, const char *line, size_t len)
{
	ef_sink_write_other(&s->sink, line, len);
	ef_subs_publish(s->subs, line, len);
}

void ef_stream_notice(struct ef_stream *s)
{
	__u64 c[EF_C_MAX];
	char line[512];
	int n;

	if (ef_counters_read(s->maps, c))
		return;
	if (c[EF_C_EVENTS_SUPPRESSED] == s->reported_suppressed &&
	    c[EF_C_EVENTS_LOST] == s->reported_lost)
		return;
	n = snprintf(line, sizeof(line),
		     "{\"event\":{\"kind\":\"metric\",\"action\":\"events-not-delivered\","
		     "\"module\":\"edgefw\"},\"observer\":{\"hostname\":\"%s\",\"name\":\"%s\"},"
		     "\"edgefw\":{\"events_suppressed\":%llu,\"events_lost\":%llu}}",
		     s->hostname, s->node,
		     (unsigned long long)(c[EF_C_EVENTS_SUPPRESSED] - s->reported_suppressed),
		     (unsigned long long)(c[EF_C_EVENTS_LOST] - s->reported_lost));
	s->reported_suppressed = c[EF_C_EVENTS_SUPPRESSED];
	s->reported_lost = c[EF_C_EVENTS_LOST];
	if (n > 0 && (size_t)n < sizeof(line))
		emit_notice(s, line, (size_t)n);
}

int ef_stream_reopen(struct ef_stream *s)
{
	int err;

	if (!s->sink.is_file)
		return 0; /* stdout: nothing to reopen */
	err = ef_sink_reopen(&s->sink);
	if (err)
		pr_warn("cannot reopen %s: %s; still writing to the file it was\n", s->sink.o.path,
			strerror(-err));
	else
		pr_info("reopened %s\n", s->sink.o.path);
	return err;
}

void ef_stream_drain(struct ef_stream *s)
{
	if (!s->rb)
		return;
	/* at most what the ring held: a flood does not keep us from exiting */
	for (unsigned i = 0; i <= EF_RINGBUF_BYTES / EF_EV_RECORD_BYTES / EF_EV_BATCH; i++) {
		s->budget = EF_EV_BATCH;
		if (ring_buffer__consume(s->rb) != BATCH_FULL)
			break;
	}
	ef_sink_flush(&s->sink);
	ef_subs_flush(s->subs);
	sync_counters(s, true);
}

void ef_stream_close(struct ef_stream *s)
{
	ef_subs_close(s->subs);
	s->subs = NULL;
	ef_sink_close(&s->sink);
	ring_buffer__free(s->rb);
	s->rb = NULL;
}
