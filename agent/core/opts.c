// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table-driven command line: opts.h says how it works. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "opts.h"

#define EF_OPTS_MAX 72 /* a command's own (at most 64: ef_common.given) and the common ones */
#define USAGE_WIDTH 80
#define HELP_COLUMN 30 /* an option's help starts here at the latest */

/* ef_common_opts[i] is taken when bit i of ef_cmd.common is set; --help always. */
#define COMMON(f) offsetof(struct ef_common, f)
#define DIR_OPT(n, f, h, d, e)                                                             \
	{                                                                                  \
		.name = (n), .type = EF_OPT_STRING, .offset = COMMON(f), .metavar = "DIR", \
		.help = (h), .def = (d), .env = (e)                                        \
	}
const struct ef_opt ef_common_opts[] = {
	{ .name = "json",
	  .type = EF_OPT_SET,
	  .val = EF_FMT_JSON,
	  .offset = COMMON(format),
	  .help = "JSON output" },
	DIR_OPT("bpffs-dir", dirs.bpffs, "the pinned maps and links", EF_PIN_DIR,
		"EDGEFW_BPFFS_DIR"),
	DIR_OPT("run-dir", dirs.run, "the status file and the sockets", EF_RUN_DIR,
		"EDGEFW_RUN_DIR"),
	DIR_OPT("state-dir", dirs.state, "the block and allow list files", EF_STATE_DIR,
		"EDGEFW_STATE_DIR"),
	{ .name = "help", .short_name = 'h', .type = EF_OPT_HELP, .help = "this help" },
	{ 0 }
};

/* The options c takes, its own first; their number. */
static size_t all_opts(const struct ef_cmd *c, const struct ef_opt **v)
{
	size_t n = 0;

	for (const struct ef_opt *o = c->opts; o && o->name && n < 64; o++)
		v[n++] = o;
	for (unsigned i = 0; ef_common_opts[i].name; i++)
		if (ef_common_opts[i].type == EF_OPT_HELP || (c->common & (1u << i)))
			v[n++] = &ef_common_opts[i];
	return n;
}

static bool takes_arg(const struct ef_opt *o)
{
	return o->type != EF_OPT_FLAG && o->type != EF_OPT_SET && o->type != EF_OPT_HELP;
}

