/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * The pipeline of an accepted connection: idle timeout, Netty's HTTP codec (with the limits that make it refuse
 * long request lines and large headers: 414 and 431), one message per read, and the file handler.
 */
final class FileServerInitializer extends ChannelInitializer<Channel> {
    /** Request line limit: URLs longer than this get 414 (nginx's large_client_header_buffers is 8k too). */
    static final int MAX_REQUEST_LINE = 8192;
    /** All header lines together: more gets 431. */
    static final int MAX_HEADER_BYTES = 8192;
    /** A connection where nothing is read or written for this long is closed (a stalled download too). */
    static final int IDLE_TIMEOUT_SECONDS = 60;

    private final FileService service;
    private final ServerStats stats;
    private final AccessLog accessLog;

    FileServerInitializer(FileService service, ServerStats stats, AccessLog accessLog) {
        this.service = service;
        this.stats = stats;
        this.accessLog = accessLog;
    }

    @Override
    protected void initChannel(Channel ch) {
        HttpDecoderConfig limits = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADER_BYTES);
        ch.pipeline().addLast(
                // observeOutput: a slow reader that is still taking the file is not idle
                new IdleStateHandler(true, 0, 0, IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                new HttpServerCodec(limits),
                new FlowControlHandler(),
                new HttpFileHandler(service, stats, accessLog));
    }
}
