/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.file.attribute.BasicFileAttributes;
import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * A file's validators, ETag and Last-Modified, and the conditional requests decided with them (RFC 9110, 13):
 * If-None-Match and If-Modified-Since for a 304, If-Range for whether a Range is honoured. The ETag is strong,
 * made of the modification time and the size (as nginx does), so it changes when the file is rewritten.
 */
final class Validators {
    private static final String WEAK_PREFIX = "W/";
    private static final String ANY = "*";

    final String etag;
    final String lastModified;
    private final long modifiedSeconds;

    Validators(BasicFileAttributes attributes) {
        long modifiedMillis = attributes.lastModifiedTime().toMillis();
        etag = "\"" + Long.toHexString(modifiedMillis) + '-' + Long.toHexString(attributes.size()) + '"';
        modifiedSeconds = TimeUnit.MILLISECONDS.toSeconds(modifiedMillis);
        // HTTP dates have whole seconds; the header and the comparisons below use the same truncation
        lastModified = DateFormatter.format(new Date(TimeUnit.SECONDS.toMillis(modifiedSeconds)));
    }

    /**
     * The client's copy is current: 304. If-None-Match, when present, decides alone (weak comparison);
     * If-Modified-Since counts only without it.
     */
    boolean notModified(HttpHeaders headers) {
        String ifNoneMatch = headers.get(HttpHeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.equals(ANY) || weakEquals(t, etag)) {
                    return true;
                }
            }
            return false;
        }
        Date since = parseDate(headers.get(HttpHeaderNames.IF_MODIFIED_SINCE));
        return since != null && modifiedSeconds <= TimeUnit.MILLISECONDS.toSeconds(since.getTime());
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

    private static boolean weakEquals(String a, String b) {
        return stripWeak(a).equals(stripWeak(b));
    }

    private static String stripWeak(String tag) {
        return tag.startsWith(WEAK_PREFIX) ? tag.substring(WEAK_PREFIX.length()) : tag;
    }

    private static Date parseDate(String value) {
        return value == null ? null : DateFormatter.parseHttpDate(value);
    }
}
