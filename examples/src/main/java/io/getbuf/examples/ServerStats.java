/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufFileSendStats;
import io.getbuf.transport.GetBufFileStrategy;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufLoopStats;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the server did, for the summary printed at shutdown: responses sent, and the bytes of files sent per way of
 * sending. On getbuf the transport counts those per {@link GetBufFileStrategy} on each event loop (read them before
 * the loops stop: a stopped loop's counters are gone); on the other transports every file goes as a FileRegion
 * and the server counts those itself.
 */
final class ServerStats {
    static final String FILE_REGION = "FileRegion";

    private final LongAdder responses = new LongAdder();
    private final LongAdder fileRegionBytes = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder connectionsRefused = new LongAdder();

    /** Bytes read from all connections (requests), counted as they arrive. */
    LongAdder bytesReadCounter() {
        return bytesRead;
    }

    long bytesRead() {
        return bytesRead.sum();
    }

    void connectionRefused() {
        connectionsRefused.increment();
    }

    /** Connections answered 503 because {@code --max-connections} were open. */
    long connectionsRefused() {
        return connectionsRefused.sum();
    }

    void responseSent() {
        responses.increment();
    }

    void fileRegionSent(long bytes) {
        fileRegionBytes.add(bytes);
    }

    long responses() {
        return responses.sum();
    }

    /** Bytes of files sent per way of sending, only those with bytes. */
    Map<String, Long> fileBytes(Transport transport, EventLoopGroup group) {
        Map<String, Long> bytes = new LinkedHashMap<>();
        if (transport != Transport.GETBUF) {
            if (fileRegionBytes.sum() > 0) {
                bytes.put(FILE_REGION, fileRegionBytes.sum());
            }
            return bytes;
        }
        Map<GetBufFileStrategy, Long> perStrategy = new EnumMap<>(GetBufFileStrategy.class);
        for (EventExecutor executor : group) {
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats((EventLoop) executor);
            if (stats == null) {
                continue; // the loop has stopped
            }
            for (GetBufFileStrategy strategy : GetBufFileStrategy.values()) {
                perStrategy.merge(strategy, stats.bytes(strategy), Long::sum);
            }
        }
        perStrategy.forEach((strategy, n) -> {
            if (n > 0) {
                bytes.put(strategy.name(), n);
            }
        });
        return bytes;
    }

    /** {@code served N requests; file bytes: SENDFILE=..., ...} */
    String summary(Transport transport, EventLoopGroup group) {
        Map<String, Long> bytes = fileBytes(transport, group);
        StringBuilder line = new StringBuilder("served ").append(responses()).append(" requests; file bytes sent");
        if (bytes.isEmpty()) {
            return line.append(": none").toString();
        }
        line.append(" by ").append(transport == Transport.GETBUF ? "strategy" : "transport").append(':');
        bytes.forEach((way, n) -> line.append(' ').append(way).append('=').append(n));
        return line.toString();
    }
    /**
     * On getbuf, what the event loops did per response since they started: {@code ring work per response: sqes=...
     * cqes=... enters=... tableUpdates=... sendfileCalls=...} (the submissions, completions, io_uring_enter calls,
     * registered-buffer table updates and sendfile(2) calls over {@link #responses()}); null on other transports or
     * before the first response.
     */
    String ringWork(Transport transport, EventLoopGroup group) throws Exception {
        long n = responses();
        if (transport != Transport.GETBUF || n == 0) {
            return null;
        }
        GetBufLoopStats loops = GetBufIoHandler.stats(group).get(5, TimeUnit.SECONDS);
        return String.format(Locale.ROOT,
                "ring work per response: sqes=%.2f cqes=%.2f enters=%.2f tableUpdates=%.2f sendfileCalls=%.2f",
                (double) loops.sqesSubmitted() / n, (double) loops.completions() / n, (double) loops.enterCalls() / n,
                (double) loops.bufferTableUpdates() / n, (double) loops.sendfileCalls() / n);
    }
}
