/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import java.nio.ByteBuffer;

import static io.getbuf.transport.internal.SubmissionQueue.INT;

/**
 * The completion queue, read from Java over the mmapped CQ ring. Each CQE is copied out and
 * its slot handed back to the kernel before the callback runs, so a callback that submits
 * more work can never make the CQ overflow on its own account.
 */
public final class CompletionQueue {
    /** Receives one completion. */
    @FunctionalInterface
    public interface Callback {
        void complete(int res, int flags, long userData);
    }

    private static final int CQE_USER_DATA = 0;
    private static final int CQE_RES = 8;
    private static final int CQE_FLAGS = 12;

    private final ByteBuffer ring;
    private final int headOffset;
    private final int tailOffset;
    private final int overflowOffset;
    private final int cqesOffset;
    private final int mask;
    private final int entries;

    CompletionQueue(ByteBuffer ring, int headOffset, int tailOffset, int maskOffset, int entriesOffset,
                    int overflowOffset, int cqesOffset) {
        this.ring = ring;
        this.headOffset = headOffset;
        this.tailOffset = tailOffset;
        this.overflowOffset = overflowOffset;
        this.cqesOffset = cqesOffset;
        this.mask = ring.getInt(maskOffset);
        this.entries = ring.getInt(entriesOffset);
    }

    public int capacity() {
        return entries;
    }

    public boolean hasCompletions() {
        return (int) INT.getAcquire(ring, tailOffset) != (int) INT.getAcquire(ring, headOffset);
    }

    /** CQEs the kernel had to drop (only on kernels without IORING_FEAT_NODROP). */
    public int overflowCount() {
        return (int) INT.getAcquire(ring, overflowOffset);
    }

    /** Hands every available CQE to {@code callback}; returns how many. */
    public int process(Callback callback) {
        int head = (int) INT.getAcquire(ring, headOffset);
        int tail = (int) INT.getAcquire(ring, tailOffset);
        int processed = 0;
        while (head != tail) {
            int base = cqesOffset + (head & mask) * Native.SIZEOF_CQE;
            long userData = ring.getLong(base + CQE_USER_DATA);
            int res = ring.getInt(base + CQE_RES);
            int flags = ring.getInt(base + CQE_FLAGS);
            head++;
            INT.setRelease(ring, headOffset, head);
            processed++;
            callback.complete(res, flags, userData);
            if (head == tail) {
                tail = (int) INT.getAcquire(ring, tailOffset);
            }
        }
        return processed;
    }
}
