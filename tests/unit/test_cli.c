// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: the command lines (agent/core/opts.c, cli.c).  The tables
 * are sound (names, defaults, sizes), the usage says what the table says,
 * the man page (docs/man/edgefw.8, or $EF_MAN_PAGE) lists every option of
 * every command, and the parser types and range-checks values, naming the
 * option in its usage errors.
 */
#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "events.h"
#include "testutil.h"

#define MAN_PAGE "docs/man/edgefw.8"

/* ---- helpers --------------------------------------------------------------- */

__attribute__((noinline)) static char *usage_of(const struct ef_cmd *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	ef_cmd_usage(c, f);
	fclose(f);
	return text;
}

/* Every option c takes: its own, the common ones it takes, --help. */
static size_t opts_of(const struct ef_cmd *c, const struct ef_opt **v)
{
	size_t n = 0;

	for (const struct ef_opt *o = c->opts; o && o->name; o++)
		v[n++] = o;
	for (unsigned i = 0; ef_common_opts[i].name; i++)
		if (ef_common_opts[i].type == EF_OPT_HELP || (c->common & (1u << i)))
			v[n++] = &ef_common_opts[i];
	return n;
}

/* Is o an option of any command? */
static bool is_option(const char *name, size_t len)
{
	for (size_t i = 0; ef_cli_all[i]; i++) {
		const struct ef_opt *v[80];
		size_t n = opts_of(ef_cli_all[i], v);

		for (size_t k = 0; k < n; k++)
			if (strlen(v[k]->name) == len && !strncmp(v[k]->name, name, len))
				return true;
	}
	return false;
}

/* The parser's result and what it said on stderr. */
static struct {
	char *err;
	int rc;
	struct ef_args args;
} P;

static void *parse(const struct ef_cmd *c, const char *line)
{
	static char *buf, *argv[64];
	static void *opts;
	char *errtext = NULL, *outtext = NULL, *save = NULL;
	size_t errlen = 0, outlen = 0;
	FILE *saved = stderr, *saved_out = stdout;
	int argc = 0;

	free(P.err);
	free(opts);
	free(buf);
	opts = calloc(1, c->size);
	assert_true(asprintf(&buf, "%s %s", c->name, line) > 0);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 63; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	stderr = open_memstream(&errtext, &errlen);
	stdout = open_memstream(&outtext, &outlen); /* --help */
	P.rc = ef_cmd_parse(c, opts, argc, argv, &P.args);
	fclose(stderr);
	fclose(stdout);
	stderr = saved;
	stdout = saved_out;
	free(outtext);
	P.err = errtext;
	return opts;
}

#define want_usage_error(msg)                                     \
	do {                                                      \
		assert_int_equal(P.rc, EXIT_USAGE);               \
		if (!strstr(P.err, msg))                          \
			fail_msg("no \"%s\" in: %s", msg, P.err); \
	} while (0)

/* The command named by the first word of line. */
static const struct ef_cmd *cmd_named(const char *line)
{
	size_t n = strcspn(line, " ");

	for (size_t i = 0; ef_cli_all[i]; i++)
		if (strlen(ef_cli_all[i]->name) == n && !strncmp(ef_cli_all[i]->name, line, n))
			return ef_cli_all[i];
	fail_msg("no command \"%.*s\"", (int)n, line);
	return NULL;
}

/* Each v[i][0], a command and its options, is a usage error saying v[i][1]. */
static void want_usage_errors(const char *const (*v)[2], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *opts = v[i][0] + strcspn(v[i][0], " ");

		parse(cmd_named(v[i][0]), *opts ? opts + 1 : opts);
		want_usage_error(v[i][1]);
	}
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the tables --------------------------------------------------------------- */

