/* SPDX-License-Identifier: Apache-2.0 */
/*
 * getbuf-count-mark.h: the markers that open and close a counting window of
 * the getbuf-count QEMU plugin (kernel/vm/count/getbuf-count.c).
 *
 * A marker is a 7-byte no-op, `nopl imm32(%rax)` (0f 1f 80 <imm32>), whose
 * displacement carries the command. The plugin recognises it from the
 * instruction's bytes when QEMU translates it; on hardware, and under QEMU
 * without the plugin, it does nothing (a NOP with a memory operand does not
 * access memory). The bytes are spelled out so that no assembler picks
 * another encoding.
 */
#ifndef GETBUF_COUNT_MARK_H
#define GETBUF_COUNT_MARK_H

/* The displacements: "GB" in the high half, the command in the low half. */
#define GETBUF_COUNT_MARK_OPEN	0x47420001u
#define GETBUF_COUNT_MARK_CLOSE	0x47420002u

/* The markers as assembler text, to put a window's edges inside an asm statement. */
#define GETBUF_COUNT_OPEN_ASM	".byte 0x0f, 0x1f, 0x80, 0x01, 0x00, 0x42, 0x47\n\t"
#define GETBUF_COUNT_CLOSE_ASM	".byte 0x0f, 0x1f, 0x80, 0x02, 0x00, 0x42, 0x47\n\t"

/* Opens a window: the plugin snapshots its counters. */
static inline void getbuf_count_open(void)
{
	/* nopl 0x47420001(%rax) */
	__asm__ volatile(GETBUF_COUNT_OPEN_ASM ::: "memory");
}

/* Closes the open window: the plugin writes one COUNT line for it. */
static inline void getbuf_count_close(void)
{
	/* nopl 0x47420002(%rax) */
	__asm__ volatile(GETBUF_COUNT_CLOSE_ASM ::: "memory");
}

#endif
