// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests: events as ECS JSON (agent/events.c).  Each event is formatted
 * to its one line, parsed back with json-c, and its nested fields checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "edgefw/parse.h"
#include "addr.h"
#include "events.h"

#define SEC 1000000000ll

/* ---- fixture: callbacks and a parsed event ------------------------------- */

static struct {
	json_object *root;
	int rule_calls;
	__u32 rule_epoch;
	__u16 rule_arg;
	struct ef_event e; /* the test's event: tcp4() unless it says */
	struct ef_fmt f;   /* and how it is written: fmt() */
} F;

static int teardown(void **state)
{
	(void)state;
	json_object_put(F.root);
	memset(&F, 0, sizeof(F));
	return 0;
}

static const char *ifname_cb(void *ctx, __u32 ifindex)
{
	(void)ctx;
	switch (ifindex) {
	case 2: return "eth0";
	case 3: return "eth1";
	}
	return NULL;
}

static const char *rule_name_cb(void *ctx, __u32 epoch, __u16 rule)
{
	static const char *const names[] = { "ext-access-sip-tls-443-in",
					     "ext-av-stun-udp-3478-in" };

	(void)ctx;
	F.rule_calls++;
	F.rule_epoch = epoch;
	F.rule_arg = rule;
	return rule < 2 ? names[rule] : NULL;
}

/* 2023-11-14T22:13:20Z in CLOCK_REALTIME is 1500 s of CLOCK_MONOTONIC ago */
static struct ef_fmt fmt(void)
{
	return (struct ef_fmt){
		.hostname = "edge1.example.net",
		.node = "edge1",
		.policy = "lync2013-scaled-edge-dnslb-public",
		.mono_to_real_ns = 1700000000ll * SEC,
		.ifname = ifname_cb,
		.rule_name = rule_name_cb,
		.ctx = NULL,
	};
}

static void set_v4(union ef_addr *a, const char *s)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, s, &in), 1);
	ef_addr_from_v4(a, in.s_addr);
}

static void set_v6(union ef_addr *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a->b), 1);
}

/* An inbound TCP SYN from 198.51.100.7:40000 to 203.0.113.10:5061, dropped. */
static struct ef_event tcp4(void)
{
	struct ef_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = 1500ull * SEC + 123456;
	e.ifindex = 3;
	e.epoch = 7;
	e.pkt_len = 74;
	e.rule = EF_RULE_NONE;
	e.sport = 40000;
	e.dport = 5061;
	e.hook = EF_HOOK_INGRESS;
	e.action = EF_ACT_DROP;
	e.reason = EF_R_NO_RULE;
	e.proto = IPPROTO_TCP;
	e.family = 4;
	e.tcp_flags = EF_TCP_SYN;
	set_v4(&e.src, "198.51.100.7");
	set_v4(&e.dst, "203.0.113.10");
	return e;
}

static struct ef_event icmp4(void)
{
	struct ef_event e = tcp4();

	e.proto = IPPROTO_ICMP;
	e.tcp_flags = 0;
	e.icmp_type = EF_ICMP_ECHO;
	e.icmp_code = 0;
	e.sport = e.dport = 0x1234; /* echo identifier */
	e.reason = EF_R_ICMP_TYPE;
	return e;
}

static struct ef_event udp6(void)
{
	struct ef_event e = tcp4();

	e.proto = IPPROTO_UDP;
	e.family = 6;
	e.tcp_flags = 0;
	e.sport = 3478;
	e.dport = 3478;
	set_v6(&e.src, "2001:0db8:0000:0000:0000:0000:0000:0007");
	set_v6(&e.dst, "2001:db8:0:0:1:0:0:10");
	return e;
}

static int setup(void **state)
{
	(void)state;
	F.e = tcp4();
	F.f = fmt();
	return 0;
}

/* Format to one line, check it is one line, and parse it back. */
static json_object *line(const struct ef_event *e, const struct ef_fmt *f)
{
	char buf[4096];
	int n = ef_event_format(e, f, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_null(strchr(buf, '\n'));
	json_object_put(F.root);
	F.root = json_tokener_parse(buf);
	if (!F.root)
		fail_msg("not JSON: %s", buf);
	assert_true(json_object_is_type(F.root, json_type_object));
	return F.root;
}

/* The test's event (F.e, F.f), formatted and parsed back. */
static json_object *shown(void)
{
	return line(&F.e, &F.f);
}

/* An event as the test's event, formatted and parsed back. */
static json_object *shown_as(struct ef_event e)
{
	F.e = e;
	return shown();
}

/* Member at a dotted path ("observer.ingress.interface.name"), or NULL. */
static json_object *at(const char *path)
{
	json_object *o = F.root;
	char buf[256], *save = NULL, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		json_object *next = NULL;

		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, k, &next))
			return NULL;
		o = next;
	}
	return o;
}

#define want_str(path, v) want_str_(path, v, __FILE__, __LINE__)
static void want_str_(const char *path, const char *v, const char *file, int line)
{
	json_object *o = at(path);

	if (!o || !json_object_is_type(o, json_type_string) ||
	    strcmp(json_object_get_string(o), v) != 0) {
		print_error("%s: %s, expected \"%s\"\n", path,
			    o ? json_object_to_json_string(o) : "(absent)", v);
		_fail(file, line);
	}
}

