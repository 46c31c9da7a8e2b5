// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wiregen: a live-frames XDP packet generator for bench/wire.
 *
 * Loads gen.bpf.c (through its skeleton) and runs it with BPF_PROG_TEST_RUN
 * and BPF_F_TEST_XDP_LIVE_FRAMES: the kernel runs the program over frames
 * of a page_pool initialised from a template packet, and turns every
 * XDP_TX into a redirect out of --ifname (the generator's veth), so each
 * frame is delivered into the peer veth's receive ring, where the peer's
 * XDP program (or, with none, its NAPI/GRO path and the stack) sees it.
 *
 * Bounded: --frames frames, or fewer when --time-cap seconds have passed
 * (checked after every --chunk frames).  Prints one JSON object:
 *   {"frames":N,"elapsed_s":S,"active_s":A,"offered_pps":P,"calls":C,
 *    "prog_runs":R,"frame_bytes":B,"cpu_ns":T}
 * active_s: the time the kernel spent generating (BPF_PROG_TEST_RUN's own
 * timer, duration x repeat of every call).  Each call also swaps the XDP
 * dispatcher in and out (bpf_prog_change_xdp, which waits for an RCU grace
 * period: the generator sleeps), and the timer leaves out the time the task
 * was preempted; elapsed_s includes both.
 * cpu_ns: CPU time the generator ran (with the receiver's softirq work when
 * that runs in our context), so that a per-packet cost survives other
 * processes sharing the CPU.
 * frames = frames handed to the program (each one an XDP_TX attempt);
 * whether the peer took them is in the veth counters, read by run.sh.
 *
 * Usage (in the generator's network namespace, as root):
 *   wiregen --ifname IF --dst-mac MAC --dst IP --src-base IP [--src-count N]
 *           [--proto tcp|udp] [--dport P] [--sport P] [--frames N]
 *           [--time-cap S] [--batch 64] [--chunk N] [--cpu C] [--size 60]
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "edgefw/csum.h"
#include "gen.skel.h"

struct opts {
	const char *ifname;
	unsigned char dst_mac[6], src_mac[6];
	int have_dst_mac, have_src_mac;
	struct in_addr dst, src_base;
	unsigned src_count;
	int proto;
	unsigned dport, sport;
	unsigned long long frames;
	double time_cap;
	unsigned batch, chunk, size;
	int cpu;
	unsigned port_mode; /* gen.bpf.c's GEN_* */
	unsigned short sport_set[4];
	unsigned sport_set_n;
	unsigned char tcp_flags; /* the template's */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wiregen --ifname IF --dst-mac MAC --dst IP --src-base IP [--src-count N]\n"
		"               [--proto tcp|udp] [--dport P] [--sport P] [--frames N]\n"
		"               [--time-cap S] [--batch N] [--chunk N] [--cpu C] [--size BYTES]\n"
		"               [--dport-random] [--sport-set P,P,...] [--sport-random]\n"
		"               [--tcp-flags syn|ack|rst|ack-rst]\n");
}

static int parse_mac(const char *s, unsigned char *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6 ?
		       0 :
		       -1;
}

/* Ethernet + IPv4 + TCP SYN (or UDP with checksum 0), padded to size. */
static size_t build_frame(const struct opts *o, __u8 *buf, size_t cap, __u32 *l4_csum_off)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	size_t l4len = o->proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr);
	size_t len = sizeof(*eth) + sizeof(*ip) + l4len;
	size_t iplen;

	if (o->size > len)
		len = o->size;
	if (len > cap)
		return 0;
	memset(buf, 0, len);
	iplen = len - sizeof(*eth);
	memcpy(eth->h_dest, o->dst_mac, 6);
	memcpy(eth->h_source, o->src_mac, 6);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((__u16)iplen);
	ip->id = htons(1);
	ip->frag_off = htons(0x4000); /* DF */
	ip->ttl = 64;
	ip->protocol = (__u8)o->proto;
	ip->saddr = o->src_base.s_addr;
	ip->daddr = o->dst.s_addr;
	ip->check = htons(ef_csum(ip, sizeof(*ip), 0));
	if (o->proto == IPPROTO_TCP) {
		struct tcphdr *t = (void *)(ip + 1);
		size_t tl = iplen - sizeof(*ip);
		__u32 ph = 0;

		t->source = htons((__u16)o->sport);
		t->dest = htons((__u16)o->dport);
		t->seq = htonl(0x12345678);
		t->doff = 5;
		((__u8 *)t)[13] = o->tcp_flags;
		if (o->tcp_flags & 0x10)
			t->ack_seq = htonl(0x9abcdef0);
		t->window = htons(64240);
		/* pseudo header */
		ph += ntohs(ip->saddr & 0xffff) + ntohs(ip->saddr >> 16);
		ph += ntohs(ip->daddr & 0xffff) + ntohs(ip->daddr >> 16);
		ph += IPPROTO_TCP + (__u32)tl;
		t->check = htons(ef_csum(t, tl, ph));
		*l4_csum_off = (__u32)((__u8 *)&t->check - buf);
	} else {
		struct udphdr *u = (void *)(ip + 1);

		u->source = htons((__u16)o->sport);
		u->dest = htons((__u16)o->dport);
		u->len = htons((__u16)(iplen - sizeof(*ip)));
		u->check = 0; /* IPv4: no checksum */
		*l4_csum_off = 0;
	}
	return len;
}

