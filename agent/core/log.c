// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int ef_log_level = EF_LOG_INFO;

void ef_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > ef_log_level)
		return;
	va_start(ap, fmt);
	fputs("edgefw: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
