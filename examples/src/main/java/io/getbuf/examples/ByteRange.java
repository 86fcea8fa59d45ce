/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.util.Locale;

/**
 * A single byte range of a {@code Range} header, resolved against the file's length (RFC 9110, 14.1.2). A header
 * the server does not act on (another unit, several ranges, bad syntax) gives null: the whole file is sent with 200,
 * as the RFC allows. A range past the end is {@link #UNSATISFIABLE} (416).
 */
final class ByteRange {
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);
    private static final String UNIT = "bytes=";
    // a position with more digits than this is past the end of any file
    private static final int MAX_DIGITS = 18;

    final long first;
    final long last; // inclusive

    private ByteRange(long first, long last) {
        this.first = first;
        this.last = last;
    }

    long length() {
        return last - first + 1;
    }

    boolean isSatisfiable() {
        return this != UNSATISFIABLE;
    }

    /** {@code bytes first-last/size}, the Content-Range of a 206. */
    String contentRange(long size) {
        return "bytes " + first + '-' + last + '/' + size;
    }

    /** {@code bytes *}{@code /size}, the Content-Range of a 416. */
    static String unsatisfiedContentRange(long size) {
        return "bytes */" + size;
    }

    /** The range {@code header} asks of a file of {@code size} bytes; null to send all of it. */
    static ByteRange parse(String header, long size) {
        if (header == null || !header.regionMatches(true, 0, UNIT, 0, UNIT.length())) {
            return null;
        }
        String spec = header.substring(UNIT.length()).trim();
        int dash = spec.indexOf('-');
        if (dash < 0 || spec.indexOf(',') >= 0) {
            return null;
        }
        long start = position(spec.substring(0, dash));
        long end = position(spec.substring(dash + 1));
        if (dash == 0) { // "-n": the last n bytes
            if (end < 0) {
                return null;
            }
            return end == 0 || size == 0 ? UNSATISFIABLE : new ByteRange(Math.max(0, size - end), size - 1);
        }
        if (start < 0 || (dash < spec.length() - 1 && (end < 0 || end < start))) {
            return null;
        }
        if (start >= size) {
            return UNSATISFIABLE;
        }
        long last = dash == spec.length() - 1 ? size - 1 : Math.min(end, size - 1);
        return new ByteRange(start, last);
    }

    /** Digits as a position, Long.MAX_VALUE when too long to matter, -1 when not digits. */
    private static long position(String digits) {
        if (digits.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        return digits.length() > MAX_DIGITS ? Long.MAX_VALUE : Long.parseLong(digits);
    }

    @Override
    public String toString() {
        return isSatisfiable() ? String.format(Locale.ROOT, "%d-%d", first, last) : "unsatisfiable";
    }
}
