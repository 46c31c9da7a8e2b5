/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EF_BPFLOG_H
#define EF_BPFLOG_H

/* Route libbpf's messages through ef_log (muted unless debug). */
void ef_log_setup_libbpf(void);

#endif
