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

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The server's figures ({@code --stats N}, {@code --stats-path P}): what it served and, on getbuf, what its event
 * loops did ({@link GetBufLoopStats}) and sent per strategy, fallbacks included. Taken on a thread of its own every
 * N seconds (every second for the path alone), since a loop's figures are read on the loop: a request for the path
 * gets the last one taken and never waits on another loop.
 */
final class StatsReporter implements AutoCloseable {
    private final Transport transport;
    private final EventLoopGroup group;
    private final ServerStats stats;
    private final IntSupplier connections;
    private final PrintStream out; // null: the path only
    private final ScheduledExecutorService timer;
    private volatile String last = "no figures yet\n";

    StatsReporter(Transport transport, EventLoopGroup group, ServerStats stats, IntSupplier connections,
                  int seconds, PrintStream out) {
        this.transport = transport;
        this.group = group;
        this.stats = stats;
        this.connections = connections;
        this.out = seconds > 0 ? out : null;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "getbuf-file-server-stats");
            t.setDaemon(true);
            return t;
        });
        long period = seconds > 0 ? seconds : 1;
        timer.scheduleAtFixedRate(this::take, period, period, TimeUnit.SECONDS);
    }

    /** The last figures taken, as lines of text. */
    String text() {
        return last;
    }

    private void take() {
        try {
            String text = collect();
            last = text;
            if (out != null) {
                out.print(text);
                out.flush();
            }
        } catch (Exception e) {
            last = "figures unavailable: " + e + '\n';
        }
    }

    String collect() throws Exception {
        StringBuilder b = new StringBuilder("stats: connections=").append(connections.getAsInt())
                .append(" responses=").append(stats.responses()).append(" bytesRead=").append(stats.bytesRead())
                .append(" refused503=").append(stats.connectionsRefused()).append('\n');
        if (transport != Transport.GETBUF) {
            return b.append("stats: files ").append(stats.fileBytes(transport, group)).append('\n').toString();
        }
        GetBufLoopStats loops = GetBufIoHandler.stats(group).get(5, TimeUnit.SECONDS);
        b.append("stats: loops=").append(loops.loops()).append(" enterCalls=").append(loops.enterCalls())
                .append(" sqesSubmitted=").append(loops.sqesSubmitted()).append(" completions=")
                .append(loops.completions()).append(" cqOverflowFlushes=").append(loops.cqOverflowFlushes())
                .append(" deferredCompletions=").append(loops.deferredCompletions()).append(" bufferRingExhausted=")
                .append(loops.bufferRingExhausted()).append(" bufferTableUpdates=")
                .append(loops.bufferTableUpdates()).append(" sendfileCalls=").append(loops.sendfileCalls())
                .append('\n');
        b.append("stats: registeredBuffersInUse=").append(loops.registeredBuffersInUse())
                .append(" registeredBufferWaits=").append(loops.registeredBufferWaits()).append(" fileChunksInUse=")
                .append(loops.fileChunksInUse()).append('/').append(loops.fileChunks())
                .append(" transferSlotsInUse=").append(loops.transferSlotsInUse()).append(" pipesLent=")
                .append(loops.pipesLent()).append(" pipesExhausted=").append(loops.pipesExhausted()).append('\n');
        for (GetBufFileStrategy s : GetBufFileStrategy.values()) {
            long bytes = 0;
            long regions = 0;
            long fallbacks = 0;
            for (EventExecutor e : group) {
                GetBufFileSendStats f = GetBufIoHandler.fileSendStats((EventLoop) e);
                if (f != null) {
                    bytes += f.bytes(s);
                    regions += f.regions(s);
                    fallbacks += f.fallbacks(s);
                }
            }
            if (bytes + regions + fallbacks > 0) {
                b.append("stats: files ").append(s).append(" bytes=").append(bytes).append(" regions=")
                        .append(regions).append(" fallbacks=").append(fallbacks).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
