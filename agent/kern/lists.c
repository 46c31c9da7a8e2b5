// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include <limits.h>

#include "datapath.h"
#include "lists.h"
#include "log.h"

int ef_list_map_read(int fd, struct ef_list *l)
{
	struct ef_list_key k, next;
	struct ef_prefix p;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		ef_list_prefix_of(&next, &p);
		if (ef_list_add(l, &p))
			return -ENOMEM;
		k = next;
		prev = &k;
	}
	if (errno != ENOENT)
		return -errno;
	ef_list_normalize(l);
	return 0;
}

int ef_list_map_sync(int fd, const struct ef_list *want, size_t *added, size_t *removed)
{
	struct ef_list have = { 0 }, add = { 0 }, del = { 0 };
	__u8 one = 1;
	int rc;

	*added = *removed = 0;
	rc = ef_list_map_read(fd, &have);
	if (!rc)
		rc = ef_list_diff(&have, want, &add, &del);
	/* additions first: a prefix that replaces a wider or narrower one is
	 * in place before the other goes */
	for (size_t i = 0; !rc && i < add.n; i++) {
		struct ef_list_key k;

		ef_list_key_of(&add.v[i], &k);
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			rc = -errno;
		else
			(*added)++;
	}
	for (size_t i = 0; !rc && i < del.n; i++) {
		struct ef_list_key k;

		ef_list_key_of(&del.v[i], &k);
		if (bpf_map_delete_elem(fd, &k) && errno != ENOENT)
			rc = -errno;
		else
			(*removed)++;
	}
	if (rc && (*added || *removed)) {
		/* never half-applied: put back what was there (best effort: the
		 * usual failure is a full map, and undoing only frees room) */
		int err = errno;

		for (size_t i = 0; i < *removed; i++) {
			struct ef_list_key k;

			ef_list_key_of(&del.v[i], &k);
			bpf_map_update_elem(fd, &k, &one, BPF_ANY);
		}
		for (size_t i = 0; i < *added; i++) {
			struct ef_list_key k;

			ef_list_key_of(&add.v[i], &k);
			bpf_map_delete_elem(fd, &k);
		}
		*added = *removed = 0;
		errno = err;
	}
	ef_list_free(&have);
	ef_list_free(&add);
	ef_list_free(&del);
	return rc;
}

int ef_shield_update(int shield_fd, size_t nblock, size_t nallow, bool bl4)
{
	struct ef_shield sh = { 0 };
	__u32 zero = 0;

	if (nblock)
		sh.flags |= EF_SHIELD_BLOCKLIST;
	if (nallow)
		sh.flags |= EF_SHIELD_ALLOWLIST;
	if (bl4)
		sh.flags |= EF_SHIELD_BL4;
	return bpf_map_update_elem(shield_fd, &zero, &sh, BPF_ANY) ? -errno : 0;
}

/* ---- the IPv4 /24 bitmap of the block list ----------------------------------- */

/* OR the /24s the IPv4 prefixes of l touch into bits */
static void bl4_bits(const struct ef_list *l, __u64 *bits)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct ef_prefix *p = &l->v[i];
		__u32 a, first, n;

		if (ef_prefix_family(p) != 4)
			continue;
		a = ntohl(p->addr.w[3]);
		first = a >> 8;
		n = p->len - 96 >= 24 ? 1 : 1u << (24 - (p->len - 96));
		for (__u32 b = first; b < first + n; b++) {
			if ((b & 63) == 0 && first + n - b >= 64) {
				bits[b >> 6] = ~0ull; /* a whole word at once */
				b += 63;
				continue;
			}
			bits[b >> 6] |= 1ull << (b & 63);
		}
	}
}

/* write bits into the map (or only OR them in): word by word, atomically */
static int bl4_write(int fd, const __u64 *bits, bool or_only)
{
	size_t len = (size_t)EF_BL4_WORDS * sizeof(__u64);
	__u64 *w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (w == MAP_FAILED)
		return -errno;
	for (__u32 i = 0; i < EF_BL4_WORDS; i++) {
		__u64 v = or_only ? (w[i] | bits[i]) : bits[i];

		if (w[i] != v)
			__atomic_store_n(&w[i], v, __ATOMIC_SEQ_CST);
	}
	munmap(w, len);
	return 0;
}

