/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Byte ranges of a {@code Range} header resolved against the file's length (RFC 9110, 14.1.2 and 14.2). A header the
 * server does not act on (another unit, bad syntax) gives null: the whole file is sent with 200, as the RFC allows.
 * Ranges past the end are dropped; none left is unsatisfiable (416). Overlapping ranges, and ranges closer than a
 * part's headers would cost, are merged (a client cannot make the server send a byte twice), and more than the
 * allowed number of ranges after merging gets the whole file too (nginx's {@code max_ranges}).
 */
final class ByteRange {
    private static final String UNIT = "bytes=";
    // a position with more digits than this is past the end of any file
    private static final int MAX_DIGITS = 18;
    /** Ranges this close are merged: the gap costs less than another part's boundary and headers. */
    static final long MERGE_GAP = 80;

    final long first;
    final long last; // inclusive

    ByteRange(long first, long last) {
        this.first = first;
        this.last = last;
    }

    long length() {
        return last - first + 1;
    }

    /** {@code bytes first-last/size}, the Content-Range of a 206 or of a part. */
    String contentRange(long size) {
        return "bytes " + first + '-' + last + '/' + size;
    }

    /** {@code bytes *}{@code /size}, the Content-Range of a 416. */
    static String unsatisfiedContentRange(long size) {
        return "bytes */" + size;
    }

    /**
     * The ranges {@code header} asks of a file of {@code size} bytes, sorted and merged: null to send all of it
     * (no header, not understood, or more than {@code maxRanges} ranges), empty when none is satisfiable.
     */
    static List<ByteRange> parse(String header, long size, int maxRanges) {
        if (header == null || !header.regionMatches(true, 0, UNIT, 0, UNIT.length())) {
            return null;
        }
        List<ByteRange> ranges = new ArrayList<>();
        boolean satisfiable = false;
        for (String spec : header.substring(UNIT.length()).split(",", -1)) {
            String s = spec.trim();
            if (s.isEmpty()) {
                continue; // "a list may contain empty elements" (RFC 9110, 5.6.1)
            }
            long[] r = resolve(s, size);
            if (r == null) {
                return null; // one bad range makes the header invalid: ignored
            }
            if (r.length == 2) {
                ranges.add(new ByteRange(r[0], r[1]));
                satisfiable = true;
            }
        }
        if (!satisfiable) {
            return ranges.isEmpty() && header.substring(UNIT.length()).trim().isEmpty() ? null : List.of();
        }
        List<ByteRange> merged = merge(ranges);
        return merged.size() > maxRanges ? null : merged;
    }

    private static List<ByteRange> merge(List<ByteRange> ranges) {
        ranges.sort(Comparator.comparingLong((ByteRange r) -> r.first));
        List<ByteRange> merged = new ArrayList<>();
        ByteRange current = ranges.get(0);
        for (int i = 1; i < ranges.size(); i++) {
            ByteRange next = ranges.get(i);
            // both positions are >= 0: the difference cannot overflow where last + 1 + gap could
            if (next.first - current.last <= 1 + MERGE_GAP) {
                current = new ByteRange(current.first, Math.max(current.last, next.last));
            } else {
                merged.add(current);
                current = next;
            }
        }
        merged.add(current);
        return merged;
    }

    /** One range spec against {@code size}: {first, last}, {} when unsatisfiable, null when malformed. */
    private static long[] resolve(String spec, long size) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        long start = position(spec.substring(0, dash).trim());
        long end = position(spec.substring(dash + 1).trim());
        if (dash == 0) { // "-n": the last n bytes
            if (end < 0) {
                return null;
            }
            return end == 0 || size == 0 ? new long[0] : new long[] {Math.max(0, size - end), size - 1};
        }
        boolean open = spec.substring(dash + 1).trim().isEmpty();
        if (start < 0 || (!open && (end < 0 || end < start))) {
            return null;
        }
        if (start >= size) {
            return new long[0];
        }
        return new long[] {start, open ? size - 1 : Math.min(end, size - 1)};
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
        return String.format(Locale.ROOT, "%d-%d", first, last);
    }
}
