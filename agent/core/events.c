// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "addr.h"
#include "events.h"

long long ef_mono_to_real_ns(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((long long)r.tv_sec - m.tv_sec) * 1000000000ll + ((long long)r.tv_nsec - m.tv_nsec);
}

/* ts_ns + mono_to_real_ns, wrapping (as two's complement) rather than
 * overflowing: a u64 from the ring plus any offset is defined behaviour. */
static long long event_real_ns(const struct ef_event *e, const struct ef_fmt *f)
{
	return (long long)((unsigned long long)e->ts_ns + (unsigned long long)f->mono_to_real_ns);
}

static const char *transport(unsigned proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	}
	return NULL;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *obj_in(json_object *parent, const char *k)
{
	json_object *o = NULL;

	if (!json_object_object_get_ex(parent, k, &o)) {
		o = json_object_new_object();
		json_object_object_add(parent, k, o);
	}
	return o;
}

json_object *ef_json_strs(const char *a, const char *b)
{
	json_object *arr = json_object_new_array();

	json_object_array_add(arr, json_object_new_string(a));
	if (b)
		json_object_array_add(arr, json_object_new_string(b));
	return arr;
}

static void endpoint(json_object *root, const char *k, const union ef_addr *a, int port)
{
	char buf[EF_ADDRSTRLEN];
	json_object *o = obj_in(root, k);

	add_str(o, "ip", ef_addr_fmt(a, buf, sizeof(buf)));
	if (port >= 0)
		json_object_object_add(o, "port", json_object_new_int(port));
}

/* The reference document.  ef_event_format writes the same fields in the
 * same order itself: a change here is a change there (the tests compare
 * the two byte for byte). */
json_object *ef_event_json(const struct ef_event *e, const struct ef_fmt *f)
{
	json_object *root = json_object_new_object(), *ev, *net, *obs, *x;
	long long ns = event_real_ns(e, f);
	time_t sec = (time_t)(ns / 1000000000ll);
	char ts[64], tbuf[32];
	struct tm tm;
	const char *name, *tr;
	int ports = e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP;

	gmtime_r(&sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%06lldZ", tbuf, (ns % 1000000000ll) / 1000);
	add_str(root, "@timestamp", ts);

	ev = obj_in(root, "event");
	add_str(ev, "kind", "event");
	json_object_object_add(ev, "category", ef_json_strs("network", NULL));
	json_object_object_add(
		ev, "type",
		ef_json_strs("connection", e->action == EF_ACT_PASS ? "allowed" : "denied"));
	add_str(ev, "action", ef_action_name(e->action));
	add_str(ev, "reason", ef_reason_name(e->reason));
	add_str(ev, "module", "edgefw");

	if (e->rule != EF_RULE_NONE && f->rule_name &&
	    (name = f->rule_name(f->ctx, e->epoch, e->rule))) {
		x = obj_in(root, "rule");
		add_str(x, "name", name);
		if (f->policy)
			add_str(x, "ruleset", f->policy);
	}

	net = obj_in(root, "network");
	add_str(net, "direction", e->hook == EF_HOOK_EGRESS ? "egress" : "ingress");
	if (e->family) {
		add_str(net, "type", e->family == 4 ? "ipv4" : "ipv6");
		if ((tr = transport(e->proto)))
			add_str(net, "transport", tr);
		snprintf(tbuf, sizeof(tbuf), "%u", e->proto);
		add_str(net, "iana_number", tbuf);
		endpoint(root, "source", &e->src, ports ? e->sport : -1);
		endpoint(root, "destination", &e->dst, ports ? e->dport : -1);
	}

	obs = obj_in(root, "observer");
	if (f->hostname)
		add_str(obs, "hostname", f->hostname);
	if (f->node)
		add_str(obs, "name", f->node);
	add_str(obs, "type", "firewall");
	add_str(obs, "vendor", "edgefw");
	add_str(obs, "product", "edgefw");
	x = obj_in(obj_in(obs, e->hook == EF_HOOK_EGRESS ? "egress" : "ingress"), "interface");
	name = f->ifname ? f->ifname(f->ctx, e->ifindex) : NULL;
	if (name)
		add_str(x, "name", name);
	snprintf(tbuf, sizeof(tbuf), "%u", e->ifindex); /* ECS: keyword */
	add_str(x, "id", tbuf);

	/* what ECS has no field for */
	x = obj_in(root, "edgefw");
	json_object_object_add(x, "policy_epoch", json_object_new_int64(e->epoch));
	json_object_object_add(x, "packet_bytes", json_object_new_int64(e->pkt_len));
	if (e->proto == IPPROTO_TCP && e->family) {
		json_object *fl = json_object_new_array();
		static const char *const bits[] = { "FIN", "SYN", "RST", "PSH",
						    "ACK", "URG", "ECE", "CWR" };

		for (int i = 0; i < 8; i++)
			if (e->tcp_flags & (1u << i))
				json_object_array_add(fl, json_object_new_string(bits[i]));
		json_object_object_add(x, "tcp_flags", fl);
	}
	if ((e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6) && e->family) {
		json_object *ic = obj_in(x, "icmp");

		json_object_object_add(ic, "type", json_object_new_int(e->icmp_type));
		json_object_object_add(ic, "code", json_object_new_int(e->icmp_code));
	}
	return root;
}

/* ---- the reference line: json-c's bytes of ef_event_json's tree ---------- */

int ef_event_format_json(const struct ef_event *e, const struct ef_fmt *f, char *buf, size_t len)
{
	json_object *o = ef_event_json(e, f);
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	int rc = -1;

	if (s && n < len && n <= INT_MAX) {
		memcpy(buf, s, n + 1);
		rc = (int)n;
	}
	json_object_put(o);
	return rc;
}

/*
 * ---- the line, written directly ----------------------------------------------
 *
 * The same bytes as ef_event_format_json (json-c, plain, no slash escape),
 * in the same order, straight into the caller's buffer: no tree, no
 * allocation.  The document's shape is ef_event_json's; keep them together.
 */

struct out {
	char *p;
	char *end; /* the buffer's last byte, kept for the terminator */
	int bad;   /* something did not fit */
};

/* A copy of a few bytes without a call: two overlapping moves. */
static inline __attribute__((always_inline)) void copy(char *d, const void *src, size_t n)
{
	const char *s = src;
	__u64 a, b;
	__u32 x, y;

	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		memcpy(d, s, n);
	}
}

