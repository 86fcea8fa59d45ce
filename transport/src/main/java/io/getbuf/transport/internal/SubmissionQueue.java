/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The submission queue, written from Java over the mmapped SQ ring and SQE array. Only the
 * ring's owner thread touches it; the tail is published with release semantics so that the
 * kernel sees complete SQEs.
 */
public final class SubmissionQueue {
    static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    // struct io_uring_sqe field offsets
    private static final int SQE_OPCODE = 0;
    private static final int SQE_FLAGS = 1;
    private static final int SQE_IOPRIO = 2;
    private static final int SQE_FD = 4;
    private static final int SQE_OFF = 8;
    private static final int SQE_ADDR = 16;
    private static final int SQE_LEN = 24;
    private static final int SQE_OP_FLAGS = 28;
    private static final int SQE_USER_DATA = 32;
    private static final int SQE_BUF_INDEX = 40;
    private static final int SQE_PERSONALITY = 42;
    private static final int SQE_SPLICE_FD_IN = 44;
    private static final int SQE_ADDR3 = 48;
    private static final int SQE_PAD2 = 56;

    private final ByteBuffer ring;
    private final ByteBuffer sqes;
    private final int headOffset;
    private final int tailOffset;
    private final int flagsOffset;
    private final int mask;
    private final int entries;

    private int tail;          // our tail, ahead of the published one until flush()
    private int publishedTail; // what the kernel has been shown
    private int cachedHead;

    SubmissionQueue(ByteBuffer ring, ByteBuffer sqes, int headOffset, int tailOffset, int maskOffset,
                    int entriesOffset, int flagsOffset, int arrayOffset, boolean noSqArray) {
        this.ring = ring;
        this.sqes = sqes;
        this.headOffset = headOffset;
        this.tailOffset = tailOffset;
        this.flagsOffset = flagsOffset;
        this.mask = ring.getInt(maskOffset);
        this.entries = ring.getInt(entriesOffset);
        this.tail = (int) INT.getAcquire(ring, tailOffset);
        this.publishedTail = tail;
        this.cachedHead = (int) INT.getAcquire(ring, headOffset);
        if (!noSqArray) {
            // Without IORING_SETUP_NO_SQARRAY the kernel reads SQE indexes through an array:
            // map slot i to SQE i once, so the array never needs touching again.
            for (int i = 0; i < entries; i++) {
                ring.putInt(arrayOffset + i * Integer.BYTES, i);
            }
        }
    }

    public int capacity() {
        return entries;
    }

    /**
     * SQEs written that the kernel has not taken yet: those not yet published, and those published to an
     * {@code io_uring_enter} that took none of them (-EBUSY, -EAGAIN), which the next one must submit.
     */
    public int pending() {
        return tail - (int) INT.getAcquire(ring, headOffset);
    }

    /** Free SQE slots, counting what the kernel has already consumed. */
    public int remaining() {
        int used = tail - cachedHead;
        if (used > 0) {
            // the kernel moves the head as it takes SQEs (within io_uring_enter): a plain load on x86
            cachedHead = (int) INT.getAcquire(ring, headOffset);
            used = tail - cachedHead;
        }
        return entries - used;
    }

    int flags() {
        return (int) INT.getAcquire(ring, flagsOffset);
    }

    /**
     * Writes one SQE. Returns {@code false} when the queue is full; the caller submits and
     * tries again.
     */
    public boolean enqueue(byte opcode, byte flags, short ioprio, int fd, long off, long addr, int len,
                           int opFlags, long userData, short bufIndex, int spliceFdIn, long addr3) {
        if (remaining() == 0) {
            return false;
        }
        int base = (tail & mask) * Native.SIZEOF_SQE;
        sqes.put(base + SQE_OPCODE, opcode);
        sqes.put(base + SQE_FLAGS, flags);
        sqes.putShort(base + SQE_IOPRIO, ioprio);
        sqes.putInt(base + SQE_FD, fd);
        sqes.putLong(base + SQE_OFF, off);
        sqes.putLong(base + SQE_ADDR, addr);
        sqes.putInt(base + SQE_LEN, len);
        sqes.putInt(base + SQE_OP_FLAGS, opFlags);
        sqes.putLong(base + SQE_USER_DATA, userData);
        sqes.putShort(base + SQE_BUF_INDEX, bufIndex);
        sqes.putShort(base + SQE_PERSONALITY, (short) 0);
        sqes.putInt(base + SQE_SPLICE_FD_IN, spliceFdIn);
        sqes.putLong(base + SQE_ADDR3, addr3);
        sqes.putLong(base + SQE_PAD2, 0L);
        tail++;
        return true;
    }

    /**
     * Takes {@code IOSQE_IO_LINK} off the last SQE written, which must not be published yet: a chain ends there
     * instead of taking in whatever is written next.
     */
    public void unlinkLast() {
        if (tail == publishedTail) {
            throw new IllegalStateException("the last SQE is published already");
        }
        int at = ((tail - 1) & mask) * Native.SIZEOF_SQE + SQE_FLAGS;
        sqes.put(at, (byte) (sqes.get(at) & ~Native.IOSQE_IO_LINK));
    }

    /** Publishes the written SQEs; returns how many the next io_uring_enter must submit (all not yet taken). */
    int flush() {
        if (tail != publishedTail) {
            INT.setRelease(ring, tailOffset, tail);
            publishedTail = tail;
        }
        return pending();
    }
}
