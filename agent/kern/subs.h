/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Event subscribers: `edgefw events` connects to a unix socket owned by
 * root (default /run/edgefw/events.sock), sends one JSON request line
 * ({"follow": true, "backlog": 100}) and receives event lines.  Each
 * subscriber has a bounded buffer and a non-blocking socket: one that does
 * not read loses events (and is told how many, in a line of its own), it
 * never slows the agent or the other subscribers.
 */
#ifndef EF_SUBS_H
#define EF_SUBS_H

#include <stddef.h>

#define EF_SUB_BUF_BYTES (4u << 20) /* per subscriber, grown on demand */
#define EF_BACKLOG_LINES 1024
#define EF_BACKLOG_LINE_MAX 2048      /* longer lines are not kept for the backlog */
#define EF_SUB_SNDBUF_BYTES (1 << 20) /* socket send buffer of a subscriber */
#define EF_MAX_SUBS 64

struct ef_subs;

struct ef_subs *ef_subs_open(const char *path, int epfd);
void ef_subs_close(struct ef_subs *s);
/* Is fd one of ours (listening or a subscriber)?  Then handle its events. */
int ef_subs_owns(const struct ef_subs *s, int fd);
void ef_subs_handle(struct ef_subs *s, int fd, unsigned events);
/* Queue one line (without newline) to every subscriber and the backlog;
 * ef_subs_flush sends what the sockets take (once per batch of events). */
void ef_subs_publish(struct ef_subs *s, const char *line, size_t len);
void ef_subs_flush(struct ef_subs *s);
unsigned long long ef_subs_lost(const struct ef_subs *s);
size_t ef_subs_count(const struct ef_subs *s);

#endif
