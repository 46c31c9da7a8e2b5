/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The names of the shared vocabularies, generated from their one list each
 * (include/edgefw/reasons.h, include/edgefw/vocab.h): number -> token, token
 * -> number, and the reasons' sentences.  A number outside its list is
 * "unknown" (reasons, actions) or "?" (the rest); an unknown token is -1.
 */
#ifndef EF_NAMES_H
#define EF_NAMES_H

#include "edgefw/edgefw.h"

const char *ef_reason_name(unsigned reason);
/* Reason number from its token, or -1. */
int ef_reason_from_name(const char *name);
/* Why, in a sentence (edgefw explain). */
const char *ef_reason_text(unsigned reason);

const char *ef_action_name(unsigned action);
int ef_action_from_name(const char *name);

const char *ef_mode_name(int mode);
int ef_mode_from_name(const char *name);

const char *ef_syn_mode_name(int mode);
int ef_syn_mode_from_name(const char *name);

const char *ef_flow_state_name(unsigned state);
int ef_flow_state_from_name(const char *name);

const char *ef_table_name(unsigned table);
int ef_table_from_name(const char *name);

#endif
