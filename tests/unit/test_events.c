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
	ef_addr_v4(a, in.s_addr);
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

static json_object *show(const struct ef_event *e)
{
	struct ef_fmt f = fmt();

	return line(e, &f);
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
		print_error("%s: %s, expected %zu elements\n", path,
			    json_object_to_json_string(o), i);
		_fail(file, line);
	}
}

/* ==== @timestamp ============================================================ */

static void timestamp_is_rfc3339_utc_from_mono_to_real(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	show(&e);
	/* 1700000000 s + 1500.000123456 s: microseconds, truncated */
	want_str("@timestamp", "2023-11-14T22:38:20.000123Z");
}

static void timestamp_follows_the_offset(void **state)
{
	struct ef_event e = tcp4();
	struct ef_fmt f = fmt();

	(void)state;
	e.ts_ns = 5 * SEC + 999999999;
	f.mono_to_real_ns = 951782400ll * SEC; /* 2000-02-29T00:00:00Z */
	line(&e, &f);
	want_str("@timestamp", "2000-02-29T00:00:05.999999Z");
}

static void timestamp_shape(void **state)
{
	struct ef_event e = tcp4();
	const char *s;
	struct tm tm;
	char *end;

	(void)state;
	e.ts_ns = 86399ull * SEC + 5000;
	show(&e);
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
	struct ef_event e = tcp4();

	(void)state;
	show(&e);
	want_str("event.kind", "event");
	want_strs("event.category", "network");
	want_str("event.module", "edgefw");
}

static void event_drop(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	show(&e);
	want_str("event.action", "drop");
	want_strs("event.type", "connection", "denied");
}

static void event_would_drop_is_denied(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.action = EF_ACT_WOULD_DROP;
	show(&e);
	want_str("event.action", "would-drop");
	want_strs("event.type", "connection", "denied");
}

static void event_pass_is_allowed(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.action = EF_ACT_PASS;
	e.reason = EF_R_RULE;
	e.rule = 0;
	show(&e);
	want_str("event.action", "pass");
	want_strs("event.type", "connection", "allowed");
	want_str("event.reason", "rule");
}

static void event_reason_no_rule(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	show(&e);
	want_str("event.reason", "no-rule");
}

static void event_reason_peer_not_allowed(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.reason = EF_R_PEER;
	e.rule = 1;
	show(&e);
	want_str("event.reason", "peer-not-allowed");
}

static void event_reason_not_a_service_address(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.reason = EF_R_NOT_SERVICE;
	show(&e);
	want_str("event.reason", "not-a-service-address");
}

static void event_reason_unknown_number(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.reason = 12;
	show(&e);
	want_str("event.reason", "unknown");
}

/* ==== rule.* ========================================================================= */

static void rule_named_when_known(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.action = EF_ACT_PASS;
	e.reason = EF_R_RULE;
	e.rule = 1;
	e.epoch = 42;
	show(&e);
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
	struct ef_event e = tcp4();
	struct ef_fmt f = fmt();

	(void)state;
	e.rule = EF_RULE_NONE;
	f.rule_name = any_rule_cb;
	line(&e, &f);
	want_absent("rule");
}

static void rule_absent_when_callback_does_not_know_it(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.rule = 9; /* e.g. a rule of an epoch the agent no longer holds */
	show(&e);
	want_absent("rule");
	assert_int_equal(F.rule_calls, 1);
}

static void rule_absent_without_callback(void **state)
{
	struct ef_event e = tcp4();
	struct ef_fmt f = fmt();

	(void)state;
	e.rule = 0;
	f.rule_name = NULL;
	line(&e, &f);
	want_absent("rule");
}

static void rule_without_policy_name_has_no_ruleset(void **state)
{
	struct ef_event e = tcp4();
	struct ef_fmt f = fmt();

	(void)state;
	e.rule = 0;
	f.policy = NULL;
	line(&e, &f);
	want_str("rule.name", "ext-access-sip-tls-443-in");
	want_absent("rule.ruleset");
}

/* ==== network, source, destination ================================================== */

static void tcp4_network_fields(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	show(&e);
	want_str("network.transport", "tcp");
	want_str("network.type", "ipv4");
	want_str("network.iana_number", "6");
	want_str("network.direction", "ingress");
}