/* CPU time this thread has run, ns (/proc/self/schedstat, field 1).  Without
 * IRQ time accounting, softirq work done at our local_bh_enable() -- the
 * receiving veth's NAPI poll in veth's default mode -- is charged here too. */
static unsigned long long cpu_ns(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = { { "ifname", required_argument, NULL, 'i' },
					    { "dst-mac", required_argument, NULL, 'm' },
					    { "src-mac", required_argument, NULL, 'M' },
					    { "dst", required_argument, NULL, 'd' },
					    { "src-base", required_argument, NULL, 's' },
					    { "src-count", required_argument, NULL, 'n' },
					    { "proto", required_argument, NULL, 'p' },
					    { "dport", required_argument, NULL, 'D' },
					    { "sport", required_argument, NULL, 'S' },
					    { "frames", required_argument, NULL, 'f' },
					    { "time-cap", required_argument, NULL, 't' },
					    { "batch", required_argument, NULL, 'b' },
					    { "chunk", required_argument, NULL, 'c' },
					    { "cpu", required_argument, NULL, 'C' },
					    { "size", required_argument, NULL, 'z' },
					    { "dport-random", no_argument, NULL, 'R' },
					    { "sport-set", required_argument, NULL, 'E' },
					    { "sport-random", no_argument, NULL, 'r' },
					    { "tcp-flags", required_argument, NULL, 'F' },
					    { "help", no_argument, NULL, 'h' },
					    { 0 } };
	int c;

	*o = (struct opts){ .src_count = 1,
			    .proto = IPPROTO_TCP,
			    .dport = 8080,
			    .sport = 40000,
			    .frames = 5000000,
			    .time_cap = 5,
			    .batch = 64,
			    .chunk = 262144,
			    .size = 60,
			    .cpu = -1,
			    .tcp_flags = 0x02 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 'm':
			if (parse_mac(optarg, o->dst_mac))
				return -1;
			o->have_dst_mac = 1;
			break;
		case 'M':
			if (parse_mac(optarg, o->src_mac))
				return -1;
			o->have_src_mac = 1;
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &o->dst) != 1)
				return -1;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &o->src_base) != 1)
				return -1;
			break;
		case 'n': o->src_count = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'p':
			if (!strcmp(optarg, "tcp"))
				o->proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				o->proto = IPPROTO_UDP;
			else
				return -1;
			break;
		case 'D': o->dport = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'S': o->sport = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'f': o->frames = strtoull(optarg, NULL, 0); break;
		case 't': o->time_cap = strtod(optarg, NULL); break;
		case 'b': o->batch = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': o->chunk = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'C': o->cpu = atoi(optarg); break;
		case 'z': o->size = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'R': o->port_mode |= 1; break;
		case 'r': o->port_mode |= 4; break;
		case 'E': {
			char *save = NULL, *tok, buf[64];

			snprintf(buf, sizeof(buf), "%s", optarg);
			for (tok = strtok_r(buf, ",", &save); tok && o->sport_set_n < 4;
			     tok = strtok_r(NULL, ",", &save))
				o->sport_set[o->sport_set_n++] =
					(unsigned short)strtoul(tok, NULL, 0);
			o->port_mode |= 2;
			break;
		}
		case 'F':
			if (!strcmp(optarg, "syn"))
				o->tcp_flags = 0x02;
			else if (!strcmp(optarg, "ack"))
				o->tcp_flags = 0x10;
			else if (!strcmp(optarg, "rst"))
				o->tcp_flags = 0x04;
			else if (!strcmp(optarg, "ack-rst"))
				o->tcp_flags = 0x10, o->port_mode |= 8;
			else
				return -1;
			break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (!o->ifname || !o->have_dst_mac || !o->dst.s_addr || !o->src_base.s_addr ||
	    !o->src_count || !o->chunk || !o->batch || o->batch > 256)
		return -1;
	return 0;
}