static void tables_are_sound(void **state)
{
	(void)state;
	for (size_t i = 0; ef_cli_all[i]; i++) {
		const struct ef_cmd *c = ef_cli_all[i];
		const struct ef_opt *v[80];
		size_t n = opts_of(c, v), own = 0;

		for (const struct ef_opt *o = c->opts; o && o->name; o++)
			own++;
		assert_true(own <= 64); /* ef_common.given */
		assert_true(c->size >= sizeof(struct ef_common));
		assert_non_null(c->summary);
		assert_true(ef_cmd_text(c, 0, &(int){ 0 })[0]); /* usage.txt has its words */
		for (size_t k = 0; k < n; k++) {
			assert_true(v[k]->offset < c->size || v[k]->type == EF_OPT_CALL ||
				    v[k]->type == EF_OPT_HELP);
			assert_non_null(v[k]->help);
			assert_true(v[k]->type != EF_OPT_CALL || v[k]->call);
			assert_true(v[k]->type != EF_OPT_ENUM || v[k]->names || v[k]->lookup);
			if (v[k]->type == EF_OPT_INT || v[k]->type == EF_OPT_SIZE)
				assert_true(v[k]->lo <= v[k]->hi);
			for (size_t j = 0; j < k; j++) {
				if (!strcmp(v[j]->name, v[k]->name))
					fail_msg("%s: --%s twice", c->name, v[k]->name);
				if (v[k]->short_name && v[j]->short_name == v[k]->short_name)
					fail_msg("%s: -%c twice", c->name, v[k]->short_name);
			}
		}
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(ef_cli_all[j]->name, c->name);
	}
}

/* usage.txt: a section per command, and none for no command. */
static void usage_text_has_a_section_per_command(void **state)
{
	extern const char ef_usage_text[];
	size_t sections = 0;

	(void)state;
	for (const char *p = ef_usage_text; (p = strstr(p, "\n== ")); p++) {
		size_t len = strcspn(p + 4, "\n");
		bool known = false;

		for (size_t i = 0; ef_cli_all[i]; i++)
			known |= strlen(ef_cli_all[i]->name) == len &&
				 !strncmp(ef_cli_all[i]->name, p + 4, len);
		if (!known)
			fail_msg("usage.txt: a section \"%.*s\" of no command", (int)len, p + 4);
		sections++;
	}
	for (size_t i = 0; ef_cli_all[i]; i++)
		sections--;
	assert_int_equal(sections, 0);
}

/* The defaults parse: a command line of nothing but the operands. */
static void defaults_parse(void **state)
{
	static const char *const operands[] = { "", "A", "A B", "A B C" };

	(void)state;
	for (size_t i = 0; ef_cli_all[i]; i++) {
		const struct ef_cmd *c = ef_cli_all[i];
		bool required = false;

		for (const struct ef_opt *o = c->opts; o && o->name; o++)
			required |= o->flags & EF_OPT_REQUIRED;
		parse(c, operands[c->min_operands]);
		if (required) {
			want_usage_error("required");
			continue;
		}
		if (P.rc)
			fail_msg("%s: %s", c->name, P.err);
		assert_int_equal(P.args.argc, c->min_operands);
	}
}

/* ---- the usage --------------------------------------------------------------- */

/* Every option has its line; every option the text names exists. */
static void usage_says_what_the_table_says(void **state)
{
	(void)state;
	for (size_t i = 0; ef_cli_all[i]; i++) {
		const struct ef_cmd *c = ef_cli_all[i];
		const struct ef_opt *v[80];
		size_t n = opts_of(c, v);
		char *u = usage_of(c), *syn, head[64], line[128];

		snprintf(head, sizeof(head), "Usage: edgefw %s", c->name);
		assert_true(!strncmp(u, head, strlen(head)));
		syn = strndup(u, (size_t)(strstr(u, "\n\n") - u));
		for (size_t k = 0; k < n; k++) {
			if (v[k]->short_name)
				snprintf(line, sizeof(line), "\n  %s-%c, --%s%s",
					 v[k]->flags & EF_OPT_SUB ? "  " : "", v[k]->short_name,
					 v[k]->name, v[k]->metavar ? " " : "");
			else
				snprintf(line, sizeof(line), "\n      %s--%s%s",
					 v[k]->flags & EF_OPT_SUB ? "  " : "", v[k]->name,
					 v[k]->metavar ? " " : "");
			if (!strstr(u, line))
				fail_msg("%s: the usage has no line \"%s\":\n%s", c->name, line + 1,
					 u);
			/* in a generated synopsis too */
			snprintf(line, sizeof(line), "--%s", v[k]->name);
			if (!c->synopsis && v[k]->type != EF_OPT_HELP && !strstr(syn, line))
				fail_msg("%s: the synopsis has no %s", c->name, line);
		}
		free(syn);
		for (const char *p = u; (p = strstr(p, "--")); p += 2) {
			size_t len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");

			if (len && !is_option(p + 2, len))
				fail_msg("%s: the usage names --%.*s, which no command has",
					 c->name, (int)len, p + 2);
		}
		for (const char *p = u; *p;) {
			size_t len = strcspn(p, "\n");

			char *l = strndup(p, len);
			int tl[2];
			const char *t0 = ef_cmd_text(c, 0, &tl[0]), *t1 = ef_cmd_text(c, 1, &tl[1]);
			bool free_text = (memmem(t0, (size_t)tl[0], l, len) ||
					  memmem(t1, (size_t)tl[1], l, len));

			free(l);
			if (len > 80 &&
			    !free_text) /* the generated lines; examples may be longer */
				fail_msg("%s: a usage line of %zu characters: %.*s", c->name, len,
					 (int)len, p);
			p += len + (p[len] == '\n');
		}
		free(u);
	}
}

