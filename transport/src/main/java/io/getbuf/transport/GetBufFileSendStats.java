/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Bytes and {@link io.netty.channel.FileRegion}s sent per {@link GetBufFileStrategy}, of one channel
 * ({@link GetBufSocketChannel#fileSendStats()}) or of all channels of an event loop
 * ({@link GetBufIoHandler#fileSendStats(io.netty.channel.EventLoop)}). Regions that only know {@code transferTo}
 * (custom FileRegions) count under {@link GetBufFileStrategy#COPY}. Counters only grow; read them from any thread.
 */
public final class GetBufFileSendStats {
    private static final int N = GetBufFileStrategy.values().length;
    private final AtomicLongArray bytes = new AtomicLongArray(N);
    private final AtomicLongArray regions = new AtomicLongArray(N);

    GetBufFileSendStats() {
    }

    void addBytes(GetBufFileStrategy strategy, long n) {
        bytes.addAndGet(strategy.ordinal(), n);
    }

    void addRegion(GetBufFileStrategy strategy) {
        regions.incrementAndGet(strategy.ordinal());
    }

    /** Bytes of file regions sent with {@code strategy}. */
    public long bytes(GetBufFileStrategy strategy) {
        return bytes.get(strategy.ordinal());
    }

    /** File regions sent completely with {@code strategy}. */
    public long regions(GetBufFileStrategy strategy) {
        return regions.get(strategy.ordinal());
    }

    /** Bytes of file regions sent, all strategies. */
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
            if (regions(s) == 0 && bytes(s) == 0) {
                continue;
            }
            sb.append(first ? "" : ", ").append(s).append(": ").append(regions(s)).append(" regions, ")
                    .append(bytes(s)).append(" bytes");
            first = false;
        }
        return sb.append('}').toString();
    }
}
