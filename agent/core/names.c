// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Name tables generated from the vocabulary lists: each list becomes an
 * array indexed by number (a number used twice fails to build: the
 * designated initialisers overlap, -Woverride-init), and the lookups by
 * name walk it.
 */
#include <stddef.h>
#include <string.h>

#include "names.h"

#define NAME_OF(num, name, token, ...) [num] = token,

static const char *name_at(const char *const *names, size_t n, unsigned i, const char *unknown)
{
	return i < n && names[i] ? names[i] : unknown;
}

static int index_of(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/* name(number) and from_name(token) over one list's table */
#define LOOKUPS(fn, type, table, unknown)                                                      \
	const char *ef_##fn##_name(type v)                                                     \
	{                                                                                      \
		return name_at(table, sizeof(table) / sizeof(table[0]), (unsigned)v, unknown); \
	}                                                                                      \
	int ef_##fn##_from_name(const char *name)                                              \
	{                                                                                      \
		return index_of(table, sizeof(table) / sizeof(table[0]), name);                \
	}

static const char *const reason_names[EF_REASON_MAX] = { EF_REASONS(NAME_OF) };
LOOKUPS(reason, unsigned, reason_names, "unknown")

const char *ef_reason_text(unsigned reason)
{
#define TEXT_OF(num, name, token, text) [num] = text,
	static const char *const text[EF_REASON_MAX] = { EF_REASONS(TEXT_OF) };
#undef TEXT_OF

	return name_at(text, EF_REASON_MAX, reason, "unknown");
}

static const char *const action_names[] = { EF_ACTIONS(NAME_OF) };
LOOKUPS(action, unsigned, action_names, "unknown")

static const char *const mode_names[] = { EF_MODES(NAME_OF) };
LOOKUPS(mode, int, mode_names, "?")

static const char *const syn_mode_names[] = { EF_SYN_MODES(NAME_OF) };
LOOKUPS(syn_mode, int, syn_mode_names, "?")

static const char *const flow_state_names[] = { EF_FLOW_STATES(NAME_OF) };
LOOKUPS(flow_state, unsigned, flow_state_names, "?")

static const char *const table_names[] = { EF_TABLES(NAME_OF) };
LOOKUPS(table, unsigned, table_names, "?")