static void usage_of_status(void **state)
{
	char *u = usage_of(&ef_cli_status);

	(void)state;
	assert_string_equal(
		u,
		"Usage: edgefw status [--json] [--bpffs-dir DIR] [--run-dir DIR]\n"
		"\n"
		"Which interfaces are attached in which mode, which policy (name, file,\n"
		"crc32, generation, load time) is active, the node and the agent's uptime.\n"
		"The kernel is asked what is attached; a difference from what the agent\n"
		"asked for is shown as DRIFT.\n"
		"\n"
		"      --json           JSON output\n"
		"      --bpffs-dir DIR  the pinned maps and links (default $EDGEFW_BPFFS_DIR,\n"
		"                       else /sys/fs/bpf/edgefw)\n"
		"      --run-dir DIR    the status file and the sockets (default $EDGEFW_RUN_DIR,\n"
		"                       else /run/edgefw)\n"
		"  -h, --help           this help\n"
		"\n"
		"Exit status: 0 enforcing, 3 nothing attached or drift, 2 usage error.\n");
	free(u);
}

/* ---- the man page -------------------------------------------------------------- */

/* The text between the line starting with from and the next ".SH". */
static char *section(const char *man, const char *from)
{
	const char *a = strstr(man, from), *b;

	assert_non_null(a);
	b = strstr(a + 1, "\n.SH ");
	return strndup(a, b ? (size_t)(b - a) : strlen(a));
}

/* Does the man text name command cmd at line start (".B edgefw CMD",
 * ".BR edgefw \" \" blocklist | allowlist", ".B CMD")? */
static bool names_cmd(const char *line, const char *cmd, bool synopsis)
{
	char b[64];

	if (synopsis) {
		snprintf(b, sizeof(b), ".B edgefw %s", cmd);
		if (!strncmp(line, b, strlen(b)) &&
		    (line[strlen(b)] == '\n' || line[strlen(b)] == ' '))
			return true;
		return !strncmp(line, ".BR edgefw \" \" blocklist | allowlist", 36) &&
		       (!strcmp(cmd, "blocklist") || !strcmp(cmd, "allowlist"));
	}
	snprintf(b, sizeof(b), ".B %s\n", cmd);
	return !strncmp(line, b, strlen(b));
}

/* What the man page says of cmd: its synopsis lines and its COMMANDS entry. */
static char *man_of(const char *synopsis, const char *commands, const char *cmd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int depth = 0;
	bool in = false;

	for (const char *p = synopsis; *p;) {
		size_t l = strcspn(p, "\n");

		if (!strncmp(p, ".br", 3))
			in = false;
		else if (!strncmp(p, ".B", 2) && strstr(p, "edgefw") && strstr(p, "edgefw") < p + l)
			in = in || names_cmd(p, cmd, true);
		if (in)
			fprintf(f, "%.*s\n", (int)l, p);
		p += l + (p[l] == '\n');
	}
	in = false;
	for (const char *p = commands, *prev = ""; *p;) {
		size_t l = strcspn(p, "\n");

		if (!strncmp(p, ".RS", 3))
			depth++;
		else if (!strncmp(p, ".RE", 3))
			depth--;
		else if (depth == 0 && !strncmp(prev, ".TP", 3) && !strncmp(p, ".B ", 3))
			in = names_cmd(p, cmd, false);
		if (in)
			fprintf(f, "%.*s\n", (int)l, p);
		prev = p;
		p += l + (p[l] == '\n');
	}
	fclose(f);
	return text;
}

/* "\-\-bpffs\-dir" for "bpffs-dir" */
static bool man_has_option(const char *text, const char *name)
{
	char want[128] = "\\-\\-";

	for (const char *c = name; *c; c++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), *c == '-' ? "\\-" : "%c",
			 *c);
	/* the whole name: not --events-file for --events */
	for (const char *p = text; (p = strstr(p, want)); p++) {
		const char *e = p + strlen(want);

		if (!isalnum((unsigned char)*e) && strncmp(e, "\\-", 2))
			return true;
	}
	return false;
}

