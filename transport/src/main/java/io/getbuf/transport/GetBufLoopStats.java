/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import java.util.Collection;

/**
 * What one getbuf event loop has done since it started (counters) and holds now (gauges), taken on the loop's own
 * thread ({@link GetBufIoHandler#stats(io.netty.channel.EventLoop)}), or the sum over a group's loops
 * ({@link GetBufIoHandler#stats(io.netty.channel.EventLoopGroup)}). Immutable.
 */
public final class GetBufLoopStats {
    private final long enterCalls;
    private final long sqesSubmitted;
    private final long completions;
    private final long cqOverflowFlushes;
    private final long deferredCompletions;
    private final long bufferRingExhausted;
    private final long registeredBufferWaits;
    private final long pipesExhausted;
    private final long bufferTableUpdates;
    private final long sendfileCalls;
    private final int registeredBuffersInUse;
    private final int fileChunksInUse;
    private final int fileChunks;
    private final int transferSlotsInUse;
    private final int pipesLent;
    private final int loops;

    GetBufLoopStats(long enterCalls, long sqesSubmitted, long completions, long cqOverflowFlushes,
                    long deferredCompletions, long bufferRingExhausted, long registeredBufferWaits,
                    long pipesExhausted, long bufferTableUpdates, long sendfileCalls, int registeredBuffersInUse, int fileChunksInUse, int fileChunks,
                    int transferSlotsInUse, int pipesLent, int loops) {
        this.enterCalls = enterCalls;
        this.sqesSubmitted = sqesSubmitted;
        this.completions = completions;
        this.cqOverflowFlushes = cqOverflowFlushes;
        this.deferredCompletions = deferredCompletions;
        this.bufferRingExhausted = bufferRingExhausted;
        this.registeredBufferWaits = registeredBufferWaits;
        this.pipesExhausted = pipesExhausted;
        this.bufferTableUpdates = bufferTableUpdates;
        this.sendfileCalls = sendfileCalls;
        this.registeredBuffersInUse = registeredBuffersInUse;
        this.fileChunksInUse = fileChunksInUse;
        this.fileChunks = fileChunks;
        this.transferSlotsInUse = transferSlotsInUse;
        this.pipesLent = pipesLent;
        this.loops = loops;
    }

