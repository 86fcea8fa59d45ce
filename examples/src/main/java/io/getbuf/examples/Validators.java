/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * A file's validators, ETag and Last-Modified, and the conditional requests decided with them (RFC 9110, 13.2.2, in
 * its order): If-Match, else If-Unmodified-Since, for a 412; If-None-Match, else If-Modified-Since, for a 304; If-Range
 * for whether a Range is honoured. The ETag is strong, made of the inode, the modification time in nanoseconds and the
 * size of the opened file, so a file replaced by rename (a new inode) or rewritten gets a new one even within the
 * same second and at the same size (unlike nginx's, it differs between two machines holding a copy).
 */
final class Validators {
    private static final String WEAK_PREFIX = "W/";
    private static final String ANY = "*";
    private static final int MAX_DATE_LENGTH = 64;

    /** What the preconditions of a request decide. */
    enum Outcome {
        /** Serve the file (whole, or the range asked for). */
        PROCEED,
        /** 304: the client's copy is current. */
        NOT_MODIFIED,
        /** 412: a precondition the client set does not hold. */
        PRECONDITION_FAILED
    }

    final String etag;
    final String lastModified;
    private final long modifiedSeconds;

    Validators(long inode, long modifiedNanos, long size) {
        etag = "\"" + Long.toHexString(inode) + '-' + Long.toHexString(modifiedNanos) + '-' + Long.toHexString(size)
                + '"';
        modifiedSeconds = Math.floorDiv(modifiedNanos, TimeUnit.SECONDS.toNanos(1));
        // HTTP dates have whole seconds; the header and the comparisons below use the same truncation
        lastModified = DateFormatter.format(new Date(TimeUnit.SECONDS.toMillis(modifiedSeconds)));
    }

    /** The preconditions of a GET or HEAD, in the RFC's order. */
    Outcome evaluate(HttpHeaders headers) {
        String ifMatch = headers.get(HttpHeaderNames.IF_MATCH);
        if (ifMatch != null) {
            if (!anyMatches(ifMatch, true)) {
                return Outcome.PRECONDITION_FAILED;
            }
        } else {
            Date unmodifiedSince = parseDate(headers.get(HttpHeaderNames.IF_UNMODIFIED_SINCE));
            if (unmodifiedSince != null && modifiedSeconds > TimeUnit.MILLISECONDS.toSeconds(unmodifiedSince.getTime())) {
                return Outcome.PRECONDITION_FAILED;
            }
        }
        String ifNoneMatch = headers.get(HttpHeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            return anyMatches(ifNoneMatch, false) ? Outcome.NOT_MODIFIED : Outcome.PROCEED;
        }
        Date since = parseDate(headers.get(HttpHeaderNames.IF_MODIFIED_SINCE));
        return since != null && modifiedSeconds <= TimeUnit.MILLISECONDS.toSeconds(since.getTime())
                ? Outcome.NOT_MODIFIED : Outcome.PROCEED;
    }

    /** {@code *} or one of the listed tags equals ours: strongly (If-Match) or weakly (If-None-Match). */
    private boolean anyMatches(String list, boolean strong) {
        for (String tag : list.split(",")) {
            String t = tag.trim();
            if (t.equals(ANY) || (strong ? t.equals(etag) : stripWeak(t).equals(etag))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A Range may be honoured: no If-Range, or one that names this very version (strong comparison of the ETag, or
     * exactly the Last-Modified date). Otherwise the whole, changed file is sent.
     */
    boolean rangeAllowed(HttpHeaders headers) {
        String ifRange = headers.get(HttpHeaderNames.IF_RANGE);
        if (ifRange == null) {
            return true;
        }
        String value = ifRange.trim();
        if (value.startsWith("\"") || value.startsWith(WEAK_PREFIX)) {
            return value.equals(etag); // a weak tag never equals our strong one
        }
        Date date = parseDate(value);
        return date != null && TimeUnit.MILLISECONDS.toSeconds(date.getTime()) == modifiedSeconds;
    }

    private static String stripWeak(String tag) {
        return tag.startsWith(WEAK_PREFIX) ? tag.substring(WEAK_PREFIX.length()) : tag;
    }

    /** An HTTP date, or null when absent or not a date (ignored, as RFC 9110 says of invalid dates). */
    private static Date parseDate(String value) {
        if (value == null || value.length() > MAX_DATE_LENGTH) {
            return null; // Netty's parser throws on more than 64 characters (found by RequestFuzzTest)
        }
        try {
            return DateFormatter.parseHttpDate(value);
        } catch (IllegalArgumentException notADate) {
            return null;
        }
    }
}
