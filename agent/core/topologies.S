/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy library, built into the binary for `edgefw init`: each file of
 * policies/ as it is, NUL-terminated (init.c lists them).  The paths are
 * relative to the top of the tree, where make runs.
 */
	.section .rodata, "a"

	.macro topology sym, file
	.globl \sym
\sym:
	.incbin "\file"
	.byte 0
	.endm

	topology ef_topo_lync2013_scaled_edge_dnslb_public, "policies/lync2013-scaled-edge-dnslb-public.json"
	topology ef_topo_lync2013_scaled_edge_dnslb_nat, "policies/lync2013-scaled-edge-dnslb-nat.json"
	topology ef_topo_lync2013_scaled_edge_hlb, "policies/lync2013-scaled-edge-hlb.json"
	topology ef_topo_lync2013_single_edge_public, "policies/lync2013-single-edge-public.json"
	topology ef_topo_lync2013_single_edge_nat, "policies/lync2013-single-edge-nat.json"
	topology ef_topo_lync2013_single_edge_single_ip, "policies/lync2013-single-edge-single-ip.json"
	topology ef_topo_sfb2015_2019_edge, "policies/sfb2015-2019-edge.json"
	topology ef_topo_sfb2015_2019_scaled_edge_hlb, "policies/sfb2015-2019-scaled-edge-hlb.json"

	.section .note.GNU-stack, "", %progbits