#define want_int(path, v) want_int_(path, v, __FILE__, __LINE__)
static void want_int_(const char *path, long long v, const char *file, int line)
{
	json_object *o = at(path);

	if (!o || !json_object_is_type(o, json_type_int) || json_object_get_int64(o) != v) {
		print_error("%s: %s, expected %lld\n", path,
			    o ? json_object_to_json_string(o) : "(absent)", v);
		_fail(file, line);
	}
}

#define want_absent(path) want_absent_(path, __FILE__, __LINE__)
static void want_absent_(const char *path, const char *file, int line)
{
	json_object *o = at(path);

	if (o) {
		print_error("%s: %s, expected absent\n", path, json_object_to_json_string(o));
		_fail(file, line);
	}
}

/* An array of exactly these strings (NULL-terminated). */
#define want_strs(path, ...) want_strs_(__FILE__, __LINE__, path, __VA_ARGS__, NULL)
static void want_strs_(const char *file, int line, const char *path, ...)
{
	json_object *o = at(path);
	const char *s;
	size_t i = 0;
	va_list ap;

	if (!o || !json_object_is_type(o, json_type_array)) {
		print_error("%s: %s, expected an array\n", path,
			    o ? json_object_to_json_string(o) : "(absent)");
		_fail(file, line);
		return;
	}
	va_start(ap, path);
	while ((s = va_arg(ap, const char *))) {
		json_object *e = json_object_array_get_idx(o, i++);

		if (!e || strcmp(json_object_get_string(e), s) != 0) {
			print_error("%s[%zu]: %s, expected \"%s\" (%s)\n", path, i - 1,
				    e ? json_object_get_string(e) : "(absent)", s,
				    json_object_to_json_string(o));
			va_end(ap);
			_fail(file, line);
			return;
		}
	}
	va_end(ap);
	if (json_object_array_length(o) != i) {
		print_error("%s: %s, expected %zu elements\n", path, json_object_to_json_string(o),
			    i);
		_fail(file, line);
	}
}

/* The test's event says event.action action, event.type connection and type. */
static void want_action(const char *action, const char *type)
{
	shown();
	want_str("event.action", action);
	want_strs("event.type", "connection", type);
}

/* The test's event says event.reason name. */
static void want_reason(const char *name)
{
	shown();
	want_str("event.reason", name);
}

/* ==== @timestamp ============================================================ */

static void timestamp_is_rfc3339_utc_from_mono_to_real(void **state)
{
	(void)state;
	shown();
	/* 1700000000 s + 1500.000123456 s: microseconds, truncated */
	want_str("@timestamp", "2023-11-14T22:38:20.000123Z");
}

static void timestamp_follows_the_offset(void **state)
{
	(void)state;
	F.e.ts_ns = 5 * SEC + 999999999;
	F.f.mono_to_real_ns = 951782400ll * SEC; /* 2000-02-29T00:00:00Z */
	shown();
	want_str("@timestamp", "2000-02-29T00:00:05.999999Z");
}

static void timestamp_shape(void **state)
{
	const char *s;
	struct tm tm;
	char *end;

	(void)state;
	F.e.ts_ns = 86399ull * SEC + 5000;
	shown();
	assert_non_null(at("@timestamp"));
	s = json_object_get_string(at("@timestamp"));
	assert_int_equal(strlen(s), strlen("YYYY-MM-DDTHH:MM:SS.ffffffZ"));
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(end);
	assert_string_equal(end, ".000005Z");
	assert_int_equal(timegm(&tm), 1700000000 + 86399);
}

/* ==== event.* ================================================================== */

static void event_kind_and_category(void **state)
{
	(void)state;
	shown();
	want_str("event.kind", "event");
	want_strs("event.category", "network");
	want_str("event.module", "edgefw");
}

static void event_drop(void **state)
{
	(void)state;
	want_action("drop", "denied");
}

static void event_would_drop_is_denied(void **state)
{
	(void)state;
	F.e.action = EF_ACT_WOULD_DROP;
	want_action("would-drop", "denied");
}

static void event_pass_is_allowed(void **state)
{
	(void)state;
	F.e.action = EF_ACT_PASS;
	F.e.reason = EF_R_RULE;
	F.e.rule = 0;
	want_action("pass", "allowed");
	want_str("event.reason", "rule");
}

static void event_reason_no_rule(void **state)
{
	(void)state;
	want_reason("no-rule");
}

static void event_reason_peer_not_allowed(void **state)
{
	(void)state;
	F.e.reason = EF_R_PEER;
	F.e.rule = 1;
	want_reason("peer-not-allowed");
}

static void event_reason_not_a_service_address(void **state)
{
	(void)state;
	F.e.reason = EF_R_NOT_SERVICE;
	want_reason("not-a-service-address");
}

static void event_reason_unknown_number(void **state)
{
	(void)state;
	F.e.reason = 12;
	want_reason("unknown");
}

/* ==== rule.* ========================================================================= */

static void rule_named_when_known(void **state)
{
	(void)state;
	F.e.action = EF_ACT_PASS;
	F.e.reason = EF_R_RULE;
	F.e.rule = 1;
	F.e.epoch = 42;
	shown();
	want_str("rule.name", "ext-av-stun-udp-3478-in");
	want_str("rule.ruleset", "lync2013-scaled-edge-dnslb-public");
	assert_int_equal(F.rule_calls, 1);
	assert_int_equal(F.rule_epoch, 42);
	assert_int_equal(F.rule_arg, 1);
}