/* the generator veth's own MAC, when --src-mac is not given */
static int own_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct gen_bpf *skel;
	__u8 frame[1514];
	__u32 l4off = 0;
	size_t flen;
	struct xdp_md ctx = { 0 };
	unsigned long long done = 0, calls = 0, active_ns = 0;
	double t0, t1;
	unsigned long long c0, c1;
	int ifindex, err, fd;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	ifindex = (int)if_nametoindex(o.ifname);
	if (!ifindex) {
		fprintf(stderr, "wiregen: no interface %s in this namespace\n", o.ifname);
		return 3;
	}
	if (!o.have_src_mac && own_mac(o.ifname, o.src_mac)) {
		fprintf(stderr, "wiregen: cannot read the MAC of %s\n", o.ifname);
		return 3;
	}
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("wiregen: sched_setaffinity");
			return 3;
		}
	}
	flen = build_frame(&o, frame, sizeof(frame), &l4off);
	if (!flen) {
		fprintf(stderr, "wiregen: frame size %u too large\n", o.size);
		return 2;
	}
	if (flen < sizeof(((struct gen_bpf *)0)->bss->hdr)) {
		fprintf(stderr, "wiregen: frames of at least %zu bytes, please\n",
			sizeof(((struct gen_bpf *)0)->bss->hdr));
		return 2;
	}
	skel = gen_bpf__open();
	if (!skel) {
		fprintf(stderr, "wiregen: cannot open the BPF object: %s\n", strerror(errno));
		return 3;
	}
	skel->rodata->src_base = ntohl(o.src_base.s_addr);
	skel->rodata->src_count = o.src_count;
	skel->rodata->l4_csum_off = l4off;
	skel->rodata->port_mode = o.port_mode;
	memcpy((void *)skel->rodata->sport_set, o.sport_set, sizeof(o.sport_set));
	skel->rodata->sport_set_n = o.sport_set_n;
	/* the template's headers, restored over every frame (gen.bpf.c) */
	memcpy(skel->bss->hdr, frame, sizeof(skel->bss->hdr));
	err = gen_bpf__load(skel);
	if (err) {
		fprintf(stderr, "wiregen: cannot load the BPF program: %s\n", strerror(-err));
		gen_bpf__destroy(skel);
		return 3;
	}
	fd = bpf_program__fd(skel->progs.wiregen);
	ctx.ingress_ifindex = (__u32)ifindex;
	ctx.data_end = (__u32)flen; /* the kernel insists: data_end == data_size_in */

	c0 = cpu_ns();
	t0 = now_s();
	while (done < o.frames) {
		unsigned long long left = o.frames - done;
		LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = frame, .data_size_in = (__u32)flen,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .repeat = (int)(left < o.chunk ? left : o.chunk),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = o.batch);

		err = bpf_prog_test_run_opts(fd, &ro);
		if (err) {
			fprintf(stderr, "wiregen: BPF_PROG_TEST_RUN: %s\n", strerror(-err));
			gen_bpf__destroy(skel);
			return 3;
		}
		done += (unsigned long long)ro.repeat;
		active_ns += (unsigned long long)ro.duration * (unsigned long long)ro.repeat;
		calls++;
		if (now_s() - t0 >= o.time_cap)
			break;
	}
	t1 = now_s();
	c1 = cpu_ns();
	printf("{\"frames\":%llu,\"elapsed_s\":%.6f,\"active_s\":%.6f,\"offered_pps\":%.0f,"
	       "\"calls\":%llu,\"prog_runs\":%llu,\"frame_bytes\":%zu,\"cpu_ns\":%llu}\n",
	       done, t1 - t0, (double)active_ns / 1e9, (double)done / (t1 - t0), calls,
	       (unsigned long long)skel->bss->seq, flen, c1 - c0);
	gen_bpf__destroy(skel);
	return 0;
}