static void tcp4_endpoints_dotted_with_ports(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	show(&e);
	want_str("source.ip", "198.51.100.7");
	want_int("source.port", 40000);
	want_str("destination.ip", "203.0.113.10");
	want_int("destination.port", 5061);
}

static void udp6_endpoints_compressed(void **state)
{
	struct ef_event e = udp6();

	(void)state;
	show(&e);
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
	struct ef_event e = icmp4();

	(void)state;
	show(&e);
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
	struct ef_event e = udp6();

	(void)state;
	e.proto = IPPROTO_ICMPV6;
	e.icmp_type = EF_ICMP6_PKT_TOOBIG;
	e.icmp_code = 0;
	show(&e);
	want_str("network.transport", "ipv6-icmp");
	want_str("network.iana_number", "58");
	want_absent("source.port");
	want_absent("destination.port");
	want_int("edgefw.icmp.type", EF_ICMP6_PKT_TOOBIG);
}

static void other_protocol_has_number_only(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.proto = 47; /* GRE */
	e.reason = EF_R_PROTOCOL;
	show(&e);
	want_absent("network.transport");
	want_str("network.iana_number", "47");
	want_str("source.ip", "198.51.100.7");
	want_absent("source.port");
	want_absent("edgefw.tcp_flags");
	want_absent("edgefw.icmp");
}

static void non_ip_has_no_endpoints(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.family = 0;
	e.proto = 0;
	e.reason = EF_R_ETHERTYPE;
	memset(&e.src, 0, sizeof(e.src));
	memset(&e.dst, 0, sizeof(e.dst));
	show(&e);
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
	struct ef_event e = tcp4();

	(void)state;
	e.hook = EF_HOOK_EGRESS;
	e.ifindex = 2;
	set_v4(&e.src, "198.18.0.10");
	set_v4(&e.dst, "198.18.10.5");
	show(&e);
	want_str("network.direction", "egress");
	want_str("observer.egress.interface.name", "eth0");
	want_str("observer.egress.interface.id", "2");
	want_absent("observer.ingress");
	want_str("source.ip", "198.18.0.10");
}

/* ==== observer ====================================================================== */

static void observer_fields(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	show(&e);
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
	struct ef_event e = tcp4();

	(void)state;
	e.ifindex = 99;
	show(&e);
	want_absent("observer.ingress.interface.name");
	want_str("observer.ingress.interface.id", "99");
}

static void observer_without_hostname_and_node(void **state)
{
	struct ef_event e = tcp4();
	struct ef_fmt f = fmt();

	(void)state;
	f.hostname = NULL;
	f.node = NULL;
	f.ifname = NULL;
	line(&e, &f);
	want_absent("observer.hostname");
	want_absent("observer.name");
	want_absent("observer.ingress.interface.name");
	want_str("observer.ingress.interface.id", "3");
	want_str("observer.type", "firewall");
}

/* ==== edgefw.* ====================================================================== */

static void tcp_flag_names(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.tcp_flags = EF_TCP_SYN | EF_TCP_ACK;
	show(&e);
	want_strs("edgefw.tcp_flags", "SYN", "ACK");
}

static void tcp_flag_names_all_in_bit_order(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.tcp_flags = 0xff;
	show(&e);
	want_strs("edgefw.tcp_flags", "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR");
}

static void tcp_flag_names_none(void **state)
{
	struct ef_event e = tcp4();
	json_object *o;

	(void)state;
	e.tcp_flags = 0;
	e.reason = EF_R_TCP_FLAGS;
	show(&e);
	o = at("edgefw.tcp_flags");
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_array));
	assert_int_equal(json_object_array_length(o), 0);
	want_str("event.reason", "bad-tcp-flags");
}

