// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pcapng blocks into a buffer (pcapng.h). */
#include <string.h>

#include "pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define EPB_FLAGS 2

#define PAD4(n) (((n) + 3u) & ~(size_t)3u)

struct out {
	unsigned char *p;
	size_t len, cap;
	int full;
};

static void put(struct out *o, const void *src, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void put32(struct out *o, uint32_t v)
{
	put(o, &v, 4);
}

static void put16(struct out *o, uint16_t v)
{
	put(o, &v, 2);
}

static void pad(struct out *o)
{
	static const unsigned char zero[4];

	put(o, zero, PAD4(o->len) - o->len);
}

/* an option: code, length, the value padded to 32 bits (none if empty) */
static void opt(struct out *o, uint16_t code, const void *v, size_t n)
{
	if (!v || n == 0 || n > 0xffff)
		return;
	put16(o, code);
	put16(o, (uint16_t)n);
	put(o, v, n);
	pad(o);
}

static void opt_str(struct out *o, uint16_t code, const char *s)
{
	if (s)
		opt(o, code, s, strlen(s));
}

/* the block's start: type and a length to fill in */
static void begin(struct out *o, void *buf, size_t cap, uint32_t type)
{
	o->p = buf;
	o->len = 0;
	o->cap = cap;
	o->full = 0;
	put32(o, type);
	put32(o, 0);
}

/* the options' end, the trailing length, and the leading one filled in */
static size_t end(struct out *o)
{
	uint32_t total;

	put32(o, OPT_END); /* opt_endofopt: code 0, length 0 */
	total = (uint32_t)o->len + 4;
	put32(o, total);
	if (o->full)
		return 0;
	memcpy(o->p + 4, &total, 4);
	return o->len;
}

size_t ef_pcapng_shb(void *buf, size_t cap, const char *os, const char *appl)
{
	struct out o;
	uint64_t section_len = UINT64_MAX; /* not given */

	begin(&o, buf, cap, BT_SHB);
	put32(&o, BYTE_ORDER_MAGIC);
	put16(&o, 1); /* version 1.0 */
	put16(&o, 0);
	put(&o, &section_len, 8);
	opt_str(&o, SHB_OS, os);
	opt_str(&o, SHB_USERAPPL, appl);
	return end(&o);
}

size_t ef_pcapng_idb(void *buf, size_t cap, uint16_t linktype, uint32_t snaplen, const char *name,
		     const char *description)
{
	struct out o;
	unsigned char tsresol = 9; /* 10^-9 s */

	begin(&o, buf, cap, BT_IDB);
	put16(&o, linktype);
	put16(&o, 0);
	put32(&o, snaplen);
	opt_str(&o, IF_NAME, name);
	opt_str(&o, IF_DESCRIPTION, description);
	opt(&o, IF_TSRESOL, &tsresol, 1);
	return end(&o);
}

size_t ef_pcapng_epb(void *buf, size_t cap, uint32_t ifid, uint64_t ts_ns, const void *data,
		     uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment)
{
	struct out o;

	begin(&o, buf, cap, BT_EPB);
	put32(&o, ifid);
	put32(&o, (uint32_t)(ts_ns >> 32));
	put32(&o, (uint32_t)ts_ns);
	put32(&o, caplen);
	put32(&o, origlen);
	if (caplen)
		put(&o, data, caplen);
	pad(&o);
	opt_str(&o, OPT_COMMENT, comment);
	if (flags)
		opt(&o, EPB_FLAGS, &flags, 4);
	return end(&o);
}
