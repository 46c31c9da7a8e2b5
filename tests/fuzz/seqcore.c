// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The stateful differential runner (see seqcore.h).  Tables are read through
 * libbpf's map calls, which the reference build answers from its emulated
 * maps (fakebpf.c), so the same code reads both implementations.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <zlib.h>

#include "edgefw/edgefw.h"
#include "events.h"
#include "model.h"
#include "seqcore.h"
#include "seqpolicy.h"

static struct seq_gen gens[SEQ_VARIANTS];
static uint32_t live_epoch;
/* the variant of each recent epoch (rule ids -> names) */
#define EPOCH_RING 1024
static int epoch_variant[EPOCH_RING];

static const char *rule_name_at(uint32_t epoch, unsigned id)
{
	const char *n;

	if (id == EF_RULE_NONE)
		return "-";
	n = ef_compiled_rule_name(&gens[epoch_variant[epoch % EPOCH_RING]].comp, id);
	return n ? n : "?";
}

static const char *model_rule_name(const struct seq_gen *g, int rule)
{
	return rule < 0 ? "-" : g->pol->rules[rule].name;
}

/* ---- tables ---------------------------------------------------------------- */

enum { T_HASH, T_PERCPU_SUM, T_PERCPU_CPU, T_ARRAY };

struct tdesc {
	const char *name;
	size_t ksz, vsz;
	int kind;
	unsigned n; /* arrays */
};

static const struct tdesc tables[] = {
	{ "ef_flows", sizeof(struct ef_flow_key), sizeof(struct ef_flow), T_HASH, 0 },
	{ "ef_flows_new", sizeof(struct ef_flow_key), sizeof(struct ef_flow), T_HASH, 0 },
	{ "ef_frags", sizeof(struct ef_frag_key), sizeof(struct ef_frag), T_HASH, 0 },
	{ "ef_srclimit", sizeof(struct ef_srclimit_key), sizeof(struct ef_evbucket), T_HASH, 0 },
	{ "ef_blocked", sizeof(union ef_addr), sizeof(struct ef_blocked), T_HASH, 0 },
	{ "ef_verified", sizeof(union ef_addr), sizeof(__u64), T_HASH, 0 },
	{ "ef_evlimit", sizeof(union ef_addr), sizeof(struct ef_evbucket), T_HASH, 0 },
	{ "ef_evbudget", 4, sizeof(struct ef_evbucket), T_PERCPU_CPU, 1 },
	{ "ef_synrate", 4, sizeof(struct ef_synrate), T_PERCPU_CPU, 1 },
	{ "ef_counters", 4, 8, T_PERCPU_SUM, EF_C_MAX },
	{ "ef_flowports", 4, 8, T_ARRAY, 2 * EF_HINT_WORDS },
	{ "ef_blockhint", 4, 8, T_ARRAY, 2 * EF_HINT_WORDS },
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

struct entries {
	unsigned char *v; /* n records of ksz + vsz bytes */
	size_t n, cap, rec;
};

static int ent_add(struct entries *e, const void *k, size_t ksz, const void *v, size_t vsz)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		unsigned char *nv = realloc(e->v, cap * (ksz + vsz));

		if (!nv)
			return -1;
		e->v = nv;
		e->cap = cap;
	}
	e->rec = ksz + vsz;
	memcpy(e->v + e->n * e->rec, k, ksz);
	memcpy(e->v + e->n * e->rec + ksz, v, vsz);
	e->n++;
	return 0;
}

static size_t cmp_len;

static int cmp_rec(const void *a, const void *b)
{
	return memcmp(a, b, cmp_len);
}

/* every entry of a table (arrays: the used ones, by index; hash tables:
 * sorted by key; per-CPU values: summed, or ours) */
