/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Bytes and {@link io.netty.channel.FileRegion}s sent per {@link GetBufFileStrategy}, of one channel
 * ({@link GetBufSocketChannel#fileSendStats()}) or of all channels of an event loop
 * ({@link GetBufIoHandler#fileSendStats(io.netty.channel.EventLoop)}). Regions that only know {@code transferTo}
 * (custom FileRegions) count under {@link GetBufFileStrategy#COPY}. An event loop's stats also count its
 * {@link GetBufFiles#read} calls per strategy. Counters only grow; read them from any thread.
 */
public final class GetBufFileSendStats {
    private static final int N = GetBufFileStrategy.values().length;
    private final AtomicLongArray bytes = new AtomicLongArray(N);
    private final AtomicLongArray regions = new AtomicLongArray(N);
    private final AtomicLongArray reads = new AtomicLongArray(N);
    private final AtomicLongArray readBytes = new AtomicLongArray(N);
    private final AtomicLongArray fallbacks = new AtomicLongArray(N);
    private final AtomicLong readMappingsReused = new AtomicLong();
    private final AtomicLong readMappingsCreated = new AtomicLong();

    GetBufFileSendStats() {
    }

    void addBytes(GetBufFileStrategy strategy, long n) {
        bytes.addAndGet(strategy.ordinal(), n);
    }

    void addRegion(GetBufFileStrategy strategy) {
        regions.incrementAndGet(strategy.ordinal());
    }

    void addFallback(GetBufFileStrategy strategy) {
        fallbacks.incrementAndGet(strategy.ordinal());
    }

    void addRead(GetBufFileStrategy strategy, long n) {
        reads.incrementAndGet(strategy.ordinal());
        readBytes.addAndGet(strategy.ordinal(), n);
    }

    /**
     * {@link GetBufFiles#read} calls of this loop that completed with {@code strategy}: {@link GetBufFileStrategy#GET_BUF}
     * (the file's pages lent) or {@link GetBufFileStrategy#READ_FIXED} (read into a registered buffer).
     *
     * @param strategy the strategy (not {@code null}); only {@code GET_BUF} and {@code READ_FIXED} count reads
     * @return the number of reads that completed with a buffer, since the loop started (always 0 in a channel's
     *         stats)
     */
    public long reads(GetBufFileStrategy strategy) {
        return reads.get(strategy.ordinal());
    }

    void addReadMapping(boolean reused) {
        (reused ? readMappingsReused : readMappingsCreated).incrementAndGet();
    }

    /**
     * {@link GetBufFiles#read} calls of this loop whose lent pages Java reads through a mapping of the file the loop
     * already had (a cached window of the file): no mmap and no munmap for them.
     *
     * @return the number of such reads, since the loop started (always 0 in a channel's stats)
     */
    public long readMappingsReused() {
        return readMappingsReused.get();
    }

    /**
     * {@link GetBufFiles#read} calls of this loop that mapped the file to let Java read the lent pages: a new cached
     * window, or a mapping of the read's own (a range across two windows, a file that is not a regular file).
     * Together with {@link #readMappingsReused()} they are the GET_BUF reads that returned bytes.
     *
     * @return the number of such reads, since the loop started (always 0 in a channel's stats)
     */
    public long readMappingsCreated() {
        return readMappingsCreated.get();
    }

    /**
     * Bytes that {@link GetBufFiles#read} calls of this loop returned with {@code strategy}.
     *
     * @param strategy the strategy (not {@code null}); only {@code GET_BUF} and {@code READ_FIXED} count reads
     * @return the bytes of the buffers those reads returned, since the loop started (always 0 in a channel's stats)
     */
    public long readBytes(GetBufFileStrategy strategy) {
        return readBytes.get(strategy.ordinal());
    }

    /**
     * Bytes of file regions sent with {@code strategy}.
     *
     * @param strategy the strategy (not {@code null}); {@code AUTO} counts nothing, each region counting under the
     *                 strategy picked for it
     * @return the bytes the socket took, since the channel was created (or the loop started, for a loop's stats)
     */
    public long bytes(GetBufFileStrategy strategy) {
        return bytes.get(strategy.ordinal());
    }

    /**
     * File regions sent completely with {@code strategy}.
     *
     * @param strategy the strategy (not {@code null}); a region that fell back counts under the one that finished it
     * @return the number of regions, since the channel was created (or the loop started, for a loop's stats)
     */
    public long regions(GetBufFileStrategy strategy) {
        return regions.get(strategy.ordinal());
    }

    /**
     * Regions that {@code strategy} started and that went on by {@link GetBufFileStrategy#SENDFILE}: their file lends
     * no pages (GET_BUF on a file system without a provider), or the loop's pool the strategy draws on had nothing
     * for them (every slot, chunk or pipe that transfers may hold was held, by peers that may never read). Their
     * bytes count under the strategy that sent them.
     *
     * @param strategy the strategy that started the regions (not {@code null})
     * @return the number of regions, since the channel was created (or the loop started, for a loop's stats)
     */
    public long fallbacks(GetBufFileStrategy strategy) {
        return fallbacks.get(strategy.ordinal());
    }

    /**
     * Bytes of file regions sent, all strategies.
     *
     * @return the sum of {@link #bytes bytes} over every strategy (not the bytes of
     *         {@link GetBufFiles#read GetBufFiles.read} calls)
     */
    public long totalBytes() {
        long n = 0;
        for (int i = 0; i < N; i++) {
            n += bytes.get(i);
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("GetBufFileSendStats{");
        boolean first = true;
        for (GetBufFileStrategy s : GetBufFileStrategy.values()) {
            if (regions(s) == 0 && bytes(s) == 0 && reads(s) == 0 && fallbacks(s) == 0) {
                continue;
            }
            sb.append(first ? "" : ", ").append(s).append(": ").append(regions(s)).append(" regions, ")
                    .append(bytes(s)).append(" bytes");
            if (fallbacks(s) != 0) {
                sb.append(", ").append(fallbacks(s)).append(" fell back");
            }
            if (reads(s) != 0) {
                sb.append(", ").append(reads(s)).append(" reads, ").append(readBytes(s)).append(" bytes read");
            }
            first = false;
        }
        if (readMappingsReused() != 0 || readMappingsCreated() != 0) {
            sb.append(first ? "" : ", ").append("read mappings: ").append(readMappingsReused()).append(" reused, ")
                    .append(readMappingsCreated()).append(" created");
        }
        return sb.append('}').toString();
    }
}
