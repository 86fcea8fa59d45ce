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
    private int registeredBuffers = 64;
    private int fileChunks = 16;
    private int fileChunkSize = 256 * 1024;
    private int maxPipes = 64;
    private int pipeSize = 256 * 1024;

    /**
     * The smallest ring: a linked chain (a response's head, a GET_BUF and its send) goes to the kernel in one
     * submission, so the submission queue must hold the shortest chain whole. Longer chains are cut to fit.
     */
    static final int MIN_RING_SIZE = 3;

    /**
     * Submission queue entries (rounded up to a power of two by the kernel), at least {@value #MIN_RING_SIZE}.
     * Default 4096.
     */
    public GetBufIoHandlerConfig setRingSize(int ringSize) {
        if (ringSize < MIN_RING_SIZE) {
            throw new IllegalArgumentException("ringSize: " + ringSize + " (expected >= " + MIN_RING_SIZE
                    + ": a linked chain must fit the submission queue whole)");
        }
        this.ringSize = ringSize;
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

    /**
     * Slots of the ring's registered-buffer table (registered on first use). The first {@link #setFileChunks}
     * hold the chunks READ_FIXED file transfers read into. Default 64.
     */
    public GetBufIoHandlerConfig setRegisteredBuffers(int slots) {
        this.registeredBuffers = ObjectUtil.checkPositive(slots, "slots");
        return this;
    }

    public int registeredBuffers() {
        return registeredBuffers;
    }

    /**
     * Registered chunks for {@link GetBufFileStrategy#READ_FIXED} file transfers, and their size: a transfer reads up
     * to {@link ReadSendStrategy#DEPTH} of them per submission; transfers beyond what the chunks serve wait for one.
     * Default 16 of 256 KiB (4 MiB pinned per event loop, from the first READ_FIXED transfer on).
     */
    public GetBufIoHandlerConfig setFileChunks(int chunks, int chunkSize) {
        this.fileChunks = ObjectUtil.checkPositive(chunks, "chunks");
        this.fileChunkSize = ObjectUtil.checkPositive(chunkSize, "chunkSize");
        return this;
    }

    public int fileChunks() {
        return fileChunks;
    }

    public int fileChunkSize() {
        return fileChunkSize;
    }

    /**
     * Pipes of the loop's {@link GetBufFileStrategy#SPLICE} transfers (one per transfer; more transfers wait for
     * one) and their capacity ({@code F_SETPIPE_SZ}; the kernel's pipe-max-size bounds it). Default 64 of 256 KiB.
     */
    public GetBufIoHandlerConfig setPipes(int maxPipes, int pipeSize) {
        this.maxPipes = ObjectUtil.checkPositive(maxPipes, "maxPipes");
        this.pipeSize = ObjectUtil.checkPositive(pipeSize, "pipeSize");
        return this;
    }

    public int maxPipes() {
        return maxPipes;
    }

    public int pipeSize() {
        return pipeSize;
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
                .setSingleIssuer(singleIssuer).setRegisteredBuffers(registeredBuffers)
                .setFileChunks(fileChunks, fileChunkSize).setPipes(maxPipes, pipeSize);
    }

    @Override
    public String toString() {
        return "GetBufIoHandlerConfig{ringSize=" + ringSize + ", cqSize=" + cqSize + ", bufferRing=" + bufferRing
                + ", singleIssuer=" + singleIssuer + ", registeredBuffers=" + registeredBuffers + ", fileChunks="
                + fileChunks + 'x' + fileChunkSize + ", pipes=" + maxPipes + 'x' + pipeSize + '}';
    }
}
