// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: the vocabularies and their generated tables (agent/core/names.c
 * from include/edgefw/reasons.h, vocab.h and maplist.h): every value has a
 * token (and every reason a sentence), tokens are unique, lookups round-trip,
 * and every reason token is in the documentation, so that the docs, which
 * stay prose, cannot drift from the list.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "edgefw/edgefw.h"
#include "edgefw/maplist.h"
#include "names.h"

/* ==== reasons ================================================================================ */

struct reason {
	unsigned num;
	const char *token, *text;
};

#define REASON(num, name, token, text) { num, token, text },
static const struct reason reasons[] = { EF_REASONS(REASON) };
#undef REASON
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

static bool is_defined(unsigned r)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (reasons[i].num == r)
			return true;
	return false;
}

static void every_reason_has_a_token_and_a_sentence(void **state)
{
	(void)state;
	assert_true(NREASONS > 30);
	for (size_t i = 0; i < NREASONS; i++) {
		const struct reason *r = &reasons[i];

		assert_true(r->num < EF_REASON_MAX);
		assert_string_equal(ef_reason_name(r->num), r->token);
		assert_string_equal(ef_reason_text(r->num), r->text);
		if (!r->token[0] || !r->text[0] || !strcmp(r->token, "unknown"))
			fail_msg("reason %u: token \"%s\", sentence \"%s\"", r->num, r->token,
				 r->text);
		/* tokens are what events, metrics and --reason use: lower case,
		 * digits and dashes */
		for (const char *c = r->token; *c; c++)
			if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '-')
				fail_msg("reason %u: token \"%s\"", r->num, r->token);
	}
}

static void reason_sentences_distinct(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREASONS; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(reasons[i].text, reasons[j].text);
}

static void reason_names_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREASONS; i++) {
		unsigned r = reasons[i].num;
		const char *name = ef_reason_name(r);

		assert_non_null(name);
		if (strcmp(name, "unknown") == 0)
			fail_msg("reason %u has no name", r);
		if (ef_reason_from_name(name) != (int)r)
			fail_msg("reason %u: \"%s\" maps back to %d", r, name,
				 ef_reason_from_name(name));
	}
}

static void reason_names_distinct(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREASONS; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(ef_reason_name(reasons[i].num),
						ef_reason_name(reasons[j].num));
}

/* The words the events, the metrics, the policy and explain publish: a
 * change here is a change of the interface, not of a name. */
