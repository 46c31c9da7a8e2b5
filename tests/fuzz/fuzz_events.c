// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer over the event line: any ef_event record, any clock offset,
 * any names (hostname, node, policy, interface, rule; each may be absent)
 * through ef_event_format, the direct writer, and ef_event_json, the json-c
 * reference.  Every line must be the reference's bytes (json-c, plain, no
 * slash escape), must parse with json-c in strict mode to a document equal
 * to the reference's tree, and must fit a buffer of exactly its size; one
 * byte less (and any shorter buffer) gives -1 and no write past it (ASan:
 * the buffers are exactly that big).
 *
 * Input: the event record, 8 bytes of mono_to_real_ns, a byte of shape
 * (which names are missing, whether family and protocol are forced to a
 * common value), a byte for the short buffer's length, then the five names
 * separated by NUL bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <json-c/json.h>

#include "events.h"

struct names {
	const char *ifname, *rule;
};

static const char *fz_ifname(void *ctx, __u32 ifindex)
{
	(void)ifindex;
	return ((struct names *)ctx)->ifname;
}

static const char *fz_rule(void *ctx, __u32 epoch, __u16 rule)
{
	(void)epoch;
	(void)rule;
	return ((struct names *)ctx)->rule;
}

static void fail(const char *why, const char *ref, const char *got)
{
	fprintf(stderr, "fuzz_events: %s\njson-c: %s\ndirect: %s\n", why, ref,
		got ? got : "(none)");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ef_event e;
	struct ef_fmt f;
	struct names nm = { "eth1", "rule-1" };
	char *text, *name[5] = { 0 }, *exact, *got;
	const char *ref;
	size_t n = 0, off = 0, tlen;
	uint8_t shape = 0, shortlen = 0;
	json_object *tree, *parsed;
	json_tokener *tok;
	int k;

	memset(&e, 0, sizeof(e));
	memset(&f, 0, sizeof(f));
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	off = sizeof(e);
	if (off + 8 <= size)
		memcpy(&f.mono_to_real_ns, data + off, 8);
	off += 8;
	if (off < size)
		shape = data[off];
	off++;
	if (off < size)
		shortlen = data[off];
	off++;

	/* the names: the rest, split at NUL bytes (absent ones: defaults) */
	tlen = off < size ? size - off : 0;
	text = malloc(tlen + 1);
	if (!text)
		abort();
	if (tlen)
		memcpy(text, data + off, tlen);
	text[tlen] = '\0';
	for (k = 0, off = 0; k < 5 && off <= tlen; k++) {
		name[k] = text + off;
		off += strlen(text + off) + 1;
	}
	f.hostname = name[0] ? name[0] : "edge1.example.net";
	f.node = name[1] ? name[1] : "edge1";
	f.policy = name[2] ? name[2] : "policy";
	if (name[3])
		nm.ifname = name[3];
	if (name[4])
		nm.rule = name[4];
	f.ifname = fz_ifname;
	f.rule_name = fz_rule;
	f.ctx = &nm;
	if (shape & 0x01)
		f.hostname = NULL;
	if (shape & 0x02)
		f.node = NULL;
	if (shape & 0x04)
		f.policy = NULL;
	if (shape & 0x08)
		f.ifname = NULL;
	else if (shape & 0x10)
		nm.ifname = NULL;
	if (shape & 0x20)
		nm.rule = NULL;
	if (shape & 0x40) { /* a common shape: IP, a known protocol */
		static const __u8 protos[4] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
						IPPROTO_ICMPV6 };

		e.family = e.family & 1 ? 4 : 6;
		e.proto = protos[e.proto & 3];
	}
	if (shape & 0x80) /* an IPv4 (v4-mapped) source */
		memcpy(e.src.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);

	/* the reference */
	tree = ef_event_json(&e, &f);
	ref = json_object_to_json_string_length(
		tree, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (!ref)
		abort();

	/* exactly its room: the same bytes */
	exact = malloc(n + 1);
	if (!exact)
		abort();
	if (ef_event_format(&e, &f, exact, n + 1) != (int)n)
		fail("not the reference's length", ref, NULL);
	if (memcmp(exact, ref, n + 1) != 0)
		fail("not the reference's bytes", ref, exact);

	/* strict JSON, the reference's document */
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	parsed = json_tokener_parse_ex(tok, exact, (int)n);
	if (!parsed || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)n)
		fail("not strict JSON", ref, exact);
	if (!json_object_equal(parsed, tree))
		fail("parses to another document", ref, exact);
	json_object_put(parsed);
	json_tokener_free(tok);
	free(exact);

	/* one byte short, and shorter: -1, nothing past the end (ASan) */
	got = malloc(n);
	if (!got)
		abort();
	if (ef_event_format(&e, &f, got, n) != -1)
		fail("fits without its terminator", ref, NULL);
	if (ef_event_format(&e, &f, got, shortlen % (n + 1)) != -1)
		fail("fits in a shorter buffer", ref, NULL);
	free(got);

	json_object_put(tree);
	free(text);
	return 0;
}