static void man_page_lists_every_option(void **state)
{
	const char *path = getenv("EF_MAN_PAGE") ? getenv("EF_MAN_PAGE") : MAN_PAGE;
	char *man = slurp(path), *syn, *cmds, *common;
	int missing = 0;

	(void)state;
	if (!man)
		fail_msg("cannot read %s (run from the top of the tree, or set EF_MAN_PAGE)", path);
	syn = section(man, ".SH SYNOPSIS");
	cmds = section(man, ".SH COMMANDS");
	common = section(man, ".SH COMMON OPTIONS");
	for (size_t i = 0; ef_cli_all[i]; i++) {
		const struct ef_cmd *c = ef_cli_all[i];
		const struct ef_opt *v[80];
		size_t n = opts_of(c, v);
		char *text = man_of(syn, cmds, c->name);

		if (!strstr(text, c->name)) {
			print_error("%s: %s has neither a synopsis nor an entry\n", path, c->name);
			missing++;
		}
		for (size_t k = 0; k < n; k++) {
			bool shared = v[k] >= ef_common_opts && v[k] < ef_common_opts + 8;

			if (man_has_option(text, v[k]->name) ||
			    (shared && man_has_option(common, v[k]->name)))
				continue;
			print_error("%s: %s --%s is not in its synopsis or entry%s\n", path,
				    c->name, v[k]->name, shared ? " nor in COMMON OPTIONS" : "");
			missing++;
		}
		free(text);
	}
	free(syn);
	free(cmds);
	free(common);
	free(man);
	assert_int_equal(missing, 0);
}

/* ---- parsing ------------------------------------------------------------------- */

/* Numbers out of range or not numbers. */
static const char *const bad_numbers[][2] = {
	{ "run --metrics-interval 0",
	  "edgefw run: --metrics-interval: \"0\" is not 1-86400 seconds\n" },
	{ "run --metrics-interval soon",
	  "edgefw run: --metrics-interval: \"soon\" is not 1-86400 seconds\n" },
	{ "run --metrics-interval 15x", "\"15x\" is not 1-86400 seconds" },
	{ "run --sweep-interval 3601",
	  "edgefw run: --sweep-interval: \"3601\" is not a number from 0 to 3600\n" },
	{ "run --sweep-interval 99999999999999999999999", "is not a number from 0 to 3600" },
	{ "run --events-keep -1", "--events-keep: \"-1\" is not a number from 0 to 1000" },
	{ "explain -i eth1 -d in -P icmp -s 1.2.3.4 -D 5.6.7.8 --icmp-type 300",
	  "edgefw explain: --icmp-type: \"300\" is not a number from 0 to 255\n" },
	{ "explain -i eth1 -d in -P icmp -s 1.2.3.4 -D 5.6.7.8 --icmp-code x",
	  "--icmp-code: \"x\" is not a number from 0 to 255" },
	{ "apply --confirm-within 86401 p.json",
	  "edgefw apply: --confirm-within: \"86401\" is not 1-86400 seconds\n" },
	{ "events --count 0", "edgefw events: --count: \"0\" is not a number of at least 1\n" },
	{ "events --backlog lots",
	  "edgefw events: --backlog: \"lots\" is not a number from 0 to 1024\n" },
};

static void numbers_are_typed_and_ranged(void **state)
{
	struct ef_run_opts *r;
	struct ef_explain_opts *x;

	(void)state;
	want_usage_errors(bad_numbers, ARRAY_SIZE(bad_numbers));
	r = parse(&ef_cli_run, "--metrics-interval 60 --sweep-interval 0 --events-keep 1000");
	assert_int_equal(P.rc, 0);
	assert_int_equal(r->metrics_interval, 60);
	assert_int_equal(r->sweep_interval, 0);
	assert_int_equal(r->events_keep, 1000);
	x = parse(&ef_cli_explain,
		  "-i eth1 -d out -P icmp -s 1.2.3.4 -D 5.6.7.8 -t 3 --icmp-code 4");
	assert_int_equal(P.rc, 0);
	assert_int_equal(x->icmp_type, 3);
	assert_int_equal(x->icmp_code, 4);
	assert_int_equal(x->dir, EF_EXPLAIN_OUT);
	assert_int_equal(x->proto, EF_EXPLAIN_ICMP);
}

