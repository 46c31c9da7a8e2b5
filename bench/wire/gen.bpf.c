// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Live-frames packet generator (bench/wire).  Run by wiregen with
 * BPF_PROG_TEST_RUN + BPF_F_TEST_XDP_LIVE_FRAMES: the kernel hands this
 * program a page_pool frame initialised from the template packet, and every
 * XDP_TX it returns is turned into a redirect out of the generator's veth
 * (ctx_in.ingress_ifindex), i.e. into the edge namespace's peer veth.
 *
 * Per frame: the template's headers are written back (hdr, below), then the
 * ports and TCP flags change as port_mode says, the IPv4 source becomes
 * src_base + (n % src_count), and the IP and L4 checksums are updated
 * incrementally (RFC 1624) from the template's.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 src_base = 0;    /* host byte order */
const volatile __u32 src_count = 1;   /* distinct sources, >= 1 */
const volatile __u32 l4_csum_off = 0; /* offset of the L4 checksum in the frame, 0: none */
/* per-frame ports and flags (GEN_*): random destination ports, source ports
 * from a set of up to 4 or random, TCP ACK and RST in turn */
const volatile __u32 port_mode = 0;
const volatile __u16 sport_set[4] = {};
const volatile __u32 sport_set_n = 0;
#define GEN_DPORT_RANDOM 1
#define GEN_SPORT_SET 2
#define GEN_SPORT_RANDOM 4
#define GEN_ACK_RST 8
#define L4 (14 + 20)

__u64 seq = 0; /* frames generated (one CPU runs the generator) */

/* The template's first bytes (Ethernet, IPv4, TCP or UDP and padding),
 * written back over every frame: live frames come back to the page pool as
 * the receiver left them, and a receiver that rewrites frames in place and
 * sends them back (edgefw's SYN challenges, XDP_TX) would otherwise turn
 * the generator's frames into its own replies. */
#define HDR_LEN 54
__u8 hdr[HDR_LEN] = {};

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for a 32-bit field m -> m' */
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 s = (__u16)~check;

	s += (__u16) ~(from & 0xffff) + (__u16) ~(from >> 16);
	s += (to & 0xffff) + (to >> 16);
	return ~csum_fold(s);
}

SEC("xdp")
int wiregen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 n, old, new;

	if (data + HDR_LEN > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, hdr, HDR_LEN);
	n = (__u32)seq++;
	if (port_mode) {
		__u32 *ports = data + L4, *fw = data + L4 + 12, h = n * 2654435761u;
		__u16 sp, dp;
		__u32 o4;

		if ((void *)(fw + 1) > data_end)
			return XDP_ABORTED;
		o4 = *ports;
		sp = bpf_ntohs((__u16)o4);
		dp = bpf_ntohs((__u16)(o4 >> 16));
		if (port_mode & GEN_DPORT_RANDOM)
			dp = (__u16)(h >> 16);
		if ((port_mode & GEN_SPORT_SET) && sport_set_n)
			sp = sport_set[(h >> 8) % (sport_set_n > 4 ? 4 : sport_set_n) & 3];
		else if (port_mode & GEN_SPORT_RANDOM)
			sp = (__u16)(1024 + (h & 0xefff));
		*ports = (__u32)bpf_htons(sp) | (__u32)bpf_htons(dp) << 16;
		if (l4_csum_off) {
			__u16 *c = data + (l4_csum_off & 0xff);

			if ((void *)(c + 1) > data_end)
				return XDP_ABORTED;
			if (*c)
				*c = csum_replace4(*c, o4, *ports);
		}
		if ((port_mode & GEN_ACK_RST) && (n & 1)) {
			/* TCP: ACK (the template) or RST */
			__u32 of = *fw;
			__u8 *flags = data + L4 + 13;

			*flags = 0x04;
			if (l4_csum_off) {
				__u16 *c = data + (l4_csum_off & 0xff);

				if ((void *)(c + 1) > data_end)
					return XDP_ABORTED;
				*c = csum_replace4(*c, of, *fw);
			}
		}
	}
	old = ip->saddr;
	new = bpf_htonl(src_base + (src_count > 1 ? n % src_count : 0));
	if (old == new)
		return XDP_TX;
	ip->saddr = new;
	ip->check = csum_replace4(ip->check, old, new);
	if (l4_csum_off) {
		__u16 *c = data + (l4_csum_off & 0xff);

		if ((void *)(c + 1) > data_end)
			return XDP_ABORTED;
		/* UDP checksum 0 means "none": leave it */
		if (*c)
			*c = csum_replace4(*c, old, new);
	}
	return XDP_TX;
}
