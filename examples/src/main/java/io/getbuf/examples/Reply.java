/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What {@link FileService} decided to answer, before it is written: a status, headers, and a body of generated text
 * and slices of one open file (each slice sent as a FileRegion), in order. Content-Length is always set, and for
 * HEAD is that of the body a GET would get. A reply with file slices owns one reference to the file, which the
 * writer ({@link HttpFileHandler}) releases once the regions (which hold their own) are written, or on HEAD.
 */
final class Reply {
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    private static final String CRLF = "\r\n";

    final HttpResponseStatus status;
    final HttpHeaders headers = new DefaultHttpHeaders();
    /** byte[] (text) or long[] {offset, length} (bytes of {@link #file}), in the order they are sent. */
    final List<Object> body = new ArrayList<>(1);
    final CachedFile file; // a reference this reply owns, or null
    private long bodyBytes;

    private Reply(HttpResponseStatus status, CachedFile file) {
        this.status = status;
        this.file = file;
    }

    /** A status with a one-line explanation as its body. */
    static Reply status(HttpResponseStatus status, String why) {
        String body = status + (why == null ? "" : ": " + why) + '\n';
        return generated(status, TEXT_PLAIN, body);
    }

    static Reply generated(HttpResponseStatus status, String contentType, String body) {
        Reply reply = new Reply(status, null);
        reply.text(body.getBytes(StandardCharsets.UTF_8));
        reply.headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        reply.headers.set(HttpHeaderNames.CONTENT_LENGTH, reply.bodyBytes);
        return reply;
    }

    /** Headers only (304, 412): no body at all, no Content-Length. */
    static Reply headersOnly(HttpResponseStatus status) {
        return new Reply(status, null);
    }

    /** Bytes [offset, offset + length) of {@code file}, whose reference the reply now owns. */
    static Reply file(HttpResponseStatus status, CachedFile file, long offset, long length) {
        Reply reply = new Reply(status, file);
        if (length > 0) {
            reply.slice(offset, length);
        }
        reply.headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        return reply;
    }

    /**
     * A {@code multipart/byteranges} 206 of {@code ranges} of {@code file} (RFC 9110, 14.6): each part its
     * Content-Type and Content-Range, the file's bytes sent from the file.
     */
    static Reply multipart(CachedFile file, List<ByteRange> ranges, String contentType, long size) {
        Reply reply = new Reply(HttpResponseStatus.PARTIAL_CONTENT, file);
        String boundary = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
                + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        for (ByteRange r : ranges) {
            reply.text((CRLF + "--" + boundary + CRLF + "Content-Type: " + contentType + CRLF + "Content-Range: "
                    + r.contentRange(size) + CRLF + CRLF).getBytes(StandardCharsets.US_ASCII));
            reply.slice(r.first, r.length());
        }
        reply.text((CRLF + "--" + boundary + "--" + CRLF).getBytes(StandardCharsets.US_ASCII));
        reply.headers.set(HttpHeaderNames.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
        reply.headers.set(HttpHeaderNames.CONTENT_LENGTH, reply.bodyBytes);
        return reply;
    }

    private void text(byte[] bytes) {
        body.add(bytes);
        bodyBytes += bytes.length;
    }

    private void slice(long offset, long length) {
        body.add(new long[] {offset, length});
        bodyBytes += length;
    }

    /** The body's bytes: what Content-Length says for a GET. */
    long bodyBytes() {
        return bodyBytes;
    }

    /** Lets go of the file, when the reply is not written after all. */
    void release() {
        if (file != null) {
            file.release();
        }
    }
}