/* "1M", "1024G", or bytes */
static const char *size_str(long long v, char *buf, size_t len)
{
	static const char units[] = "GMK";

	for (int i = 0; i < 3; i++) {
		long long u = 1ll << (10 * (3 - i));

		if (v && v % u == 0) {
			snprintf(buf, len, "%lld%c", v / u, units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%lld", v);
	return buf;
}

/* "auto, native or generic" (sep ", ") or "auto|native|generic" (sep "|") */
static const char *names_str(const char *const *names, const char *sep, char *buf, size_t len)
{
	size_t l = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s%s",
				      !i			  ? "" :
				      names[i + 1] || *sep == '|' ? sep :
								    " or ",
				      names[i]);
	return buf;
}

/* The usage error of a value: what it should have been. */
static int bad_value(const char *cmd, const struct ef_opt *o, const char *arg)
{
	char what[256], a[32], b[32];

	switch (o->type) {
	case EF_OPT_INT:
		if (o->unit)
			snprintf(what, sizeof(what), "%lld-%lld %s", o->lo, o->hi, o->unit);
		else if (o->hi == LONG_MAX)
			snprintf(what, sizeof(what), "a number of at least %lld", o->lo);
		else
			snprintf(what, sizeof(what), "a number from %lld to %lld", o->lo, o->hi);
		break;
	case EF_OPT_SIZE:
		snprintf(what, sizeof(what),
			 "%sa size from %s to %s (a number of bytes, optionally "
			 "with K, M or G)",
			 o->flags & EF_OPT_ZERO ? "0 or " : "", size_str(o->lo, a, sizeof(a)),
			 size_str(o->hi, b, sizeof(b)));
		break;
	case EF_OPT_ENUM:
		if (o->names)
			names_str(o->names, ", ", what, sizeof(what));
		else
			snprintf(what, sizeof(what), "%s", o->what);
		break;
	default: snprintf(what, sizeof(what), "valid");
	}
	fprintf(stderr, "edgefw %s: --%s: %s is not %s\n", cmd, o->name, EF_Q(arg), what);
	return -1;
}

static int parse_int(const char *arg, long long lo, long long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_size(const char *arg, const struct ef_opt *o, long long *out)
{
	static const struct {
		char c;
		int shift;
	} units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 } };
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || v < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if ((*end == units[i].c || *end == units[i].c + 32) &&
		    v <= (o->hi >> units[i].shift)) {
			v <<= units[i].shift;
			end++;
			break;
		}
	if (*end || v > o->hi || (v < o->lo && !(v == 0 && (o->flags & EF_OPT_ZERO))))
		return -1;
	*out = v;
	return 0;
}

static int parse_enum(const char *arg, const struct ef_opt *o, int *out)
{
	if (!o->names) {
		*out = o->lookup(arg);
		return *out < 0 ? -1 : 0;
	}
	for (int i = 0; o->names[i]; i++)
		if (!strcmp(arg, o->names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

/* Option o with argument arg (NULL: none) into opts; 0, or -1 said. */
static int set(const char *cmd, const struct ef_opt *o, void *opts, const char *arg)
{
	void *dst = (char *)opts + o->offset;

	switch (o->type) {
	case EF_OPT_FLAG: *(bool *)dst = true; return 0;
	case EF_OPT_SET: *(int *)dst = (int)o->val; return 0;
	case EF_OPT_STRING: *(const char **)dst = arg; return 0;
	case EF_OPT_INT: return parse_int(arg, o->lo, o->hi, dst) ? bad_value(cmd, o, arg) : 0;
	case EF_OPT_SIZE: return parse_size(arg, o, dst) ? bad_value(cmd, o, arg) : 0;
	case EF_OPT_ENUM: return parse_enum(arg, o, dst) ? bad_value(cmd, o, arg) : 0;
	case EF_OPT_CALL: return o->call(opts, o, arg, cmd);
	case EF_OPT_HELP: break;
	}
	return 0;
}

/* "edgefw explain: --iface, --dir, --proto, --src and --dst are required" */
static int missing_required(const struct ef_cmd *c, const struct ef_opt **v, size_t n,
			    unsigned long long seen)
{
	size_t l = 0, k = 0, nreq = 0;
	bool missing = false;
	char buf[1024];

	for (size_t i = 0; i < n; i++)
		if (v[i]->flags & EF_OPT_REQUIRED) {
			nreq++;
			missing |= !(seen & (1ull << i));
		}
	if (!missing)
		return 0;
	for (size_t i = 0; i < n && l < sizeof(buf) / 2; i++)
		if (v[i]->flags & EF_OPT_REQUIRED)
			l += (size_t)snprintf(buf + l, sizeof(buf) - l, "%s--%s",
					      !k++     ? "" :
					      k < nreq ? ", " :
							 " and ",
					      v[i]->name);
	snprintf(buf + l, sizeof(buf) - l, nreq > 1 ? " are required" : " is required");
	return ef_cmd_usage_error(c, buf);
}

int ef_cmd_parse(const struct ef_cmd *c, void *opts, int argc, char **argv, struct ef_args *a)
{
	const struct ef_opt *v[EF_OPTS_MAX];
	struct option lo[EF_OPTS_MAX + 1];
	char shorts[2 * EF_OPTS_MAX + 1], *s = shorts;
	size_t n = all_opts(c, v);
	unsigned long long seen = 0;
	int ch, nops;

	memset(opts, 0, c->size);
	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < n; i++) {
		const char *def = v[i]->env && getenv(v[i]->env) ? getenv(v[i]->env) : v[i]->def;

		if (def && set(c->name, v[i], opts, def))
			return EXIT_USAGE;
		lo[i] = (struct option){ v[i]->name,
					 takes_arg(v[i]) ? required_argument : no_argument, NULL,
					 v[i]->short_name ? v[i]->short_name : 256 + (int)i };
		if (v[i]->short_name) {
			*s++ = (char)v[i]->short_name;
			if (takes_arg(v[i]))
				*s++ = ':';
		}
	}
	*s = '\0';
	optind = 0; /* from the start, whatever parsed before */
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		size_t i = ch >= 256 ? (size_t)ch - 256 : n;

		for (size_t k = 0; i == n && k < n; k++)
			if (v[k]->short_name && v[k]->short_name == ch)
				i = k;
		if (i == n) { /* getopt_long said what is wrong */
			ef_cmd_usage(c, stderr);
			return EXIT_USAGE;
		}
		if (v[i]->type == EF_OPT_HELP) {
			ef_cmd_usage(c, stdout);
			return EF_OPTS_HELP;
		}
		if (set(c->name, v[i], opts, optarg))
			return EXIT_USAGE;
		seen |= 1ull << i;
	}
	((struct ef_common *)opts)->given = seen; /* the own options come first */
	if (missing_required(c, v, n, seen))
		return EXIT_USAGE;
	nops = argc - optind;
	if (nops < c->min_operands || (c->max_operands >= 0 && nops > c->max_operands)) {
		ef_cmd_usage(c, stderr);
		return EXIT_USAGE;
	}
	a->argc = nops;
	a->argv = argv + optind;
	return 0;
}

int ef_cmd_main(const struct ef_cmd *c, int (*body)(void *opts, const struct ef_args *a), int argc,
		char **argv)
{
	void *opts = calloc(1, c->size);
	struct ef_args a;
	int rc;

	if (!opts)
		return EXIT_SYSTEM;
	rc = ef_cmd_parse(c, opts, argc, argv, &a);
	if (rc == 0)
		rc = body(opts, &a);
	else if (rc == EF_OPTS_HELP)
		rc = 0;
	if (c->free)
		c->free(opts);
	free(opts);
	return rc;
}

bool ef_opt_given(const struct ef_cmd *c, const void *opts, const char *name)
{
	const struct ef_common *cm = opts;

	for (size_t i = 0; c->opts[i].name; i++)
		if (!strcmp(c->opts[i].name, name))
			return cm->given & (1ull << i);
	return false;
}

/* ---- usage ---------------------------------------------------------------- */

/* w bytes of s after column col: on a new line at column indent if they
 * would pass USAGE_WIDTH (not the first at indent), else after a space
 * (none at indent itself); the column after them */
static int word(FILE *f, const char *s, int w, int col, int indent)
{
	if (col > indent && col + 1 + w > USAGE_WIDTH) {
		fprintf(f, "\n%*s", indent, "");
		col = indent;
	} else if (col != indent) {
		fputc(' ', f);
		col++;
	}
	return col + fprintf(f, "%.*s", w, s);
}

/* text at column col, wrapped to USAGE_WIDTH, continued at column indent */
static void wrap(FILE *f, const char *text, int col, int indent)
{
	while (*text) {
		size_t w = strcspn(text, " ");

		col = word(f, text, (int)w, col, indent);
		text += w;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

static const char *metavar(const struct ef_opt *o, char *buf, size_t len)
{
	if (!takes_arg(o))
		return NULL;
	if (o->metavar || !o->names)
		return o->metavar ? o->metavar : "VALUE";
	return names_str(o->names, "|", buf, len);
}

static void synopsis(const struct ef_cmd *c, const struct ef_opt **v, size_t n, FILE *f)
{
	char items[EF_OPTS_MAX + 1][160], mv[128];
	size_t k = 0;
	int col, indent;

	if (c->synopsis) {
		fprintf(f, "Usage: %s", c->synopsis);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *m = metavar(v[i], mv, sizeof(mv));
		bool req = v[i]->flags & EF_OPT_REQUIRED;

		if (v[i]->type != EF_OPT_HELP)
			snprintf(items[k++], sizeof(items[0]), "%s--%s%s%s%s", req ? "" : "[",
				 v[i]->name, m ? " " : "", m ? m : "", req ? "" : "]");
	}
	if (c->operands)
		snprintf(items[k++], sizeof(items[0]), "%s", c->operands);
	col = fprintf(f, "Usage: edgefw %s", c->name);
	indent = col + 1;
	for (size_t i = 0; i < k; i++)
		col = word(f, items[i], (int)strlen(items[i]), col, indent);
	fputc('\n', f);
}

static void option_lines(const struct ef_opt **v, size_t n, FILE *f)
{
	char left[EF_OPTS_MAX][160], mv[128];
	int col = 0;

	for (size_t i = 0; i < n; i++) {
		const char *m = metavar(v[i], mv, sizeof(mv));
		char s[8] = "    ";
		int w;

		if (v[i]->short_name)
			snprintf(s, sizeof(s), "-%c, ", v[i]->short_name);
		w = snprintf(left[i], sizeof(left[i]), "  %s%s--%s%s%s",
			     v[i]->flags & EF_OPT_SUB ? "  " : "", s, v[i]->name, m ? " " : "",
			     m ? m : "");
		if (w + 2 <= HELP_COLUMN && w + 2 > col)
			col = w + 2;
	}
	for (size_t i = 0; i < n; i++) {
		char help[512], dflt[160] = "";
		int w = (int)strlen(left[i]);
		const char *h = v[i]->help ? v[i]->help : "";
		size_t hl = strlen(h);

		if (v[i]->env)
			snprintf(dflt, sizeof(dflt), "default $%s, else %s", v[i]->env, v[i]->def);
		else if (v[i]->def)
			snprintf(dflt, sizeof(dflt), "default %s", v[i]->def);
		if (!dflt[0])
			snprintf(help, sizeof(help), "%s", h);
		else if (hl && h[hl - 1] == ')') /* "(0: none)": "(0: none; default 5)" */
			snprintf(help, sizeof(help), "%.*s; %s)", (int)hl - 1, h, dflt);
		else
			snprintf(help, sizeof(help), "%s%s(%s)", h, hl ? " " : "", dflt);
		fputs(left[i], f);
		if (w + 2 > col) {
			fputc('\n', f);
			w = 0;
		}
		fprintf(f, "%*s", col - w, "");
		wrap(f, help, col, col);
	}
}

/* usage.txt, built in by usage.S, NUL-terminated */
extern const char ef_usage_text[];

const char *ef_cmd_text(const struct ef_cmd *c, int part, int *len)
{
	char head[64];
	const char *s, *end, *sep;

	snprintf(head, sizeof(head), "\n== %s\n", c->name);
	*len = 0;
	if (!(s = strstr(ef_usage_text, head)))
		return "";
	s += strlen(head);
	end = strstr(s, "\n== ");
	end = end ? end + 1 : s + strlen(s);
	sep = strstr(s, "\n--\n");
	if (sep && sep < end) {
		if (part == 0)
			end = sep + 1;
		else
			s = sep + 4;
	} else if (part == 1) {
		return "";
	}
	while (end > s + 1 && end[-1] == '\n' && end[-2] == '\n') /* the blank lines between */
		end--;
	*len = (int)(end - s);
	return s;
}

void ef_cmd_usage(const struct ef_cmd *c, FILE *f)
{
	const struct ef_opt *v[EF_OPTS_MAX];
	size_t n = all_opts(c, v);
	const char *t;
	int len;

	synopsis(c, v, n, f);
	t = ef_cmd_text(c, 0, &len);
	if (len)
		fprintf(f, "\n%.*s", len, t);
	fputc('\n', f);
	option_lines(v, n, f);
	t = ef_cmd_text(c, 1, &len);
	if (len)
		fprintf(f, "\n%.*s", len, t);
}

int ef_cmd_usage_error(const struct ef_cmd *c, const char *why)
{
	if (why)
		fprintf(stderr, "edgefw %s: %s\n\n", c->name, why);
	ef_cmd_usage(c, stderr);
	return EXIT_USAGE;
}

void ef_default_node(char *buf, size_t len)
{
	char *dot;

	if (gethostname(buf, len) != 0)
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	dot = strchr(buf, '.');
	if (dot)
		*dot = '\0';
}
