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
import java.util.Locale;

/**
 * One line per request in the Combined Log Format that log tools read ({@code host - - [time] "request" status
 * bytes "referer" "user-agent"}), written when the response has been sent (or failed: then the bytes are "-").
 * Printing is synchronous on the event loop: fine for an example, not for a server under load.
 */
final class AccessLog {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    private static final String NONE = "-";

    private final PrintStream out;

    AccessLog(PrintStream out) {
        this.out = out;
    }

    void log(SocketAddress remote, HttpRequest request, int status, long bytes, boolean sent) {
        String host = remote instanceof InetSocketAddress
                ? ((InetSocketAddress) remote).getAddress().getHostAddress() : String.valueOf(remote);
        out.println(host + " - - [" + TIME.format(ZonedDateTime.now()) + "] \"" + request.method() + ' '
                + escape(request.uri()) + ' ' + request.protocolVersion() + "\" " + status + ' '
                + (sent ? Long.toString(bytes) : NONE) + " \"" + header(request, HttpHeaderNames.REFERER.toString())
                + "\" \"" + header(request, HttpHeaderNames.USER_AGENT.toString()) + '"');
    }

    private static String header(HttpRequest request, String name) {
        String value = request.headers().get(name);
        return value == null ? NONE : escape(value);
    }

    /** A quote or a line break sent by a client must not forge a field or a second log line. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r");
    }
}
