// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libbpf's messages through the agent's log (muted unless debug). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bpflog.h"
#include "log.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* bpf_tc_hook_create on an existing clsact qdisc: expected, and
	 * reported by us as EEXIST; not worth a line in the journal */
	if (level == LIBBPF_WARN && strstr(fmt, "Kernel error message") &&
	    ef_log_level < EF_LOG_DEBUG)
		return 0;
	if (level == LIBBPF_DEBUG && ef_log_level < EF_LOG_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && ef_log_level < EF_LOG_DEBUG)
		return 0;
	if (level == LIBBPF_WARN && ef_log_level < EF_LOG_INFO)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void ef_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
