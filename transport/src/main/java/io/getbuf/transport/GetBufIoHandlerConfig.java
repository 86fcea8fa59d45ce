/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.util.internal.ObjectUtil;

/** Sizes and options of the ring each {@link GetBufIoHandler} creates. */
public final class GetBufIoHandlerConfig {
    private int ringSize = 4096;
    private int cqSize;
    private GetBufBufferRingConfig bufferRing;
    private boolean singleIssuer = true;

    /** Submission queue entries (rounded up to a power of two by the kernel). Default 4096. */
    public GetBufIoHandlerConfig setRingSize(int ringSize) {
        this.ringSize = ObjectUtil.checkPositive(ringSize, "ringSize");
        return this;
    }

    /** Completion queue entries; 0 (the default) lets the kernel use twice the ring size. */
    public GetBufIoHandlerConfig setCqSize(int cqSize) {
        this.cqSize = ObjectUtil.checkPositiveOrZero(cqSize, "cqSize");
        return this;
    }

    /** A provided-buffer ring for receives, or {@code null} (the default) for none. */
    public GetBufIoHandlerConfig setBufferRing(GetBufBufferRingConfig bufferRing) {
        this.bufferRing = bufferRing;
        return this;
    }

    /**
     * Bind each ring to its event-loop thread (IORING_SETUP_SINGLE_ISSUER, and DEFER_TASKRUN with
     * it) where the kernel has it. Default true: the fastest setup. Set false for event loops that
     * may move to another thread (e.g. an auto-scaling group that suspends idle loops).
     */
    public GetBufIoHandlerConfig setSingleIssuer(boolean singleIssuer) {
        this.singleIssuer = singleIssuer;
        return this;
    }

    public boolean isSingleIssuer() {
        return singleIssuer;
    }

    public int ringSize() {
        return ringSize;
    }

    public int cqSize() {
        return cqSize;
    }

    public GetBufBufferRingConfig bufferRing() {
        return bufferRing;
    }

    GetBufIoHandlerConfig copy() {
        return new GetBufIoHandlerConfig().setRingSize(ringSize).setCqSize(cqSize).setBufferRing(bufferRing)
                .setSingleIssuer(singleIssuer);
    }

    @Override
    public String toString() {
        return "GetBufIoHandlerConfig{ringSize=" + ringSize + ", cqSize=" + cqSize + ", bufferRing=" + bufferRing
                + ", singleIssuer=" + singleIssuer + '}';
    }
}
