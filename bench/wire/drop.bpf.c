// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ceiling of measurement 1: a bare XDP_DROP, attached natively to the
 * edge veth with `ip link set dev IF xdpdrv obj drop.bpf.o sec xdp`.  It
 * counts nothing itself: the veth's per-queue xdp_drops counter
 * (`ethtool -S`) does.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_drop(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_DROP;
}
