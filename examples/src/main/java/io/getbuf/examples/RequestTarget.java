/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The path of a request target, percent-decoded and split into segments that are safe to resolve under the root,
 * or the reason it is refused. Refused (400): malformed or non-UTF-8 percent-encoding, a {@code ..} segment (plain or
 * encoded; clients remove dot-segments before sending, so one that arrives is an attack or a broken client), an
 * encoded {@code /} (it would let a segment span directories), backslashes, NUL and other control characters.
 * Empty and {@code .} segments are dropped ({@code //a/./b} is {@code /a/b}).
 */
final class RequestTarget {
    private static final String PARENT = "..";
    private static final String CURRENT = ".";
    private static final int HEX_RADIX = 16;
    private static final int DECIMAL_DIGITS = 10;

    /** The path as sent (still encoded, no query): what a redirect to the same resource repeats. */
    final String rawPath;
    /** The query with its {@code ?}, or "" (never used to find a file). */
    final String query;
    /** The decoded segments, none empty, {@code .} or {@code ..}, none containing {@code /}. */
    final List<String> segments;
    /** The path ended in {@code /}: a directory was asked for. */
    final boolean trailingSlash;
    /**
     * The path had no empty or {@code .} segment ({@code //a}, {@code /./a}, {@code /a//b}): such a path is answered
     * with a redirect to {@link #canonicalPath()}, never served under its own name.
     */
    final boolean canonical;

    private RequestTarget(String rawPath, String query, List<String> segments, boolean canonical) {
        this.rawPath = rawPath;
        this.query = query;
        this.segments = Collections.unmodifiableList(segments);
        this.trailingSlash = rawPath.endsWith("/");
        this.canonical = canonical;
    }

    /**
     * The path made of the segments alone, percent-encoded, with a final {@code /} when the request had one:
     * always one leading slash, so a redirect to it can never name another host ({@code //host/}).
     */
    String canonicalPath() {
        StringBuilder p = new StringBuilder();
        for (String s : segments) {
            p.append('/').append(DirectoryListing.encodePathSegment(s));
        }
        if (p.length() == 0 || (trailingSlash && !segments.isEmpty())) {
            p.append('/');
        }
        return p.toString();
    }

    /**
     * The query (with its {@code ?}) as a redirect may repeat it in a {@code Location} header: every character a
     * URI's query may not hold raw (controls, spaces, quotes, anything beyond ASCII) percent-encoded, byte by byte of
     * its UTF-8, so that no request can make the header invalid. Escapes already there stay as they are.
     */
    String queryForLocation() {
        StringBuilder b = null;
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            boolean ok = c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^'
                    && c != '`' && c != '{' && c != '|' && c != '}';
            if (ok) {
                if (b != null) {
                    b.append(c);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(query.length() + 16).append(query, 0, i);
            }
            for (byte x : String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                b.append('%').append(Character.toUpperCase(Character.forDigit((x >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(x & 0xf, 16)));
            }
        }
        return b == null ? query : b.toString();
    }

    /** A request target the server refuses to look up; the message says why (for the 400 body). */
    static final class InvalidTargetException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTargetException(String message) {
            super(message, null, false, false);
        }
    }

    static RequestTarget parse(String uri) throws InvalidTargetException {
        String target = stripAuthority(uri);
        if (!target.startsWith("/")) {
            throw new InvalidTargetException("the request target is not a path");
        }
        int fragment = target.indexOf('#');
        if (fragment >= 0) {
            target = target.substring(0, fragment);
        }
        int q = target.indexOf('?');
        String rawPath = q >= 0 ? target.substring(0, q) : target;
        String query = q >= 0 ? target.substring(q) : "";
        List<String> segments = new ArrayList<>();
        boolean canonical = true;
        // split before decoding, so that an encoded '/' cannot make a new segment (it is refused below)
        String[] raws = rawPath.split("/", -1);
        for (int i = 1; i < raws.length; i++) { // raws[0] is what precedes the leading '/': ""
            String segment = decode(raws[i]);
            checkSegment(segment);
            if (!segment.isEmpty() && !segment.equals(CURRENT)) {
                segments.add(segment);
            } else if (i < raws.length - 1 || segment.equals(CURRENT)) {
                canonical = false; // only the last may be empty: a final '/'
            }
        }
        return new RequestTarget(rawPath, query, segments, canonical);
    }

    /** The target in absolute form ({@code http://host/path}) is the path; HTTP/1.1 servers must accept it. */
    private static String stripAuthority(String uri) {
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            int slash = uri.indexOf('/', uri.indexOf("//") + 2);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return uri;
    }

    private static void checkSegment(String segment) throws InvalidTargetException {
        if (segment.equals(PARENT)) {
            throw new InvalidTargetException("'..' in the path");
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '/') {
                throw new InvalidTargetException("an encoded '/' in the path");
            }
            if (c == '\\') {
                throw new InvalidTargetException("a backslash in the path");
            }
            if (Character.isISOControl(c)) {
                throw new InvalidTargetException("a control character in the path");
            }
        }
    }

    /** The value of an ASCII hex digit, or -1 (Character.digit would take other scripts' digits too). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        char lower = (char) (c | 0x20);
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + DECIMAL_DIGITS : -1;
    }

    /** Percent-decoding of one segment into UTF-8 text; '+' is a plus in a path, not a space. */
    static String decode(String raw) throws InvalidTargetException {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                byte[] plain = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(plain, 0, plain.length);
                continue;
            }
            if (i + 2 >= raw.length()) {
                throw new InvalidTargetException("a truncated percent-encoding in the path");
            }
            int hi = hexDigit(raw.charAt(i + 1));
            int lo = hexDigit(raw.charAt(i + 2));
            if (hi < 0 || lo < 0) {
                throw new InvalidTargetException("a malformed percent-encoding in the path");
            }
            bytes.write(hi * HEX_RADIX + lo);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidTargetException("the path is not UTF-8");
        }
    }
}
