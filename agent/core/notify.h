/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EF_NOTIFY_H
#define EF_NOTIFY_H

/* sd_notify(3)'s protocol, to $NOTIFY_SOCKET when set. */
void ef_sd_notify(const char *msg);

#endif