static void published_words(void **state)
{
	const struct {
		const char *got, *want;
	} words[] = {
		{ ef_reason_name(EF_R_NO_RULE), "no-rule" },
		{ ef_reason_name(EF_R_PEER), "peer-not-allowed" },
		{ ef_reason_name(EF_R_NOT_SERVICE), "not-a-service-address" },
		{ ef_reason_name(EF_R_MALFORMED), "malformed" },
		{ ef_reason_name(EF_R_ETHERTYPE), "ethertype" },
		{ ef_reason_name(EF_R_VLAN_DEPTH), "vlan-depth" },
		{ ef_reason_name(EF_R_FRAG_UNTRACKED), "fragment-untracked" },
		{ ef_reason_name(EF_R_FRAGMENT), "fragment" },
		{ ef_reason_name(EF_R_ICMP_RELATED), "icmp-related" },
		{ ef_reason_name(EF_R_ICMP_UNRELATED), "icmp-unrelated" },
		{ ef_reason_name(EF_R_ICMP_TYPE), "icmp-type" },
		{ ef_reason_name(EF_R_BAD_ADDRESS), "bad-source-address" },
		{ ef_reason_name(EF_R_LAND), "land" },
		{ ef_reason_name(EF_R_TCP_FLAGS), "bad-tcp-flags" },
		{ ef_reason_name(EF_R_FLOW), "flow" },
		{ ef_reason_name(EF_R_NO_FLOW), "no-flow" },
		{ ef_reason_name(EF_R_RATE_LIMITED), "rate-limited" },
		{ ef_reason_name(EF_R_BLOCKED_SOURCE), "blocked-source" },
		{ ef_reason_name(EF_R_BLOCKLIST), "blocklisted" },
		{ ef_reason_name(EF_R_SYN_CHALLENGE), "syn-challenge" },
		{ ef_reason_name(EF_R_SYN_VERIFIED), "syn-verified" },
		{ ef_action_name(EF_ACT_PASS), "pass" },
		{ ef_action_name(EF_ACT_DROP), "drop" },
		{ ef_action_name(EF_ACT_WOULD_DROP), "would-drop" },
		{ ef_action_name(EF_ACT_CHALLENGE), "challenge" },
		{ ef_mode_name(EF_MODE_ENFORCE), "enforce" },
		{ ef_mode_name(EF_MODE_MONITOR), "monitor" },
		{ ef_mode_name(EF_MODE_OFF), "off" },
		{ ef_syn_mode_name(EF_SYN_OFF), "off" },
		{ ef_syn_mode_name(EF_SYN_AUTO), "auto" },
		{ ef_syn_mode_name(EF_SYN_ALWAYS), "always" },
		{ ef_flow_state_name(EF_FS_OPEN), "open" },
		{ ef_flow_state_name(EF_FS_SYN_SENT), "syn-sent" },
		{ ef_flow_state_name(EF_FS_SYN_RECV), "syn-received" },
		{ ef_flow_state_name(EF_FS_SYNACK), "syn-ack-sent" },
		{ ef_flow_state_name(EF_FS_EST), "established" },
		{ ef_flow_state_name(EF_FS_CLOSING), "closing" },
		{ ef_table_name(EF_TABLE_TRUSTED), "trusted" },
		{ ef_table_name(EF_TABLE_UNTRUSTED), "untrusted" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_string_equal(words[i].got, words[i].want);
}

static void reason_undefined_numbers_unknown(void **state)
{
	(void)state;
	for (unsigned r = 0; r < 256; r++)
		if (!is_defined(r) && strcmp(ef_reason_name(r), "unknown") != 0)
			fail_msg("undefined reason %u is named \"%s\"", r, ef_reason_name(r));
	assert_string_equal(ef_reason_name(EF_REASON_MAX), "unknown");
	assert_string_equal(ef_reason_name(0xffffffffu), "unknown");
}

static void reason_from_unknown_name(void **state)
{
	(void)state;
	assert_int_equal(ef_reason_from_name("unknown"), -1);
	assert_int_equal(ef_reason_from_name(""), -1);
	assert_int_equal(ef_reason_from_name("No-Rule"), -1);
	assert_int_equal(ef_reason_from_name("no-rule "), -1);
}

/* ---- the reasons in the documentation ------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	long n;

	if (!f)
		fail_msg("%s: cannot open (run from the top of the tree)", path);
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		assert_non_null(buf);
		len = fread(buf, 1, (size_t)n, f);
		buf[len] = '\0';
	}
	fclose(f);
	assert_non_null(buf);
	return buf;
}

/* token as a word of text (not part of a longer token: "flow" in "no-flow") */
static bool has_word(const char *text, const char *token)
{
	size_t n = strlen(token);

	for (const char *p = strstr(text, token); p; p = strstr(p + 1, token)) {
		bool before = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-');
		bool after = isalnum((unsigned char)p[n]) || p[n] == '-';

		if (!before && !after)
			return true;
	}
	return false;
}

/* The bold words of the man page's EVENTS section (its .B, .BR and .RB
 * lines), with roff's escaped dashes as dashes. */
static char *man_events(void)
{
	char *man = slurp("docs/man/edgefw.8"), *start = strstr(man, "\n.SH EVENTS\n"), *end, *out,
	     *w;

	if (!start) {
		fail_msg("docs/man/edgefw.8 has no EVENTS section");
		return NULL; /* (fail_msg does not return; gcc cannot know) */
	}
	end = strstr(start + 1, "\n.SH ");
	if (end)
		end[1] = '\0';
	out = w = malloc(strlen(start) + 1);
	assert_non_null(out);
	for (const char *line = start + 1, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (strncmp(line, ".B", 2) && strncmp(line, ".RB", 3))
			continue;
		for (const char *r = line; *r && *r != '\n'; r++) {
			if (r[0] == '\\' && r[1] == '-')
				r++;
			*w++ = *r;
		}
		*w++ = '\n';
	}
	*w = '\0';
	free(man);
	return out;
}

/* Reason 0 is no verdict: the docs need not name it. */
static void reasons_in_the_man_page(void **state)
{
	char *text = man_events();

	(void)state;
	for (size_t i = 0; i < NREASONS; i++)
		if (reasons[i].num != EF_R_NONE && !has_word(text, reasons[i].token))
			fail_msg("docs/man/edgefw.8 EVENTS does not name reason %s",
				 reasons[i].token);
	free(text);
}

static void reasons_in_the_policy_doc(void **state)
{
	char *text = slurp("docs/policy.md");

	(void)state;
	for (size_t i = 0; i < NREASONS; i++) {
		char quoted[64];

		snprintf(quoted, sizeof(quoted), "`%s`", reasons[i].token);
		if (reasons[i].num != EF_R_NONE && !strstr(text, quoted))
			fail_msg("docs/policy.md does not name reason %s", quoted);
	}
	free(text);
}

/* ==== the small vocabularies ================================================================= */

struct word {
	int num;
	const char *token;
};

#define WORD(num, name, token) { num, token },

/* name(number) and from_name(token) agree with the list, tokens are unique,
 * and a number or token outside it is unknown */
#define CHECK_VOCAB(list, name_of, from_name, unknown)                           \
	do {                                                                     \
		static const struct word w[] = { list(WORD) };                   \
		size_t n = sizeof(w) / sizeof(w[0]);                             \
                                                                                 \
		for (size_t i = 0; i < n; i++) {                                 \
			assert_int_equal(w[i].num, (int)i); /* dense, from 0 */  \
			assert_string_equal(name_of(w[i].num), w[i].token);      \
			assert_int_equal(from_name(w[i].token), w[i].num);       \
			for (size_t j = 0; j < i; j++)                           \
				assert_string_not_equal(w[i].token, w[j].token); \
		}                                                                \
		assert_string_equal(name_of(n), unknown);                        \
		assert_string_equal(name_of(255), unknown);                      \
		assert_int_equal(from_name(""), -1);                             \
		assert_int_equal(from_name("unknown"), -1);                      \
	} while (0)

static void vocabularies_round_trip(void **state)
{
	(void)state;
	CHECK_VOCAB(EF_ACTIONS, ef_action_name, ef_action_from_name, "unknown");
	CHECK_VOCAB(EF_MODES, ef_mode_name, ef_mode_from_name, "?");
	CHECK_VOCAB(EF_SYN_MODES, ef_syn_mode_name, ef_syn_mode_from_name, "?");
	CHECK_VOCAB(EF_FLOW_STATES, ef_flow_state_name, ef_flow_state_from_name, "?");
	CHECK_VOCAB(EF_TABLES, ef_table_name, ef_table_from_name, "?");
	assert_string_equal(ef_mode_name(-1), "?");
}

/* ==== the maps =============================================================================== */

struct map {
	const char *name, *use;
};

#define MAP(name, use, ...) { "ef_" #name, #use },
static const struct map maps[] = { EF_MAPS(MAP) };
#undef MAP
#define NMAPS (sizeof(maps) / sizeof(maps[0]))

static void map_names_unique_and_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < NMAPS; i++) {
		/* the kernel keeps 15 characters of a map's name (bpftool map
		 * show, the adoption of pins by name) */
		if (strlen(maps[i].name) > 15)
			fail_msg("map name %s is longer than 15 characters", maps[i].name);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(maps[i].name, maps[j].name);
	}
}