static int read_table(const struct tdesc *t, struct entries *e)
{
	int fd = impl_fd(t->name), ncpu = impl_ncpu(), cpu = impl_cpu();
	size_t vstride = (t->vsz + 7) & ~(size_t)7;
	static const unsigned char zero[64];
	unsigned char key[64], prev[64], *val;
	int first = 1;

	memset(e, 0, sizeof(*e));
	e->rec = t->ksz + t->vsz;
	if (fd < 0)
		return -1;
	val = calloc((size_t)ncpu, vstride);
	if (!val)
		return -1;
	if (t->kind == T_HASH) {
		while (bpf_map_get_next_key(fd, first ? NULL : prev, key) == 0) {
			first = 0;
			memcpy(prev, key, t->ksz);
			if (bpf_map_lookup_elem(fd, key, val) == 0 &&
			    ent_add(e, key, t->ksz, val, t->vsz))
				goto fail;
		}
	} else {
		for (__u32 i = 0; i < t->n; i++) {
			unsigned char out[64];

			memset(out, 0, sizeof(out));
			if (bpf_map_lookup_elem(fd, &i, val))
				goto fail;
			if (t->kind == T_ARRAY) {
				memcpy(out, val, t->vsz);
			} else if (t->kind == T_PERCPU_SUM) {
				__u64 sum = 0, x;

				for (int c = 0; c < ncpu; c++) {
					memcpy(&x, val + (size_t)c * vstride, 8);
					sum += x;
				}
				memcpy(out, &sum, 8);
			} else {
				memcpy(out, val + (size_t)cpu * vstride, t->vsz);
			}
			if (!memcmp(out, zero, t->vsz))
				continue; /* an unused entry: nothing to compare */
			if (ent_add(e, &i, 4, out, t->vsz))
				goto fail;
		}
	}
	free(val);
	cmp_len = t->ksz;
	/* arrays are read in index order already; a hash table's order is its
	 * own, so it is sorted (sorting the 4096 words of the hint arrays at
	 * every step made a sequence cost ~300 ms under libFuzzer) */
	if (e->n && t->kind == T_HASH)
		qsort(e->v, e->n, e->rec, cmp_rec);
	return 0;
fail:
	free(val);
	free(e->v);
	e->v = NULL;
	return -1;
}

static void hex(FILE *f, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* a digest of every table the program writes, or all of them (verbose) */
static int state_digest(FILE *out, int verbose, unsigned long *crc)
{
	*crc = crc32(0L, Z_NULL, 0);
	for (size_t i = 0; i < NTABLES; i++) {
		struct entries e;

		if (read_table(&tables[i], &e))
			return -1;
		for (size_t j = 0; j < e.n; j++) {
			const unsigned char *r = e.v + j * e.rec;

			if (tables[i].kind != T_HASH &&
			    !memcmp(r + tables[i].ksz, "\0\0\0\0\0\0\0\0", 8) &&
			    (tables[i].vsz <= 8 ||
			     !memcmp(r + tables[i].ksz + 8, "\0\0\0\0\0\0\0\0", 8)))
				continue; /* zero array entries */
			*crc = crc32(*crc, (const Bytef *)tables[i].name,
				     (uInt)strlen(tables[i].name));
			*crc = crc32(*crc, r, (uInt)e.rec);
			if (verbose && out) {
				fprintf(out, "    %s ", tables[i].name);
				hex(out, r, tables[i].ksz);
				fputc(' ', out);
				hex(out, r + tables[i].ksz, tables[i].vsz);
				fputc('\n', out);
			}
		}
		free(e.v);
	}
	return 0;
}

/* ---- one step's verdict as the implementation shows it -------------------- */

struct obs {
	int action, reason;
	const char *rule;
	int nev;
	unsigned long ev_crc;
	unsigned long tx_crc;
};

static int rules_read(uint32_t epoch, struct ef_rule_stats *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ef_rule_stats_read(impl_maps(), epoch % EF_SLOTS, (unsigned)i, &st[i]))
			return -1;
	return 0;
}

/* the frame a challenge left, its cookie fields (TCP seq, ack, checksum)
 * masked: the kernel's cookies and the reference's differ */
static unsigned long tx_digest(const unsigned char *f, size_t len)
{
	unsigned char c[PKT_MAX + 64];
	size_t off = 12;

	if (len > sizeof(c))
		return 0;
	memcpy(c, f, len);
	while (off + 2 <= len &&
	       ((c[off] == 0x81 && c[off + 1] == 0) || (c[off] == 0x88 && c[off + 1] == 0xa8)))
		off += 4;
	off += 2;
	if (off < len)
		off += (c[off] >> 4) == 4 ? 20 : 40;
	if (off + 20 <= len) {
		memset(c + off + 4, 0, 8);
		memset(c + off + 16, 0, 2);
	}
	return crc32(crc32(0L, Z_NULL, 0), c, (uInt)len);
}

