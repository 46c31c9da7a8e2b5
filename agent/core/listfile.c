// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "listfile.h"

static const char *const list_names[EF_LIST_KINDS] = { "blocklist", "allowlist" };

const char *ef_list_name(int kind)
{
	return kind >= 0 && kind < EF_LIST_KINDS ? list_names[kind] : "?";
}

void ef_list_path(char *buf, size_t len, const char *state_dir, int kind)
{
	snprintf(buf, len, "%s/%s.txt", state_dir, ef_list_name(kind));
}

void ef_list_free(struct ef_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int ef_list_add(struct ef_list *l, const struct ef_prefix *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct ef_prefix *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *p;
	return 0;
}

int ef_list_parse(const char *text, size_t len, struct ef_list *l, struct ef_diag *d)
{
	size_t off = 0, line = 0;
	int bad = 0;

	while (off < len) {
		const char *s = text + off, *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		char buf[128], at[32], *p, *e;
		struct ef_prefix pf;
		const char *why;

		off += n + (nl ? 1 : 0);
		line++;
		if (memchr(s, '#', n))
			n = (size_t)((const char *)memchr(s, '#', n) - s);
		while (n && (*s == ' ' || *s == '\t' || *s == '\r')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		if (!n)
			continue;
		snprintf(at, sizeof(at), "line %zu", line);
		if (n >= sizeof(buf)) {
			ef_diag_error(d, at, "not an address or CIDR (too long)");
			bad = 1;
			continue;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		p = buf;
		e = p + strcspn(p, " \t");
		if (*e) {
			ef_diag_error(d, at, "%s: one address or CIDR per line", EF_Q(buf));
			bad = 1;
			continue;
		}
		if (ef_prefix_parse(p, &pf, &why)) {
			ef_diag_error(d, at, "%s: %s", EF_Q(p), why);
			bad = 1;
			continue;
		}
		if (ef_list_add(l, &pf)) {
			ef_diag_error(d, at, "out of memory");
			return -ENOMEM;
		}
	}
	return bad ? -EINVAL : 0;
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct ef_prefix *x = a, *y = b;
	int fx = ef_prefix_family(x), fy = ef_prefix_family(y), c;

	if (fx != fy)
		return fx - fy;
	c = memcmp(x->addr.b, y->addr.b, sizeof(x->addr.b));
	if (c)
		return c;
	return (int)x->len - (int)y->len;
}

void ef_list_normalize(struct ef_list *l)
{
	size_t w = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), pfx_cmp);
	for (size_t i = 0; i < l->n; i++)
		if (!w || pfx_cmp(&l->v[w - 1], &l->v[i]))
			l->v[w++] = l->v[i];
	l->n = w;
}

int ef_list_has(const struct ef_list *l, const struct ef_prefix *p)
{
	return l->n && bsearch(p, l->v, l->n, sizeof(*l->v), pfx_cmp) != NULL;
}

int ef_list_diff(const struct ef_list *have, const struct ef_list *want, struct ef_list *add,
		 struct ef_list *del)
{
	size_t i = 0, j = 0;

	while (i < have->n || j < want->n) {
		int c = i == have->n ? 1 : j == want->n ? -1 : pfx_cmp(&have->v[i], &want->v[j]);

		if (c < 0) {
			if (ef_list_add(del, &have->v[i++]))
				return -ENOMEM;
		} else if (c > 0) {
			if (ef_list_add(add, &want->v[j++]))
				return -ENOMEM;
		} else {
			i++;
			j++;
		}
	}
	return 0;
}

void ef_list_key_of(const struct ef_prefix *p, struct ef_list_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = (__u8)ef_prefix_family(p);
	/* an IPv4 prefix counts from the v4-mapped form's 96 bits */
	k->prefixlen = EF_LIST_KEY_FIXED_BITS + p->len;
	k->addr = p->addr;
}

void ef_list_prefix_of(const struct ef_list_key *k, struct ef_prefix *p)
{
	p->addr = k->addr;
	p->len = k->prefixlen >= EF_LIST_KEY_FIXED_BITS ? k->prefixlen - EF_LIST_KEY_FIXED_BITS : 0;
}

int ef_list_read(const char *path, struct ef_list *l, struct ef_diag *d)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t len;
	int rc;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		ef_diag_error(d, NULL, "cannot open: %s", strerror(errno));
		return rc;
	}
	text = ef_read_stream(f, SIZE_MAX / 2, &len);
	rc = text ? 0 : ferror(f) ? -EIO : -ENOMEM;
	fclose(f);
	if (rc == -EIO)
		ef_diag_error(d, NULL, "read error");
	else if (!rc)
		rc = ef_list_parse(text, len, l, d);
	free(text);
	return rc;
}

int ef_list_write(const char *path, const struct ef_list *l, int kind)
{
	char tmp[4096];
	FILE *f;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	fprintf(f, "# edgefw %s: one address or CIDR per line (edgefw %s add|del|load)\n",
		ef_list_name(kind), ef_list_name(kind));
	for (size_t i = 0; i < l->n; i++) {
		char b[EF_ADDRSTRLEN + 8];

		fprintf(f, "%s\n", ef_prefix_fmt(&l->v[i], b, sizeof(b)));
	}
	return ef_file_commit(f, tmp, path, 0);
}

int ef_list_lock(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/lists.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}
