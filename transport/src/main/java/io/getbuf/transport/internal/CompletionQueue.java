/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import java.nio.ByteBuffer;

import static io.getbuf.transport.internal.SubmissionQueue.INT;

/**
 * The completion queue, read from Java over the mmapped CQ ring. Each CQE is copied out and
 * its slot handed back to the kernel before the callback runs, so a callback that submits
 * more work can never make the CQ overflow on its own account. Only the ring's owner thread
 * touches it.
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
    private int head;       // ours: only this thread moves the head
    private boolean taken;  // takeAll ran during process

    CompletionQueue(ByteBuffer ring, int headOffset, int tailOffset, int maskOffset, int entriesOffset,
                    int overflowOffset, int cqesOffset) {
        this.ring = ring;
        this.headOffset = headOffset;
        this.tailOffset = tailOffset;
        this.overflowOffset = overflowOffset;
        this.cqesOffset = cqesOffset;
        this.mask = ring.getInt(maskOffset);
        this.entries = ring.getInt(entriesOffset);
        this.head = (int) INT.getAcquire(ring, headOffset);
    }

    public int capacity() {
        return entries;
    }

    public boolean hasCompletions() {
        return (int) INT.getAcquire(ring, tailOffset) != head;
    }

    /** CQEs the kernel had to drop (only on kernels without IORING_FEAT_NODROP). */
    public int overflowCount() {
        return (int) INT.getAcquire(ring, overflowOffset);
    }

    /**
     * Hands every available CQE to {@code callback}; returns how many. Stops early, after the CQE in hand, when a
     * callback called {@link #takeAll}: what that took is older than anything still to come.
     */
    public int process(Callback callback) {
        int tail = (int) INT.getAcquire(ring, tailOffset);
        int processed = 0;
        taken = false;
        while (head != tail) {
            int base = cqesOffset + (head & mask) * Native.SIZEOF_CQE;
            long userData = ring.getLong(base + CQE_USER_DATA);
            int res = ring.getInt(base + CQE_RES);
            int flags = ring.getInt(base + CQE_FLAGS);
            head++;
            INT.setRelease(ring, headOffset, head);
            processed++;
            callback.complete(res, flags, userData);
            if (taken) {
                break;
            }
            if (head == tail) {
                tail = (int) INT.getAcquire(ring, tailOffset);
            }
        }
        return processed;
    }

    /**
     * Copies every available CQE to {@code sink} and hands the slots back to the kernel, without dispatching them:
     * for making room in a full CQ from inside a callback. A {@link #process} in progress stops after the CQE it is
     * handling. Returns how many.
     */
    public int takeAll(Callback sink) {
        int tail = (int) INT.getAcquire(ring, tailOffset);
        int n = 0;
        while (head != tail) {
            int base = cqesOffset + (head & mask) * Native.SIZEOF_CQE;
            sink.complete(ring.getInt(base + CQE_RES), ring.getInt(base + CQE_FLAGS), ring.getLong(base + CQE_USER_DATA));
            head++;
            n++;
        }
        if (n > 0) {
            INT.setRelease(ring, headOffset, head);
            taken = true;
        }
        return n;
    }
}