static inline __attribute__((always_inline)) void put(struct out *o, const void *s, size_t n)
{
	if ((size_t)(o->end - o->p) < n) {
		o->bad = 1;
		return;
	}
	if (__builtin_constant_p(n))
		memcpy(o->p, s, n);
	else
		copy(o->p, s, n);
	o->p += n;
}

#define PUT(o, lit) put(o, lit, sizeof(lit) - 1)

static inline __attribute__((always_inline)) void put_cstr(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/*
 * json-c's json_escape_str with JSON_C_TO_STRING_NOSLASHESCAPE: '"' and '\'
 * and \b \t \n \f \r get a backslash, the other bytes below 0x20 are
 * \u00xx (lower-case hex); every other byte, '/', DEL and bytes >= 0x80
 * (valid UTF-8 or not) as is.  0: as is; 'u': \u00xx; else the letter.
 */
static const unsigned char esc[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b',	     't',	    'n', 'u',
	'f', 'r', 'u', 'u', 'u', 'u', 'u', 'u', 'u',	     'u',	    'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', ['"'] = '"', ['\\'] = '\\',
};

static void put_str(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	PUT(o, "\"");
	for (;;) {
		size_t run = 0;
		unsigned char c;

		while (u[run] && !esc[u[run]])
			run++;
		put(o, u, run);
		u += run;
		if (!(c = *u++))
			break;
		if (esc[c] == 'u') {
			char x[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(o, x, 6);
		} else {
			char x[2] = { '\\', (char)esc[c] };

			put(o, x, 2);
		}
	}
	PUT(o, "\"");
}

/* Decimal digits of v, right-aligned ending at t; returns the first. */
static inline char *u32_digits(unsigned v, char *t)
{
	do {
		*--t = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return t;
}

static inline unsigned ndigits(unsigned v)
{
	unsigned n = 1;

	while (v >= 10000)
		v /= 10000, n += 4;
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

static void put_u32(struct out *o, unsigned v)
{
	unsigned n = ndigits(v);

	if ((size_t)(o->end - o->p) < n) {
		o->bad = 1;
		return;
	}
	u32_digits(v, o->p + n);
	o->p += n;
}

/* inet_ntop's (glibc's) text for an IPv4 address. */
static size_t v4_text(const unsigned char *b, char *out)
{
	char *p = out;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			*p++ = (char)('0' + v / 10 % 10);
		} else if (v >= 10) {
			*p++ = (char)('0' + v / 10);
		}
		*p++ = (char)('0' + v % 10);
		*p++ = '.';
	}
	return (size_t)(p - out - 1);
}

/* glibc's inet_ntop6: the longest run of two or more zero words (the first
 * of equals) becomes "::"; "::a.b.c.d" when only the last two words are
 * left (the v4-mapped form is v4_text's, see addr_text). */
static size_t v6_text(const unsigned char *b, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	char *p = out;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 1;
			else
				cur_len++;
		} else if (cur >= 0) {
			if (best < 0 || cur_len > best_len)
				best = cur, best_len = cur_len;
			cur = -1;
		}
	}
	if (cur >= 0 && (best < 0 || cur_len > best_len))
		best = cur, best_len = cur_len;
	if (best >= 0 && best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			p += v4_text(b + 12, p);
			return (size_t)(p - out);
		}
		for (int sh = w[i] >= 0x1000 ? 12 :
			      w[i] >= 0x100  ? 8 :
			      w[i] >= 0x10   ? 4 :
					       0;
		     sh >= 0; sh -= 4)
			*p++ = hex[(w[i] >> sh) & 15];
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return (size_t)(p - out);
}

