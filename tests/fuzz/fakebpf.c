// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The libbpf calls the agent's apply.c and log.c make, answered by the
 * map emulation: the reference classifier's maps are filled by the same
 * code that fills the kernel's.
 */
#include <errno.h>
#include <stdarg.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "shim.h"

static int ret(int err)
{
	if (err < 0) {
		errno = -err;
		return -1;
	}
	return 0;
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	return ret(shim_fd_lookup(fd, key, value));
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	return ret(shim_fd_update(fd, key, value, flags));
}

int bpf_map_delete_elem(int fd, const void *key)
{
	return ret(shim_fd_delete(fd, key));
}

int bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	return ret(shim_fd_next_key(fd, key, next_key));
}

/* arrays only (apply.c's port arrays): consecutive keys in one copy */
int bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
			 const struct bpf_map_batch_opts *opts)
{
	(void)opts;
	return ret(shim_fd_update_array(fd, keys, values, *count));
}

int libbpf_num_possible_cpus(void)
{
	return 1;
}

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
	(void)fn;
	return NULL;
}