/* A callback that names every number, EF_RULE_NONE included. */
static const char *any_rule_cb(void *ctx, __u32 epoch, __u16 rule)
{
	(void)ctx;
	(void)epoch;
	(void)rule;
	return "catch-all";
}

static void rule_absent_without_a_rule(void **state)
{
	(void)state;
	F.e.rule = EF_RULE_NONE;
	F.f.rule_name = any_rule_cb;
	shown();
	want_absent("rule");
}

static void rule_absent_when_callback_does_not_know_it(void **state)
{
	(void)state;
	F.e.rule = 9; /* F.e.g. a rule of an epoch the agent no longer holds */
	shown();
	want_absent("rule");
	assert_int_equal(F.rule_calls, 1);
}

static void rule_absent_without_callback(void **state)
{
	(void)state;
	F.e.rule = 0;
	F.f.rule_name = NULL;
	shown();
	want_absent("rule");
}

static void rule_without_policy_name_has_no_ruleset(void **state)
{
	(void)state;
	F.e.rule = 0;
	F.f.policy = NULL;
	shown();
	want_str("rule.name", "ext-access-sip-tls-443-in");
	want_absent("rule.ruleset");
}

/* ==== network, source, destination ================================================== */

static void tcp4_network_fields(void **state)
{
	(void)state;
	shown();
	want_str("network.transport", "tcp");
	want_str("network.type", "ipv4");
	want_str("network.iana_number", "6");
	want_str("network.direction", "ingress");
}

static void tcp4_endpoints_dotted_with_ports(void **state)
{
	(void)state;
	shown();
	want_str("source.ip", "198.51.100.7");
	want_int("source.port", 40000);
	want_str("destination.ip", "203.0.113.10");
	want_int("destination.port", 5061);
}

static void udp6_endpoints_compressed(void **state)
{
	(void)state;
	shown_as(udp6());
	want_str("network.transport", "udp");
	want_str("network.type", "ipv6");
	want_str("network.iana_number", "17");
	want_str("source.ip", "2001:db8::7");
	want_str("destination.ip", "2001:db8::1:0:0:10");
	want_int("source.port", 3478);
	want_int("destination.port", 3478);
	want_absent("edgefw.tcp_flags");
}

static void icmp4_has_no_ports(void **state)
{
	(void)state;
	shown_as(icmp4());
	want_str("network.transport", "icmp");
	want_str("network.iana_number", "1");
	want_str("source.ip", "198.51.100.7");
	want_str("destination.ip", "203.0.113.10");
	want_absent("source.port");
	want_absent("destination.port");
	want_int("edgefw.icmp.type", EF_ICMP_ECHO);
	want_int("edgefw.icmp.code", 0);
	want_absent("edgefw.tcp_flags");
	want_str("event.reason", "icmp-type");
}

static void icmp6_transport_name(void **state)
{
	(void)state;
	F.e = udp6();
	F.e.proto = IPPROTO_ICMPV6;
	F.e.icmp_type = EF_ICMP6_PKT_TOOBIG;
	F.e.icmp_code = 0;
	shown();
	want_str("network.transport", "ipv6-icmp");
	want_str("network.iana_number", "58");
	want_absent("source.port");
	want_absent("destination.port");
	want_int("edgefw.icmp.type", EF_ICMP6_PKT_TOOBIG);
}

static void other_protocol_has_number_only(void **state)
{
	(void)state;
	F.e.proto = 47; /* GRE */
	F.e.reason = EF_R_PROTOCOL;
	shown();
	want_absent("network.transport");
	want_str("network.iana_number", "47");
	want_str("source.ip", "198.51.100.7");
	want_absent("source.port");
	want_absent("edgefw.tcp_flags");
	want_absent("edgefw.icmp");
}

static void non_ip_has_no_endpoints(void **state)
{
	(void)state;
	F.e.family = 0;
	F.e.proto = 0;
	F.e.reason = EF_R_ETHERTYPE;
	memset(&F.e.src, 0, sizeof(F.e.src));
	memset(&F.e.dst, 0, sizeof(F.e.dst));
	shown();
	want_str("network.direction", "ingress");
	want_absent("network.type");
	want_absent("network.transport");
	want_absent("network.iana_number");
	want_absent("source");
	want_absent("destination");
	want_str("event.reason", "ethertype");
}

static void egress_direction_and_interface(void **state)
{
	(void)state;
	F.e.hook = EF_HOOK_EGRESS;
	F.e.ifindex = 2;
	set_v4(&F.e.src, "198.18.0.10");
	set_v4(&F.e.dst, "198.18.10.5");
	shown();
	want_str("network.direction", "egress");
	want_str("observer.egress.interface.name", "eth0");
	want_str("observer.egress.interface.id", "2");
	want_absent("observer.ingress");
	want_str("source.ip", "198.18.0.10");
}

/* ==== observer ====================================================================== */

static void observer_fields(void **state)
{
	(void)state;
	shown();
	want_str("observer.hostname", "edge1.example.net");
	want_str("observer.name", "edge1");
	want_str("observer.type", "firewall");
	want_str("observer.vendor", "edgefw");
	want_str("observer.product", "edgefw");
	want_str("observer.ingress.interface.name", "eth1");
	want_str("observer.ingress.interface.id", "3");
	want_absent("observer.egress");
}

static void observer_unknown_interface_has_id_only(void **state)
{
	(void)state;
	F.e.ifindex = 99;
	shown();
	want_absent("observer.ingress.interface.name");
	want_str("observer.ingress.interface.id", "99");
}