/* Sizes with a unit out of range. */
static const char *const bad_sizes[][2] = {
	{ "run --events-max-size 512K",
	  "edgefw run: --events-max-size: \"512K\" is not 0 or a size from 1M to "
	  "1024G (a number of bytes, optionally with K, M or G)\n" },
	{ "run --events-max-size 2T", "\"2T\" is not 0 or a size" },
	{ "run --events-max-size 1025G", "\"1025G\" is not 0 or a size" },
	{ "run --events-max-size -1M", "\"-1M\" is not 0 or a size" },
};

static void sizes_take_units(void **state)
{
	struct ef_run_opts *r;

	(void)state;
	r = parse(&ef_cli_run, "");
	assert_int_equal(P.rc, 0);
	assert_int_equal(r->events_max_size, 100ll << 20); /* the default */
	r = parse(&ef_cli_run, "--events-max-size 0");
	assert_int_equal(P.rc, 0);
	assert_int_equal(r->events_max_size, 0);
	r = parse(&ef_cli_run, "--events-max-size 2g");
	assert_int_equal(P.rc, 0);
	assert_int_equal(r->events_max_size, 2ll << 30);
	r = parse(&ef_cli_run, "--events-max-size 1048576");
	assert_int_equal(r->events_max_size, 1 << 20);
	want_usage_errors(bad_sizes, ARRAY_SIZE(bad_sizes));
}

/* Names that are not one of the list. */
static const char *const bad_names[][2] = {
	{ "run --xdp-mode turbo",
	  "edgefw run: --xdp-mode: \"turbo\" is not auto, native or generic\n" },
	{ "matrix --format html", "edgefw matrix: --format: \"html\" is not text or markdown\n" },
	{ "events --action maybe", "edgefw events: --action: \"maybe\" is not denied, allowed, "
				   "drop, pass or would-drop\n" },
	{ "events --reason bogus", "edgefw events: --reason: \"bogus\" is not a reason" },
	{ "explain --iface x --dir sideways --proto tcp --src a --dst b",
	  "edgefw explain: --dir: \"sideways\" is not in or out\n" },
};

static void names_are_one_of_a_list(void **state)
{
	struct ef_run_opts *r;
	struct ef_events_opts *e;

	(void)state;
	r = parse(&ef_cli_run, "--xdp-mode generic");
	assert_int_equal(P.rc, 0);
	assert_int_equal(r->xdp_mode, 2);
	r = parse(&ef_cli_run, "");
	assert_int_equal(r->xdp_mode, 0); /* auto */
	e = parse(&ef_cli_events, "--reason no-rule --action denied");
	assert_int_equal(P.rc, 0);
	assert_string_equal(ef_reason_name((unsigned)e->reason), "no-rule");
	assert_string_equal(ef_events_actions[e->action], "denied");
	assert_true(ef_opt_given(&ef_cli_events, e, "reason"));
	assert_false(ef_opt_given(&ef_cli_events, e, "backlog"));
	want_usage_errors(bad_names, ARRAY_SIZE(bad_names));
}

/* A long value is quoted in part: the reason stays whole. */
static void a_long_value_is_quoted_in_part(void **state)
{
	char *line = malloc(200020), *nl;

	(void)state;
	memcpy(line, "--backlog ", 10);
	memset(line + 10, '7', 200000);
	line[200010] = '\0';
	parse(&ef_cli_events, line);
	want_usage_error("\"... (200000 characters) is not a number from 0 to 1024\n");
	nl = strchr(P.err, '\n');
	assert_true(nl && nl - P.err < 160);
	free(line);
}

static void operands_and_required_options(void **state)
{
	struct ef_explain_opts *x;

	(void)state;
	parse(&ef_cli_validate, "");
	want_usage_error("Usage: edgefw validate");
	parse(&ef_cli_validate, "a.json b.json");
	want_usage_error("Usage: edgefw validate");
	parse(&ef_cli_validate, "a.json");
	assert_int_equal(P.rc, 0);
	assert_int_equal(P.args.argc, 1);
	assert_string_equal(P.args.argv[0], "a.json");
	parse(&ef_cli_diff, "--node edge1 a.json");
	want_usage_error("Usage: edgefw diff");
	parse(&ef_cli_matrix, "a.json --ref");
	assert_int_equal(P.rc, 0);
	assert_int_equal(P.args.argc, 1);
	parse(&ef_cli_status, "extra");
	want_usage_error("Usage: edgefw status");
	parse(&ef_cli_blocklist, "list --json --state-dir /tmp/s");
	assert_int_equal(P.rc, 0);
	assert_int_equal(P.args.argc, 1);
	x = parse(&ef_cli_explain, "--iface eth1 --dir in --proto tcp --src 1.2.3.4");
	want_usage_error("edgefw explain: --iface, --dir, --proto, --src and --dst are required\n\n"
			 "Usage: edgefw explain");
	x = parse(&ef_cli_explain, "--iface eth1 --dir in --proto tcp --src 1.2.3.4 --dst 5.6.7.8");
	assert_int_equal(P.rc, 0);
	assert_string_equal(x->iface, "eth1");
	assert_string_equal(x->dst, "5.6.7.8");
	assert_null(x->flags);
	parse(&ef_cli_status, "--help");
	assert_int_equal(P.rc, EF_OPTS_HELP);
}

