/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pipeline of an accepted connection: the request-head and keep-alive clocks ({@link Deadlines}), the send
 * timeout, Netty's HTTP codec (with the limits that make it refuse long request lines and large headers: 414 and
 * 431), one message per read, and the file handler. Beyond {@code maxConnections} open connections a new one gets a
 * 503 and is closed.
 */
final class FileServerInitializer extends ChannelInitializer<Channel> {
    /** Request line limit: URLs longer than this get 414 (nginx's large_client_header_buffers is 8k too). */
    static final int MAX_REQUEST_LINE = 8192;
    /** All header lines together: more gets 431. */
    static final int MAX_HEADER_BYTES = 8192;
    private static final String BUSY_BODY = "503 Service Unavailable: too many connections\n";
    private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + BUSY_BODY.length() + "\r\n\r\n"
            + BUSY_BODY).getBytes(StandardCharsets.US_ASCII);

    private final FileService service;
    private final ServerStats stats;
    private final AccessLog accessLog;
    private final ServerOptions options;
    private final AtomicInteger connections = new AtomicInteger();

    FileServerInitializer(FileService service, ServerStats stats, AccessLog accessLog, ServerOptions options) {
        this.service = service;
        this.stats = stats;
        this.accessLog = accessLog;
        this.options = options;
    }

    /** Connections open now. */
    int connections() {
        return connections.get();
    }

    @Override
    protected void initChannel(Channel ch) {
        if (connections.incrementAndGet() > options.maxConnections) {
            connections.decrementAndGet();
            stats.connectionRefused();
            ch.pipeline().addLast(new Refuse());
            return;
        }
        ch.closeFuture().addListener(f -> connections.decrementAndGet());
        HttpDecoderConfig limits = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADER_BYTES);
        Deadlines deadlines = new Deadlines(options.headerTimeoutMillis, options.keepAliveTimeoutMillis,
                stats.bytesReadCounter());
        ch.pipeline().addLast(
                deadlines,
                // observeOutput: a slow reader that is still taking the file is not idle; half the send timeout:
                // HttpFileHandler acts on the second event in a row without progress
                new IdleStateHandler(true, 0, Math.max(1, options.sendTimeoutMillis / 2), 0, TimeUnit.MILLISECONDS),
                new HttpServerCodec(limits),
                new FlowControlHandler(),
                new HttpFileHandler(service, stats, accessLog, deadlines, options.maxPipelined));
    }

    /** Answers 503 on its own (no codec: nothing is read) and closes. */
    private static final class Refuse extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(BUSY)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
