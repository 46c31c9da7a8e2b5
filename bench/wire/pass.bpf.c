// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Measurement 2: an empty XDP_PASS program, attached natively to the edge
 * veth (`ip link set dev IF xdpdrv obj pass.bpf.o sec xdp`), to tell what
 * native XDP on a veth costs passed TCP by itself from what edgefw's
 * classification adds.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}
