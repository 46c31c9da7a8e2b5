// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <json-c/json.h>

#include "log.h"
#include "subs.h"

struct sub {
	int fd;
	bool ready; /* its request has been read */
	bool follow;
	char req[512];
	size_t reqlen;
	char *buf;
	size_t head, len, cap;	 /* len bytes queued from buf + head */
	unsigned long long lost; /* not yet reported to it */
};

struct ef_subs {
	int epfd;
	int lfd;
	char path[108];
	struct sub subs[EF_MAX_SUBS];
	/* the last EF_BACKLOG_LINES lines, a slot of EF_BACKLOG_LINE_MAX each
	 * (longer ones are not kept): no allocation per line */
	char *backlog;
	unsigned short bl_len[EF_BACKLOG_LINES];
	size_t bl_next;
	unsigned long long lost_total;
};

struct ef_subs *ef_subs_open(const char *path, int epfd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct ef_subs *s;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_warn("socket path too long: %s\n", path);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	for (int i = 0; i < EF_MAX_SUBS; i++)
		s->subs[i].fd = -1;
	s->backlog = malloc((size_t)EF_BACKLOG_LINES * EF_BACKLOG_LINE_MAX);
	s->epfd = epfd;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto fail;
	unlink(path);
	old = umask(077); /* owned by root, mode 0600 */
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa))) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(s->lfd, 16))
		goto fail;
	ev.data.fd = s->lfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->lfd, &ev))
		goto fail;
	return s;
fail:
	pr_warn("cannot listen on %s: %s\n", path, strerror(errno));
	if (s->lfd >= 0)
		close(s->lfd);
	free(s->backlog);
	free(s);
	return NULL;
}

static void drop(struct ef_subs *s, struct sub *u)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, u->fd, NULL);
	close(u->fd);
	free(u->buf);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

void ef_subs_close(struct ef_subs *s)
{
	if (!s)
		return;
	for (int i = 0; i < EF_MAX_SUBS; i++)
		if (s->subs[i].fd >= 0)
			drop(s, &s->subs[i]);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd, NULL);
	close(s->lfd);
	unlink(s->path);
	free(s->backlog);
	free(s);
}

static struct sub *find(const struct ef_subs *s, int fd)
{
	for (int i = 0; i < EF_MAX_SUBS; i++)
		if (s->subs[i].fd == fd)
			return (struct sub *)&s->subs[i];
	return NULL;
}

int ef_subs_owns(const struct ef_subs *s, int fd)
{
	return s && (fd == s->lfd || find(s, fd));
}

static void want_out(struct ef_subs *s, struct sub *u, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.fd = u->fd };

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, u->fd, &ev);
}

/* Room for need more bytes after the queued ones: what was sent is
 * reclaimed first, then the buffer grows (64 KiB, doubling) up to
 * EF_SUB_BUF_BYTES. */
static bool room(struct sub *u, size_t need)
{
	size_t cap = u->cap ? u->cap : 65536;
	char *nb;

	if (u->head + u->len + need <= u->cap)
		return true;
	if (u->head) {
		memmove(u->buf, u->buf + u->head, u->len);
		u->head = 0;
		if (u->len + need <= u->cap)
			return true;
	}
	while (cap < u->len + need && cap < EF_SUB_BUF_BYTES)
		cap *= 2;
	if (cap > EF_SUB_BUF_BYTES)
		cap = EF_SUB_BUF_BYTES;
	if (u->len + need > cap)
		return false;
	nb = realloc(u->buf, cap);
	if (!nb)
		return false;
	u->buf = nb;
	u->cap = cap;
	return true;
}

/* The "you lost N events" line, ahead of anything else queued after it. */
static void queue_notice(struct sub *u)
{
	char notice[128];
	size_t nl;

	if (!u->lost)
		return;
	nl = (size_t)snprintf(notice, sizeof(notice),
			      "{\"edgefw\":{\"subscriber_lost_events\":%llu}}\n", u->lost);
	if (!room(u, nl))
		return;
	memcpy(u->buf + u->head + u->len, notice, nl);
	u->len += nl;
	u->lost = 0;
}

/* Append to one subscriber's buffer, or count the loss; true when lost. */
static bool queue(struct sub *u, const char *line, size_t len)
{
	char *p;

	if (u->lost)
		queue_notice(u);
	if (u->lost || !room(u, len + 1)) {
		u->lost++;
		return true;
	}
	p = u->buf + u->head + u->len;
	memcpy(p, line, len);
	p[len] = '\n';
	u->len += len + 1;
	return false;
}

