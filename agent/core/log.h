/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Agent logging to stderr (the journal under systemd); events go to stdout. */
#ifndef EF_LOG_H
#define EF_LOG_H

enum ef_log_level { EF_LOG_WARN = 0, EF_LOG_INFO = 1, EF_LOG_DEBUG = 2 };

extern int ef_log_level;

void ef_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...) ef_log(EF_LOG_WARN, __VA_ARGS__)
#define pr_info(...) ef_log(EF_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) ef_log(EF_LOG_DEBUG, __VA_ARGS__)

#endif
