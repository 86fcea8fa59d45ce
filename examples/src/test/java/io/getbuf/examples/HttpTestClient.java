/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * Netty's HTTP client codec over a plain blocking socket: requests are encoded by {@link HttpClientCodec} (so it
 * knows which answers to HEAD have no body) and written in one go, which is how several are pipelined; what comes
 * back is decoded and aggregated into {@link Response}s. A raw client sends bytes as given (malformed requests) and
 * decodes with a bare {@link HttpResponseDecoder}. Every read is bounded by {@link #READ_TIMEOUT_MILLIS}.
 */
final class HttpTestClient implements AutoCloseable {
    static final int READ_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_BODY = 4 * 1024 * 1024;
    private static final int READ_CHUNK = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final EmbeddedChannel codec;
    private final Queue<Response> responses = new ArrayDeque<>();
    private final String host;

    /** A response, copied out of Netty's buffers (so tests have nothing to release). */
    static final class Response {
        final int status;
        final HttpHeaders headers;
        final byte[] body;

        Response(FullHttpResponse r) {
            status = r.status().code();
            headers = r.headers().copy();
            body = ByteBufUtil.getBytes(r.content());
        }

        String header(CharSequence name) {
            return headers.get(name);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + headers + " (" + body.length + " bytes)";
        }
    }

    private HttpTestClient(InetSocketAddress address, EmbeddedChannel codec) throws IOException {
        socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        in = socket.getInputStream();
        this.codec = codec;
        host = address.getAddress().getHostAddress() + ':' + address.getPort();
    }

    static HttpTestClient connect(InetSocketAddress address) throws IOException {
        return new HttpTestClient(address, new EmbeddedChannel(new HttpClientCodec(),
                new HttpObjectAggregator(MAX_BODY)));
    }

    /** For {@link #sendRaw} only: no encoder to learn which requests were HEAD. */
    static HttpTestClient raw(InetSocketAddress address) throws IOException {
        return new HttpTestClient(address, new EmbeddedChannel(new HttpResponseDecoder(),
                new HttpObjectAggregator(MAX_BODY)));
    }

    /** A request with the Host header set. */
    FullHttpRequest request(HttpMethod method, String uri) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        request.headers().set(HttpHeaderNames.HOST, host);
        return request;
    }

    FullHttpRequest get(String uri) {
        return request(HttpMethod.GET, uri);
    }

    /** Encodes all of {@code requests} and writes them with one write: pipelined when there are several. */
    void send(HttpRequest... requests) throws IOException {
        for (HttpRequest r : requests) {
            codec.writeOutbound(r);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (ByteBuf b; (b = codec.readOutbound()) != null; ) {
            try {
                bytes.write(ByteBufUtil.getBytes(b));
            } finally {
                b.release();
            }
        }
        sendRaw(bytes.toByteArray());
    }

    void sendRaw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    void sendRaw(String text) throws IOException {
        sendRaw(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** One request, its response. */
    Response exchange(HttpRequest request) throws IOException {
        send(request);
        return read();
    }

    /** The next response; fails if the connection closes or stays silent first. */
    Response read() throws IOException {
        while (responses.isEmpty()) {
            if (!readSome()) {
                throw new AssertionError("the server closed the connection before a response");
            }
        }
        return responses.poll();
    }

    /**
     * Reads until the server closes the connection (true) or the read timeout passes (false); responses on the way
     * are kept for {@link #read}.
     */
    boolean awaitClose() throws IOException {
        try {
            while (readSome()) {
                // keep decoding
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private boolean readSome() throws IOException {
        byte[] chunk = new byte[READ_CHUNK];
        int n;
        try {
            n = in.read(chunk);
        } catch (IOException e) {
            if (e instanceof SocketTimeoutException) {
                throw e;
            }
            return false; // reset by the server: closed
        }
        if (n < 0) {
            return false;
        }
        codec.writeInbound(Unpooled.wrappedBuffer(chunk, 0, n));
        for (Object m; (m = codec.readInbound()) != null; ) {
            FullHttpResponse r = (FullHttpResponse) m;
            try {
                responses.add(new Response(r));
            } finally {
                r.release();
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        codec.finishAndReleaseAll();
    }
}