    /**
     * The sum of {@code stats} (gauges summed too).
     *
     * @param stats the figures to add up, e.g. one per loop; may be empty
     * @return figures whose counters and gauges are the sums of those of {@code stats}, and whose {@link #loops()}
     *         is the sum of theirs; all 0 for none
     */
    public static GetBufLoopStats sum(Collection<GetBufLoopStats> stats) {
        long[] c = new long[10];
        int[] g = new int[6];
        for (GetBufLoopStats s : stats) {
            c[0] += s.enterCalls;
            c[1] += s.sqesSubmitted;
            c[2] += s.completions;
            c[3] += s.cqOverflowFlushes;
            c[4] += s.deferredCompletions;
            c[5] += s.bufferRingExhausted;
            c[6] += s.registeredBufferWaits;
            c[7] += s.pipesExhausted;
            c[8] += s.bufferTableUpdates;
            c[9] += s.sendfileCalls;
            g[0] += s.registeredBuffersInUse;
            g[1] += s.fileChunksInUse;
            g[2] += s.fileChunks;
            g[3] += s.transferSlotsInUse;
            g[4] += s.pipesLent;
            g[5] += s.loops;
        }
        return new GetBufLoopStats(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], g[0], g[1], g[2], g[3], g[4], g[5]);
    }

    /**
     * {@code io_uring_enter} calls (one per loop iteration, more when the SQ filled up).
     *
     * @return the number of calls, since the loop started
     */
    public long enterCalls() {
        return enterCalls;
    }

    /**
     * SQEs the kernel took.
     *
     * @return the number of submission queue entries, since the loop started
     */
    public long sqesSubmitted() {
        return sqesSubmitted;
    }

    /**
     * Completions handled (CQEs, the loop's own wakeups and timers included).
     *
     * @return the number of completions, since the loop started
     */
    public long completions() {
        return completions;
    }

    /**
     * Times the CQ had overflowed and the kernel was asked to flush what it kept aside.
     *
     * @return the number of flushes, since the loop started; a growing count says the completion queue is small for
     *         the load (see {@link GetBufIoHandlerConfig#setCqSize})
     */
    public long cqOverflowFlushes() {
        return cqOverflowFlushes;
    }

    /**
     * Completions set aside to make room in the CQ while the SQ was full (handled in order afterwards).
     *
     * @return the number of completions, since the loop started
     */
    public long deferredCompletions() {
        return deferredCompletions;
    }

    /**
     * Times a channel found every provided-buffer ring buffer taken (one per episode, as the event it fires).
     *
     * @return the number of episodes, since the loop started (each fired a {@link GetBufBufferRingExhaustedEvent})
     */
    public long bufferRingExhausted() {
        return bufferRingExhausted;
    }

    /**
     * Registered-buffer allocations that had to wait for a slot.
     *
     * @return the number of allocations, since the loop started (those of {@link GetBufFiles#read GetBufFiles.read}
     *         that read with READ_FIXED included)
     */
    public long registeredBufferWaits() {
        return registeredBufferWaits;
    }

    /**
     * SPLICE transfers that found every pipe lent.
     *
     * @return the number of times, since the loop started
     */
    public long pipesExhausted() {
        return pipesExhausted;
    }

    /**
     * {@code IORING_REGISTER_BUFFERS_UPDATE} calls that emptied registered-buffer slots (a GET_BUF transfer's chunk
     * once sent, a released {@link GetBufFiles} buffer): batched per loop iteration, consecutive slots in one call.
     *
     * @return the number of calls, since the loop started
     */
    public long bufferTableUpdates() {
        return bufferTableUpdates;
    }

    /**
     * {@code sendfile(2)} calls of {@link GetBufFileStrategy#SENDFILE} transfers, made on the loop's thread outside
     * the ring (system calls beside {@link #enterCalls()}).
     *
     * @return the number of calls, since the loop started
     */
    public long sendfileCalls() {
        return sendfileCalls;
    }

    /**
     * Registered buffers ({@link GetBufIoHandler#allocateRegistered}, {@link GetBufFiles#read}) held now.
     *
     * @return the number of buffers not yet released (a gauge)
     */
    public int registeredBuffersInUse() {
        return registeredBuffersInUse;
    }

    /**
     * READ_FIXED chunks lent to transfers now, of {@link #fileChunks()}.
     *
     * @return the number of chunks (a gauge)
     */
    public int fileChunksInUse() {
        return fileChunksInUse;
    }

    /**
     * READ_FIXED chunks there are (0 until first used).
     *
     * @return the number of chunks registered: {@link GetBufIoHandlerConfig#fileChunks()} once a READ_FIXED
     *         transfer registered them, 0 before
     */
    public int fileChunks() {
        return fileChunks;
    }

    /**
     * Buffer-table slots GET_BUF transfers hold now.
     *
     * @return the number of slots (a gauge)
     */
    public int transferSlotsInUse() {
        return transferSlotsInUse;
    }

    /**
     * SPLICE pipes lent to transfers now.
     *
     * @return the number of pipes (a gauge)
     */
    public int pipesLent() {
        return pipesLent;
    }

    /**
     * How many loops these figures are of.
     *
     * @return 1 for one loop's figures; for a {@link #sum}, how many were added up
     */
    public int loops() {
        return loops;
    }

    @Override
    public String toString() {
        return "GetBufLoopStats{loops=" + loops + ", enterCalls=" + enterCalls + ", sqesSubmitted=" + sqesSubmitted
                + ", completions=" + completions + ", cqOverflowFlushes=" + cqOverflowFlushes
                + ", deferredCompletions=" + deferredCompletions + ", bufferRingExhausted=" + bufferRingExhausted
                + ", registeredBufferWaits=" + registeredBufferWaits + ", pipesExhausted=" + pipesExhausted + ", bufferTableUpdates=" + bufferTableUpdates
                + ", sendfileCalls=" + sendfileCalls
                + ", registeredBuffersInUse=" + registeredBuffersInUse + ", fileChunksInUse=" + fileChunksInUse + '/'
                + fileChunks + ", transferSlotsInUse=" + transferSlotsInUse + ", pipesLent=" + pipesLent + '}';
    }
}
