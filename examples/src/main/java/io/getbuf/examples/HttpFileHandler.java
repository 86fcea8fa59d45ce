/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * One connection's requests, in order: answers each with what {@link FileService} decides, writing the header and
 * then the body, the file's bytes as {@link DefaultFileRegion}s (the transport sends them without copying through
 * the JVM heap).
 *
 * <p>The channel runs with AUTO_READ off behind a {@link io.netty.handler.flow.FlowControlHandler}, reading a fixed
 * small buffer at a time, so requests arrive one per {@code read()}: a client pipelining thousands of requests gets
 * at most {@code maxPipelined} responses (and open files) queued before the server stops reading until they are
 * sent, and the server holds no more of its requests than one read. Requests the decoder refused (line or headers
 * too long, malformed) are answered and the connection closed without reading further, as is every request that
 * carries a body (GET and HEAD have none; reading one to find the next request is not worth it; a client that sent
 * {@code Expect: 100-continue} gets the final answer instead of a 100, which RFC 9110 allows).
 */
final class HttpFileHandler extends ChannelInboundHandlerAdapter {
    static final String SERVER_NAME = "getbuf-file-server";
    /** How long a connection being closed waits for the client to close first (see closeAfterResponse). */
    static final long LINGER_MILLIS = 2000;

    private final FileService service;
    private final ServerStats stats;
    private final AccessLog accessLog; // null: no log
    private final Deadlines deadlines;
    private final int maxPipelined;
    private int responsesInFlight;
    private boolean readWhenSent; // the next request waits for a response to be sent
    private boolean closing; // a response said Connection: close; ignore anything after it
    private boolean awaitingMessage; // asked for a message and none came yet

    HttpFileHandler(FileService service, ServerStats stats, AccessLog accessLog, Deadlines deadlines,
                    int maxPipelined) {
        this.service = service;
        this.stats = stats;
        this.accessLog = accessLog;
        this.deadlines = deadlines;
        this.maxPipelined = maxPipelined;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        read(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        awaitingMessage = false;
        try {
            if (closing) {
                return;
            }
            if (msg instanceof HttpRequest) {
                deadlines.requestReceived();
                request(ctx, (HttpRequest) msg);
            } else if (msg instanceof DecoderResultProvider
                    && ((DecoderResultProvider) msg).decoderResult().isFailure()) {
                closing = true; // a broken body of a request that was answered with Connection: close
                ctx.close();
                return;
            }
            if (closing) {
                return;
            }
            if (msg instanceof LastHttpContent) {
                readNextRequest(ctx);
            } else {
                read(ctx); // the rest of this request
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void request(ChannelHandlerContext ctx, HttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            send(ctx, request, refusal(result.cause()), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !hasBody(request);
        send(ctx, request, service.reply(request), keepAlive);
    }

    /** What the decoder's failure means for the client: 414, 431, or 400. */
    static Reply refusal(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return Reply.status(HttpResponseStatus.REQUEST_URI_TOO_LONG, "the request line is too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return Reply.status(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "the headers are too large");
        }
        return Reply.status(HttpResponseStatus.BAD_REQUEST, "malformed request");
    }

    private static boolean hasBody(HttpRequest request) {
        return HttpUtil.getContentLength(request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(request);
    }

    private void send(ChannelHandlerContext ctx, HttpRequest request, Reply reply, boolean keepAlive) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, reply.status, reply.headers);
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.DATE, DateFormatter.format(new Date()));
        headers.set(HttpHeaderNames.SERVER, SERVER_NAME);
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closing = true;
        } else if (!request.protocolVersion().isKeepAliveDefault()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE); // an HTTP/1.0 client asked
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        long bodyBytes = head ? 0 : reply.bodyBytes();
        responsesInFlight++;
        ctx.write(response);
        try {
            if (!head) {
                for (Object part : reply.body) {
                    if (part instanceof byte[]) {
                        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer((byte[]) part)));
                    } else {
                        long[] slice = (long[]) part;
                        ctx.write(reply.file.region(slice[0], slice[1])).addListener(f -> {
                            if (f.isSuccess()) {
                                stats.fileRegionSent(slice[1]);
                            }
                        });
                    }
                }
            }
        } finally {
            reply.release(); // each region holds its own reference
        }
        ChannelFuture sent = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        int status = reply.status.code();
        sent.addListener(f -> {
            responsesInFlight--;
            if (accessLog != null) {
                accessLog.log(ctx.channel().remoteAddress(), request, status, bodyBytes, f.isSuccess());
            }
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            stats.responseSent();
            if (!keepAlive) {
                closeAfterResponse(ctx);
                return;
            }
            if (readWhenSent) {
                readWhenSent = false;
                read(ctx);
            }
            if (responsesInFlight == 0) {
                deadlines.idle();
            }
        });
    }

    /**
     * Closing a socket with unread input makes the kernel send a reset, which can destroy the response in the
     * client's receive buffer before it is read (a client that pipelined, or sent headers the codec refused). So the
     * output is shut down (the client sees the end of the response), and what still arrives is read and dropped until
     * the client closes or {@link #LINGER_MILLIS} pass: a lingering close, as nginx does it.
     */
    private static void closeAfterResponse(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        if (!(channel instanceof DuplexChannel)) {
            ctx.close();
            return;
        }
        ((DuplexChannel) channel).shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            channel.config().setAutoRead(true); // everything read from now on is ignored (closing)
            ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private void readNextRequest(ChannelHandlerContext ctx) {
        if (responsesInFlight < maxPipelined) {
            read(ctx);
        } else {
            readWhenSent = true;
        }
    }

    private void read(ChannelHandlerContext ctx) {
        awaitingMessage = true;
        ctx.read();
    }

    /**
     * A read that ends without a message (the socket had only part of a request, or nothing) is over for the
     * FlowControlHandler, which forgets it: ask again.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (awaitingMessage && !closing) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // The first event after a write comes half a send timeout after it whether or not output moved since
            // (IdleStateHandler only notes the state then): a response queued on a connection idle until now would
            // be dropped the moment it starts. A later one means nothing moved for another half: the reader stopped.
            if (responsesInFlight > 0 && !((IdleStateEvent) evt).isFirst()) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a reset by the peer, or a file that shrank under a transfer: the connection cannot go on
        ctx.close();
        if (!(cause instanceof java.io.IOException)) {
            ctx.fireExceptionCaught(cause); // a bug: Netty logs what reaches the end of the pipeline
        }
    }
}
