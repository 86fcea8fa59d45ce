/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * An address on 127.0.0.1 whose connects neither succeed nor fail: a listener that never accepts, with its accept
 * queue filled. Linux drops a SYN for a listener whose accept queue is full, so a connect there stays in SYN_SENT
 * (retransmitting) until the caller gives up: what a connect timeout or a connect cancellation needs, without
 * leaving loopback. One per JVM, kept open until it exits.
 */
public final class Blackhole {
    private static final int BACKLOG = 1;
    private static final int PROBE_MILLIS = 200;
    private static final int MAX_FILLERS = 16;

    private static InetSocketAddress address;
    // strong references: the listener and the connections that fill its queue live as long as the JVM
    private static final List<AutoCloseable> KEPT = new ArrayList<>();

    private Blackhole() {
    }

    /** The black-holed address, set up on first use. */
    public static synchronized InetSocketAddress address() {
        if (address == null) {
            try {
                address = open();
            } catch (IOException e) {
                throw new UncheckedIOException("could not set up a black-holed listener on 127.0.0.1", e);
            }
        }
        return address;
    }

    private static InetSocketAddress open() throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        KEPT.add(listener);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), BACKLOG);
        InetSocketAddress at = (InetSocketAddress) listener.getLocalAddress();
        // Connect until one does not complete: then the queue is full and every later SYN is dropped.
        for (int i = 0; i < MAX_FILLERS; i++) {
            SocketChannel filler = SocketChannel.open();
            KEPT.add(filler);
            filler.configureBlocking(false);
            filler.connect(at);
            if (!completes(filler)) {
                filler.close();
                if (!answers(at)) {
                    return at;
                }
            }
        }
        throw new IOException("connects to a listener on " + at + " that never accepts still succeed after "
                + MAX_FILLERS + " connections: the kernel does not drop SYNs for a full accept queue");
    }

    private static boolean completes(SocketChannel ch) throws IOException {
        long deadline = System.nanoTime() + PROBE_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (ch.finishConnect()) {
                return true;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        return false;
    }

    /** Whether a blocking connect to {@code at} succeeds or fails within the probe time (it must not). */
    static boolean answers(InetSocketAddress at) {
        try (Socket probe = new Socket()) {
            probe.connect(at, PROBE_MILLIS);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // refused or unreachable: an answer
        }
    }
}