/* counters and rule statistics as the last packet left them (read once a
 * step: the next packet's "before") */
static __u64 c_prev[EF_C_MAX];
static struct ef_rule_stats r_prev[EF_MAX_RULES];
static int prev_valid;

static int observe(int hook, int role, const unsigned char *frame, size_t len, struct seq_out *so,
		   struct obs *ob)
{
	const struct seq_gen *g = &gens[epoch_variant[live_epoch % EPOCH_RING]];
	size_t nr = g->comp.nrules;
	struct ef_rule_stats *before = r_prev;
	static struct ef_rule_stats after[EF_MAX_RULES];
	__u64 *c0 = c_prev, c1[EF_C_MAX];
	struct ef_event ev[16];
	int moved = 0, rc = -1;

	memset(ob, 0, sizeof(*ob));
	ob->rule = "-";
	if (!prev_valid &&
	    (ef_counters_read(impl_maps(), c0) || rules_read(live_epoch, before, nr)))
		goto out;
	prev_valid = 0;
	if (impl_run(hook, role, frame, len, so))
		goto out;
	if (ef_counters_read(impl_maps(), c1) || rules_read(live_epoch, after, nr))
		goto out;
	/* the reason: the one verdict counter that moved */
	for (int i = 0; i < 4 * EF_REASON_MAX; i++) {
		if (c1[i] == c0[i])
			continue;
		moved++;
		ob->reason = i % EF_REASON_MAX;
		ob->action = i >= EF_C_WOULD_DROP_BASE ? EF_ACT_WOULD_DROP : EF_ACT_PASS;
	}
	if (moved != 1) {
		fprintf(stderr, "%d verdict counters moved for one packet\n", moved);
		goto out;
	}
	if (ob->action != EF_ACT_WOULD_DROP) {
		if (hook == EF_HOOK_EGRESS)
			ob->action = so->ret == TC_ACT_SHOT ? EF_ACT_DROP : EF_ACT_PASS;
		else
			ob->action = so->ret == XDP_DROP ? EF_ACT_DROP :
				     so->ret == XDP_TX	 ? EF_ACT_CHALLENGE :
							   EF_ACT_PASS;
	}
	/* the rule: the one whose packets (or, rate-limited, limits) moved */
	for (size_t i = 0; i < nr; i++)
		if (after[i].packets != before[i].packets || after[i].limited != before[i].limited)
			ob->rule = rule_name_at(live_epoch, (unsigned)i);
	if (so->ret == XDP_TX && hook == EF_HOOK_INGRESS)
		ob->tx_crc = tx_digest(so->frame, so->len);
	/* events: their fields but the time, the NIC by its role */
	ob->ev_crc = crc32(0L, Z_NULL, 0);
	ob->nev = impl_events(ev, 16);
	for (int i = 0; i < ob->nev; i++) {
		ev[i].ts_ns = 0;
		ev[i].ifindex = ev[i].ifindex == (__u32)impl_ifindex(EF_ROLE_INTERNAL) ? 1 : 0;
		ob->ev_crc = crc32(ob->ev_crc, (const Bytef *)&ev[i], sizeof(ev[i]));
	}
	memcpy(c_prev, c1, sizeof(c1));
	memcpy(r_prev, after, nr * sizeof(*after));
	prev_valid = 1;
	rc = 0;
out:
	return rc;
}

/* ---- the model, step by step ------------------------------------------------- */

struct mcheck {
	FILE *out;
	const char *name;
	int step;
	int bad;
};

