/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One line per request in the Combined Log Format that log tools read ({@code host - - [time] "request" status
 * bytes "referer" "user-agent"}), made when the response has been sent (or failed: then the bytes are "-"). Every
 * byte a client chose that is not printable ASCII, and the quote and backslash, is escaped ({@code \xHH}, as nginx
 * does), so no request can forge a field or a line or put a terminal escape in the log.
 *
 * <p>An event loop never writes: it queues the line (at most {@link #QUEUE_LINES}), and a thread of the log's own
 * writes it. When the output does not keep up (a full pipe, a stopped terminal) lines are dropped and counted
 * ({@link #dropped()}, in the shutdown summary) rather than stalling every connection of the loop.
 */
final class AccessLog implements AutoCloseable {
    static final int QUEUE_LINES = 65536;
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    private static final String NONE = "-";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final int DRAIN = 256;
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final PrintStream out;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(QUEUE_LINES);
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;
    private volatile boolean closed;

    AccessLog(PrintStream out) {
        this.out = out;
        writer = new Thread(this::write, "access-log");
        writer.setDaemon(true);
        writer.start();
    }

    void log(SocketAddress remote, HttpRequest request, int status, long bytes, boolean sent) {
        String host = remote instanceof InetSocketAddress
                ? ((InetSocketAddress) remote).getAddress().getHostAddress() : String.valueOf(remote);
        String line = host + " - - [" + TIME.format(ZonedDateTime.now()) + "] \"" + escape(request.method().name())
                + ' ' + escape(request.uri()) + ' ' + escape(request.protocolVersion().text()) + "\" " + status + ' '
                + (sent ? Long.toString(bytes) : NONE) + " \"" + header(request, HttpHeaderNames.REFERER.toString())
                + "\" \"" + header(request, HttpHeaderNames.USER_AGENT.toString()) + '"';
        if (closed || !lines.offer(line)) {
            dropped.increment();
        }
    }

    /** Lines not written because the output did not keep up. */
    long dropped() {
        return dropped.sum();
    }

    private void write() {
        List<String> batch = new ArrayList<>(DRAIN);
        try {
            while (!closed || !lines.isEmpty()) {
                String first = lines.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                lines.drainTo(batch, DRAIN - 1);
                StringBuilder text = new StringBuilder(batch.size() * 128);
                for (String l : batch) {
                    text.append(l).append('\n');
                }
                out.print(text);
                out.flush();
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String header(HttpRequest request, String name) {
        String value = request.headers().get(name);
        return value == null ? NONE : escape(value);
    }

    /** Printable ASCII as is, but for {@code "} and {@code \}; everything else as {@code \xHH} per byte (UTF-8). */
    static String escape(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
            if (plain) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            // Netty decodes the request line and headers as ISO-8859-1: each char is one byte the client sent
            if (c <= 0xff) {
                out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                for (byte b : String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    out.append("\\x").append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
                }
            }
        }
        return out == null ? value : out.toString();
    }

    /** Writes what is queued (waiting a moment for it) and stops the writer. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        writer.join(CLOSE_WAIT_MILLIS);
    }
}