/* ef_addr_fmt's text: dotted when v4-mapped, else IPv6. */
static size_t addr_text(const union ef_addr *a, char *out)
{
	return ef_addr_is_v4(a) ? v4_text(&a->b[12], out) : v6_text(a->b, out);
}

static void put_endpoint(struct out *o, const union ef_addr *a, int ports, unsigned port)
{
	char t[EF_ADDRSTRLEN];

	PUT(o, "{\"ip\":\"");
	put(o, t, addr_text(a, t));
	if (ports) {
		PUT(o, "\",\"port\":");
		put_u32(o, port);
		PUT(o, "}");
	} else {
		PUT(o, "\"}");
	}
}

static inline void two(char *t, unsigned v)
{
	t[0] = (char)('0' + v / 10);
	t[1] = (char)('0' + v % 10);
}

/*
 * "YYYY-MM-DDTHH:MM:SS" of a second since the epoch, as gmtime_r and
 * strftime("%Y-%m-%dT%H:%M:%S") give it.  sec is a nanosecond count in a
 * long long over 10^9: years 1677 to 2262, always four digits.
 */
static void civil_text(long long sec, char t[19])
{
	long long days = sec / 86400, sod = sec % 86400, z, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	if (sod < 0)
		sod += 86400, days--;
	/* days to civil date (H. Hinnant, "chrono-compatible low-level date
	 * algorithms"), proleptic Gregorian as glibc's gmtime */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	two(t, (unsigned)(y / 100));
	two(t + 2, (unsigned)(y % 100));
	t[4] = '-';
	two(t + 5, m);
	t[7] = '-';
	two(t + 8, d);
	t[10] = 'T';
	two(t + 11, (unsigned)(sod / 3600));
	t[13] = ':';
	two(t + 14, (unsigned)(sod / 60 % 60));
	t[16] = ':';
	two(t + 17, (unsigned)(sod % 60));
}

/* The second's text changes once a second: kept per thread. */
static __thread long long ts_sec = LLONG_MIN;
static __thread char ts_text[19];

/* The @timestamp value ef_event_json writes: the second (the nanoseconds
 * over 10^9, truncated toward zero), '.', the microseconds of the
 * remainder as "%06lld" (so "-00001" before 1970, as the reference does),
 * 'Z'.  Returns its length. */
static size_t timestamp_text(long long ns, char *t)
{
	long long sec = ns / 1000000000ll, us = (ns % 1000000000ll) / 1000;
	char *p = t + 20;

	if (sec != ts_sec) {
		civil_text(sec, ts_text);
		ts_sec = sec;
	}
	memcpy(t, ts_text, 19);
	t[19] = '.';
	if (us >= 0) {
		unsigned u = (unsigned)us;

		for (int i = 5; i >= 0; i--, u /= 10)
			p[i] = (char)('0' + u % 10);
		p += 6;
	} else {
		char d[6], *s = u32_digits((unsigned)-us, d + 6);

		*p++ = '-';
		for (ptrdiff_t pad = 5 - (d + 6 - s); pad > 0; pad--)
			*p++ = '0';
		while (s < d + 6)
			*p++ = *s++;
	}
	*p++ = 'Z';
	return (size_t)(p - t);
}

