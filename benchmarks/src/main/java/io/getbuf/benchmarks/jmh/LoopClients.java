/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.benchmarks.jmh;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Blocking loopback clients of a one-loop server, and what that loop's thread allocates while they run: the
 * allocation benchmarks' measure is the server loop's own bytes per round trip, which {@code -prof gc} (every thread
 * of the JVM) cannot isolate.
 */
final class LoopClients {
    private final SocketChannel[] clients;
    private final long loopThreadId;
    private long bytesAtStart;
    private long trips;

    LoopClients(EventLoopGroup group, Channel server, int connections) throws Exception {
        loopThreadId = group.next().submit(() -> Thread.currentThread().getId()).get();
        clients = new SocketChannel[connections];
        for (int c = 0; c < connections; c++) {
            clients[c] = SocketChannel.open((InetSocketAddress) server.localAddress());
            clients[c].setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
    }

    void startCounting() {
        bytesAtStart = allocatedBytes(loopThreadId);
        trips = 0;
    }

    /** Prints the loop thread's bytes since {@link #startCounting} per round trip ({@code what}: what a trip is). */
    void report(String what) {
        long bytes = allocatedBytes(loopThreadId) - bytesAtStart;
        System.out.printf("%n  server event loop thread: %d bytes over %d %s = %.3f B/op%n", bytes, trips, what,
                trips == 0 ? 0.0 : (double) bytes / trips);
    }

    /**
     * Every client writes all of {@code out}, then every client reads until {@code in} is full (all clients first
     * write, so that the loop has them all at once); returns the last byte read.
     */
    int roundTrip(ByteBuffer out, ByteBuffer in) throws IOException {
        for (SocketChannel client : clients) {
            out.clear();
            while (out.hasRemaining()) {
                client.write(out);
            }
        }
        for (SocketChannel client : clients) {
            in.clear();
            while (in.hasRemaining()) {
                if (client.read(in) < 0) {
                    throw new IOException("server closed the connection");
                }
            }
        }
        trips += clients.length;
        return in.get(in.limit() - 1);
    }

    void close() throws IOException {
        for (SocketChannel c : clients) {
            c.close();
        }
    }

    private static long allocatedBytes(long threadId) {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(threadId);
    }
}
