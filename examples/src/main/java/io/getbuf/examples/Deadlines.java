/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The two clocks of a connection between requests, ahead of the HTTP codec (it sees the bytes as they come):
 * <ul>
 * <li>the request-head deadline: a head must arrive whole within {@code headerTimeoutMillis} of the connection (for
 * the first) or of its first byte (for the next), however slowly it trickles in (slowloris); past it the client gets
 * a 408 and the connection closes;</li>
 * <li>the keep-alive timeout: a connection with no request in progress and no response to send closes after
 * {@code keepAliveTimeoutMillis}.</li>
 * </ul>
 * While a request is being answered neither runs ({@link HttpFileHandler} says when: {@link #requestReceived} and
 * {@link #idle}); a response that stops moving is the send timeout's business (an IdleStateHandler).
 */
final class Deadlines extends ChannelDuplexHandler {
    private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
            + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private enum State { AWAITING_REQUEST, READING_HEAD, ANSWERING }

    private final long headerTimeoutMillis;
    private final long keepAliveTimeoutMillis;
    private final LongAdder bytesRead;
    private ChannelHandlerContext ctx;
    private State state = State.READING_HEAD; // the first request's clock runs from the connection
    private ScheduledFuture<?> timer;
    private boolean bytesSinceHead; // part of the next request arrived while answering

    Deadlines(long headerTimeoutMillis, long keepAliveTimeoutMillis, LongAdder bytesRead) {
        this.headerTimeoutMillis = headerTimeoutMillis;
        this.keepAliveTimeoutMillis = keepAliveTimeoutMillis;
        this.bytesRead = bytesRead;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start(headerTimeoutMillis, true);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (timer == null) {
            start(headerTimeoutMillis, true);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            int n = ((ByteBuf) msg).readableBytes();
            bytesRead.add(n);
            if (n > 0) {
                if (state == State.AWAITING_REQUEST) {
                    state = State.READING_HEAD;
                    start(headerTimeoutMillis, true);
                } else if (state == State.ANSWERING) {
                    bytesSinceHead = true;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** A request head was decoded: its clock stops. */
    void requestReceived() {
        state = State.ANSWERING;
        bytesSinceHead = false;
        cancel();
    }

    /** Every response is sent: the keep-alive clock runs, or the next head's if part of it is here already. */
    void idle() {
        if (state != State.ANSWERING) {
            return;
        }
        if (bytesSinceHead) {
            state = State.READING_HEAD;
            start(headerTimeoutMillis, true);
        } else {
            state = State.AWAITING_REQUEST;
            start(keepAliveTimeoutMillis, false);
        }
    }

    private void start(long millis, boolean head) {
        cancel();
        timer = ctx.executor().schedule(() -> expired(head), millis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired(boolean head) {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (head && state == State.READING_HEAD) {
            // nothing else is being written: the 408 goes straight to the socket, past the codec
            ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        } else if (!head && state == State.AWAITING_REQUEST) {
            ctx.close();
        }
    }
}