static void observer_without_hostname_and_node(void **state)
{
	(void)state;
	F.f.hostname = NULL;
	F.f.node = NULL;
	F.f.ifname = NULL;
	shown();
	want_absent("observer.hostname");
	want_absent("observer.name");
	want_absent("observer.ingress.interface.name");
	want_str("observer.ingress.interface.id", "3");
	want_str("observer.type", "firewall");
}

/* ==== edgefw.* ====================================================================== */

static void tcp_flag_names(void **state)
{
	(void)state;
	F.e.tcp_flags = EF_TCP_SYN | EF_TCP_ACK;
	shown();
	want_strs("edgefw.tcp_flags", "SYN", "ACK");
}

static void tcp_flag_names_all_in_bit_order(void **state)
{
	(void)state;
	F.e.tcp_flags = 0xff;
	shown();
	want_strs("edgefw.tcp_flags", "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR");
}

static void tcp_flag_names_none(void **state)
{
	json_object *o;

	(void)state;
	F.e.tcp_flags = 0;
	F.e.reason = EF_R_TCP_FLAGS;
	shown();
	o = at("edgefw.tcp_flags");
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_array));
	assert_int_equal(json_object_array_length(o), 0);
	want_str("event.reason", "bad-tcp-flags");
}

static void epoch_and_packet_bytes(void **state)
{
	(void)state;
	F.e.epoch = 4000000000u;
	F.e.pkt_len = 1514;
	shown();
	want_int("edgefw.policy_epoch", 4000000000ll);
	want_int("edgefw.packet_bytes", 1514);
}

/* ==== ef_event_format ================================================================ */

static void format_matches_json(void **state)
{
	struct ef_event e = udp6();
	struct ef_fmt f = fmt();
	json_object *direct;

	(void)state;
	line(&e, &f);
	direct = ef_event_json(&e, &f);
	assert_non_null(direct);
	assert_true(json_object_equal(direct, F.root));
	json_object_put(direct);
}

static void format_needs_room_for_the_terminator(void **state)
{
	struct ef_event e = tcp4();
	struct ef_fmt f = fmt();
	char buf[4096], small[4096];
	int n;

	(void)state;
	n = ef_event_format(&e, &f, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ef_event_format(&e, &f, small, (size_t)n + 1), n);
	assert_string_equal(small, buf);
	assert_int_equal(ef_event_format(&e, &f, small, (size_t)n), -1);
	assert_int_equal(ef_event_format(&e, &f, small, 16), -1);
}

static void format_does_not_escape_slashes(void **state)
{
	struct ef_event e = tcp4();
	struct ef_fmt f = fmt();
	char buf[4096];

	(void)state;
	f.policy = "a/b";
	e.rule = 0;
	assert_true(ef_event_format(&e, &f, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"ruleset\":\"a/b\""));
}

static void mono_to_real_matches_the_clocks(void **state)
{
	struct timespec r, m;
	long long want, got, diff;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	want = ((long long)r.tv_sec - m.tv_sec) * SEC + (r.tv_nsec - m.tv_nsec);
	got = ef_mono_to_real_ns();
	diff = got > want ? got - want : want - got;
	assert_true(diff < SEC / 10);
}

/* ==== the direct writer against json-c, byte for byte =================================== */

/*
 * ef_event_format writes the line itself; ef_event_format_json is json-c's
 * text of ef_event_json's tree (what ef_event_format was).  For every kind
 * of event the two lines must be the same bytes, both must parse (strict),
 * and the parsed line must equal the tree (json_object_equal).  The
 * callbacks return names chosen per case (EQ.ifname, EQ.rule).
 */
static struct {
	const char *ifname, *rule; /* what the callbacks return (NULL: unknown) */
	unsigned long docs;	   /* documents compared */
	char ref[65536], got[65536];
} EQ;

static const char *eq_ifname(void *ctx, __u32 ifindex)
{
	(void)ctx;
	(void)ifindex;
	return EQ.ifname;
}

static const char *eq_rule(void *ctx, __u32 epoch, __u16 rule)
{
	(void)ctx;
	(void)epoch;
	(void)rule;
	return EQ.rule;
}

static struct ef_fmt eq_fmt(void)
{
	struct ef_fmt f = fmt();

	f.ifname = eq_ifname;
	f.rule_name = eq_rule;
	EQ.ifname = "eth1";
	EQ.rule = "ext-access-sip-tls-443-in";
	return f;
}

static json_object *parse_strict(const char *s, size_t n)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (o && tok->char_offset != (int)n) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