static void mfail(struct mcheck *mc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void mfail(struct mcheck *mc, const char *fmt, ...)
{
	va_list ap;
	FILE *f = mc->out ? mc->out : stderr;

	if (mc->bad++ > 12)
		return;
	fprintf(f, "MODEL %s step %d: ", mc->name, mc->step);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void fmt_key(const struct ef_flow_key *k, char *buf, size_t len)
{
	char a[EF_ADDRSTRLEN], b[EF_ADDRSTRLEN];

	snprintf(buf, len, "%s p%u %s:%u ~ %s:%u", k->role ? "int" : "ext", k->proto,
		 ef_addr_fmt(&k->local, a, sizeof(a)), k->lport,
		 ef_addr_fmt(&k->remote, b, sizeof(b)), k->rport);
}

static struct model_flow *mflow(struct model *m, const struct ef_flow_key *k, bool trusted)
{
	for (int i = 0; i < MODEL_MAX; i++) {
		struct model_flow *f = &m->flows[i];

		if (f->used && f->trusted == trusted && f->role == k->role &&
		    f->proto == k->proto && f->lport == k->lport && f->rport == k->rport &&
		    !memcmp(&f->local, &k->local, 16) && !memcmp(&f->remote, &k->remote, 16))
			return f;
	}
	return NULL;
}

static void check_flows(struct mcheck *mc, struct model *m, uint64_t now)
{
	const struct seq_gen *g = &gens[epoch_variant[m->epoch % EPOCH_RING]];
	int seen[MODEL_MAX] = { 0 };

	for (int t = 0; t < 2; t++) {
		struct entries e;

		if (read_table(&tables[t], &e)) {
			mfail(mc, "cannot read %s", tables[t].name);
			return;
		}
		for (size_t j = 0; j < e.n; j++) {
			struct ef_flow_key k;
			struct ef_flow f;
			struct model_flow *mf;
			char ks[160];

			memcpy(&k, e.v + j * e.rec, sizeof(k));
			memcpy(&f, e.v + j * e.rec + sizeof(k), sizeof(f));
			if (model_flow_expired(m, now, k.proto, f.state, f.seen_ns))
				continue; /* dead: leaves on its next lookup */
			fmt_key(&k, ks, sizeof(ks));
			mf = mflow(m, &k, !t);
			if (mf && model_flow_expired(m, now, mf->proto, mf->state, mf->seen))
				mf = NULL;
			if (!mf) {
				/* an older generation's flow the model removed on a
				 * lookup the program skips (an untrusted flow on a
				 * port no in rule has: it is revoked when seen) */
				if (f.epoch != m->epoch)
					continue;
				mfail(mc, "%s flow %s state %u in the program, none in the model",
				      t ? "untrusted" : "trusted", ks, f.state);
				continue;
			}
			seen[mf - m->flows] = 1;
			if (mf->trusted != !t || mf->state != f.state || mf->seen != f.seen_ns ||
			    mf->epoch != f.epoch || mf->isn != f.isn ||
			    mf->out != !!(f.flags & EF_FLOW_ORIG_OUT) ||
			    mf->unlisted != !!(f.flags & EF_FLOW_UNLISTED) ||
			    mf->unverified != !!(f.flags & EF_FLOW_UNVERIFIED) ||
			    strcmp(rule_name_at(f.epoch, f.rule),
				   mf->epoch == m->epoch ?
					   model_rule_name(g, mf->rule) :
					   model_rule_name(
						   &gens[epoch_variant[mf->epoch % EPOCH_RING]],
						   mf->rule)))
				mfail(mc,
				      "flow %s: program %s state %u seen %llu epoch %u isn %u flags %x rule %s; "
				      "model %s state %d seen %llu epoch %u isn %u out %d unlisted %d unverified %d rule %s",
				      ks, t ? "untrusted" : "trusted", f.state,
				      (unsigned long long)(f.seen_ns - SEQ_T0), f.epoch, f.isn,
				      f.flags, rule_name_at(f.epoch, f.rule),
				      mf->trusted ? "trusted" : "untrusted", mf->state,
				      (unsigned long long)(mf->seen - SEQ_T0), mf->epoch, mf->isn,
				      mf->out, mf->unlisted, mf->unverified,
				      model_rule_name(&gens[epoch_variant[mf->epoch % EPOCH_RING]],
						      mf->rule));
		}
		free(e.v);
	}
	for (int i = 0; i < MODEL_MAX; i++) {
		struct model_flow *mf = &m->flows[i];
		struct ef_flow_key k;
		char ks[160];

		if (!mf->used || seen[i] ||
		    model_flow_expired(m, now, mf->proto, mf->state, mf->seen))
			continue;
		memset(&k, 0, sizeof(k));
		k.role = (__u8)mf->role;
		k.local = mf->local;
		k.remote = mf->remote;
		k.lport = mf->lport;
		k.rport = mf->rport;
		k.proto = mf->proto;
		fmt_key(&k, ks, sizeof(ks));
		mfail(mc, "%s flow %s state %d in the model, none in the program",
		      mf->trusted ? "trusted" : "untrusted", ks, mf->state);
	}
}

/* A per-source table of the model (MODEL_MAX of struct model_block or
 * model_verified): the size of an element and the offsets of its fields
 * (since 0: none).  The program's table maps the source (union ef_addr) to
 * a value that starts with __u64 until (then since). */
struct src_view {
	const char *what;
	size_t size, used, src, until, since;
};

#define SRC_VIEW(name, type, since_off)                                                         \
	{                                                                                       \
		.what = name, .size = sizeof(struct type), .used = offsetof(struct type, used), \
		.src = offsetof(struct type, src), .until = offsetof(struct type, until),       \
		.since = since_off                                                              \
	}

static const struct src_view block_view =
	SRC_VIEW("blocks", model_block, offsetof(struct model_block, since));
static const struct src_view verified_view = SRC_VIEW("verified sources", model_verified, 0);

static uint64_t u64_at(const unsigned char *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* The program's entries in force at now, each as the model has it, and
 * as many in the model. */
static void check_sources(struct mcheck *mc, const struct tdesc *t, const struct src_view *v,
			  const void *model, uint64_t now)
{
	const unsigned char *ms = model;
	char a[EF_ADDRSTRLEN];
	struct entries e;
	int np = 0, nm = 0;

	if (read_table(t, &e))
		return;
	for (size_t j = 0; j < e.n; j++) {
		const unsigned char *r = e.v + j * e.rec;
		const unsigned char *mine = NULL;
		uint64_t until = u64_at(r, sizeof(union ef_addr)), since = 0;
		union ef_addr k;

		memcpy(&k, r, sizeof(k));
		if (v->since)
			since = u64_at(r, sizeof(k) + sizeof(__u64));
		if (now >= until)
			continue;
		np++;
		for (int i = 0; i < MODEL_MAX; i++)
			if (ms[i * v->size + v->used] && !memcmp(ms + i * v->size + v->src, &k, 16))
				mine = ms + i * v->size;
		if (!mine || u64_at(mine, v->until) != until ||
		    (v->since && u64_at(mine, v->since) != since))
			mfail(mc, "%s: %s until +%llu: model %s", v->what,
			      ef_addr_fmt(&k, a, sizeof(a)), (unsigned long long)(until - SEQ_T0),
			      mine ? "differs" : "has none");
	}
	for (int i = 0; i < MODEL_MAX; i++)
		nm += ms[i * v->size + v->used] && now < u64_at(ms + i * v->size, v->until);
	if (nm != np)
		mfail(mc, "%d %s in force in the program, %d in the model", np, v->what, nm);
	free(e.v);
}

static void check_shield(struct mcheck *mc, struct model *m, uint64_t now)
{
	const struct seq_gen *g = &gens[epoch_variant[m->epoch % EPOCH_RING]];
	struct entries e;
	char a[EF_ADDRSTRLEN];
	int nm;

	/* temporary blocks that are in force, verified sources */
	check_sources(mc, &tables[4], &block_view, m->blocks, now);
	check_sources(mc, &tables[5], &verified_view, m->verified, now);
	/* the live generation's buckets */
	if (read_table(&tables[3], &e) == 0) {
		int np = 0;

		for (size_t j = 0; j < e.n; j++) {
			struct ef_srclimit_key k;
			struct ef_evbucket b;
			struct model_bucket *mb = NULL;
			const char *rn;

			memcpy(&k, e.v + j * e.rec, sizeof(k));
			memcpy(&b, e.v + j * e.rec + sizeof(k), sizeof(b));
			if (k.epoch != m->epoch)
				continue;
			np++;
			rn = rule_name_at(m->epoch, k.rule);
			for (int i = 0; i < MODEL_MAX; i++)
				if (m->buckets[i].used && m->buckets[i].epoch == m->epoch &&
				    !memcmp(&m->buckets[i].src, &k.src, 16) &&
				    !strcmp(model_rule_name(g, m->buckets[i].rule), rn))
					mb = &m->buckets[i];
			if (!mb || mb->credit != b.credit || mb->last != b.last_ns)
				mfail(mc,
				      "bucket %s %s: program %llu credit at +%llu, model %s %llu at +%llu",
				      ef_addr_fmt(&k.src, a, sizeof(a)), rn,
				      (unsigned long long)b.credit,
				      (unsigned long long)(b.last_ns - SEQ_T0), mb ? "" : "none",
				      mb ? (unsigned long long)mb->credit : 0ull,
				      mb ? (unsigned long long)(mb->last - SEQ_T0) : 0ull);
		}
		nm = 0;
		for (int i = 0; i < MODEL_MAX; i++)
			nm += m->buckets[i].used && m->buckets[i].epoch == m->epoch;
		if (nm != np)
			mfail(mc, "%d buckets of this generation in the program, %d in the model",
			      np, nm);
		free(e.v);
	}
	/* fragments that may still be followed */
	if (read_table(&tables[2], &e) == 0) {
		uint64_t to = (uint64_t)g->pol->settings.timeout_s[EF_TO_FRAGMENT] * 1000000000ull;
		int np = 0;

		for (size_t j = 0; j < e.n; j++) {
			struct ef_frag_key k;
			struct ef_frag fr;
			int found = 0;

			memcpy(&k, e.v + j * e.rec, sizeof(k));
			memcpy(&fr, e.v + j * e.rec + sizeof(k), sizeof(fr));
			if (now - fr.seen_ns > to)
				continue;
			np++;
			for (int i = 0; i < MODEL_MAX; i++)
				found |= m->frags[i].used && m->frags[i].role == k.role &&
					 m->frags[i].id == k.id && m->frags[i].proto == k.proto &&
					 m->frags[i].seen == fr.seen_ns &&
					 !memcmp(&m->frags[i].src, &k.src, 16) &&
					 !memcmp(&m->frags[i].dst, &k.dst, 16);
			if (!found)
				mfail(mc, "fragment id %u from %s: not in the model", k.id,
				      ef_addr_fmt(&k.src, a, sizeof(a)));
		}
		nm = 0;
		for (int i = 0; i < MODEL_MAX; i++)
			nm += m->frags[i].used && now - m->frags[i].seen <= to;
		if (nm != np)
			mfail(mc, "%d fragments tracked in the program, %d in the model", np, nm);
		free(e.v);
	}
}

/* ---- running a sequence ---------------------------------------------------------- */

static int clear_state(void)
{
	for (size_t i = 0; i < NTABLES; i++) {
		const struct tdesc *t = &tables[i];
		int fd = impl_fd(t->name);
		unsigned char key[64];

		if (fd < 0)
			return -1;
		if (t->kind == T_HASH) {
			while (bpf_map_get_next_key(fd, NULL, key) == 0)
				if (bpf_map_delete_elem(fd, key))
					return -1;
		} else {
			size_t sz = (size_t)(t->kind == T_ARRAY ? 1 : impl_ncpu()) *
				    ((t->vsz + 7) & ~(size_t)7);
			void *zero = calloc(1, sz);

			if (!zero)
				return -1;
			for (__u32 k = 0; k < t->n; k++)
				bpf_map_update_elem(fd, &k, zero, BPF_ANY);
			free(zero);
		}
	}
	return 0;
}

static int go_live(int variant)
{
	prev_valid = 0; /* the new generation's rule statistics */
	live_epoch++;
	epoch_variant[live_epoch % EPOCH_RING] = variant;
	return ef_apply(impl_maps(), &gens[variant].comp, live_epoch, NULL, 0);
}

int seq_core_init(void)
{
	int idx[2] = { impl_ifindex(EF_ROLE_EXTERNAL), impl_ifindex(EF_ROLE_INTERNAL) };
	int role[2] = { EF_ROLE_EXTERNAL, EF_ROLE_INTERNAL };

	ef_apply_grace_ns = 0; /* no packet is ever in flight here */
	for (int v = 0; v < SEQ_VARIANTS; v++)
		if (seq_policy_load(v, &gens[v]))
			return -1;
	return ef_set_ifaces(impl_maps(), idx, role, 2);
}

int seq_run(const char *name, const struct seq *q, const struct seq_opts *o)
{
	static struct model m;
	unsigned char frame[PKT_MAX + 64], challenge[PKT_MAX + 64];
	size_t clen = 0;
	static struct seq_out so;
	struct mcheck mc = { .out = o->out, .name = name };
	unsigned long long now = SEQ_T0;
	FILE *out = o->out;

	if (clear_state()) {
		fprintf(stderr, "%s: cannot clear the tables\n", name);
		return -1;
	}
	if (go_live(q->variant)) {
		fprintf(stderr, "%s: cannot apply policy variant %d\n", name, q->variant);
		return -1;
	}
	if (seq_lists_apply(impl_maps(), q->lists)) {
		fprintf(stderr, "%s: cannot load the lists\n", name);
		return -1;
	}
	impl_clock(now);
	model_start(&m, &gens[q->variant], q->lists, live_epoch);
	if (out)
		fprintf(out, "%s: variant %d lists %d steps %d\n", name, q->variant, q->lists,
			q->n);
	for (int i = 0; i < q->n && (!mc.bad || !o->model); i++) {
		const struct seq_step *st = &q->s[i];
		struct model_result mr;
		struct obs ob;
		unsigned long crc;
		char desc[256];
		size_t len;

		mc.step = i;
		if (st->kind == SEQ_TIME) {
			now += st->dt_ns;
			impl_clock(now);
			if (out)
				fprintf(out, "  %d time +%llu ms\n", i,
					(unsigned long long)(st->dt_ns / 1000000));
			continue;
		}
		if (st->kind == SEQ_RELOAD) {
			if (go_live(st->variant))
				return -1;
			model_reload(&m, &gens[st->variant]);
			if (out)
				fprintf(out, "  %d reload variant %d epoch %u\n", i, st->variant,
					live_epoch);
			continue;
		}
		len = seq_frame(st, clen ? challenge : NULL, clen, frame);
		if (!len)
			continue; /* an answer to no challenge */
		if (observe(st->kind == SEQ_ANSWER ? EF_HOOK_INGRESS : st->hook, st->role, frame,
			    len, &so, &ob))
			return -1;
		if (ob.action == EF_ACT_CHALLENGE) {
			memcpy(challenge, so.frame, so.len);
			clen = so.len;
		}
		if (state_digest(o->verbose ? out : NULL, o->verbose, &crc))
			return -1;
		if (out) {
			seq_describe(st, desc, sizeof(desc));
			fprintf(out, "  %d %s => %s %s %s ev %d/%08lx tx %08lx st %08lx\n", i, desc,
				ef_action_name((unsigned)ob.action),
				ef_reason_name((unsigned)ob.reason), ob.rule, ob.nev, ob.ev_crc,
				ob.tx_crc, crc);
		}
		if (!o->model)
			continue;
		model_packet(&m, now, st, &mr);
		if (mr.action != ob.action || mr.reason != ob.reason ||
		    ((mr.action == EF_ACT_PASS || mr.reason == EF_R_RATE_LIMITED) &&
		     strcmp(model_rule_name(m.gen, mr.rule), ob.rule))) {
			seq_describe(st, desc, sizeof(desc));
			mfail(&mc, "%s: program %s %s %s, model %s %s %s", desc,
			      ef_action_name((unsigned)ob.action),
			      ef_reason_name((unsigned)ob.reason), ob.rule,
			      ef_action_name((unsigned)mr.action),
			      ef_reason_name((unsigned)mr.reason), model_rule_name(m.gen, mr.rule));
		}
		check_flows(&mc, &m, now);
		check_shield(&mc, &m, now);
	}
	return mc.bad ? 1 : 0;
}
