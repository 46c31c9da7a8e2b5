/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The words of every command's usage (usage.txt), built into the binary,
 * NUL-terminated; opts.c finds a command's section.  The path is relative
 * to the top of the tree, where make runs.
 */
	.section .rodata, "a"
	.globl ef_usage_text
ef_usage_text:
	.incbin "agent/core/usage.txt"
	.byte 0

	.section .note.GNU-stack, "", %progbits
