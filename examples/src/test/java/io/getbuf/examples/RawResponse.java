/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 response read byte by byte from a socket, without a codec that would hide what went wrong: the status
 * line, the header fields (lower-case names; a repeated field keeps its last value), and the body of Content-Length
 * bytes, or as many as came before the connection ended ({@link #complete} false).
 */
final class RawResponse {
    final String statusLine;
    final int status;
    final Map<String, String> headers;
    final byte[] body;
    /** The whole body announced by Content-Length arrived (always true for bodiless responses). */
    final boolean complete;

    private RawResponse(String statusLine, Map<String, String> headers, byte[] body, boolean complete) {
        this.statusLine = statusLine;
        this.status = Integer.parseInt(statusLine.split(" ")[1]);
        this.headers = headers;
        this.body = body;
        this.complete = complete;
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    long contentLength() {
        String v = header("content-length");
        return v == null ? -1 : Long.parseLong(v);
    }

    /**
     * Reads the next response; null when the connection ended before its first byte. {@code bodiless}: the answer to
     * a HEAD (a Content-Length but no body).
     */
    static RawResponse read(InputStream in, boolean bodiless) throws IOException {
        String statusLine = null;
        Map<String, String> headers = new LinkedHashMap<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                if (statusLine == null && line.size() == 0) {
                    return null;
                }
                throw new IOException("the connection ended in a response head");
            }
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String l = line.toString(StandardCharsets.ISO_8859_1).stripTrailing();
            line.reset();
            if (l.isEmpty()) {
                break;
            }
            if (statusLine == null) {
                statusLine = l;
            } else {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
        }
        String length = headers.get("content-length");
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        if (bodiless || length == null || status == 304 || status == 100 || status == 204) {
            return new RawResponse(statusLine, headers, new byte[0], true);
        }
        long n = Long.parseLong(length);
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.min(n, 1 << 20));
        byte[] buf = new byte[64 * 1024];
        long left = n;
        while (left > 0) {
            int r;
            try {
                r = in.read(buf, 0, (int) Math.min(buf.length, left));
            } catch (java.net.SocketException reset) {
                r = -1;
            }
            if (r < 0) {
                return new RawResponse(statusLine, headers, body.toByteArray(), false);
            }
            body.write(buf, 0, r);
            left -= r;
        }
        return new RawResponse(statusLine, headers, body.toByteArray(), true);
    }

    @Override
    public String toString() {
        return statusLine + ' ' + headers + " (" + body.length + " bytes" + (complete ? "" : ", cut short") + ')';
    }
}