static void epoch_and_packet_bytes(void **state)
{
	struct ef_event e = tcp4();

	(void)state;
	e.epoch = 4000000000u;
	e.pkt_len = 1514;
	show(&e);
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

/* ==== names ============================================================================ */

static const unsigned defined_reasons[] = {
	EF_R_NONE, EF_R_RULE, EF_R_FLOW, EF_R_NON_IP, EF_R_ICMP_ESSENTIAL,
	EF_R_ICMP_RELATED, EF_R_FRAGMENT, EF_R_REPLY_BY_RULE, EF_R_PING,
	EF_R_UNLISTED, EF_R_MALFORMED, EF_R_ETHERTYPE, EF_R_VLAN_DEPTH,
	EF_R_EXT_HEADERS, EF_R_NOT_SERVICE, EF_R_NO_RULE, EF_R_PEER, EF_R_NO_FLOW,
	EF_R_FRAG_UNTRACKED, EF_R_ICMP_UNRELATED, EF_R_ICMP_TYPE, EF_R_PROTOCOL,
	EF_R_UNMANAGED_IF, EF_R_BAD_ADDRESS, EF_R_LAND, EF_R_TCP_FLAGS,
	EF_R_NO_POLICY, EF_R_RATE_LIMITED, EF_R_BLOCKED_SOURCE, EF_R_BLOCKLIST,
	EF_R_SYN_CHALLENGE, EF_R_SYN_VERIFIED,
};
#define NDEFINED (sizeof(defined_reasons) / sizeof(defined_reasons[0]))

static bool is_defined(unsigned r)
{
	for (size_t i = 0; i < NDEFINED; i++)
		if (defined_reasons[i] == r)
			return true;
	return false;
}

static void reason_names_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NDEFINED; i++) {
		unsigned r = defined_reasons[i];
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
	for (size_t i = 0; i < NDEFINED; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(ef_reason_name(defined_reasons[i]),
						ef_reason_name(defined_reasons[j]));
}

static void reason_names_documented(void **state)
{
	(void)state;
	assert_string_equal(ef_reason_name(EF_R_NO_RULE), "no-rule");
	assert_string_equal(ef_reason_name(EF_R_PEER), "peer-not-allowed");
	assert_string_equal(ef_reason_name(EF_R_NOT_SERVICE), "not-a-service-address");
	assert_string_equal(ef_reason_name(EF_R_MALFORMED), "malformed");
	assert_string_equal(ef_reason_name(EF_R_ETHERTYPE), "ethertype");
	assert_string_equal(ef_reason_name(EF_R_VLAN_DEPTH), "vlan-depth");
	assert_string_equal(ef_reason_name(EF_R_FRAG_UNTRACKED), "fragment-untracked");
	assert_string_equal(ef_reason_name(EF_R_FRAGMENT), "fragment");
	assert_string_equal(ef_reason_name(EF_R_ICMP_RELATED), "icmp-related");
	assert_string_equal(ef_reason_name(EF_R_ICMP_UNRELATED), "icmp-unrelated");
	assert_string_equal(ef_reason_name(EF_R_ICMP_TYPE), "icmp-type");
	assert_string_equal(ef_reason_name(EF_R_BAD_ADDRESS), "bad-source-address");
	assert_string_equal(ef_reason_name(EF_R_LAND), "land");
	assert_string_equal(ef_reason_name(EF_R_TCP_FLAGS), "bad-tcp-flags");
	assert_string_equal(ef_reason_name(EF_R_FLOW), "flow");
	assert_string_equal(ef_reason_name(EF_R_NO_FLOW), "no-flow");
	assert_string_equal(ef_reason_name(EF_R_RATE_LIMITED), "rate-limited");
	assert_string_equal(ef_reason_name(EF_R_BLOCKED_SOURCE), "blocked-source");
	assert_string_equal(ef_reason_name(EF_R_BLOCKLIST), "blocklisted");
	assert_string_equal(ef_reason_name(EF_R_SYN_CHALLENGE), "syn-challenge");
	assert_string_equal(ef_reason_name(EF_R_SYN_VERIFIED), "syn-verified");
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

static void action_names(void **state)
{
	(void)state;
	assert_string_equal(ef_action_name(EF_ACT_PASS), "pass");
	assert_string_equal(ef_action_name(EF_ACT_DROP), "drop");
	assert_string_equal(ef_action_name(EF_ACT_WOULD_DROP), "would-drop");
	assert_string_equal(ef_action_name(EF_ACT_CHALLENGE), "challenge");
	assert_string_equal(ef_action_name(4), "unknown");
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

#define T(f) cmocka_unit_test_teardown(f, teardown)

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
		T(reason_names_round_trip),
		T(reason_names_distinct),
		T(reason_names_documented),
		T(reason_undefined_numbers_unknown),
		T(reason_from_unknown_name),
		T(action_names),
		T(mono_to_real_matches_the_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