#define same(e, f, what) same_(e, f, what, __FILE__, __LINE__)
static void same_(const struct ef_event *e, const struct ef_fmt *f, const char *what,
		  const char *file, int line)
{
	json_object *tree = ef_event_json(e, f), *parsed;
	size_t len = 0;
	const char *text = json_object_to_json_string_length(
		tree, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	int nr = (int)len, ng = ef_event_format(e, f, EQ.got, sizeof(EQ.got));
	char *exact;

	assert_true(text && len < sizeof(EQ.ref));
	memcpy(EQ.ref, text, len + 1);
	EQ.docs++;
	if (nr <= 0 || ng != nr || memcmp(EQ.ref, EQ.got, (size_t)nr + 1) != 0) {
		print_error("%s: the lines differ (%d, %d bytes)\njson-c: %s\ndirect: %s\n", what,
			    nr, ng, EQ.ref, ng > 0 ? EQ.got : "(none)");
		_fail(file, line);
	}
	/* exactly the room it needs (ASan sees a byte too far), and one less */
	exact = malloc((size_t)nr + 1);
	assert_non_null(exact);
	if (ef_event_format(e, f, exact, (size_t)nr + 1) != nr ||
	    memcmp(exact, EQ.ref, (size_t)nr + 1)) {
		print_error("%s: not the same line in a buffer of its size\n", what);
		_fail(file, line);
	}
	free(exact);
	exact = malloc((size_t)nr);
	assert_non_null(exact);
	if (ef_event_format(e, f, exact, (size_t)nr) != -1) {
		print_error("%s: fits without its terminator?\n", what);
		_fail(file, line);
	}
	free(exact);
	parsed = parse_strict(EQ.got, (size_t)ng);
	if (!parsed || !json_object_equal(parsed, tree)) {
		print_error("%s: %s\nparses to %s\n", what, EQ.got,
			    parsed ? json_object_to_json_string(parsed) : "(not strict JSON)");
		_fail(file, line);
	}
	json_object_put(parsed);
	json_object_put(tree);
}

/* same() with the names of eq_fmt(), fresh */
#define same_as(e, what) same_as_(e, what, __FILE__, __LINE__)
static void same_as_(const struct ef_event *e, const char *what, const char *file, int line)
{
	struct ef_fmt f = eq_fmt();

	same_(e, &f, what, file, line);
}

/* The kinds of name (NULL is its own case where a NULL can be given). */
static const char *const odd_names[] = {
	"edge1.example.net",
	"",
	"a\"quoted\" \\back\\slash\\",
	"a/b//c/", /* '/' as is (NOSLASHESCAPE) */
	"tab\tnl\ncr\rff\fbs\bvt\vnul-less\x01\x1f\x7f",
	"Zürich-ノード-\xf0\x9f\x94\xa5", /* UTF-8, 2, 3 and 4 bytes */
	"\xff\xfe\x80\xc3",		  /* not UTF-8: passed through as json-c does */
	"\"",
	"\\",
	"</script>",
	"\x1b[31mred\x1b[0m",
	"json\"}],\"injected\":{\"x\":\"",
};
#define NODD (sizeof(odd_names) / sizeof(odd_names[0]))

static char every_byte[256]; /* bytes 1..255 in order */
static char long_name[3000]; /* mostly escapes: more than 2 KiB of line */

static void names_init(void)
{
	for (int i = 1; i < 256; i++)
		every_byte[i - 1] = (char)i;
	for (size_t i = 0; i + 1 < sizeof(long_name); i++)
		long_name[i] = "a\"\x01/\\\xe2\x82\xac"[i % 8];
	long_name[sizeof(long_name) - 1] = '\0';
}

/* Every name of every kind in every place, and NULL where it may be. */
static void same_names_everywhere(void **state)
{
	const char *names[NODD + 3];
	size_t nn = 0;

	(void)state;
	names_init();
	for (size_t i = 0; i < NODD; i++)
		names[nn++] = odd_names[i];
	names[nn++] = every_byte;
	names[nn++] = long_name;
	names[nn++] = NULL;
	for (size_t i = 0; i < nn; i++) {
		for (int place = 0; place < 5; place++) {
			struct ef_event e = tcp4();
			struct ef_fmt f = eq_fmt();

			e.rule = 1;
			switch (place) {
			case 0: f.hostname = names[i]; break;
			case 1: f.node = names[i]; break;
			case 2: f.policy = names[i]; break;
			case 3: EQ.ifname = names[i]; break;
			case 4: EQ.rule = names[i]; break;
			}
			same(&e, &f, "a name");
			e.hook = EF_HOOK_EGRESS;
			same(&e, &f, "a name, egress");
		}
	}
	/* every single byte as a name */
	for (int c = 1; c < 256; c++) {
		char one[2] = { (char)c, 0 }, three[4] = { 'x', (char)c, 'y', 0 };
		struct ef_event e = tcp4();
		struct ef_fmt f = eq_fmt();

		e.rule = 0;
		f.hostname = f.node = f.policy = one;
		EQ.ifname = EQ.rule = three;
		same(&e, &f, "one byte");
	}
	/* all of them missing */
	{
		struct ef_event e = tcp4();
		struct ef_fmt f = eq_fmt();

		f.hostname = f.node = f.policy = NULL;
		f.ifname = NULL;
		e.rule = 0;
		same(&e, &f, "no names, no ifname callback");
		f.rule_name = NULL;
		same(&e, &f, "no callbacks");
		EQ.ifname = NULL;
		f.ifname = eq_ifname;
		same(&e, &f, "ifname unknown");
	}
}

/* Every reason number, action number, hook, family, protocol, rule case. */
static void same_every_kind_of_event(void **state)
{
	static const unsigned families[] = { 0, 4, 6, 5, 255 };
	static const unsigned protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
					   0,		47,	     132,	   255 };
	static const unsigned hooks[] = { EF_HOOK_INGRESS, EF_HOOK_EGRESS, 2, 255 };
	/* rule numbers, and what the callback says */
	static const struct {
		unsigned rule;
		int named;
	} rules[] = {
		{ EF_RULE_NONE, 1 }, { 0, 1 }, { 1, 1 }, { 9, 0 }, { 0xfffe, 1 },
	};

	(void)state;
	for (unsigned r = 0; r < 256; r++)
		for (unsigned a = 0; a < 256; a += (a < 5 ? 1 : 50)) {
			struct ef_event e = tcp4();

			e.reason = (__u8)r;
			e.action = (__u8)a;
			same_as(&e, "reason x action");
		}
	for (size_t fi = 0; fi < sizeof(families) / sizeof(families[0]); fi++)
		for (size_t pi = 0; pi < sizeof(protos) / sizeof(protos[0]); pi++)
			for (size_t hi = 0; hi < sizeof(hooks) / sizeof(hooks[0]); hi++)
				for (size_t ri = 0; ri < sizeof(rules) / sizeof(rules[0]); ri++)
					for (int monitor = 0; monitor < 4; monitor++) {
						struct ef_event e =
							families[fi] == 6 ? udp6() : tcp4();
						struct ef_fmt f = eq_fmt();

						e.family = (__u8)families[fi];
						e.proto = (__u8)protos[pi];
						e.hook = (__u8)hooks[hi];
						e.rule = (__u16)rules[ri].rule;
						if (!rules[ri].named)
							EQ.rule = NULL;
						e.tcp_flags = EF_TCP_SYN | EF_TCP_ACK;
						e.icmp_type = 3;
						e.icmp_code = 4;
						e.action = (__u8)
							monitor; /* pass, drop, would-drop, challenge */
						e.reason =
							(__u8)(monitor == 0 ? EF_R_RULE :
							       monitor == 1 ? EF_R_NO_RULE :
							       monitor == 2 ? EF_R_PEER :
									      EF_R_SYN_CHALLENGE);
						same(&e, &f,
						     "family x protocol x hook x rule x action");
					}
	/* the shield's events */
	{
		static const unsigned shield[][2] = {
			{ EF_ACT_DROP, EF_R_RATE_LIMITED },
			{ EF_ACT_DROP, EF_R_BLOCKED_SOURCE },
			{ EF_ACT_DROP, EF_R_BLOCKLIST },
			{ EF_ACT_CHALLENGE, EF_R_SYN_CHALLENGE },
			{ EF_ACT_PASS, EF_R_SYN_VERIFIED },
			{ EF_ACT_WOULD_DROP, EF_R_RATE_LIMITED },
			{ EF_ACT_WOULD_DROP, EF_R_BLOCKED_SOURCE },
		};

		for (size_t i = 0; i < sizeof(shield) / sizeof(shield[0]); i++)
			for (int v6 = 0; v6 < 2; v6++) {
				struct ef_event e = v6 ? udp6() : tcp4();

				e.proto = IPPROTO_TCP;
				e.action = (__u8)shield[i][0];
				e.reason = (__u8)shield[i][1];
				e.rule = 0;
				e.tcp_flags =
					shield[i][1] == EF_R_SYN_VERIFIED ? EF_TCP_RST : EF_TCP_SYN;
				same_as(&e, "shield");
			}
	}
	/* every TCP flag subset, both families, both hooks */
	for (unsigned fl = 0; fl < 256; fl++)
		for (int v6 = 0; v6 < 2; v6++)
			for (int h = 0; h < 2; h++) {
				struct ef_event e = v6 ? udp6() : tcp4();

				e.proto = IPPROTO_TCP;
				e.tcp_flags = (__u8)fl;
				e.hook = (__u8)h;
				same_as(&e, "tcp flags");
				e.proto = IPPROTO_UDP; /* flags set, but not TCP: none written */
				same_as(&e, "udp with flag bits");
			}
	/* ICMP types and codes, both ICMPs in both families */
	for (unsigned t = 0; t < 256; t += (t < 20 || (t >= 126 && t <= 140) ? 1 : 17))
		for (unsigned c = 0; c < 256; c += (c < 16 ? 1 : 239)) {
			struct ef_event e = icmp4();

			e.icmp_type = (__u8)t;
			e.icmp_code = (__u8)c;
			same_as(&e, "icmp");
			e.proto = IPPROTO_ICMPV6;
			e.family = 6;
			same_as(&e, "icmpv6");
			e.family = 0;
			same_as(&e, "icmpv6, not IP");
		}
}