static void maps_held_are_pinned(void **state)
{
	size_t held = 0, opt = 0, private = 0;

	(void)state;
#define HELD(map, optional)                                               \
	do {                                                              \
		const char *n = "ef_" #map;                               \
		bool found = false;                                       \
                                                                          \
		held++;                                                   \
		opt += optional;                                          \
		for (size_t i = 0; i < NMAPS; i++)                        \
			if (!strcmp(maps[i].name, n))                     \
				found = !strncmp(maps[i].use, "HELD", 4); \
		assert_true(found);                                       \
	} while (0);
	EF_MAPS_HELD(HELD)
#undef HELD
#define PRIVATE(map) private++;
	EF_MAPS_PRIVATE(PRIVATE)
#undef PRIVATE
	/* explain's verdict and the scratch spaces are never pinned */
	assert_int_equal(private, 3);
	assert_int_equal(opt, 3);
	assert_true(held > 20 && held + private < NMAPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_reason_has_a_token_and_a_sentence),
		cmocka_unit_test(reason_sentences_distinct),
		cmocka_unit_test(reason_names_round_trip),
		cmocka_unit_test(reason_names_distinct),
		cmocka_unit_test(published_words),
		cmocka_unit_test(reason_undefined_numbers_unknown),
		cmocka_unit_test(reason_from_unknown_name),
		cmocka_unit_test(reasons_in_the_man_page),
		cmocka_unit_test(reasons_in_the_policy_doc),
		cmocka_unit_test(vocabularies_round_trip),
		cmocka_unit_test(map_names_unique_and_whole),
		cmocka_unit_test(maps_held_are_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