int ef_event_format(const struct ef_event *e, const struct ef_fmt *f, char *buf, size_t len)
{
	static const char *const bits[] = { "\"FIN\"", "\"SYN\"", "\"RST\"", "\"PSH\"",
					    "\"ACK\"", "\"URG\"", "\"ECE\"", "\"CWR\"" };
	int egress = e->hook == EF_HOOK_EGRESS;
	int ports = e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP;
	struct out o;
	const char *name, *tr;
	char t[32];

	if (!len)
		return -1;
	o = (struct out){ .p = buf, .end = buf + len - 1, .bad = 0 };
	PUT(&o, "{\"@timestamp\":\"");
	put(&o, t, timestamp_text(event_real_ns(e, f), t));
	PUT(&o, "\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
		"\"type\":[\"connection\",");
	if (e->action == EF_ACT_PASS)
		PUT(&o, "\"allowed\"],\"action\":\"");
	else
		PUT(&o, "\"denied\"],\"action\":\"");
	put_cstr(&o, ef_action_name(e->action));
	PUT(&o, "\",\"reason\":\"");
	put_cstr(&o, ef_reason_name(e->reason));
	PUT(&o, "\",\"module\":\"edgefw\"}");

	if (e->rule != EF_RULE_NONE && f->rule_name &&
	    (name = f->rule_name(f->ctx, e->epoch, e->rule))) {
		PUT(&o, ",\"rule\":{\"name\":");
		put_str(&o, name);
		if (f->policy) {
			PUT(&o, ",\"ruleset\":");
			put_str(&o, f->policy);
		}
		PUT(&o, "}");
	}

	if (egress)
		PUT(&o, ",\"network\":{\"direction\":\"egress\"");
	else
		PUT(&o, ",\"network\":{\"direction\":\"ingress\"");
	if (e->family) {
		if (e->family == 4)
			PUT(&o, ",\"type\":\"ipv4\"");
		else
			PUT(&o, ",\"type\":\"ipv6\"");
		if ((tr = transport(e->proto))) {
			PUT(&o, ",\"transport\":\"");
			put_cstr(&o, tr);
			PUT(&o, "\"");
		}
		PUT(&o, ",\"iana_number\":\"");
		put_u32(&o, e->proto);
		PUT(&o, "\"},\"source\":");
		put_endpoint(&o, &e->src, ports, e->sport);
		PUT(&o, ",\"destination\":");
		put_endpoint(&o, &e->dst, ports, e->dport);
	} else {
		PUT(&o, "}");
	}

	PUT(&o, ",\"observer\":{");
	if (f->hostname) {
		PUT(&o, "\"hostname\":");
		put_str(&o, f->hostname);
		PUT(&o, ",");
	}
	if (f->node) {
		PUT(&o, "\"name\":");
		put_str(&o, f->node);
		PUT(&o, ",");
	}
	if (egress)
		PUT(&o, "\"type\":\"firewall\",\"vendor\":\"edgefw\",\"product\":\"edgefw\","
			"\"egress\":{\"interface\":{");
	else
		PUT(&o, "\"type\":\"firewall\",\"vendor\":\"edgefw\",\"product\":\"edgefw\","
			"\"ingress\":{\"interface\":{");
	if (f->ifname && (name = f->ifname(f->ctx, e->ifindex))) {
		PUT(&o, "\"name\":");
		put_str(&o, name);
		PUT(&o, ",");
	}
	PUT(&o, "\"id\":\""); /* ECS: keyword */
	put_u32(&o, e->ifindex);

	PUT(&o, "\"}}},\"edgefw\":{\"policy_epoch\":");
	put_u32(&o, e->epoch);
	PUT(&o, ",\"packet_bytes\":");
	put_u32(&o, e->pkt_len);
	if (e->proto == IPPROTO_TCP && e->family) {
		int first = 1;

		PUT(&o, ",\"tcp_flags\":[");
		for (int i = 0; i < 8; i++) {
			if (!(e->tcp_flags & (1u << i)))
				continue;
			if (!first)
				PUT(&o, ",");
			put(&o, bits[i], 5);
			first = 0;
		}
		PUT(&o, "]");
	}
	if ((e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6) && e->family) {
		PUT(&o, ",\"icmp\":{\"type\":");
		put_u32(&o, e->icmp_type);
		PUT(&o, ",\"code\":");
		put_u32(&o, e->icmp_code);
		PUT(&o, "}");
	}
	PUT(&o, "}}");

	if (o.bad || o.p - buf > INT_MAX)
		return -1;
	*o.p = '\0';
	return (int)(o.p - buf);
}