/* Numbers at their ends, and the clock at its ends. */
static void same_extremes(void **state)
{
	static const __u32 u32s[] = { 0,	   1,		9,	    10,	       99,
				      100,	   65535,	65536,	    999999999, 1000000000,
				      2147483647u, 2147483648u, 4294967295u };
	static const unsigned u16s[] = { 0, 1, 9, 10, 80, 443, 1023, 1024, 9999, 10000, 65535 };
	static const unsigned long long ts[] = {
		0,
		1,
		999,
		1000,
		999999999,
		1000000000,
		123456789012345678ull,
		9223372036854775807ull,
		9223372036854775808ull,
		18446744073709551615ull,
		18446744073709551000ull,
		1500ull * SEC + 123456,
	};
	static const long long offs[] = {
		0,
		1,
		-1,
		-1000,
		-1001,
		-999999,
		-1000000000ll,
		-1500ll * SEC - 123456,
		-1500ll * SEC - 123457000ll,
		1700000000ll * SEC,
		951782400ll * SEC,
		-2208988800ll * SEC, /* 1900-01-01 */
		4102444800ll * SEC,  /* 2100-01-01 */
		9223372036854775807ll,
		-9223372036854775807ll - 1,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		struct ef_event e = tcp4();
		struct ef_fmt f = eq_fmt();

		e.epoch = u32s[i];
		e.pkt_len = u32s[(i + 5) % (sizeof(u32s) / sizeof(u32s[0]))];
		e.ifindex = u32s[(i + 9) % (sizeof(u32s) / sizeof(u32s[0]))];
		same(&e, &f, "epoch, packet bytes, ifindex");
	}
	for (size_t i = 0; i < sizeof(u16s) / sizeof(u16s[0]); i++)
		for (size_t j = 0; j < sizeof(u16s) / sizeof(u16s[0]); j++) {
			struct ef_event e = (i + j) % 2 ? udp6() : tcp4();
			struct ef_fmt f = eq_fmt();

			e.sport = (__u16)u16s[i];
			e.dport = (__u16)u16s[j];
			same(&e, &f, "ports");
		}
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
		for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			struct ef_event e = tcp4();
			struct ef_fmt f = eq_fmt();

			e.ts_ns = ts[i];
			f.mono_to_real_ns = offs[j];
			same(&e, &f, "timestamp");
		}
	/* the second's edges, every year the clock reaches: 1678-2261 */
	for (long long y = 1678; y <= 2261; y++) {
		struct tm tm = { .tm_year = (int)(y - 1900), .tm_mday = 1 };
		long long jan1 = timegm(&tm), at[] = {
			jan1,
			jan1 - 1,
			jan1 + 58 * 86400 + 86399,
			jan1 + 59 * 86400,
			jan1 + 60 * 86400 - 1,
			jan1 + 365 * 86400 + 86399,
		};

		for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++)
			for (int frac = 0; frac < 2; frac++) {
				struct ef_event e = tcp4();
				struct ef_fmt f = eq_fmt();

				e.ts_ns = frac ? 999999999 : 0;
				f.mono_to_real_ns = at[k] * SEC;
				same(&e, &f, "a year's edges");
				e.ts_ns = 0;
				f.mono_to_real_ns = at[k] * SEC - (frac ? 1 : 999999999);
				same(&e, &f, "a year's edges, below");
			}
	}
}

