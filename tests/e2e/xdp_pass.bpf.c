// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An empty XDP program for the client side of a test veth.  A veth only
 * takes frames that its peer sends with XDP_TX (edgefw's SYN challenges)
 * when it runs native XDP itself: shield.sh attaches this to the internet
 * side of the node's external link.  A physical NIC needs nothing of the
 * kind.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}