int ef_blocklist_sync(int fd, int bl4_fd, const struct ef_list *want, size_t *added,
		      size_t *removed, bool *bl4_ok)
{
	__u64 *bits = NULL;
	int rc, err = 0;

	*bl4_ok = false;
	if (bl4_fd >= 0) {
		bits = calloc(EF_BL4_WORDS, sizeof(*bits));
		if (!bits)
			return -ENOMEM;
		/* first the new bits as well: no blocked remote skips the trie
		 * while it changes */
		bl4_bits(want, bits);
		err = bl4_write(bl4_fd, bits, true);
	}
	rc = ef_list_map_sync(fd, want, added, removed);
	if (bits && !err) {
		/* then exactly what the trie holds */
		struct ef_list have = { 0 };

		memset(bits, 0, (size_t)EF_BL4_WORDS * sizeof(*bits));
		if (rc == 0) {
			bl4_bits(want, bits);
		} else if (ef_list_map_read(fd, &have) == 0) {
			bl4_bits(&have, bits);
		} else {
			free(bits);
			*bl4_ok = true; /* the superset stays: never a false "not listed" */
			return rc;
		}
		ef_list_free(&have);
		err = bl4_write(bl4_fd, bits, false);
		*bl4_ok = !err;
	}
	free(bits);
	return rc;
}

/* Make the maps (fds, -1 to skip one) hold the files; the shield flags
 * follow.  Called with the state lock held. */
int ef_lists_sync(const char *state, const int fds[EF_LIST_KINDS], int shield_fd, int bl4_fd,
		  size_t count[EF_LIST_KINDS], size_t added[EF_LIST_KINDS],
		  size_t removed[EF_LIST_KINDS], bool log_bad)
{
	bool bl4 = false;
	int rc = 0;

	if (fds[EF_LIST_BLOCK] < 0 && shield_fd >= 0) {
		/* the block list is not touched: its bitmap stays as it was */
		struct ef_shield sh;
		__u32 zero = 0;

		bl4 = bpf_map_lookup_elem(shield_fd, &zero, &sh) == 0 && (sh.flags & EF_SHIELD_BL4);
	}

	for (int k = 0; k < EF_LIST_KINDS; k++) {
		struct ef_list l = { 0 };
		char path[PATH_MAX];
		struct ef_diag d;

		added[k] = removed[k] = 0;
		ef_list_path(path, sizeof(path), state, k);
		ef_diag_init(&d, path);
		if (ef_list_read(path, &l, &d)) {
			if (log_bad) {
				pr_warn("%s is invalid; the %s keeps what it held:\n", path,
					ef_list_name(k));
				ef_diag_print(&d, stderr);
			}
			/* the map stays as it is; count what it holds */
			ef_list_free(&l);
			if (fds[k] >= 0)
				ef_list_map_read(fds[k], &l);
			count[k] = l.n;
			rc = -EINVAL;
		} else {
			int err;

			ef_list_normalize(&l);
			count[k] = l.n;
			if (fds[k] < 0)
				err = 0;
			else if (k == EF_LIST_BLOCK)
				err = ef_blocklist_sync(fds[k], bl4_fd, &l, &added[k], &removed[k],
							&bl4);
			else
				err = ef_list_map_sync(fds[k], &l, &added[k], &removed[k]);
			if (err) {
				pr_warn("%s: cannot update the map: %s (it keeps what it held)\n",
					ef_list_name(k), strerror(-err));
				rc = err;
			}
		}
		ef_diag_free(&d);
		ef_list_free(&l);
	}
	if (shield_fd >= 0)
		ef_shield_update(shield_fd, count[EF_LIST_BLOCK], count[EF_LIST_ALLOW], bl4);
	return rc;
}

void ef_lists_load(const char *state_dir, const struct ef_maps *m)
{
	int fds[EF_LIST_KINDS] = { m->blocklist, m->allowlist };
	size_t count[EF_LIST_KINDS], added[EF_LIST_KINDS], removed[EF_LIST_KINDS];
	int lock = ef_list_lock(state_dir);

	if (lock < 0) {
		pr_warn("%s: %s; block and allow lists not loaded\n", state_dir, strerror(-lock));
		ef_shield_update(m->shield, 0, 0, false);
		return;
	}
	ef_lists_sync(state_dir, fds, m->shield, m->bl4, count, added, removed, true);
	close(lock);
	for (int k = 0; k < EF_LIST_KINDS; k++)
		if (count[k] || added[k] || removed[k])
			pr_info("%s: %zu entries (%zu added, %zu removed)\n", ef_list_name(k),
				count[k], added[k], removed[k]);
}
