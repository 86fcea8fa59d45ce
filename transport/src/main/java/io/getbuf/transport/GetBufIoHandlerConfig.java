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
    private int registeredBuffers = 256;
    private int fileChunks = 16;
    private int fileChunkSize = 256 * 1024;
    private int getBufChunkSize = 256 * 1024;
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
     *
     * @param ringSize entries, at least {@value #MIN_RING_SIZE}; above the kernel's maximum (32768) the kernel clamps
     *                 it ({@code IORING_SETUP_CLAMP})
     * @return this config
     * @throws IllegalArgumentException if {@code ringSize} is below {@value #MIN_RING_SIZE}
     */
    public GetBufIoHandlerConfig setRingSize(int ringSize) {
        if (ringSize < MIN_RING_SIZE) {
            throw new IllegalArgumentException("ringSize: " + ringSize + " (expected >= " + MIN_RING_SIZE
                    + ": a linked chain must fit the submission queue whole)");
        }
        this.ringSize = ringSize;
        return this;
    }

    /**
     * Completion queue entries; 0 (the default) lets the kernel use twice the ring size.
     *
     * @param cqSize entries (rounded up to a power of two by the kernel), or 0 for twice the ring size; when not 0,
     *               at least {@link #ringSize()}: the kernel refuses a smaller one, and creating the handlers fails
     * @return this config
     * @throws IllegalArgumentException if {@code cqSize} is negative
     */
    public GetBufIoHandlerConfig setCqSize(int cqSize) {
        this.cqSize = ObjectUtil.checkPositiveOrZero(cqSize, "cqSize");
        return this;
    }

    /**
     * A provided-buffer ring for receives, or {@code null} (the default) for none.
     *
     * @param bufferRing the ring each loop registers, or {@code null} for none; on a kernel without provided-buffer
     *                   rings the loops log it and read into their channels' allocator buffers instead
     * @return this config
     */
    public GetBufIoHandlerConfig setBufferRing(GetBufBufferRingConfig bufferRing) {
        this.bufferRing = bufferRing;
        return this;
    }

    /**
     * Bind each ring to its event-loop thread (IORING_SETUP_SINGLE_ISSUER, and DEFER_TASKRUN with
     * it) where the kernel has it. Default true: the fastest setup. Set false for event loops that
     * may move to another thread (e.g. an auto-scaling group that suspends idle loops).
     *
     * @param singleIssuer true to bind each ring to its loop's thread where the kernel can, false for rings any
     *                     thread may drive
     * @return this config
     */
    public GetBufIoHandlerConfig setSingleIssuer(boolean singleIssuer) {
        this.singleIssuer = singleIssuer;
        return this;
    }

    /**
     * Slots of the ring's registered-buffer table (registered on first use). The first {@link #setFileChunks}
     * hold the chunks READ_FIXED file transfers read into. Default 256: 240 user slots after the default chunks, of
     * which GET_BUF transfers may hold 120, up to four each (with the old default of 64 they could hold 24, and a
     * benchmark at 16 connections sent part of its bodies by sendfile). A sparse table's empty slot costs the kernel
     * a pointer.
     *
     * @param slots table slots, at least {@link #fileChunks()} ({@link GetBufIoHandler#newFactory(GetBufIoHandlerConfig)}
     *              refuses fewer with an {@link IllegalArgumentException}); the slots after the file chunks hold
     *              {@link GetBufIoHandler#allocateRegistered allocateRegistered} buffers,
     *              {@link GetBufFiles#read GetBufFiles.read} buffers and the pages of GET_BUF transfers (these at most
     *              half of them)
     * @return this config
     * @throws IllegalArgumentException if {@code slots} is not positive
     */
    public GetBufIoHandlerConfig setRegisteredBuffers(int slots) {
        this.registeredBuffers = ObjectUtil.checkPositive(slots, "slots");
        return this;
    }

    /** {@return the slots of the registered-buffer table (see {@link #setRegisteredBuffers})} */
    public int registeredBuffers() {
        return registeredBuffers;
    }

    /**
     * Registered chunks for {@link GetBufFileStrategy#READ_FIXED} file transfers, and their size: a transfer reads up
     * to {@link ReadSendStrategy#DEPTH} of them per submission; transfers beyond what the chunks serve wait for one.
     * Default 16 of 256 KiB (4 MiB pinned per event loop, from the first READ_FIXED transfer on).
     *
     * @param chunks    how many chunks, at least 1 and at most {@link #registeredBuffers()} (they take the first slots
     *                  of the table)
     * @param chunkSize bytes per chunk, at least 1; also the GET_BUF chunk size ({@link #setGetBufChunkSize}), unless
     *                  that is set afterwards
     * @return this config
     * @throws IllegalArgumentException if {@code chunks} or {@code chunkSize} is not positive
     */
    public GetBufIoHandlerConfig setFileChunks(int chunks, int chunkSize) {
        this.fileChunks = ObjectUtil.checkPositive(chunks, "chunks");
        this.fileChunkSize = ObjectUtil.checkPositive(chunkSize, "chunkSize");
        this.getBufChunkSize = chunkSize;
        return this;
    }

    /**
     * The most one {@code IORING_OP_GET_BUF} of a {@link GetBufFileStrategy#GET_BUF} transfer asks the kernel for:
     * the file's pages of one chunk are lent to a slot and sent by one {@code SEND_ZC}. Nothing is allocated for it
     * (the pages are the file's), but a chunk holds its slot until the socket has taken all of it: with bigger
     * chunks a slow peer holds the loop's transfer slots longer, and concurrent transfers that find none go on by
     * sendfile. A ring's table holds at most {@code kernel.io_uring_get_buf_max_mb} of lent pages (and, without
     * {@code CAP_IPC_LOCK}, what {@code RLIMIT_MEMLOCK} allows): a transfer that finds that much lent goes on by
     * sendfile too. Default 256 KiB; {@link #setFileChunks} sets it too.
     *
     * @param chunkSize bytes, 1 to {@link GetBufFiles#MAX_LENGTH}
     * @return this config
     * @throws IllegalArgumentException if {@code chunkSize} is not 1 to {@link GetBufFiles#MAX_LENGTH}
     */
    public GetBufIoHandlerConfig setGetBufChunkSize(int chunkSize) {
        if (chunkSize <= 0 || chunkSize > GetBufFiles.MAX_LENGTH) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected 1.." + GetBufFiles.MAX_LENGTH
                    + ')');
        }
        this.getBufChunkSize = chunkSize;
        return this;
    }

    /** {@return the most bytes one GET_BUF of a file transfer asks for (see {@link #setGetBufChunkSize})} */
    public int getBufChunkSize() {
        return getBufChunkSize;
    }

    /** {@return how many READ_FIXED file chunks each loop has (see {@link #setFileChunks})} */
    public int fileChunks() {
        return fileChunks;
    }

    /** {@return the bytes of one READ_FIXED file chunk (see {@link #setFileChunks})} */
    public int fileChunkSize() {
        return fileChunkSize;
    }

    /**
     * Pipes of the loop's {@link GetBufFileStrategy#SPLICE} transfers (one per transfer; more transfers wait for
     * one) and their capacity ({@code F_SETPIPE_SZ}; the kernel's pipe-max-size bounds it). Default 64 of 256 KiB.
     *
     * @param maxPipes the most pipes a loop has open at once, at least 1
     * @param pipeSize bytes each pipe is asked to hold, at least 1 (the kernel rounds it up to a power-of-two number
     *                 of pages); a pipe whose size the kernel refuses keeps the default of 64 KiB
     * @return this config
     * @throws IllegalArgumentException if {@code maxPipes} or {@code pipeSize} is not positive
     */
    public GetBufIoHandlerConfig setPipes(int maxPipes, int pipeSize) {
        this.maxPipes = ObjectUtil.checkPositive(maxPipes, "maxPipes");
        this.pipeSize = ObjectUtil.checkPositive(pipeSize, "pipeSize");
        return this;
    }

    /** {@return the most SPLICE pipes a loop has open at once (see {@link #setPipes})} */
    public int maxPipes() {
        return maxPipes;
    }

    /** {@return the bytes each SPLICE pipe is asked to hold (see {@link #setPipes})} */
    public int pipeSize() {
        return pipeSize;
    }

    /** {@return whether rings are bound to their loop's thread where the kernel can (see {@link #setSingleIssuer})} */
    public boolean isSingleIssuer() {
        return singleIssuer;
    }

    /** {@return the submission queue entries asked for (see {@link #setRingSize})} */
    public int ringSize() {
        return ringSize;
    }

    /** {@return the completion queue entries asked for, 0 for twice the ring size (see {@link #setCqSize})} */
    public int cqSize() {
        return cqSize;
    }

    /** {@return the provided-buffer ring of each loop, or {@code null} for none (see {@link #setBufferRing})} */
    public GetBufBufferRingConfig bufferRing() {
        return bufferRing;
    }

    GetBufIoHandlerConfig copy() {
        return new GetBufIoHandlerConfig().setRingSize(ringSize).setCqSize(cqSize).setBufferRing(bufferRing)
                .setSingleIssuer(singleIssuer).setRegisteredBuffers(registeredBuffers)
                .setFileChunks(fileChunks, fileChunkSize).setGetBufChunkSize(getBufChunkSize)
                .setPipes(maxPipes, pipeSize);
    }

    @Override
    public String toString() {
        return "GetBufIoHandlerConfig{ringSize=" + ringSize + ", cqSize=" + cqSize + ", bufferRing=" + bufferRing
                + ", singleIssuer=" + singleIssuer + ", registeredBuffers=" + registeredBuffers + ", fileChunks="
                + fileChunks + 'x' + fileChunkSize + ", getBufChunkSize=" + getBufChunkSize + ", pipes=" + maxPipes
                + 'x' + pipeSize + '}';
    }
}
