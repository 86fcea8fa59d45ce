/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;

/**
 * What {@link FileService} decided to answer, before it is written: a status, headers, and at most one body, either
 * generated text or a slice of an open file (sent as a FileRegion). Content-Length is always set, and for HEAD is
 * that of the body a GET would get.
 */
final class Reply {
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    final HttpResponseStatus status;
    final HttpHeaders headers = new DefaultHttpHeaders();
    final byte[] text; // generated body, or null
    final OpenFile file; // open file whose bytes [offset, offset + length) are the body (a reference), or null
    final long offset;
    final long length;

    private Reply(HttpResponseStatus status, byte[] text, OpenFile file, long offset, long length) {
        this.status = status;
        this.text = text;
        this.file = file;
        this.offset = offset;
        this.length = length;
    }

    /** A status with a one-line explanation as its body. */
    static Reply status(HttpResponseStatus status, String why) {
        String body = status + (why == null ? "" : ": " + why) + '\n';
        return generated(status, TEXT_PLAIN, body);
    }

    static Reply generated(HttpResponseStatus status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Reply reply = new Reply(status, bytes, null, 0, bytes.length);
        reply.headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        reply.headers.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return reply;
    }

    /** Headers only (304, or a HEAD of a file): {@code length} is what the body would have been. */
    static Reply headersOnly(HttpResponseStatus status, long length, boolean withLength) {
        Reply reply = new Reply(status, null, null, 0, length);
        if (withLength) {
            reply.headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        return reply;
    }

    /** Bytes [offset, offset + length) of {@code file}, which the reply now owns. */
    static Reply file(HttpResponseStatus status, OpenFile file, long offset, long length) {
        Reply reply = new Reply(status, null, file, offset, length);
        reply.headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        return reply;
    }

    /** The body as bytes on the wire: none for HEAD, 304 and empty files. */
    long bodyBytes() {
        return text != null ? text.length : file != null ? length : 0;
    }

    ByteBuf textBuffer() {
        return Unpooled.wrappedBuffer(text);
    }

    Reply closing() {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return this;
    }
}