/* IPv4 and IPv6 addresses as inet_ntop writes them: every pattern of zero
 * words (where "::" goes), the embedded IPv4 forms, each family's address
 * in the other's event. */
static void same_addresses(void **state)
{
	static const __u16 vals[] = { 1, 0xf, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff, 0xdb8 };

	(void)state;
	for (unsigned mask = 0; mask < 256; mask++)
		for (size_t v = mask % 3; v < sizeof(vals) / sizeof(vals[0]); v += 3) {
			struct ef_event e = udp6();
			struct ef_fmt f = eq_fmt();

			for (int w = 0; w < 8; w++) {
				__u16 x = mask & (1u << w) ? 0 : vals[(v + (size_t)w) % 9];

				e.src.b[2 * w] = (__u8)(x >> 8);
				e.src.b[2 * w + 1] = (__u8)x;
				e.dst.b[2 * w] = (__u8)(vals[v] >> 8);
				e.dst.b[2 * w + 1] = mask & (1u << w) ? 0 : (__u8)vals[v];
			}
			same(&e, &f, "zero words");
			/* v4-mapped, v4-compatible and ::ffff:0:a.b.c.d neighbours */
			memset(e.src.b, 0, 10);
			e.src.b[10] = e.src.b[11] = 0xff;
			same(&e, &f, "v4-mapped");
			e.src.b[10] = 0;
			same(&e, &f, "::ff:...");
			e.src.b[11] = 0;
			same(&e, &f, "v4-compatible");
			e.src.b[8] = 0xff;
			e.src.b[9] = 0xff;
			same(&e, &f, "::ffff:0:a.b.c.d");
			e.family = 4;
			same(&e, &f, "IPv6 address in an IPv4 event");
		}
	{
		static const char *const v4[] = {
			"0.0.0.0",  "255.255.255.255", "1.2.3.4",
			"10.0.0.1", "100.64.9.99",     "192.168.100.200"
		};

		for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
			struct ef_event e = tcp4();
			struct ef_fmt f = eq_fmt();

			set_v4(&e.src, v4[i]);
			set_v4(&e.dst, v4[(i + 1) % 6]);
			same(&e, &f, "IPv4");
			e.family = 6;
			same(&e, &f, "IPv4 address in an IPv6 event");
		}
	}
}

/* xorshift64*: the same pseudo-random events on every run */
static unsigned long long rnd_state = 0x9e3779b97f4a7c15ull;
static unsigned long long rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ull;
}