static void common_options_and_their_variables(void **state)
{
	struct ef_common *c;
	struct ef_events_opts *e;

	(void)state;
	unsetenv("EDGEFW_RUN_DIR");
	setenv("EDGEFW_BPFFS_DIR", "/sys/fs/bpf/env", 1);
	c = parse(&ef_cli_status, "--json");
	assert_int_equal(P.rc, 0);
	assert_int_equal(c->format, EF_FMT_JSON);
	assert_string_equal(c->dirs.bpffs, "/sys/fs/bpf/env");
	assert_string_equal(c->dirs.run, EF_RUN_DIR);
	c = parse(&ef_cli_status, "--bpffs-dir /b --run-dir /r");
	assert_string_equal(c->dirs.bpffs, "/b");
	assert_string_equal(c->dirs.run, "/r");
	unsetenv("EDGEFW_BPFFS_DIR");
	/* only the common options a command takes */
	parse(&ef_cli_unblock, "--run-dir /r --all");
	assert_int_equal(P.rc, EXIT_USAGE);
	parse(&ef_cli_diff, "--json a b");
	assert_int_equal(P.rc, EXIT_USAGE);
	/* events: --json and --text, the last one wins */
	e = parse(&ef_cli_events, "--json --text");
	assert_int_equal(e->c.format, EF_FMT_TEXT);
	e = parse(&ef_cli_events, "--text --json");
	assert_int_equal(e->c.format, EF_FMT_JSON);
}

static void init_options_belong_to_the_node_before(void **state)
{
	struct ef_init_cli *o;

	(void)state;
	o = parse(&ef_cli_init, "--topology t --external eth1");
	want_usage_error("edgefw init: --external comes after the --node it belongs to\n");
	ef_init_opts_free(&o->o);
	o = parse(&ef_cli_init, "--topology t --node e1 --external eth1,eth2 --access 203.0.113.10 "
				"--node e2 --av 203.0.113.22 --peer admin_hosts=198.18.255.0/28 "
				"-x ocs2007 --exclude-tag xmpp --monitor --name p");
	assert_int_equal(P.rc, 0);
	assert_int_equal(o->o.nnodes, 2);
	assert_string_equal(o->o.nodes[0].name, "e1");
	assert_int_equal(o->o.nodes[0].nifs[EF_ROLE_EXTERNAL], 2);
	assert_string_equal(o->o.nodes[0].addrs[EF_SVC_ACCESS][0], "203.0.113.10");
	assert_int_equal(o->o.nodes[1].naddrs[EF_SVC_AV], 1);
	assert_int_equal(o->o.npeers, 1);
	assert_int_equal(o->o.nexclude_tags, 2);
	assert_true(o->o.monitor);
	assert_string_equal(o->o.name, "p");
	ef_init_opts_free(&o->o);
	o = parse(&ef_cli_init, "--peer nosuch");
	want_usage_error("edgefw init: --peer: \"nosuch\": write SET=CIDR[,CIDR...]\n");
	ef_init_opts_free(&o->o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_are_sound),
		cmocka_unit_test(usage_text_has_a_section_per_command),
		cmocka_unit_test(defaults_parse),
		cmocka_unit_test(usage_says_what_the_table_says),
		cmocka_unit_test(usage_of_status),
		cmocka_unit_test(man_page_lists_every_option),
		cmocka_unit_test(numbers_are_typed_and_ranged),
		cmocka_unit_test(sizes_take_units),
		cmocka_unit_test(names_are_one_of_a_list),
		cmocka_unit_test(a_long_value_is_quoted_in_part),
		cmocka_unit_test(operands_and_required_options),
		cmocka_unit_test(common_options_and_their_variables),
		cmocka_unit_test(init_options_belong_to_the_node_before),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
