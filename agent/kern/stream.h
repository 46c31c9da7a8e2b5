/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's event stream: records from the ring buffer become ECS lines
 * (core/events.c) written straight into the events sink (core/sink.c: a
 * file or stdout) and queued to the `edgefw events` subscribers
 * (kern/subs.c).  A pass takes at most EF_EV_BATCH records, so that a
 * flood does not keep the agent from its signals and timers; the
 * accounting (lines written, unwritten, missed by subscribers) reaches the
 * counters map every EF_COUNTERS_SYNC_MS; events the data path did not
 * deliver (suppressed, lost in the ring) are reported in a notice line.
 */
#ifndef EF_STREAM_H
#define EF_STREAM_H

#include <stdbool.h>
#include "apply.h"
#include "events.h"
#include "sink.h"
#include "subs.h"

#define EF_EV_BATCH 16384	/* events a pass takes from the ring */
#define EF_COUNTERS_SYNC_MS 200 /* how often the accounting reaches the maps */

struct ring_buffer;

struct ef_stream {
	const struct ef_maps *maps;
	struct ef_fmt fmt;
	const char *hostname, *node; /* for the notice lines */
	struct ef_sink sink;
	struct ring_buffer *rb;
	struct ef_subs *subs;
	unsigned budget; /* events this pass may still take */
	bool more;	 /* the last pass stopped at its batch */
	unsigned since_flush;
	unsigned long long unformatted; /* events too long for a line */
	/* the accounting already added to the counters map */
	unsigned long long synced_written, synced_unwritten, synced_subdrop;
	long long next_sync_ms;
	__u64 reported_suppressed, reported_lost;
};

/* The sink first (a file that cannot be opened stops the start before
 * anything is attached): 0 or -errno. */
int ef_stream_open_sink(struct ef_stream *s, const struct ef_sink_opts *o);
/* The ring buffer and the subscribers' socket (subs_path; the stream goes
 * on without it), both added to epfd.  0 or -errno. */
int ef_stream_start(struct ef_stream *s, const struct ef_maps *m, const struct ef_fmt *fmt,
		    const char *subs_path, int epfd);
/* The ring buffer's epoll fd, and whether fd is a subscriber's (then
 * ef_stream_handle it). */
int ef_stream_ring_fd(const struct ef_stream *s);
bool ef_stream_owns(const struct ef_stream *s, int fd);
void ef_stream_handle(struct ef_stream *s, int fd, unsigned events);
/* One pass: a batch from the ring, written and sent; true when more wait. */
bool ef_stream_pass(struct ef_stream *s);
/* The "events-not-delivered" notice, when there is something to say. */
void ef_stream_notice(struct ef_stream *s);
/* The events file again by its path (after logrotate). */
int ef_stream_reopen(struct ef_stream *s);
/* At exit: what the ring holds still gets written; the accounting synced. */
void ef_stream_drain(struct ef_stream *s);
void ef_stream_close(struct ef_stream *s);

#endif