static void flush(struct ef_subs *s, struct sub *u)
{
	while (u->len) {
		ssize_t n = send(u->fd, u->buf + u->head, u->len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			drop(s, u);
			return;
		}
		u->head += (size_t)n;
		u->len -= (size_t)n;
	}
	if (!u->len)
		u->head = 0;
	if (!u->len && u->ready && !u->follow) {
		drop(s, u); /* backlog delivered */
		return;
	}
	/* drained: a subscriber that lost events hears of it now, not at
	 * the next event (which may be long in coming) */
	if (!u->len && u->lost) {
		queue_notice(u);
		flush(s, u);
		return;
	}
	want_out(s, u, u->len > 0);
}

static void start(struct ef_subs *s, struct sub *u)
{
	json_object *req = json_tokener_parse(u->req), *v;
	long backlog = 0;

	if (req && json_object_object_get_ex(req, "follow", &v))
		u->follow = json_object_get_boolean(v);
	if (req && json_object_object_get_ex(req, "backlog", &v))
		backlog = json_object_get_int64(v);
	json_object_put(req);
	if (backlog > EF_BACKLOG_LINES)
		backlog = EF_BACKLOG_LINES;
	for (long i = backlog; i > 0 && s->backlog; i--) {
		size_t k = (s->bl_next + EF_BACKLOG_LINES - (size_t)i) % EF_BACKLOG_LINES;

		if (s->bl_len[k])
			s->lost_total +=
				queue(u, s->backlog + k * EF_BACKLOG_LINE_MAX, s->bl_len[k]);
	}
	u->ready = true;
	flush(s, u);
}

static void read_request(struct ef_subs *s, struct sub *u)
{
	for (;;) {
		char c;
		ssize_t n = recv(u->fd, &c, 1, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			drop(s, u);
			return;
		}
		if (n < 0)
			return;
		if (u->ready)
			continue; /* nothing more is expected; ignore */
		if (c == '\n') {
			u->req[u->reqlen] = '\0';
			start(s, u);
			return;
		}
		if (u->reqlen + 1 >= sizeof(u->req)) {
			drop(s, u);
			return;
		}
		u->req[u->reqlen++] = c;
	}
}

void ef_subs_handle(struct ef_subs *s, int fd, unsigned events)
{
	struct sub *u;

	if (fd == s->lfd) {
		int sndbuf = EF_SUB_SNDBUF_BYTES;
		int c;

		while ((c = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = c };

			u = find(s, -1);
			if (!u || epoll_ctl(s->epfd, EPOLL_CTL_ADD, c, &ev)) {
				close(c); /* too many subscribers */
				continue;
			}
			memset(u, 0, sizeof(*u));
			u->fd = c;
			/* a follower at full rate takes lines in large reads */
			if (setsockopt(c, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
				setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		}
		return;
	}
	u = find(s, fd);
	if (!u)
		return;
	if (events & (EPOLLHUP | EPOLLERR)) {
		drop(s, u);
		return;
	}
	if (events & EPOLLIN)
		read_request(s, u);
	if (u->fd >= 0 && (events & EPOLLOUT))
		flush(s, u);
}

void ef_subs_publish(struct ef_subs *s, const char *line, size_t len)
{
	if (!s)
		return;
	if (s->backlog) {
		size_t k = s->bl_next;

		if (len <= EF_BACKLOG_LINE_MAX) {
			memcpy(s->backlog + k * EF_BACKLOG_LINE_MAX, line, len);
			s->bl_len[k] = (unsigned short)len;
		} else {
			s->bl_len[k] = 0;
		}
		s->bl_next = (k + 1) % EF_BACKLOG_LINES;
	}
	for (int i = 0; i < EF_MAX_SUBS; i++) {
		struct sub *u = &s->subs[i];
		if (u->fd < 0 || !u->ready || !u->follow)
			continue;
		s->lost_total += queue(u, line, len);
	}
}

void ef_subs_flush(struct ef_subs *s)
{
	for (int i = 0; s && i < EF_MAX_SUBS; i++)
		if (s->subs[i].fd >= 0 && s->subs[i].ready && (s->subs[i].len || s->subs[i].lost))
			flush(s, &s->subs[i]);
}

unsigned long long ef_subs_lost(const struct ef_subs *s)
{
	return s ? s->lost_total : 0;
}

size_t ef_subs_count(const struct ef_subs *s)
{
	size_t n = 0;

	for (int i = 0; s && i < EF_MAX_SUBS; i++)
		n += s->subs[i].fd >= 0;
	return n;
}