/* Everything at once: random fields, names drawn from the odd ones. */
static void same_random_events(void **state)
{
	(void)state;
	names_init();
	for (int i = 0; i < 5000; i++) { /* (fuzz_events does more) */
		struct ef_event e;
		struct ef_fmt f = eq_fmt();
		unsigned long long r = rnd();
		const char *pick[6];

		for (size_t k = 0; k < sizeof(e); k += 8) {
			unsigned long long x = rnd();

			memcpy((char *)&e + k, &x, sizeof(e) - k < 8 ? sizeof(e) - k : 8);
		}
		if (r & 1)
			e.family = (r & 2) ? 4 : 6;
		if (r & 4)
			e.proto = (const __u8[]){ 6, 17, 1, 58 }[(r >> 3) & 3];
		if (r & 32)
			e.rule = EF_RULE_NONE;
		if (r & 64) /* a v4-mapped source */
			memcpy(e.src.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		if (r & 128) { /* zero words in the destination */
			size_t at = (r >> 8) & 15, n = (r >> 12) & 15;

			memset(e.dst.b + at, 0, at + n > 16 ? 16 - at : n);
		}
		e.reason = (__u8)(e.reason % 48);
		e.action = (__u8)(e.action % 6);
		e.hook &= 1;
		f.mono_to_real_ns = (r & 256) ? (long long)rnd() : 1700000000ll * SEC;
		for (int k = 0; k < 6; k++) {
			unsigned c = (unsigned)(rnd() % (NODD + 3));

			pick[k] = c < NODD	? odd_names[c] :
				  c == NODD	? every_byte :
				  c == NODD + 1 ? long_name :
						  NULL;
		}
		f.hostname = pick[0];
		f.node = pick[1];
		f.policy = pick[2];
		EQ.ifname = pick[3];
		EQ.rule = pick[4];
		if (!pick[5])
			f.ifname = NULL;
		same(&e, &f, "random");
	}
	print_message("%lu documents the same as json-c's so far\n", EQ.docs);
}

/* Any length up to the line's: -1 and nothing written past it; the
 * line's length + 1: the line. */
static void format_never_writes_past_len(void **state)
{
	static char buf[8192];

	(void)state;
	names_init();
	for (int k = 0; k < 3; k++) {
		struct ef_event e = k == 1 ? udp6() : tcp4();
		struct ef_fmt f = eq_fmt();
		int n;

		e.rule = 0;
		if (k == 2) {
			e.proto = IPPROTO_ICMP;
			f.hostname = every_byte;
		}
		n = ef_event_format_json(&e, &f, EQ.ref, sizeof(EQ.ref));
		assert_true(n > 0 && n + 1 < (int)sizeof(buf));
		for (int len = 0; len <= n + 1; len++) {
			memset(buf, 0x5a, sizeof(buf));
			assert_int_equal(ef_event_format(&e, &f, buf, (size_t)len),
					 len <= n ? -1 : n);
			for (size_t i = (size_t)len; i < sizeof(buf); i++)
				if (buf[i] != 0x5a)
					fail_msg("len %d: byte %zu written", len, i);
		}
		assert_memory_equal(buf, EQ.ref, (size_t)n + 1);
	}
}

/* ns per event, json-c's way and the direct one (printed, not asserted:
 * EF_EVENTS_BENCH=N runs N times as many). */
static double ns_per(int way, const struct ef_event *e0, const struct ef_fmt *f, long n)
{
	struct ef_event e = *e0;
	struct timespec t0, t1;
	char buf[2048];
	volatile int sink = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		e.ts_ns += 1000; /* a new microsecond each, a new second now and then */
		sink += way ? ef_event_format(&e, f, buf, sizeof(buf)) :
			      ef_event_format_json(&e, f, buf, sizeof(buf));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	(void)sink;
	return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n;
}

static void format_speed(void **state)
{
	const char *env = getenv("EF_EVENTS_BENCH");
	long scale = env ? atol(env) : 1;
	struct ef_event kinds[3] = { tcp4(), udp6(), icmp4() };
	static const char *const what[3] = { "tcp4 SYN drop, no rule", "udp6 pass by a rule",
					     "icmp4 drop" };

	(void)state;
	kinds[1].action = EF_ACT_PASS;
	kinds[1].reason = EF_R_RULE;
	kinds[1].rule = 1;
	if (scale < 1)
		scale = 1;
	for (int k = 0; k < 3; k++) {
		struct ef_fmt f = fmt();
		double old = ns_per(0, &kinds[k], &f, 5000 * scale);
		double now = ns_per(1, &kinds[k], &f, 200000 * scale);

		print_message("%-24s json-c %8.0f ns/event, direct %6.0f ns/event (%.0fx)\n",
			      what[k], old, now, old / now);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(timestamp_is_rfc3339_utc_from_mono_to_real),
		T(timestamp_follows_the_offset),
		T(timestamp_shape),
		T(event_kind_and_category),
		T(event_drop),
		T(event_would_drop_is_denied),
		T(event_pass_is_allowed),
		T(event_reason_no_rule),
		T(event_reason_peer_not_allowed),
		T(event_reason_not_a_service_address),
		T(event_reason_unknown_number),
		T(rule_named_when_known),
		T(rule_absent_without_a_rule),
		T(rule_absent_when_callback_does_not_know_it),
		T(rule_absent_without_callback),
		T(rule_without_policy_name_has_no_ruleset),
		T(tcp4_network_fields),
		T(tcp4_endpoints_dotted_with_ports),
		T(udp6_endpoints_compressed),
		T(icmp4_has_no_ports),
		T(icmp6_transport_name),
		T(other_protocol_has_number_only),
		T(non_ip_has_no_endpoints),
		T(egress_direction_and_interface),
		T(observer_fields),
		T(observer_unknown_interface_has_id_only),
		T(observer_without_hostname_and_node),
		T(tcp_flag_names),
		T(tcp_flag_names_all_in_bit_order),
		T(tcp_flag_names_none),
		T(epoch_and_packet_bytes),
		T(format_matches_json),
		T(format_needs_room_for_the_terminator),
		T(format_does_not_escape_slashes),
		T(same_names_everywhere),
		T(same_every_kind_of_event),
		T(same_extremes),
		T(same_addresses),
		T(same_random_events),
		T(format_never_writes_past_len),
		T(format_speed),
		T(mono_to_real_matches_the_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
